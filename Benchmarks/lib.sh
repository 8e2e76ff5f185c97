# Shared by the benchmark scripts: sourced, not run.

step() { printf '\n==> %s\n' "$*"; }
die() {
    printf '\nerror: %s\n' "$*" >&2
    exit 1
}

# measure NAME RUNS COMMAND...: runs COMMAND RUNS times under GNU time; appends each run's
# "name value" lines, plus "peak_mb" and "wall_seconds", to $work/results as "NAME RUN KEY VALUE".
measure() {
    local name=$1 runs=$2
    shift 2
    local run
    for ((run = 1; run <= runs; run++)); do
        [[ -n ${BEFORE_EACH:-} ]] && eval "$BEFORE_EACH"
        local start=$EPOCHREALTIME
        if ! /usr/bin/time -f '%M' -o "$work/time" "$@" >"$work/out" 2>"$work/stderr"; then
            echo "---- stderr of: $*" >&2
            tail -n 40 "$work/stderr" >&2
            die "$name failed (run $run)"
        fi
        local end=$EPOCHREALTIME kb
        kb=$(tail -n 1 "$work/time")
        {
            awk -v n="$name" -v r="$run" 'NF >= 2 { print n, r, $1, $2 }' "$work/out"
            echo "$name $run peak_mb $(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
            echo "$name $run wall_seconds $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }')"
        } >>"$work/results"
        printf '    %-8s run %d/%d: %s\n' "$name" "$run" "$runs" \
            "$(awk -v k="$kb" '{ printf "%s=%s ", $1, $2 } END { printf "peak=%.0fMB", k / 1024 }' "$work/out")"
    done
}
