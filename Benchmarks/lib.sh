# Shared by the benchmark scripts: sourced, not run, from the repository root.

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

# require_gnu_time: GNU time at /usr/bin/time (peak memory), installed when missing and root.
require_gnu_time() {
    [[ -x /usr/bin/time ]] && return
    step "installing GNU time"
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq time >/dev/null
    else
        die "/usr/bin/time is missing; install GNU time (apt-get install -y time)"
    fi
}

# release_binary VARIABLE PRODUCT [PACKAGE]: sets VARIABLE to a release build of PRODUCT, from the
# package at PACKAGE (default: the root package; Benchmarks for the benchmarks' own binaries),
# unless it names a binary built elsewhere already, and checks that it is executable.
release_binary() {
    local variable=$1 product=$2 package=${3:-.}
    if [[ -z ${!variable} ]]; then
        step "building $product (release${3:+, package $package})"
        local built
        built=$(scripts/build-release --package-path "$package" "$product") ||
            die "swift build failed; $variable=/path/to/$product measures a binary built elsewhere"
        printf -v "$variable" '%s' "$built"
    fi
    [[ -x ${!variable} ]] || die "$variable=${!variable} is not an executable file"
}
