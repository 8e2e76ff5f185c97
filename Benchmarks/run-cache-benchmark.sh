#!/usr/bin/env bash
# The cache benchmark: opening, looking up, evicting, verifying and storing into a cache of 1M
# entries with `CacheBenchmark` (Benchmarks/CacheBenchmark, public AudioCache API only). Prints
# figures against the targets of the cache issue; it is not a timed test and only fails when
# something breaks.
#
#   Benchmarks/run-cache-benchmark.sh
#
# Environment:
#   BENCHMARK     the CacheBenchmark binary; default:
#                 `scripts/build-release --package-path Benchmarks CacheBenchmark`
#   RUNS          runs per measurement; best and median kept (default 3)
#   ENTRIES       entries of the generated cache (default 1000000)
#   LOOKUPS       timed lookups per run (default 200000)
#   VERIFY_FILES  real audio files for the verify measurement (default 10000)
#   STORES        store counts, to show that N stores cost O(N) (default "10000 40000")
#   SEED          generator seed (default 20240611)
#   DATA_DIR      where datasets live, reused while their parameters match (default Benchmarks/data)
#
# See Benchmarks/README.md for what is measured and the targets.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS=${RUNS:-3}
ENTRIES=${ENTRIES:-1000000}
LOOKUPS=${LOOKUPS:-200000}
VERIFY_FILES=${VERIFY_FILES:-10000}
STORES=${STORES:-"10000 40000"}
SEED=${SEED:-20240611}
DATA_DIR=${DATA_DIR:-Benchmarks/data}
BENCHMARK=${BENCHMARK:-}

# step, die, measure
source Benchmarks/lib.sh  # the script runs from the repository root (cd above)

for variable in RUNS ENTRIES LOOKUPS VERIFY_FILES SEED; do
    [[ ${!variable} =~ ^[1-9][0-9]*$ ]] || die "$variable must be a positive integer, not '${!variable}'"
done
for count in $STORES; do
    [[ $count =~ ^[1-9][0-9]*$ ]] || die "STORES must hold positive integers, not '$count'"
done

require_gnu_time

release_binary BENCHMARK CacheBenchmark Benchmarks
step "measuring $BENCHMARK"

