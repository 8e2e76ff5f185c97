#!/usr/bin/env python3
"""Find pre-warmed audio in an audiocache cache folder, with nothing but the standard library.

The folder's format is documented in docs/cache-format.md. This module reads it the way that
document says a runtime should:

1. load ``index.json`` (refusing a ``format_version`` newer than 1 and unknown key schemes),
2. apply ``index.journal`` when its first record names the same ``generation`` (a torn last line
   is ignored; replay stops at the first record that is not a complete, valid line),
3. look a phrase up by its seed key, honouring ``expires_at`` and checking that the file exists.

It only reads: it takes no lock, records no access and never writes to the cache folder, so it
may run while ``audiocache`` (or a Swift service) writes the folder.

    >>> cache = AudioCache("cache")
    >>> cache.lookup("Hola mundo", "es-voice", "es")
    '/srv/app/cache/audio/3f/a2/3fa2...c1-9b1e4c2d.mp3'

Command line (exit 0 and the file's path when cached, exit 1 when not, 2 on errors):

    python3 audio_cache.py CACHE_DIR --text "Hola mundo" --voice es-voice --language es [--json]
"""

import argparse
import calendar
import datetime
import hashlib
import json
import os
import re
import sys
import time

FORMAT_NAME = "audiocache-index"
FORMAT_VERSION = 1
KEY_SCHEME = "md5-text-voice-language-v1"
INDEX_NAME = "index.json"
JOURNAL_NAME = "index.journal"

_KEY = re.compile(r"[0-9a-f]{32}\Z")
_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?[Zz]\Z")


class CacheFormatError(Exception):
    """The cache folder cannot be read: missing, damaged, or written by a newer format."""


def cache_key(text, voice_id, language):
    """The seed runtime's key (key scheme ``md5-text-voice-language-v1``)."""
    normalized = " ".join(text.lower().split())
    return hashlib.md5((normalized + "|" + voice_id + "|" + language).encode("utf-8")).hexdigest()


def parse_timestamp(text):
    """Milliseconds since 1970 of an index timestamp such as ``2023-04-25T18:30:00.000Z``."""
    match = _TIMESTAMP.match(text) if isinstance(text, str) else None
    if not match:
        raise CacheFormatError("not a UTC timestamp like 2023-04-25T18:30:00.000Z: %r" % (text,))
    year, month, day, hour, minute, second = (int(match.group(n)) for n in range(1, 7))
    fraction = (match.group(7) or "0")[:3].ljust(3, "0")
    try:
        seconds = calendar.timegm(datetime.datetime(year, month, day, hour, minute, second).timetuple())
    except ValueError:
        raise CacheFormatError("not a valid date: %r" % (text,)) from None
    return seconds * 1000 + int(fraction)


def rendering_fingerprint(rendering):
    """The SHA-256 (hex) of a ``rendering`` object, as ``rendering_fingerprint`` records it.

    The rendering is hashed as compact JSON with its keys in code point order, ``model_id`` null
    when there is no model, ``voice_settings`` ``{}`` when none were sent, numbers written as
    floating point (Python's ``repr``) and non-ASCII characters as UTF-8.
    """
    settings = {}
    for name, value in (rendering.get("voice_settings") or {}).items():
        settings[name] = value if isinstance(value, bool) else float(value)
    canonical = {
        "model_id": rendering.get("model_id"),
        "output_format": rendering["output_format"],
        "provider": rendering["provider"],
        "text": rendering["text"],
        "voice_settings": settings,
    }
    data = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def is_safe_audio_path(path):
    """Whether ``path`` stays inside the cache's ``audio/`` folder (no ``..``, absolute or hidden part)."""
    if not isinstance(path, str):
        return False
    parts = path.split("/")
    return (
        len(parts) >= 2
        and parts[0] == "audio"
        and all(part and not part.startswith(".") and "\0" not in part and "\\" not in part for part in parts[1:])
    )


def _milliseconds(now):
    if now is None:
        return int(round(time.time() * 1000))
    if isinstance(now, datetime.datetime):
        if now.tzinfo is None:
            now = now.replace(tzinfo=datetime.timezone.utc)
        return int(round(now.timestamp() * 1000))
    if isinstance(now, str):
        return parse_timestamp(now)
    return int(round(float(now) * 1000))


