#!/usr/bin/env bash
# Runs each fuzz target built in Fuzz/.build/release for SECONDS seconds (or, with FUZZ_RUNS set, for that many
# executions) over its seeds (Fuzz/Corpus/<target>) and a working corpus that grows between runs
# (Fuzz/.build/corpus/<target>). Prints one line per target with its execution count; a crash, a failed property,
# a timeout or an out-of-memory stops the run with the input saved in Fuzz/.build/crashes/ and exits 1.
#
#   Fuzz/Scripts/run.sh SECONDS TARGET...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=$1
shift
mkdir -p .build/crashes .build/logs
total_runs=0
total_seconds=0
for target in "$@"; do
    corpus=.build/corpus/$target
    log=.build/logs/$target.log
    mkdir -p "$corpus"
    limit=(-max_total_time="$seconds")
    if [ -n "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS"); fi
    status=0
    # Swift's own crash backtracer is off, so a failed property ends as libFuzzer's deadly-signal report.
    # Leak checks stay off: the Swift runtime keeps its metadata caches until exit, which LeakSanitizer reports.
    SWIFT_BACKTRACE=enable=no .build/release/"$target" "${limit[@]}" -timeout=10 -rss_limit_mb=4096 -use_value_profile=1 \
        -detect_leaks=0 -print_final_stats=1 -artifact_prefix=.build/crashes/"$target"- \
        "$corpus" "Corpus/$target" >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    inputs=$(find "$corpus" -type f | wc -l | tr -d ' ')
    if [ "$status" -ne 0 ]; then
        echo "fuzz $target: FAILED after ${runs:-?} executions (exit $status); last lines of Fuzz/$log:"
        tail -40 "$log"
        echo "the failing input is in Fuzz/.build/crashes/ (replay: Fuzz/.build/release/$target FILE)"
        exit 1
    fi
    rate=$(( ${took:-0} > 0 ? ${runs:-0} / took : ${runs:-0} ))
    printf 'fuzz %-12s %12s executions in %5s s (%s/s), %s corpus inputs, no failure\n' \
        "$target" "${runs:-0}" "${took:-0}" "$rate" "$inputs"
    total_runs=$((total_runs + ${runs:-0}))
    total_seconds=$((total_seconds + ${took:-0}))
done
echo "fuzz: $# targets, $total_runs executions in $total_seconds s, no failure"
