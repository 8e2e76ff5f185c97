#!/usr/bin/env python3
"""The plain Python `plan` a team would write instead of `audiocache plan`: the benchmark's baseline.

    python3 Benchmarks/baseline_plan.py DIR_OR_FILE...

Walks the given files and folders, reads every `.csv` (csv.DictReader), `.jsonl` and `.ndjson`
(json.loads per line) file in sorted path order (byte order), keys each phrase with
`md5(" ".join(text.lower().split()) + "|" + voice_id + "|" + language)`, keeps the first text
of each key, and prints to stdout the totals and per-(voice, language) groups in the shape of
`audiocache plan --json`:

    {"totals": {"phrases": N, "renderings": U, "duplicates": N - U, "characters": C, "files": F},
     "groups": [{"voice_id": ..., "language": ..., "phrases": ..., "renderings": ...,
                 "duplicates": ..., "characters": ...}, ...]}

`characters` is the sum of len(text) over the first text of each rendering. Groups are sorted by
voice, then language. Rows must name their voice_id and language (no folder or file defaults)
and are not validated: this is the straightforward script, not a second implementation.
Standard library only.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys

EXTENSIONS = (".csv", ".jsonl", ".ndjson")


def manifest_files(arguments: list[str]) -> list[str]:
    found = []
    for argument in arguments:
        if os.path.isdir(argument):
            for folder, _, names in os.walk(argument):
                found.extend(os.path.join(folder, name) for name in names if name.lower().endswith(EXTENSIONS))
        else:
            found.append(argument)
    return sorted(found, key=os.fsencode)


def rows(path: str):
    if path.lower().endswith(".csv"):
        with open(path, encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)
    else:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: baseline_plan.py DIR_OR_FILE...", file=sys.stderr)
        return 64
    files = manifest_files(sys.argv[1:])
    first_text: dict[str, str] = {}
    groups: dict[tuple[str, str], dict[str, int]] = {}
    for path in files:
        for row in rows(path):
            text, voice, language = row["text"], row["voice_id"], row["language"]
            normalized = " ".join(text.lower().split())
            key = hashlib.md5((normalized + "|" + voice + "|" + language).encode("utf-8")).hexdigest()
            group = groups.get((voice, language))
            if group is None:
                group = groups[(voice, language)] = {"phrases": 0, "renderings": 0, "characters": 0}
            group["phrases"] += 1
            if key not in first_text:
                first_text[key] = text
                group["renderings"] += 1
                group["characters"] += len(text)

    group_list = []
    for (voice, language), group in sorted(groups.items()):
        group_list.append(
            {
                "voice_id": voice,
                "language": language,
                "phrases": group["phrases"],
                "renderings": group["renderings"],
                "duplicates": group["phrases"] - group["renderings"],
                "characters": group["characters"],
            }
        )
    phrases = sum(group["phrases"] for group in group_list)
    totals = {
        "phrases": phrases,
        "renderings": len(first_text),
        "duplicates": phrases - len(first_text),
        "characters": sum(group["characters"] for group in group_list),
        "files": len(files),
    }
    json.dump({"totals": totals, "groups": group_list}, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
