#!/usr/bin/env bash
# The review page benchmark: `audiocache serve` over a cache of ENTRIES entries (the realistic
# index of the cache benchmark, with a small file per entry), timed in headless Chromium by
# review_page_benchmark.py: the first useful render and searches, against the review issue's
# targets (≤ 1 s and ≤ 200 ms at 100,000 entries). Not a timed test: it prints figures.
#
#   Benchmarks/run-review-benchmark.sh
#   ENTRIES=20000 RUNS=1 Benchmarks/run-review-benchmark.sh
#
# Environment:
#   AUDIOCACHE   the audiocache binary; default: `scripts/build-release audiocache`
#   BENCHMARK    the CacheBenchmark binary; default: built from the Benchmarks package
#   ENTRIES      entries of the cache (default 100000)
#   RUNS         server starts (default 3)
#   DATA_DIR     where the cache is generated and reused (default Benchmarks/data, git-ignored)
# Needs chromium, chromium-driver and selenium: scripts/install-dependencies --tests.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ENTRIES=${ENTRIES:-100000}
RUNS=${RUNS:-3}
SEED=${SEED:-20240611}
DATA_DIR=${DATA_DIR:-Benchmarks/data}
AUDIOCACHE=${AUDIOCACHE:-}
BENCHMARK=${BENCHMARK:-}

source Benchmarks/lib.sh

[[ $ENTRIES =~ ^[1-9][0-9]*$ ]] || die "ENTRIES must be a positive integer, not '$ENTRIES'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
python3 -c 'import selenium' 2>/dev/null || die "selenium is missing: run scripts/install-dependencies --tests"
release_binary AUDIOCACHE audiocache
release_binary BENCHMARK CacheBenchmark Benchmarks

cache="$DATA_DIR/review-$ENTRIES"
want="entries=$ENTRIES seed=$SEED generator=$(cat Benchmarks/CacheBenchmark/*.swift | sha256sum | cut -c1-16)"
if [[ -d $cache && -f $cache.stamp && $(<"$cache.stamp") == "$want" ]]; then
    step "reusing $cache ($want)"
else
    step "generating a cache of $ENTRIES entries with their files in $cache"
    rm -rf "$cache" "$cache.stamp"
    "$BENCHMARK" generate "$cache" --entries "$ENTRIES" --seed "$SEED" --files 1 | grep -v '^open_'
    printf '%s\n' "$want" >"$cache.stamp"
fi

step "the review page over $ENTRIES entries, $RUNS server starts"
python3 Benchmarks/review_page_benchmark.py "$AUDIOCACHE" "$(realpath "$cache")" --runs "$RUNS"
