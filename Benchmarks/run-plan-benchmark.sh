#!/usr/bin/env bash
# The `plan` benchmark: `audiocache plan DIR --json` against the plain Python baseline on
# generated manifests of 100k and 1M phrases. Prints figures; it is not a timed test and only
# fails when something breaks or the two tools disagree on the totals.
#
#   Benchmarks/run-plan-benchmark.sh
#
# Environment:
#   AUDIOCACHE  the binary to measure; default: `scripts/build-release audiocache`
#   RUNS        runs per tool and size, best wall time kept (default 3)
#   SIZES       phrase counts (default "100000 1000000")
#   SEED        generator seed (default 20240611)
#   DATA_DIR    where datasets live, reused while their parameters match (default Benchmarks/data)
#   PYTHON      the Python that runs the generator and the baseline (default python3)
#
# See Benchmarks/README.md for what is measured and the targets.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS=${RUNS:-3}
SIZES=${SIZES:-"100000 1000000"}
SEED=${SEED:-20240611}
DATA_DIR=${DATA_DIR:-Benchmarks/data}
PYTHON=${PYTHON:-python3}
AUDIOCACHE=${AUDIOCACHE:-}

# step, die, require_gnu_time, release_binary (this script keeps its own measure, per size and tool)
source Benchmarks/lib.sh  # the script runs from the repository root (cd above)

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
for size in $SIZES; do
    [[ $size =~ ^[1-9][0-9]*$ ]] || die "SIZES must hold positive integers, not '$size'"
done

require_gnu_time

release_binary AUDIOCACHE audiocache
step "measuring $AUDIOCACHE"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A dataset is reused while its size, seed and generator are the ones asked for. The stamp sits
# beside the folder, not in it, so that the tools read manifests only.
generator_hash=$(sha256sum Benchmarks/generate_manifests.py | cut -c1-16)
mkdir -p "$DATA_DIR"
for size in $SIZES; do
    dir="$DATA_DIR/plan-$size"
    stamp="$DATA_DIR/plan-$size.stamp"
    want="phrases=$size seed=$SEED generator=$generator_hash"
    if [[ -d $dir && -f $stamp && $(<"$stamp") == "$want" ]]; then
        step "reusing $dir ($want)"
    else
        step "generating $dir"
        rm -f "$stamp"
        "$PYTHON" Benchmarks/generate_manifests.py --phrases "$size" --out "$dir" --seed "$SEED"
        printf '%s\n' "$want" >"$stamp"
    fi
done

# measure SIZE TOOL COMMAND...: runs COMMAND $RUNS times, keeps the best wall time and the highest
# peak RSS, and appends "SIZE TOOL WALL_S PEAK_KB CPU_S OUTPUT WALLS" to $work/results (WALLS: every
# run's wall time, comma-separated, for the median).
measure() {
    local size=$1 tool=$2
    shift 2
    local out="$work/$tool-$size.json" best_wall="" best_cpu="" peak=0 walls="" run
    for ((run = 1; run <= RUNS; run++)); do
        local start=$EPOCHREALTIME
        if ! /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >"$out" 2>"$work/stderr"; then
            echo "---- stderr of: $*" >&2
            tail -n 40 "$work/stderr" >&2
            die "$tool failed on $size phrases (run $run): $(head -n 1 "$work/time")"
        fi
        local end=$EPOCHREALTIME
        # The last line is ours; GNU time puts "Command exited with non-zero status" above it.
        local e kb user sys
        read -r e kb user sys < <(tail -n 1 "$work/time")
        # EPOCHREALTIME gives microseconds where %e gives hundredths: short runs need them.
        local wall cpu
        wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }')
        cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
        printf '    %-10s %8s phrases  run %d/%d: %7.3f s wall, %6.2f s cpu, %7.1f MB peak\n' \
            "$tool" "$size" "$run" "$RUNS" "$wall" "$cpu" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
        if [[ -z $best_wall ]] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
            best_wall=$wall
            best_cpu=$cpu
        fi
        if ((kb > peak)); then peak=$kb; fi
        walls+=${walls:+,}$wall
    done
    echo "$size $tool $best_wall $peak $best_cpu $out $walls" >>"$work/results"
}

: >"$work/results"
for size in $SIZES; do
    dir="$DATA_DIR/plan-$size"
    step "$size phrases: $RUNS run(s) each"
    # A cache folder that does not exist: the baseline checks no cache either, and the figures
    # must not depend on what the repository's cache/ holds.
    measure "$size" audiocache "$AUDIOCACHE" plan "$dir" --json --cache "$work/no-cache"
    measure "$size" baseline "$PYTHON" Benchmarks/baseline_plan.py "$dir"
done

step "cross-check and results"
"$PYTHON" - "$work/results" <<'PY'
import json
import statistics
import sys

