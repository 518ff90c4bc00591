#!/usr/bin/env bash
# `make bench`: every figure of Docs/PERFORMANCE.md in one run, then the table, .build/bench.json and the plot.
#   1. the engine benchmarks beside their libsodium floors (ordo-one/benchmark, Benchmarks/Benchmarks);
#   2. the Olm anchors through vodozemac and python-olm (Benchmarks/Scripts/anchors.py, in .build/bench-venv);
#   3. the persisted figures on real store files (Benchmarks/Sources/StoreBench).
# Run from the repository root; the release builds are made by the Makefile first.
set -euo pipefail

root="$(pwd)"
bench="$root/Benchmarks"
out="$root/.build"
venv="$out/bench-venv"
requirements="$bench/Scripts/requirements.txt"
mkdir -p "$out"
load_before="$(cut -d' ' -f1 /proc/loadavg)"

# The virtual environment is made on first use and again whenever the pinned requirements change.
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]]; then
    echo "bench: preparing $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    if "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"; then
        echo "$want" >"$venv/.requirements.sha256"
    else
        echo "bench: the pinned Python packages could not be installed; the anchors and the plot are left out"
    fi
fi

echo "bench: engine benchmarks and their floors (about a minute)..."
rm -rf "$bench/.build/bench-export"
(cd "$bench" && swift package --allow-writing-to-package-directory benchmark --target UncordBenchmarks \
    --no-progress --format histogramPercentiles --path .build/bench-export >"$out/bench-run.log" 2>&1) \
    || { cat "$out/bench-run.log"; exit 1; }

echo "bench: Olm anchors (vodozemac, python-olm)..."
if ! "$venv/bin/python" "$bench/Scripts/anchors.py" "$out/bench-anchors.json" 2>"$out/bench-anchors.log"; then
    python3 -c 'import json, sys; json.dump({"error": sys.argv[1]}, open(sys.argv[2], "w"))' \
        "$(tail -1 "$out/bench-anchors.log")" "$out/bench-anchors.json"
fi

echo "bench: persisted figures (a store grown to 10,000 sessions; about two minutes)..."
"$bench/.build/release/StoreBench" measure "$out/bench-store.json"

python="$venv/bin/python"
[[ -x "$python" ]] || python=python3
"$python" "$bench/Scripts/report.py" "$bench/.build/bench-export" "$out/bench-store.json" \
    "$out/bench-anchors.json" "$out/bench.json" "${BENCH_PLOT:-$out/bench.png}" "$load_before"