mkdir -p "$DATA_DIR"
work=$(mktemp -d "$DATA_DIR/run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Datasets are reused while their parameters and the generator's sources are the ones asked for;
# the stamp sits beside the folder.
generator_hash=$(cat Benchmarks/CacheBenchmark/*.swift | sha256sum | cut -c1-16)
cache="$DATA_DIR/cache-$ENTRIES"
want="entries=$ENTRIES seed=$SEED generator=$generator_hash"
if [[ -d $cache && -f $cache.stamp && $(<"$cache.stamp") == "$want" ]]; then
    step "reusing $cache ($want)"
else
    step "generating $cache"
    rm -rf "$cache" "$cache.stamp"
    "$BENCHMARK" generate "$cache" --entries "$ENTRIES" --seed "$SEED"
    printf '%s\n' "$want" >"$cache.stamp"
fi
verify_cache="$DATA_DIR/cache-verify-$VERIFY_FILES"
want="files=$VERIFY_FILES generator=$generator_hash"
if [[ ! -f $verify_cache.stamp || $(<"$verify_cache.stamp") != "$want" ]]; then
    rm -rf "$verify_cache" "$verify_cache.stamp"
fi

: >"$work/results"
step "open $ENTRIES entries (read-only; peak RSS of the open alone)"
measure open "$RUNS" "$BENCHMARK" open "$cache"
step "lookup: $LOOKUPS random keys, then the same by text"
measure lookup "$RUNS" "$BENCHMARK" lookup "$cache" --count "$LOOKUPS"
step "evict $ENTRIES entries to half the size (on a copy)"
BEFORE_EACH='rm -rf "$work/evict" && cp -r "$cache" "$work/evict"' measure evict "$RUNS" "$BENCHMARK" evict "$work/evict"
rm -rf "$work/evict"
step "verify $VERIFY_FILES real files (created once through store)"
"$BENCHMARK" verify "$verify_cache" --files "$VERIFY_FILES" >/dev/null
printf 'files=%s generator=%s\n' "$VERIFY_FILES" "$generator_hash" >"$verify_cache.stamp"
measure verify "$RUNS" "$BENCHMARK" verify "$verify_cache" --files "$VERIFY_FILES"
for count in $STORES; do
    step "store $count small payloads into a new cache"
    BEFORE_EACH='rm -rf "$work/store"' measure "store$count" "$RUNS" "$BENCHMARK" store "$work/store" --count "$count"
done
rm -rf "$work/store"

step "results"
python3 - "$work/results" "$ENTRIES" "$STORES" <<'PY'
import statistics
import sys

results = {}
for line in open(sys.argv[1], encoding="utf-8"):
    name, run, key, value = line.split()
    results.setdefault((name, key), []).append(float(value))
entries = int(sys.argv[2])
stores = [int(count) for count in sys.argv[3].split()]

def best(name, key, high=False):
    values = results[(name, key)]
    return max(values) if high else min(values)

def median(name, key):
    return statistics.median(results[(name, key)])

rows = []  # (what, best, median, unit, target, met)
def row(what, name, key, unit, target=None, limit=None, high=False):
    b, m = best(name, key, high), median(name, key)
    met = None if limit is None else (b >= limit if high else b <= limit)
    rows.append((what, b, m, unit, target or "", met))

row(f"open {entries:,} entries (read-only)", "open", "open_seconds", "s", "<= 1 s", 1.0)
row("  peak memory of the open", "open", "peak_mb", "MB", "<= 500 MB", 500.0)
row("lookup by key, median (through the actor)", "lookup", "lookup_key_median_us", "us", "<= 5 us", 5.0)
row("lookup by key, p99", "lookup", "lookup_key_p99_us", "us")
row("lookup by text, median (key computed)", "lookup", "lookup_text_median_us", "us", "<= 5 us", 5.0)
row("lookup by text, p99", "lookup", "lookup_text_p99_us", "us")
row("open read-write (before evicting)", "evict", "open_rw_seconds", "s")
row(f"evict {entries:,} entries to half the size", "evict", "evict_seconds", "s", "<= 5 s", 5.0)
row("  entries evicted", "evict", "evicted_entries", "")
for state in ("cold", "warm"):
    row(f"verify, {state} page cache", "verify", f"verify_{state}_mb_s", "MB/s", high=True)
    row(f"  plain read, {state}", "verify", f"read_{state}_mb_s", "MB/s", high=True)
    row(f"  plain read + SHA-256 on all cores, {state}", "verify", f"readhash_{state}_mb_s", "MB/s", high=True)
for count in stores:
    row(f"store {count:,} payloads", f"store{count}", "store_per_second", "stores/s", high=True)

print(f"{'measurement':<46} {'best':>10} {'median':>10} {'unit':<8} {'target':<10} result")
print("-" * 96)
for what, b, m, unit, target, met in rows:
    result = "" if met is None else ("MET" if met else "MISSED")
    print(f"{what:<46} {b:>10.3f} {m:>10.3f} {unit:<8} {target:<10} {result}")

# verify is disk-bound when it reads as fast as a plain read does; on a warm page cache it is
# compared with read + SHA-256 on as many workers, the most a program could do.
print()
cold = best("verify", "verify_cold_mb_s", True) / best("verify", "read_cold_mb_s", True)
warm = best("verify", "verify_warm_mb_s", True) / best("verify", "readhash_warm_mb_s", True)
print(f"verify / plain read, cold:               {cold:6.2f}  "
      + ("MET (limited by the disk)" if cold >= 0.8 else "MISSED (the program is slower than the disk)"))
print(f"verify / read + SHA-256 (all cores), warm: {warm:6.2f}  (1.0 = no overhead beyond hashing)")
if len(stores) >= 2:
    small, large = stores[0], stores[-1]
    ratio = best(f"store{small}", "store_per_second", True) / best(f"store{large}", "store_per_second", True)
    print(f"store rate {small:,} / {large:,}:            {ratio:6.2f}  "
          + ("MET (O(N) total: the rate holds)" if ratio <= 1.25 else "MISSED (the rate falls with N)"))
PY