class AudioCache:
    """A cache folder, loaded once: ``index.json`` plus the journal records that follow it.

    Attributes:
        directory: the cache folder (absolute).
        generation: the ``generation`` of the ``index.json`` read.
        entries: every entry by key, as the JSON objects the index holds.
        stats: ``{"hits": ..., "misses": ..., "since": ...}`` as last recorded by the writer.
        replayed_records: how many journal records were applied on top of ``index.json``.
    """

    def __init__(self, directory):
        self.directory = os.path.abspath(directory)
        if not os.path.isdir(self.directory):
            raise CacheFormatError("%s: no such cache folder" % self.directory)
        # A journal newer than the index.json read means the writer replaced both in between:
        # read them again (a few times at most; a busy writer may keep us one step behind).
        for _ in range(5):
            self.generation = 0
            self.entries = {}
            self.stats = {"hits": 0, "misses": 0, "since": None}
            self.replayed_records = 0
            self._load_index()
            if not self._apply_journal():
                break

    def _load_index(self):
        path = os.path.join(self.directory, INDEX_NAME)
        try:
            with open(path, "rb") as file:
                document = json.loads(file.read().decode("utf-8"))
        except FileNotFoundError:
            return  # a folder no writer has closed yet: empty (the journal may still hold entries)
        except (UnicodeDecodeError, ValueError) as error:
            raise CacheFormatError("%s: not valid JSON: %s" % (path, error)) from None
        if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
            raise CacheFormatError('%s: not an audiocache index (no "format": "%s")' % (path, FORMAT_NAME))
        version = document.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise CacheFormatError("%s: format_version must be a whole number, found %r" % (path, version))
        if version > FORMAT_VERSION:
            raise CacheFormatError(
                "%s: index format version %d is newer than this reader understands (%d); upgrade the reader"
                % (path, version, FORMAT_VERSION)
            )
        if document.get("key_scheme") != KEY_SCHEME:
            raise CacheFormatError("%s: unknown key scheme %r" % (path, document.get("key_scheme")))
        self.generation = document.get("generation", 0)
        self.stats = dict(document.get("stats") or self.stats)
        entries = document.get("entries")
        if not isinstance(entries, dict):
            raise CacheFormatError("%s: entries must be an object" % path)
        for key, entry in entries.items():
            if not isinstance(entry, dict) or entry.get("key") != key or not _KEY.match(key):
                raise CacheFormatError("%s: entry %r does not hold its own key" % (path, key))
            if not is_safe_audio_path(entry.get("path")):
                raise CacheFormatError("%s: entry %s: path %r is not inside audio/" % (path, key, entry.get("path")))
        self.entries = entries

    def _apply_journal(self):
        """Applies the journal; returns True when it follows a newer index.json than the one read."""
        path = os.path.join(self.directory, JOURNAL_NAME)
        try:
            with open(path, "rb") as file:
                data = file.read()
        except FileNotFoundError:
            return False
        lines = data.split(b"\n")[:-1]  # what follows the last line feed is a torn write: ignored
        records = []
        for line in lines:
            try:
                record = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                break  # a damaged record ends the journal
            if not isinstance(record, dict):
                break
            records.append(record)
        generation = records[0].get("generation") if records and records[0].get("op") == "begin" else None
        if not isinstance(generation, int) or isinstance(generation, bool):
            return False
        if generation != self.generation:
            return generation > self.generation  # else stale: index.json already holds its records
        for record in records[1:]:
            if not self._apply(record):
                break
            self.replayed_records += 1
        return False

    def _apply(self, record):
        op = record.get("op")
        if op == "put":
            entry = record.get("entry")
            if not isinstance(entry, dict) or not _KEY.match(str(entry.get("key"))):
                return False
            if not is_safe_audio_path(entry.get("path")):
                return False
            self.entries[entry["key"]] = entry
        elif op == "touch":
            entry = self.entries.get(record.get("key"))
            if "last_accessed" not in record or "access_count" not in record:
                return False
            if entry is not None:
                entry["last_accessed"] = record["last_accessed"]
                entry["access_count"] = record["access_count"]
        elif op == "stats":
            if not isinstance(record.get("stats"), dict):
                return False
            self.stats = dict(record["stats"])
        else:
            return False  # unknown or misplaced record: stop, as the writer's own reader does
        return True

    def entry(self, text, voice_id, language):
        """The entry of a phrase, expired or not, or None."""
        return self.entries.get(cache_key(text, voice_id, language))

    def is_expired(self, entry, now=None):
        """Whether ``entry``'s ``expires_at`` is at or before ``now`` (default: the current time)."""
        expires_at = entry.get("expires_at")
        return expires_at is not None and parse_timestamp(expires_at) <= _milliseconds(now)

    def path(self, entry):
        """The absolute path of an entry's audio file."""
        return os.path.join(self.directory, *entry["path"].split("/"))

    def lookup(self, text, voice_id, language, now=None):
        """The absolute path of a phrase's audio, or None when it is absent, expired or its file is gone.

        ``now`` may be a ``datetime`` (naive means UTC), seconds since 1970, or an index timestamp.
        """
        entry = self.entry(text, voice_id, language)
        if entry is None or self.is_expired(entry, now):
            return None
        path = self.path(entry)
        return path if os.path.isfile(path) else None


def main(arguments=None):
    parser = argparse.ArgumentParser(description="Print the audio file a cache folder holds for a phrase.")
    parser.add_argument("cache_dir", metavar="CACHE_DIR", help="the cache folder")
    parser.add_argument("--text", required=True, help="the phrase as written (normalized for the key)")
    parser.add_argument("--voice", required=True, help="the voice id")
    parser.add_argument("--language", required=True, help="the language")
    parser.add_argument("--json", action="store_true", help="print the index entry instead of the path")
    parser.add_argument("--now", help="check expiry at this time (2023-04-25T18:30:00.000Z) instead of now")
    options = parser.parse_args(arguments)
    try:
        cache = AudioCache(options.cache_dir)
        path = cache.lookup(options.text, options.voice, options.language, now=options.now)
    except CacheFormatError as error:
        print("audio_cache.py: error: %s" % error, file=sys.stderr)
        return 2
    if path is None:
        return 1
    if options.json:
        entry = cache.entry(options.text, options.voice, options.language)
        print(json.dumps(entry, ensure_ascii=False, indent=2))
    else:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
