#!/usr/bin/env bash
# The warm benchmark: `Warmer` with the ElevenLabs provider against the fake ElevenLabs server at
# its limits (200 ms ±50% latency, 5 concurrent, 20 requests/s), with and without faults, and a
# no-op re-run over 100,000 cached phrases, in process (`WarmBenchmark`, Benchmarks/WarmBenchmark,
# public APIs only) and through the `audiocache warm` binary. Prints figures against the targets
# of the warm issue; it is not a timed test and only fails when something breaks.
#
#   Benchmarks/run-warm-benchmark.sh
#
# Environment:
#   BENCHMARK        the WarmBenchmark binary; default:
#                    `scripts/build-release --package-path Benchmarks WarmBenchmark`
#   AUDIOCACHE       the audiocache binary for the no-op re-run; default: build it (release); "none" skips it
#   RUNS             runs of each throughput measurement (default 1: each takes about 2 minutes)
#   NOOP_RUNS        runs of each no-op measurement; best and median kept (default 3)
#   PHRASES          phrases warmed by the throughput measurements (default 2000)
#   NOOP_PHRASES     cached phrases of the no-op re-run (default 100000)
#   SEED             seed of the phrases and of the fake server's latency and faults (default 20240611)
#   DATA_DIR         where datasets live, reused while their parameters match (default Benchmarks/data)
#
# See Benchmarks/README.md for what is measured and the targets.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS=${RUNS:-1}
NOOP_RUNS=${NOOP_RUNS:-3}
PHRASES=${PHRASES:-2000}
NOOP_PHRASES=${NOOP_PHRASES:-100000}
SEED=${SEED:-20240611}
DATA_DIR=${DATA_DIR:-Benchmarks/data}
BENCHMARK=${BENCHMARK:-}
AUDIOCACHE=${AUDIOCACHE:-}

# step, die, measure
source Benchmarks/lib.sh  # the script runs from the repository root (cd above)

for variable in RUNS NOOP_RUNS PHRASES NOOP_PHRASES SEED; do
    [[ ${!variable} =~ ^[1-9][0-9]*$ ]] || die "$variable must be a positive integer, not '${!variable}'"
done

require_gnu_time

release_binary BENCHMARK WarmBenchmark Benchmarks
[[ $AUDIOCACHE == none ]] || release_binary AUDIOCACHE audiocache  # AUDIOCACHE=none skips it
step "measuring $BENCHMARK"

