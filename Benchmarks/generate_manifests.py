#!/usr/bin/env python3
"""Writes a deterministic set of phrase manifests for the `audiocache plan` benchmark.

    python3 Benchmarks/generate_manifests.py --phrases 100000 --out Benchmarks/data/plan-100000

The folder gets eight flat files, `part-00.csv` … `part-03.csv` and `part-04.jsonl` …
`part-07.jsonl`, holding N phrases between them. Every row names its `voice_id` and `language`,
so the folder layout sets nothing. About 30% of the rows are duplicates of an earlier row with
the same voice and language: exact repeats, repeats in another case, and repeats with odd
whitespace (double spaces, tabs, NBSP, ideographic space, leading/trailing blanks, line breaks)
that normalise to the same key. Texts are 10-120 characters of Latin with accents (some
decomposed), Greek with Σ, Cyrillic, Arabic, Japanese, Turkish İ and emoji; some CSV fields
need quoting (commas, quotes, embedded line breaks).

Each duplicate is checked against the real key, `md5(" ".join(text.lower().split()) + "|" +
voice_id + "|" + language)`, so the ratio printed at the end is exact, not estimated. The same
seed and phrase count always give the same bytes. Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import sys
import time

CSV_FILES = 4
JSONL_FILES = 4
DUPLICATE_SHARE = 0.30
MIN_TEXT = 10
MAX_TEXT = 120

# (language, voices that speak it, words, word separator). Voices are shared between some
# languages, as multilingual voices are.
LANGUAGES = [
    (
        "es",
        ["EXAVITQu4vr4xnSDxMaL", "pNInz6obpgDQGcFmaJgB", "es_narrator.v2"],
        "¿Dónde está la estación? mañana niño corazón canción ¡Hola! pingüino señal año Ñandú "
        "acción rápido también, el de que y en los se del las por un para con no una su al lo "
        "como más pero sus le ya o este sí porque esta entre cuando muy sin sobre "
        "partida guardada nivel completado pulsa continuar opciones jugador misión "
        "Cafe\u0301 acentuación",
        " ",
    ),
    (
        "en",
        ["21m00Tcm4TlvDq8ikWAM", "EXAVITQu4vr4xnSDxMaL", "onwK4e9ZLuTAKqWW03F9", "en-GB_storyteller+warm"],
        "the of and to in is you that it he was for on are as with his they at be this have "
        "from or one had by word but not what all were we when your can said there use an "
        "each which she do how their if will up other about out many then them these so "
        "café naïve résumé don't it's \"Press start\" level, checkpoint reached! "
        "Welcome back. Your order is ready. Mind the gap, please. HTTP/2 3.5GB 100%",
        " ",
    ),
    (
        "fr",
        ["21m00Tcm4TlvDq8ikWAM", "fr_voix.claire"],
        "Ça où été garçon cœur Œuvre élève s'il vous plaît fenêtre déjà Noël le de un être et "
        "à il avoir ne je son que se qui ce dans en du elle au pour pas sur « bienvenue » "
        "prochain arrêt, veuillez patienter. À bientôt ! Quelle journée…",
        " ",
    ),
    (
        "de",
        ["pNInz6obpgDQGcFmaJgB", "de_sprecher-1"],
        "Straße Grüße Fußball Mädchen Übung schön Größe \u1e9eTRASSE der die und in den von zu "
        "das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat "
        "„Willkommen“ nächster Halt, bitte zurückbleiben. Äpfel Öl",
        " ",
    ),
    (
        "el",
        ["onwK4e9ZLuTAKqWW03F9", "el_fonitiki"],
        "Σίσυφος ΟΔΥΣΣΕΥΣ καλημέρα ευχαριστώ Σας ψυχή λόγος ΣΟΦΟΣ και το να του η της με "
        "θα δεν που σε τα για ΕΠΟΜΕΝΗ ΣΤΑΣΗ· Καλώς ήρθατε; ΑΣ ΠΑΜΕ ΟΔΟΣ όμως ήταν",
        " ",
    ),
    (
        "ru",
        ["EXAVITQu4vr4xnSDxMaL", "ru_diktor.2"],
        "Привет мир Ёлка щука объявление ЭКРАН Добро пожаловать ещё и в не на я быть он с "
        "что а по это она этот к но они мы как из у который то за свой «Следующая» станция, "
        "осторожно! двери закрываются.",
        " ",
    ),
    (
        "ar",
        ["pNInz6obpgDQGcFmaJgB", "ar_qari-1"],
        "مرحبا بالعالم شكرا كيف حالك السلام عليكم الكتاب في من على إلى أن هذا التي الذي "
        "مع كان لا ما هو المحطة التالية، أهلاً وسهلاً! ٢٠٢٤ العربيّة",
        " ",
    ),
    (
        "ja",
        ["21m00Tcm4TlvDq8ikWAM", "ja_yomiage"],
        "こんにちは 世界 ありがとう ございます 東京 駅 次は 終点 です カタカナ ｶﾀｶﾅ 「ようこそ」 "
        "お待ちください 。 、 ドアが 閉まります ご注意 ください 新宿 渋谷 品川 ＡＢＣ １２３",
        "",
    ),
    (
        "tr",
        ["onwK4e9ZLuTAKqWW03F9", "tr_anlatici"],
        "İstanbul IĞDIR ılık şehir güzel İyi günler Çok teşekkür ederim bir ve bu da ne için "
        "ile çok daha gibi sonraki durak, lütfen dikkat! İZMİR Iğdır",
        " ",
    ),
]

EMOJI = ["🎉", "👍🏽", "🇪🇸", "👨\u200d👩\u200d👧", "❤\ufe0f", "🚆", "✅", "😀"]
TAGS = ["menu", "tutorial", "level 2, act 1", 'say "hi"', "ui", "", "dialogue"]

# Whitespace Python's str.split() separates on (each is str.isspace()); none is a control
# character other than tab and line feed, which the manifest rules allow.
ODD_SPACES = ["  ", "\t", "\u00a0", "\u3000", " \t ", "\u2009", "\n", "   "]


def key_of(text: str, voice: str, language: str) -> bytes:
    """The cache key's digest, exactly as the existing runtime computes it."""
    return hashlib.md5((" ".join(text.lower().split()) + "|" + voice + "|" + language).encode("utf-8")).digest()


