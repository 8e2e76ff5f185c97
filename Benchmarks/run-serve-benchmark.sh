#!/usr/bin/env bash
# The serve benchmark: cached hits of one ~30 KB prompt through `audiocache serve`
# (GET /api/audio/{key}) beside nginx serving the same file from the same folder, one after the
# other, under the same wrk load; then how soon a 1,000,000-entry cache is ready to serve, and
# with how much memory; then misses of /api/tts rendered by espeak-ng and streamed, with the time
# to the first byte against the time to the last. Prints figures against the targets of the serve
# issue; it is not a timed test and only fails when something breaks.
#
#   Benchmarks/run-serve-benchmark.sh
#
# Environment:
#   AUDIOCACHE    the audiocache binary; default: `scripts/build-release audiocache`
#   CONNECTIONS   wrk connections (default 64)
#   THREADS       wrk threads (default 2)
#   DURATION      seconds of each wrk run (default 15)
#   RUNS          wrk runs of each server, alternating; best and median kept (default 3)
#   MISSES        distinct phrases rendered on a miss for the time-to-first-byte figure (default 20)
#   BIG_CACHE     a cache folder of 1,000,000 entries for the readiness figure (default
#                 Benchmarks/data/cache-1000000, which Benchmarks/run-cache-benchmark.sh
#                 generates; skipped when missing)
#
# Needs wrk and nginx (Debian's wrk and nginx-light, installed when missing and running as root).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-15}
RUNS=${RUNS:-3}
MISSES=${MISSES:-20}
BIG_CACHE=${BIG_CACHE:-Benchmarks/data/cache-1000000}
AUDIOCACHE=${AUDIOCACHE:-}

# step, die, release_binary
source Benchmarks/lib.sh

for variable in CONNECTIONS THREADS DURATION RUNS MISSES; do
    [[ ${!variable} =~ ^[1-9][0-9]*$ ]] || die "$variable must be a positive integer, not '${!variable}'"
done

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
    step "installing wrk and nginx-light"
    [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null || die "install wrk and nginx (apt-get install -y wrk nginx-light)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
fi

release_binary AUDIOCACHE audiocache

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_ready URL: until URL answers 200 (at most 60 s).
wait_ready() {
    for _ in $(seq 1 600); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    die "$1 did not answer"
}

step "a cache with one ~30 KB prompt"
python3 - "$work/prompt.wav" <<'EOF'
import math, struct, sys
rate, count = 16000, 14978  # 44-byte header + 29,956 bytes of 16-bit mono samples: 30,000 bytes
samples = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(count))
header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
open(sys.argv[1], "wb").write(header + b"data" + struct.pack("<I", len(samples)) + samples)
EOF
"$AUDIOCACHE" import "$work/prompt.wav" --text "Thank you for calling. Please hold." --voice en --language en \
    --cache "$work/cache" >/dev/null
key=$("$AUDIOCACHE" key "Thank you for calling. Please hold." --voice en --language en)
file=$(cd "$work/cache" && ls audio/*/*/"$key"*)
size=$(stat -c %s "$work/cache/$file")

serve_port=$(free_port)
"$AUDIOCACHE" serve --cache "$work/cache" --port "$serve_port" --log-level error 2>"$work/serve.log" &
serve_pid=$!
pids+=("$serve_pid")
wait_ready "http://127.0.0.1:$serve_port/health"

nginx_port=$(free_port)
mkdir -p "$work/nginx"
chmod -R a+rX "$work"  # nginx's workers run as nobody when started by root
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    default_type audio/wav;
    server {
        listen 127.0.0.1:$nginx_port;
        location /audio/ { alias $work/cache/audio/; }
    }
}
EOF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon off;' &
pids+=($!)
wait_ready "http://127.0.0.1:$nginx_port/${file}"

audiocache_url="http://127.0.0.1:$serve_port/api/audio/$key"
nginx_url="http://127.0.0.1:$nginx_port/$file"
[[ $(curl -fsS "$audiocache_url" | sha256sum) == $(curl -fsS "$nginx_url" | sha256sum) ]] ||
    die "audiocache and nginx answer different bytes"

rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }

# run_wrk NAME URL: one wrk run; appends "NAME rps p99_ms errors" to $work/results.
run_wrk() {
    local name=$1 url=$2
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" >"$work/wrk.out" 2>&1 ||
        die "wrk failed: $(cat "$work/wrk.out")"
    local rps p99 errors
    rps=$(awk '/Requests\/sec/ { print $2 }' "$work/wrk.out")
    p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; print v }' "$work/wrk.out")
    errors=$(awk '/Socket errors/ { gsub(",", ""); n = $4 + $6 + $8 + $10 } /Non-2xx/ { n += $NF } END { print n + 0 }' "$work/wrk.out")
    echo "$name $rps $p99 $errors" >>"$work/results"
    printf '    %-10s %10.0f req/s   p99 %8.2f ms   errors %s\n' "$name" "$rps" "$p99" "$errors"
}

step "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $RUNS runs each, alternating (${size}-byte file)"
wrk -t1 -c4 -d2s "$audiocache_url" >/dev/null  # warm up both
wrk -t1 -c4 -d2s "$nginx_url" >/dev/null
rss_before=$(rss_kb "$serve_pid")
for ((run = 1; run <= RUNS; run++)); do
    run_wrk audiocache "$audiocache_url"
    run_wrk nginx "$nginx_url"
