#!/usr/bin/env python3
"""Generate Sources/AudioCache/Keys/PythonUnicodeTables.swift from this Python's Unicode data.

The cache key of the existing runtime is
    hashlib.md5(f"{' '.join(text.lower().split())}|{voice_id}|{language}".encode()).hexdigest()
so the Swift side must reproduce `str.lower()` and `str.split()` exactly, for the Unicode version
of the Python that runs it. This script asks Python itself (stdlib only) and writes compact tables:

* lowercaseRuns: every code point c with len(chr(c).lower()) == 1 and chr(c).lower() != chr(c),
  as runs (first, last, stride, target of first); c in the run maps to target + (c - first).
* lowercaseExpansions: code points whose lowercase is several scalars, as
  (source, count, scalar...) records (only U+0130 in Unicode 14).
* spaceRanges: the code points where chr(c).isspace(), as (first, last) pairs.
* caseIgnorableRanges / casedRanges: the two predicates of the Final_Sigma rule, as observed
  through str.lower() (see derive_sigma_predicates).

Usage (from the package root): python3 scripts/generate-unicode-tables.py [--check]
With --check, exits 1 instead of writing when the committed file is out of date.
"""

import os
import sys
import tempfile
import unicodedata

OUTPUT = os.path.join("Sources", "AudioCache", "Keys", "PythonUnicodeTables.swift")
SIGMA = "\u03a3"
FINAL_SIGMA = "\u03c2"


def code_points():
    """Every code point a Swift String can hold: all but the surrogates."""
    return [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]


def derive_sigma_predicates(cps):
    """Derive what CPython's handle_capital_sigma observes, for every code point.

    CPython lowers U+03A3 to U+03C2 when, in the original string, scanning backwards over
    case-ignorable characters reaches a character that is cased, and scanning forwards over
    case-ignorable characters reaches the end or a character that is not cased. `IsCased` is
    only ever asked of characters that are not case-ignorable, so two predicates suffice:
    I(c) = case-ignorable, P(c) = cased and not case-ignorable. Then, by that algorithm:
        r1 = (c + "Σ").lower() ends with "ς"       = P(c)
        r2 = ("A" + c + "Σ").lower() ends with "ς" = I(c) or P(c)
        r3 = ("AΣ" + c).lower()[1] == "ς"          = I(c) or not P(c)
    so I(c) = r2 and r3 and not r1, and P(c) = r1. Any other combination would mean the model
    is wrong, and the script stops.
    """
    ignorable, cased = [], []
    for c in cps:
        ch = chr(c)
        r1 = (ch + SIGMA).lower().endswith(FINAL_SIGMA)
        r2 = ("A" + ch + SIGMA).lower().endswith(FINAL_SIGMA)
        r3 = ("A" + SIGMA + ch).lower()[1] == FINAL_SIGMA
        if (r1, r2, r3) == (True, True, False):
            cased.append(c)
        elif (r1, r2, r3) == (False, True, True):
            ignorable.append(c)
        elif (r1, r2, r3) != (False, False, True):
            sys.exit(f"U+{c:04X}: unexpected Final_Sigma observations {(r1, r2, r3)}")
    return ignorable, cased


def ranges(sorted_cps):
    """Collapses sorted code points into inclusive (first, last) ranges."""
    out = []
    for c in sorted_cps:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def runs(single):
    """Collapses {c: target} into (first, last, stride, firstTarget) runs of constant delta."""
    out = []
    for c in sorted(single):
        delta = single[c] - c
        if out:
            first, last, stride, target = out[-1]
            same = target - first == delta
            if same and stride == 0 and c - last in (1, 2):
                out[-1] = [first, c, c - last, target]
                continue
            if same and stride != 0 and c - last == stride:
                out[-1][1] = c
                continue
        out.append([c, c, 0, single[c]])
    return [[f, l, s or 1, t] for f, l, s, t in out]


def swift_array(name, doc, numbers, per_line=8):
    lines = [f"    /// {line}".rstrip() for line in doc]
    lines.append(f"    static let {name}: [UInt32] = [")
    for i in range(0, len(numbers), per_line):
        chunk = ", ".join(f"0x{n:04X}" for n in numbers[i : i + per_line])
        lines.append(f"        {chunk},")
    lines.append("    ]")
    return "\n".join(lines)