FIELDS = ("phrases", "renderings", "duplicates", "characters")
results = {}
for line in open(sys.argv[1], encoding="utf-8"):
    size, tool, wall, peak_kb, cpu, out, walls = line.split()
    try:
        with open(out, encoding="utf-8") as handle:
            document = json.load(handle)
    except ValueError as error:
        sys.exit(f"error: {tool} at {size} phrases did not print one JSON document: {error}")
    results[(int(size), tool)] = {
        "wall": float(wall),
        "median": statistics.median(float(value) for value in walls.split(",")),
        "peak_mb": int(peak_kb) / 1024,
        "cpu": float(cpu),
        "doc": document,
    }

sizes = sorted({size for size, _ in results})
tools = ("audiocache", "baseline")

# Correctness first: both tools must agree on the totals (and on each voice/language group).
def groups(document):
    merged = {}
    for group in document.get("groups", []):
        slot = merged.setdefault((group["voice_id"], group["language"]), dict.fromkeys(FIELDS, 0))
        for field in FIELDS:
            slot[field] += group[field]
    return merged

failures = []
for size in sizes:
    ours, theirs = results[(size, "audiocache")]["doc"], results[(size, "baseline")]["doc"]
    a = {field: ours.get("totals", {}).get(field) for field in FIELDS}
    b = {field: theirs["totals"][field] for field in FIELDS}
    if a != b:
        failures.append(f"{size} phrases: totals differ\n    audiocache {a}\n    baseline   {b}")
    elif b["phrases"] != size:
        failures.append(f"{size} phrases: both tools counted {b['phrases']} phrases")
    if "groups" in ours:
        ga, gb = groups(ours), groups(theirs)
        for key in sorted(set(ga) | set(gb)):
            if ga.get(key) != gb.get(key):
                failures.append(f"{size} phrases: group {key} differs\n    audiocache {ga.get(key)}\n    baseline   {gb.get(key)}")
    else:
        print(f"note: audiocache printed no groups at {size} phrases; compared totals only")
    print(f"{size:>9} phrases: renderings {b['renderings']}, duplicates {b['duplicates']} "
          f"({b['duplicates'] / b['phrases']:.1%}), characters {b['characters']}"
          + ("" if a != b else " - both tools agree"))
if failures:
    print("\nCROSS-CHECK FAILED: audiocache and the Python baseline disagree", file=sys.stderr)
    for failure in failures[:20]:
        print("  " + failure, file=sys.stderr)
    sys.exit(1)

print()
header = f"{'phrases':>9}  {'tool':<10} {'wall s':>8} {'median s':>9} {'cpu s':>7} {'peak MB':>8} {'phrases/s':>11}"
print(header)
print("-" * len(header))
for size in sizes:
    for tool in tools:
        r = results[(size, tool)]
        print(
            f"{size:>9}  {tool:<10} {r['wall']:>8.3f} {r['median']:>9.3f} {r['cpu']:>7.2f} {r['peak_mb']:>8.1f}"
            f" {size / r['wall']:>11,.0f}"
        )
print()
speedups = {}
for size in sizes:
    speedups[size] = results[(size, "baseline")]["wall"] / results[(size, "audiocache")]["wall"]
    medians = results[(size, "baseline")]["median"] / results[(size, "audiocache")]["median"]
    print(f"speed-up over baseline at {size:>9} phrases: {speedups[size]:6.2f}x (medians: {medians:.2f}x)")
if len(sizes) >= 2:
    small, large = sizes[0], sizes[-1]
    for tool in tools:
        ratio = results[(large, tool)]["wall"] / results[(small, tool)]["wall"]
        print(f"time ratio {large}/{small} ({tool}): {ratio:6.2f} (linear: {large / small:g})")

# Targets are reported, not enforced: this is a benchmark, not a timed test.
print("\ntargets (reported, not enforced):")
largest = sizes[-1]
print(f"  throughput >= 5x baseline at {largest}: {speedups[largest]:.2f}x  "
      + ("met" if speedups[largest] >= 5 else "MISSED"))
if largest >= 1_000_000:
    peak = results[(largest, "audiocache")]["peak_mb"]
    print(f"  peak RSS <= 400 MB at {largest}: {peak:.1f} MB  " + ("met" if peak <= 400 else "MISSED"))
if len(sizes) >= 2:
    ratio = results[(largest, "audiocache")]["wall"] / results[(sizes[0], "audiocache")]["wall"]
    linear = largest / sizes[0]
    # Within 25% of proportional counts as linear; start-up cost makes small runs look cheap.
    print(f"  linear {sizes[0]}->{largest}: time ratio {ratio:.2f} for {linear:g}x the phrases  "
          + ("met" if ratio <= linear * 1.25 else "MISSED"))
PY