class PhraseFactory:
    """Makes new texts and duplicate variants from one seeded random source."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.languages = [(lang, voices, words.split(" "), sep) for lang, voices, words, sep in LANGUAGES]

    def new_text(self, words: list[str], sep: str) -> str:
        rng = self.rng
        target = rng.randint(MIN_TEXT, MAX_TEXT)
        parts: list[str] = []
        length = -len(sep)
        for word in rng.choices(words, k=40):
            if length + len(sep) + len(word) > MAX_TEXT:
                break
            parts.append(word)
            length += len(sep) + len(word)
            if length >= target:
                break
        roll = rng.random()
        if roll < 0.05 and length + 2 <= MAX_TEXT:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(EMOJI))
        elif roll < 0.07 and sep and len(parts) > 2:
            # A two-line text: the CSV field needs quotes, the JSON string an escape.
            cut = rng.randrange(1, len(parts))
            parts[cut] = "\n" + parts[cut]
        text = sep.join(parts)
        if roll > 0.97 and len(text) + 2 <= MAX_TEXT:
            text = text.capitalize() + "."
        while len(text) < MIN_TEXT:
            text += sep + rng.choice(words)
        return text

    def variant(self, text: str, has_spaces: bool) -> str:
        """A text that normalises like `text` (the caller checks that it really does)."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.40:
            return text
        if roll < 0.55:
            return text.upper()
        if roll < 0.65:
            return text.lower()
        if roll < 0.70:
            return text.title()
        # Odd whitespace, sometimes with a case change on top.
        if has_spaces and " " in text:
            pieces = text.split(" ")
            out = [pieces[0]]
            for piece in pieces[1:]:
                out.append(rng.choice(ODD_SPACES) if rng.random() < 0.4 else " ")
                out.append(piece)
            text = "".join(out)
        if rng.random() < 0.5:
            text = rng.choice([" ", "\t", "\u00a0", "  "]) + text
        if rng.random() < 0.5:
            text = text + rng.choice([" ", "\u3000", "\t", "  "])
        if roll > 0.9:
            text = text.swapcase()
        return text


