#!/usr/bin/env python3
"""Turns the benchmark run's exported percentiles into the `make bench` table and the root package's bench.json.

Usage: report.py EXPORT_DIR BENCH_JSON

EXPORT_DIR holds the files `swift package benchmark --format histogramPercentiles` writes, one per benchmark and
metric: `<baseline>.<target>.<benchmark>.<metric>.histogram.percentiles.tsv`, a header line and then
`percentile<TAB>value` for 0...100. Every benchmark here reports wall clock in nanoseconds per operation and malloc
calls per operation (both already divided by the benchmark's scaling factor). The store benchmarks have no floor;
their figures are per message (a `store_receive_100_per_transaction` operation is a batch of 100). Standard library
only.
"""

import json
import pathlib
import sys

ENGINE_BENCHMARKS = ["ratchet_one_direction", "ratchet_alternating", "session_setup"]
# (benchmark, figure name, messages per operation): the persisted receive rate.
STORE_BENCHMARKS = [
    ("store_receive_one_per_transaction", "store_receive_us", 1),
    ("store_receive_100_per_transaction", "store_receive_batch100_us", 100),
]
TARGET = "UncordBenchmarks"


def median(export_dir: pathlib.Path, benchmark: str, metric: str) -> int:
    matches = sorted(export_dir.glob(f"*.{TARGET}.{benchmark}.{metric}.histogram.percentiles.tsv"))
    if len(matches) != 1:
        sys.exit(f"report.py: expected one export for {benchmark} / {metric} in {export_dir}, found {len(matches)}")
    lines = matches[0].read_text().splitlines()
    for line in lines[1:]:
        percentile, value = line.split("\t")
        if percentile == "50":
            return int(value)
    sys.exit(f"report.py: no 50th percentile in {matches[0]}")


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    export_dir = pathlib.Path(sys.argv[1])
    out_path = pathlib.Path(sys.argv[2])

    rows = []
    figures = []
    for name in ENGINE_BENCHMARKS:
        engine_us = median(export_dir, name, "wallClock") / 1000
        floor_us = median(export_dir, f"{name}_floor", "wallClock") / 1000
        ratio = engine_us / floor_us
        mallocs = median(export_dir, name, "mallocCountTotal")
        floor_mallocs = median(export_dir, f"{name}_floor", "mallocCountTotal")
        rows.append((name, engine_us, floor_us, ratio, 1e6 / engine_us, mallocs, floor_mallocs))
        figures.append({"name": f"{name}_us", "value": round(engine_us, 3), "unit": "us",
                        "floor_ratio": round(ratio, 3)})

    print(f"{'benchmark':<22} {'median µs':>10} {'floor µs':>10} {'ratio':>7} {'ops/s':>8} {'mallocs/op':>10} "
          f"{'floor mallocs/op':>16}")
    for name, engine_us, floor_us, ratio, ops, mallocs, floor_mallocs in rows:
        print(f"{name:<22} {engine_us:>10.3f} {floor_us:>10.3f} {ratio:>6.2f}x {ops:>8.0f} {mallocs:>10} "
              f"{floor_mallocs:>16}")

    print()
    # No malloc column here: the interposer's counts between explicit start/stop marks are not reliable.
    print(f"{'persisted receive':<34} {'µs/message':>10} {'messages/s':>10}")
    for name, figure, per_operation in STORE_BENCHMARKS:
        message_us = median(export_dir, name, "wallClock") / 1000 / per_operation
        print(f"{name:<34} {message_us:>10.3f} {1e6 / message_us:>10.0f}")
        figures.append({"name": figure, "value": round(message_us, 3), "unit": "us"})

    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps({"figures": figures}, indent=2) + "\n")
    print(f"(medians of wall clock per operation; written to {out_path})")


if __name__ == "__main__":
    main()