mkdir -p "$DATA_DIR"
work=$(mktemp -d "$DATA_DIR/run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The no-op dataset (a manifest and a cache holding all of its phrases) is reused while its
# parameters and the generator's sources are the ones asked for; the stamp sits beside the folder.
generator_hash=$(cat Benchmarks/WarmBenchmark/*.swift | sha256sum | cut -c1-16)
noop="$DATA_DIR/warm-noop-$NOOP_PHRASES"
want="phrases=$NOOP_PHRASES seed=$SEED generator=$generator_hash"
if [[ -d $noop && -f $noop.stamp && $(<"$noop.stamp") == "$want" ]]; then
    step "reusing $noop ($want)"
else
    step "preparing $noop: $NOOP_PHRASES phrases stored one by one (each store is fsync'ed)"
    rm -rf "$noop" "$noop.stamp"
    "$BENCHMARK" noop-prepare "$noop" --phrases "$NOOP_PHRASES" --seed "$SEED"
    printf '%s\n' "$want" >"$noop.stamp"
fi

: >"$work/results"
step "ceiling: warm $PHRASES phrases at 5 concurrent, 20 requests/s, 100-300 ms latency"
BEFORE_EACH='rm -rf "$work/ceiling"' measure ceiling "$RUNS" "$BENCHMARK" ceiling "$work/ceiling" \
    --phrases "$PHRASES" --seed "$SEED"
step "faults: the same with 5% 500s and 2% dropped connections"
BEFORE_EACH='rm -rf "$work/faults"' measure faults "$RUNS" "$BENCHMARK" faults "$work/faults" \
    --phrases "$PHRASES" --seed "$SEED"
rm -rf "$work/ceiling" "$work/faults"
step "noop: re-run over $NOOP_PHRASES cached phrases, in process"
measure noop "$NOOP_RUNS" "$BENCHMARK" noop "$noop"
if [[ $AUDIOCACHE != none ]]; then
    step "noop: re-run over $NOOP_PHRASES cached phrases, audiocache warm"
    # Nothing to fetch: the account check is skipped and no request is made (the base URL is a
    # closed port, so one would fail the run).
    measure noopcli "$NOOP_RUNS" env ELEVENLABS_API_KEY=unused "$AUDIOCACHE" warm "$noop/manifests" \
        --cache "$noop/cache" --max-size 0 --provider elevenlabs --base-url http://127.0.0.1:9 --quiet
fi

step "results"
python3 - "$work/results" <<'PY'
import statistics
import sys

results = {}
for line in open(sys.argv[1], encoding="utf-8"):
    name, run, key, value = line.split()
    results.setdefault((name, key), []).append(float(value))

def values(name, key):
    return results.get((name, key), [])

rows = []  # (what, best, median, unit, target, met)
def row(what, name, key, unit="", target=None, check=None, high=False):
    found = values(name, key)
    if not found:
        return
    b = max(found) if high else min(found)
    # A check must hold for every run: the worst run decides.
    worst = min(found) if high else max(found)
    rows.append((what, b, statistics.median(found), unit, target or "", None if check is None else check(worst)))

for name, title, ratio in (("ceiling", "ceiling", 0.95), ("faults", "faults (5% 500s, 2% dropped)", 0.85)):
    if not values(name, "ratio"):
        continue
    phrases = values(name, "phrases")[0]
    row(f"{title}: warm {phrases:,.0f} phrases", name, "warm_seconds", "s")
    row("  throughput (rendered / wall time)", name, "throughput_per_second", "req/s", high=True)
    row("  ceiling min(rate, concurrency / latency)", name, "ceiling_per_second", "req/s")
    row("  ratio to the ceiling", name, "ratio", "", f">= {ratio}", lambda v, r=ratio: v >= r, high=True)
    row("  requests sent (retries included)", name, "requests", "")
    row("  most in flight, seen by the server", name, "server_max_in_flight", "", "<= 5", lambda v: v <= 5)
    row("  most arrivals in any 1 s window", name, "max_arrivals_per_second", "", "<= 20", lambda v: v <= 20)
    row("  shortest gap between arrivals (server)", name, "min_arrival_gap_ms", "ms")
    row("  most starts in any 1 s window (client)", name, "client_max_starts_per_second", "")
    row("  spread of token-to-arrival transit", name, "transit_spread_ms", "ms")
    row("  429 answers (rate + concurrency)", name, "status_429", "", "0", lambda v: v == 0)
    if name == "faults":
        row("  500 answers injected", name, "status_500", "")
        row("  connections dropped", name, "dropped", "")
        row("  retries", name, "retries", "")
    row("  phrases not cached or with wrong bytes", name, "cache_missing", "", "0",
        lambda v: v == 0 and max(values(name, "cache_wrong_bytes")) == 0
        and min(values(name, "cache_count")) == phrases)
    row("  phrases rendered exactly once (server)", name, "rendered_once", "", f"{phrases:,.0f}",
        lambda v: v == phrases)

if values("noop", "renderings"):
    renderings = values("noop", "renderings")[0]
    row(f"noop: re-run over {renderings:,.0f} cached phrases, in process", "noop", "total_seconds", "s",
        "< 2 s", lambda v: v < 2)
    row("  open the cache (read-write)", "noop", "open_seconds", "s")
    row("  plan against it", "noop", "plan_seconds", "s")
    row("  Warmer.warm", "noop", "warm_seconds", "s")
    row("  close", "noop", "close_seconds", "s")
    row("  requests made", "noop", "requests", "", "0", lambda v: v == 0)
    row("  peak memory", "noop", "peak_mb", "MB")
if values("noopcli", "wall_seconds"):
    row("noop: audiocache warm (process wall time)", "noopcli", "wall_seconds", "s", "< 2 s", lambda v: v < 2)
    row("  peak memory", "noopcli", "peak_mb", "MB")

print(f"{'measurement':<52} {'best':>10} {'median':>10} {'unit':<6} {'target':<8} result")
print("-" * 96)
for what, b, m, unit, target, met in rows:
    result = "" if met is None else ("MET" if met else "MISSED")
    print(f"{what:<52} {b:>10.3f} {m:>10.3f} {unit:<6} {target:<8} {result}")
PY