def allocate(total: int, parts: int) -> list[int]:
    return [total * (i + 1) // parts - total * i // parts for i in range(parts)]


def generate(phrases: int, out_dir: str, seed: int) -> dict:
    rng = random.Random(seed)
    factory = PhraseFactory(rng)
    languages = factory.languages
    seen: set[bytes] = set()
    # Unique renderings so far: (text, voice, language, language index).
    uniques: list[tuple[str, str, str, int]] = []
    duplicates = 0
    characters = 0
    variants = 0

    def next_row() -> tuple[str, str, str]:
        nonlocal duplicates, characters, variants
        if uniques and rng.random() < DUPLICATE_SHARE:
            # Popular phrases repeat more: bias the pick toward the first ones.
            text, voice, language, li = uniques[int(len(uniques) * rng.random() ** 2)]
            candidate = factory.variant(text, bool(languages[li][3]))
            if candidate != text and len(candidate) <= MAX_TEXT:
                if key_of(candidate, voice, language) == key_of(text, voice, language):
                    variants += 1
                    text = candidate
            duplicates += 1
            return text, voice, language
        while True:
            if uniques and rng.random() < 0.05:
                # The same text for another voice of its language: a new rendering, not a repeat.
                text, _, language, li = uniques[rng.randrange(len(uniques))]
                voice = rng.choice(languages[li][1])
            else:
                li = rng.randrange(len(languages))
                language, voices, words, sep = languages[li]
                voice = rng.choice(voices)
                text = factory.new_text(words, sep)
            key = key_of(text, voice, language)
            if key not in seen:
                seen.add(key)
                uniques.append((text, voice, language, li))
                characters += len(text)
                return text, voice, language

    counts = allocate(phrases, CSV_FILES + JSONL_FILES)
    files = []
    row_number = 0
    for index, count in enumerate(counts):
        if index < CSV_FILES:
            name = f"part-{index:02d}.csv"
            path = os.path.join(out_dir, name)
            with_tag = index % 2 == 1
            # RFC 4180 line ends in half the files, bare line feeds in the others.
            terminator = "\r\n" if index < CSV_FILES // 2 else "\n"
            with open(path, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator=terminator)
                writer.writerow(["id", "text", "voice_id", "language"] + (["tag"] if with_tag else []))
                for _ in range(count):
                    row_number += 1
                    text, voice, language = next_row()
                    row = [f"p{row_number:07d}", text, voice, language]
                    if with_tag:
                        row.append(TAGS[row_number % len(TAGS)])
                    writer.writerow(row)
        else:
            name = f"part-{index:02d}.jsonl"
            path = os.path.join(out_dir, name)
            # One JSON Lines file escapes everything outside ASCII (\u00e9, surrogate pairs).
            ascii_only = index == CSV_FILES + 1
            lines = []
            for _ in range(count):
                row_number += 1
                text, voice, language = next_row()
                lines.append(
                    json.dumps(
                        {"id": f"p{row_number:07d}", "text": text, "voice_id": voice, "language": language},
                        ensure_ascii=ascii_only,
                    )
                )
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write("\n".join(lines))
                if lines:
                    handle.write("\n")
        files.append(name)

    return {
        "phrases": phrases,
        "renderings": len(uniques),
        "duplicates": duplicates,
        "variants": variants,
        "characters": characters,
        "files": files,
        "groups": len({(voice, language) for _, voice, language, _ in uniques}),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phrases", type=int, required=True, help="how many phrases in all")
    parser.add_argument("--out", required=True, help="the folder to write (replaced if it exists)")
    parser.add_argument("--seed", type=int, default=20240611, help="random seed (default %(default)s)")
    args = parser.parse_args()
    if args.phrases < 1:
        parser.error("--phrases must be at least 1")

    started = time.perf_counter()
    out_dir = os.path.abspath(args.out)
    staging = out_dir + ".tmp"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    stats = generate(args.phrases, staging, args.seed)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.rename(staging, out_dir)
    size = sum(os.path.getsize(os.path.join(out_dir, name)) for name in stats["files"])

    ratio = stats["duplicates"] / stats["phrases"]
    print(
        f"generated {stats['phrases']} phrases in {len(stats['files'])} files ({size / 1e6:.1f} MB) "
        f"into {args.out} in {time.perf_counter() - started:.1f} s"
    )
    print(
        f"  renderings {stats['renderings']}, duplicates {stats['duplicates']} ({ratio:.1%}; "
        f"{stats['variants']} of them differ in case or whitespace), characters {stats['characters']}, "
        f"groups {stats['groups']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