def flat(rows):
    return [n for row in rows for n in row]


def generate():
    cps = code_points()
    single, expansions, growth = {}, [], 1
    for c in cps:
        lower = chr(c).lower()
        if lower == chr(c):
            continue
        growth = max(growth, -(-len(lower.encode()) // len(chr(c).encode())))
        if len(lower) == 1:
            single[c] = ord(lower)
        else:
            expansions.append([c, len(lower)] + [ord(x) for x in lower])
    spaces = [c for c in cps if chr(c).isspace()]
    # The Swift side splits on the input scalars: that equals splitting the lowered text
    # only while no whitespace changes case and no lowercase contains whitespace.
    for c in cps:
        lower = chr(c).lower()
        if chr(c).isspace() and lower != chr(c) or not chr(c).isspace() and any(x.isspace() for x in lower):
            sys.exit(f"U+{c:04X}: lowercasing and whitespace interact; the Swift code assumes not")
    if single.get(ord(SIGMA)) != 0x03C3:
        sys.exit("U+03A3 does not lower to U+03C3 out of context")
    ignorable, cased = derive_sigma_predicates(cps)
    lower_runs = runs(single)
    expanded = {c: t + (c - f) for f, l, st, t in lower_runs for c in range(f, l + 1, st)}
    if expanded != single:
        sys.exit("internal error: lowercase runs do not reproduce the mappings")

    version = unicodedata.unidata_version
    header = f"""\
// GENERATED FILE: do not edit. Regenerate from the package root with
//     python3 scripts/generate-unicode-tables.py
// Source: Python {sys.version.split()[0]}, unicodedata.unidata_version {version}.
// {len(single) + len(expansions)} lowercase mappings ({len(lower_runs)} runs), {len(spaces)} whitespace code points,
// {len(ignorable)} case-ignorable and {len(cased)} cased (not case-ignorable) code points.

/// Python's Unicode data, as observed through `str.lower()` and `str.isspace()`.
///
/// Flat tables, compiled once and expanded at run time by `PythonCaseTable`.
enum PythonUnicodeTables {{
    /// `unicodedata.unidata_version` of the Python these tables come from.
    static let unicodeVersion = "{version}"

    /// An upper bound on `len(chr(c).lower().encode()) / len(chr(c).encode())`, rounded up.
    static let maxUTF8GrowthFactor = {growth}
"""
    parts = [
        swift_array(
            "lowercaseRuns",
            [
                "Single-scalar lowercase mappings as `(first, last, stride, firstTarget)` runs:",
                "`c` in `stride(from: first, through: last, by: stride)` lowers to `firstTarget + (c - first)`.",
            ],
            flat(lower_runs),
        ),
        swift_array(
            "lowercaseExpansions",
            ["Multi-scalar lowercase mappings as `(source, count, scalar...)` records."],
            flat(expansions),
        ),
        swift_array(
            "spaceRanges",
            ["Code points where `str.isspace()` holds, as inclusive `(first, last)` ranges."],
            flat(ranges(spaces)),
        ),
        swift_array(
            "caseIgnorableRanges",
            ["Case-ignorable code points (skipped by the Final_Sigma scan), as inclusive ranges."],
            flat(ranges(ignorable)),
        ),
        swift_array(
            "casedRanges",
            ["Cased code points that are not case-ignorable (they decide Final_Sigma), as inclusive ranges."],
            flat(ranges(cased)),
        ),
    ]
    return header + "\n" + "\n\n".join(parts) + "\n}\n"


def main():
    check = "--check" in sys.argv[1:]
    text = generate()
    try:
        with open(OUTPUT, encoding="utf-8") as f:
            current = f.read()
    except FileNotFoundError:
        current = None
    # The Python patch version in the header may differ between machines; compare the rest.
    def body(s):
        return None if s is None else "\n".join(l for l in s.splitlines() if not l.startswith("// Source:"))
    if body(current) == body(text):
        print(f"{OUTPUT} is up to date")
        return
    if check:
        sys.exit(f"{OUTPUT} is out of date; run python3 scripts/generate-unicode-tables.py")
    directory = os.path.dirname(OUTPUT)
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".PythonUnicodeTables.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(temp, OUTPUT)
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