done
rss_after=$(rss_kb "$serve_pid")

ready_seconds=
ready_rss=
if [[ -f $BIG_CACHE/index.json ]]; then
    step "readiness of $BIG_CACHE (read-only)"
    big_port=$(free_port)
    start=$EPOCHREALTIME
    "$AUDIOCACHE" serve --cache "$BIG_CACHE" --read-only --port "$big_port" --log-level error 2>"$work/big.log" &
    big_pid=$!
    pids+=("$big_pid")
    for _ in $(seq 1 600); do
        curl -fsS -o /dev/null "http://127.0.0.1:$big_port/ready" 2>/dev/null && break
        sleep 0.02
    done
    ready_seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
    ready_rss=$(($(rss_kb "$big_pid") / 1024))
    kill "$big_pid"
    printf '    ready after %s s, resident %s MB\n' "$ready_seconds" "$ready_rss"
fi

step "misses: $MISSES phrases rendered by espeak-ng through GET /api/tts, then each asked again (a hit)"
command -v espeak-ng >/dev/null || die "install espeak-ng (apt-get install -y espeak-ng)"
miss_port=$(free_port)
"$AUDIOCACHE" serve --cache "$work/misses" --port "$miss_port" --provider espeak-ng --log-level error \
    2>"$work/misses.log" &
miss_pid=$!
pids+=("$miss_pid")
wait_ready "http://127.0.0.1:$miss_port/health"
for ((phrase = 1; phrase <= MISSES; phrase++)); do
    text="Thank you for calling, caller number $phrase. Your call is important to us. Please stay on the line and an agent will be with you shortly. For billing, press one. For technical support, press two."
    for kind in miss hit; do
        curl -fsS -o "$work/$kind.audio" -G -w "$kind %{time_starttransfer} %{time_total} %{size_download}\n" \
            --data-urlencode "text=$text" --data-urlencode voice_id=en-us --data-urlencode language=en \
            "http://127.0.0.1:$miss_port/api/tts" >>"$work/misses.txt" || die "GET /api/tts failed"
    done
    cmp -s <(tail -c +45 "$work/miss.audio") <(tail -c +45 "$work/hit.audio") ||
        die "the streamed miss and the stored hit hold different audio"
done
kill "$miss_pid"
awk '
function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ n[$1]++; first[$1, n[$1]] = $2 * 1000; total[$1, n[$1]] = $3 * 1000; bytes[$1] += $4 }
END {
    for (kind in n) { for (i = 1; i <= n[kind]; i++) { f[i] = first[kind, i]; t[i] = total[kind, i] }
        printf "    %-5s first byte %7.2f ms   last byte %7.2f ms   (medians of %d, %d KB each on average)\n", \
            kind, median(f, n[kind]), median(t, n[kind]), n[kind], bytes[kind] / n[kind] / 1024 }
}' "$work/misses.txt" | sort -r

step "results"
awk -v runs="$RUNS" -v before="$rss_before" -v after="$rss_after" -v ready="$ready_seconds" -v readyrss="$ready_rss" '
function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ n[$1]++; rps[$1, n[$1]] = $2; p99[$1, n[$1]] = $3; errors[$1] += $4
  if ($2 > best[$1]) best[$1] = $2; if (!($1 in worst) || $3 > worst[$1]) worst[$1] = $3 }
END {
    for (tool in n) { for (i = 1; i <= n[tool]; i++) { r[i] = rps[tool, i]; q[i] = p99[tool, i] }
        med[tool] = median(r, n[tool]); medp99[tool] = median(q, n[tool]) }
    printf "%-30s %12s %12s %8s\n", "", "audiocache", "nginx", ""
    printf "%-30s %12.0f %12.0f\n", "requests/s, best", best["audiocache"], best["nginx"]
    printf "%-30s %12.0f %12.0f\n", "requests/s, median", med["audiocache"], med["nginx"]
    printf "%-30s %12.2f %12.2f\n", "p99 ms, median", medp99["audiocache"], medp99["nginx"]
    printf "%-30s %12.2f %12.2f\n", "p99 ms, worst run", worst["audiocache"], worst["nginx"]
    printf "%-30s %12d %12d\n", "errors (all runs)", errors["audiocache"], errors["nginx"]
    ratio = med["audiocache"] / med["nginx"]
    printf "\naudiocache / nginx, medians:  %.2f   %s (target >= 0.70)\n", ratio, (ratio >= 0.7 ? "MET" : "MISSED")
    printf "audiocache p99, worst run:    %.2f ms   %s (target < 20 ms)\n", worst["audiocache"], (worst["audiocache"] < 20 ? "MET" : "MISSED")
    printf "errors:                       %d   %s\n", errors["audiocache"], (errors["audiocache"] == 0 ? "MET" : "MISSED")
    printf "resident memory of serve:     %.1f MB before, %.1f MB after the runs\n", before / 1024, after / 1024
    if (ready != "") printf "1,000,000 entries ready in:   %s s   %s (target <= 2 s), resident %s MB\n", ready, (ready <= 2 ? "MET" : "MISSED"), readyrss
}' "$work/results"
