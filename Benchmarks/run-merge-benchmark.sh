#!/usr/bin/env bash
# The merge and bundle benchmark: `audiocache merge OUT shard-1 … shard-4` of four shards' cache
# folders, at two sizes, to show the time and that it grows linearly with the entries; then
# `audiocache bundle` of the merged BUNDLE_SIZE-entry cache beside `tar czf` of the same files. The shards are made by
# CacheBenchmark (the realistic index of the cache benchmark, cut by `Shard`, with one small file
# per entry so that merge links real files) and reused between runs. Prints figures against the
# target of the ship issue; it is not a timed test and only fails when something breaks.
#
#   Benchmarks/run-merge-benchmark.sh                  # 4 × 25,000 and 4 × 250,000 entries
#   SIZES=100000 RUNS=1 Benchmarks/run-merge-benchmark.sh
#
# Environment:
#   AUDIOCACHE   the audiocache binary; default: `scripts/build-release audiocache`
#   BENCHMARK    the CacheBenchmark binary; default: built from the Benchmarks package
#   SIZES        total entries of the four shards, one measurement each (default "100000 1000000")
#   RUNS         merges per size, and bundles; best and median kept (default 3)
#   BUNDLE_SIZE  entries of the cache bundled (one of SIZES; default the smallest)
#   DATA_DIR     where the shards are generated and reused (default Benchmarks/data, git-ignored)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SIZES=${SIZES:-"100000 1000000"}
RUNS=${RUNS:-3}
SEED=${SEED:-20240611}
DATA_DIR=${DATA_DIR:-Benchmarks/data}
AUDIOCACHE=${AUDIOCACHE:-}
BENCHMARK=${BENCHMARK:-}

source Benchmarks/lib.sh

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
for size in $SIZES; do
    [[ $size =~ ^[1-9][0-9]*$ ]] || die "SIZES must hold positive integers, not '$size'"
done

require_gnu_time
release_binary AUDIOCACHE audiocache
release_binary BENCHMARK CacheBenchmark Benchmarks

mkdir -p "$DATA_DIR"
work=$(realpath "$(mktemp -d "$DATA_DIR/run.XXXXXX")")
trap 'rm -rf "$work"' EXIT
generator_hash=$(cat Benchmarks/CacheBenchmark/*.swift | sha256sum | cut -c1-16)

: >"$work/results"
for size in $SIZES; do
    shards="$DATA_DIR/merge-$size"
    want="entries=$size seed=$SEED generator=$generator_hash"
    if [[ -d $shards && -f $shards.stamp && $(<"$shards.stamp") == "$want" ]]; then
        step "reusing $shards ($want)"
    else
        step "generating 4 shards of $size entries with their files in $shards"
        rm -rf "$shards" "$shards.stamp"
        for shard in 1 2 3 4; do
            "$BENCHMARK" generate "$shards/shard-$shard" --entries "$size" --seed "$SEED" \
                --shard "$shard" --shards 4 --files 1 | grep -v '^open_'
        done
        printf '%s\n' "$want" >"$shards.stamp"
    fi
    step "merge of 4 shards, $size entries in all, $RUNS runs"
    for ((run = 1; run <= RUNS; run++)); do
        rm -rf "$work/merged"
        sync
        start=$EPOCHREALTIME
        /usr/bin/time -f '%M' -o "$work/time" "$AUDIOCACHE" merge "$work/merged" \
            "$shards"/shard-1 "$shards"/shard-2 "$shards"/shard-3 "$shards"/shard-4 --json >"$work/merge.json"
        end=$EPOCHREALTIME
        seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
        peak=$(awk '{ printf "%.0f", $1 / 1024 }' "$work/time")
        entries=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["entries"], d["linked_files"])' "$work/merge.json")
        printf '    run %d/%d: %s s, peak %s MB, entries and links: %s\n' "$run" "$RUNS" "$seconds" "$peak" "$entries"
        echo "$size $seconds $peak" >>"$work/results"
    done
    rm -rf "$work/merged"
done

bundle_size=${BUNDLE_SIZE:-$(printf '%s\n' $SIZES | sort -n | head -n 1)}
step "bundle of the merged $bundle_size-entry cache against tar czf of the same files, $RUNS runs each"
shards="$DATA_DIR/merge-$bundle_size"
[[ -d $shards ]] || die "BUNDLE_SIZE must be one of SIZES"
"$AUDIOCACHE" merge "$work/merged" "$shards"/shard-1 "$shards"/shard-2 "$shards"/shard-3 "$shards"/shard-4 >/dev/null
( cd "$work/merged" && find index.json index.table audio -type f | LC_ALL=C sort >"$work/members" )
files=$(wc -l <"$work/members")
for ((run = 1; run <= RUNS; run++)); do
    rm -f "$work/b.tar.gz" "$work/t.tar.gz"
    start=$EPOCHREALTIME
    "$AUDIOCACHE" bundle "$work/merged" --out "$work/b.tar.gz" >/dev/null
    middle=$EPOCHREALTIME
    tar czf "$work/t.tar.gz" -C "$work/merged" -T "$work/members"
    end=$EPOCHREALTIME
    bundle_s=$(awk -v a="$start" -v b="$middle" 'BEGIN { printf "%.3f", b - a }')
    tar_s=$(awk -v a="$middle" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
    printf '    run %d/%d: audiocache bundle %s s (%s bytes), tar czf %s s (%s bytes)\n' "$run" "$RUNS" \
        "$bundle_s" "$(stat -c %s "$work/b.tar.gz")" "$tar_s" "$(stat -c %s "$work/t.tar.gz")"
    echo "bundle $bundle_s $tar_s" >>"$work/bundles"
done
awk -v files="$files" '
function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ n++; b[n] = $2; t[n] = $3 }
END { mb = median(b, n); mt = median(t, n); ratio = mb / mt
    printf "    %d files: bundle %.2f s, tar czf %.2f s (medians): %.2f   %s (target <= 1.20)\n", files, mb, mt, ratio, (ratio <= 1.2 ? "MET" : "MISSED") }' "$work/bundles" >"$work/bundle-result"
cat "$work/bundle-result"

step "results"
awk '
function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ n[$1]++; s[$1, n[$1]] = $2; if (!($1 in best) || $2 < best[$1]) best[$1] = $2; if ($3 > peak[$1]) peak[$1] = $3
  if (!($1 in order)) { order[$1] = ++count; sizes[count] = $1 } }
END {
    printf "%12s %10s %10s %10s %14s\n", "entries", "best s", "median s", "peak MB", "µs per entry"
    for (k = 1; k <= count; k++) { size = sizes[k]; for (i = 1; i <= n[size]; i++) v[i] = s[size, i]
        med[size] = median(v, n[size])
        printf "%12d %10.2f %10.2f %10d %14.1f\n", size, best[size], med[size], peak[size], med[size] / size * 1e6 }
    if (count >= 2) { small = sizes[1]; large = sizes[count]
        ratio = (med[large] / large) / (med[small] / small)
        printf "\ntime per entry, %d against %d entries: %.2f   %s (linear: about 1)\n", large, small, ratio, (ratio <= 1.5 ? "MET" : "MISSED") }
    for (k = 1; k <= count; k++) if (sizes[k] == 1000000)
        printf "4 shards of 250,000 merged in %.2f s (median)   %s (target <= 30 s)\n", med[1000000], (med[1000000] <= 30 ? "MET" : "MISSED")
}' "$work/results"
cat "$work/bundle-result"
