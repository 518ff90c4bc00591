#!/usr/bin/env python3
"""Turns one `make bench` run into its table, `.build/bench.json` and the plot.

Usage: report.py EXPORT_DIR STORE_JSON ANCHORS_JSON BENCH_JSON PLOT_PNG LOAD_BEFORE

EXPORT_DIR holds what `swift package benchmark --format histogramPercentiles` wrote, one file per benchmark and
metric: `<baseline>.<target>.<benchmark>.<metric>.histogram.percentiles.tsv`, a header line and then
`percentile<TAB>value` for 0...100 (wall clock in ns per operation and malloc calls per operation, both already
divided by the benchmark's scaling factor). STORE_JSON is StoreBench's output, ANCHORS_JSON anchors.py's (or a file
holding `{"error": "..."}` when the anchors could not run). LOAD_BEFORE is the 1-minute load average when the run
started. The plot needs matplotlib; without it the table and the JSON are still written.
"""

import json
import os
import pathlib
import sys

TARGET = "UncordBenchmarks"
# (figure, benchmark with a `_floor` twin in EXPORT_DIR, target text, test on the figure and its ratios)
ENGINE = [
    ("ratchet_one_direction_us", "ratchet_one_direction", "≤ 1.25× floor, ≤ 0.5× vodozemac",
     lambda v, f, vz: f <= 1.25 and vz is not None and vz <= 0.5),  # not met when vodozemac was not measured
    ("ratchet_alternating_us", "ratchet_alternating", "≤ 1.2× floor", lambda v, f, vz: f <= 1.2),
    ("session_setup_us", "session_setup", "≤ 1.2× floor", lambda v, f, vz: f <= 1.2),
    ("fanout_10_devices_us", "fanout_10_devices", "≤ 150 µs", lambda v, f, vz: v <= 150),
]


def median(export_dir: pathlib.Path, benchmark: str, metric: str) -> int:
    matches = sorted(export_dir.glob(f"*.{TARGET}.{benchmark}.{metric}.histogram.percentiles.tsv"))
    if len(matches) != 1:
        sys.exit(f"report.py: expected one export for {benchmark} / {metric} in {export_dir}, found {len(matches)}")
    for line in matches[0].read_text().splitlines()[1:]:
        percentile, value = line.split("\t")
        if percentile == "50":
            return int(value)
    sys.exit(f"report.py: no 50th percentile in {matches[0]}")


def ratio(value, anchor):
    return None if anchor in (None, 0) else value / anchor


def main() -> None:
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    export_dir, store_path, anchors_path, out_path, plot_path = map(pathlib.Path, sys.argv[1:6])
    load_before = float(sys.argv[6])
    store = json.loads(store_path.read_text())
    anchors = json.loads(anchors_path.read_text())
    anchor_error = anchors.get("error")

    def anchor(library, figure):
        entry = anchors.get(library, {}).get(figure)
        return entry["value"] if entry else None

    figures, rows = [], []
    for name, benchmark, target, met in ENGINE:
        value = median(export_dir, benchmark, "wallClock") / 1000
        floor = median(export_dir, f"{benchmark}_floor", "wallClock") / 1000
        vz, lo = anchor("vodozemac", name), anchor("libolm", name)
        figure = {"name": name, "value": round(value, 3), "unit": "us", "floor_ratio": round(value / floor, 3)}
        if vz:
            figure["vodozemac_ratio"] = round(value / vz, 3)
        if lo:
            figure["libolm_ratio"] = round(value / lo, 3)
        figure.update({"floor_us": round(floor, 3), "vodozemac_us": vz and round(vz, 3),
                       "libolm_us": lo and round(lo, 3), "mallocs": median(export_dir, benchmark, "mallocCountTotal"),
                       "target": target, "met": bool(met(value, value / floor, ratio(value, vz)))})
        figures.append(figure)

    def plain(name, value, unit, target, met, **extra):
        figures.append({"name": name, "value": round(value, 3), "unit": unit, "target": target, "met": bool(met),
                        **extra})

    single = 1e6 / store["persisted_receive_us"]
    batched = 1e6 / store["persisted_receive_batched_us"]
    plain("persisted_receive_per_s", single, "messages/s", "≥ 5,000", single >= 5000,
          us_per_message=round(store["persisted_receive_us"], 3))
    plain("persisted_receive_batched_per_s", batched, "messages/s", "≥ 30,000", batched >= 30000,
          us_per_message=round(store["persisted_receive_batched_us"], 3))
    plain("skipped_2000_ratio", store["skipped_2000_ratio"], "ratio", "≤ 1.2", store["skipped_2000_ratio"] <= 1.2,
          with_us=round(store["skipped_2000_us"], 3), without_us=round(store["skipped_0_us"], 3))
    plain("sessions_10k_ratio", store["sessions_10k_ratio"], "ratio", "≤ 1.2", store["sessions_10k_ratio"] <= 1.2,
          with_10k_us=round(store["sessions_10k_us"], 3), with_10_us=round(store["sessions_10_us"], 3))
    plain("store_open_10k_ms", store["store_open_10k_ms"], "ms", "< 100 (raw key)", store["store_open_10k_ms"] < 100)
    plain("store_open_10k_rss_mib", store["store_open_10k_rss_mib"], "MiB", "< 64 (peak resident)",
          store["store_open_10k_rss_mib"] < 64)
    plain("notification_decrypt_cold_ms", store["notification_decrypt_cold_ms"], "ms",
          "≤ 30 (fresh process: open 10,000 sessions + decrypt one)", store["notification_decrypt_cold_ms"] <= 30)
    plain("notification_decrypt_rss_mib", store["notification_decrypt_rss_mib"], "MiB", "≤ 24 (peak resident)",
          store["notification_decrypt_rss_mib"] <= 24)
    plain("catch_up_10k_s", store["catch_up_10k_s"], "s",
          "≤ 10 (fresh process: READY to the last of 10,000 missed messages, dev server)",
          store["catch_up_10k_s"] <= 10)
    plain("catch_up_10k_rss_mib", store["catch_up_10k_rss_mib"], "MiB", "≤ 64 (peak resident)",
          store["catch_up_10k_rss_mib"] <= 64)
    plain("frame_to_event_us", store["frame_to_event_us"], "us",
          "— (one DM_MESSAGE_CREATE frame's bytes to one app event, engine and store)", True,
          persisted_receive_us=round(store["persisted_receive_us"], 3))
    one = store["persisted_receive_one_process_per_s"]
    two = store["persisted_receive_two_processes_per_s"]
    plain("persisted_receive_two_processes_per_s", two, "messages/s", "≥ 0.8 × one process",
          two >= 0.8 * one, one_process_per_s=round(one, 1), ratio=round(two / one, 3))

    load_after = os.getloadavg()[0]
    print(f"{'figure':<32} {'value':>10} {'unit':<10} {'floor':>9} {'vodozemac':>10} {'libolm':>8} "
          f"{'mallocs':>7}  target")
    for f in figures:
        def r(key):
            return f"{f[key]:.2f}x" if key in f else "-"
        mark = "met" if f["met"] else "NOT MET"
        print(f"{f['name']:<32} {f['value']:>10.2f} {f['unit']:<10} {r('floor_ratio'):>9} {r('vodozemac_ratio'):>10} "
              f"{r('libolm_ratio'):>8} {f.get('mallocs', '-'):>7}  {f['target']} ({mark})")
    print()
    for f in figures[:4]:
        print(f"  {f['name']}: ours {f['value']:.2f} µs, floor {f['floor_us']:.2f} µs, vodozemac "
              f"{f['vodozemac_us'] or '-'} µs, libolm {f['libolm_us'] or '-'} µs")
    curve = ", ".join(f"{int(p['sessions'])}: {p['us']:.1f}" for p in store["sessions_curve"])
    print(f"  µs per received message by sessions in the store: {curve}")
    if anchor_error:
        print(f"  anchors: not measured ({anchor_error})")
    print(f"  load average (1 min, 2 cores): {load_before:.2f} at the start, {load_after:.2f} at the end")

    out = {"figures": figures,
           "sessions_curve": store["sessions_curve"],
           "anchors": anchors.get("versions", {"error": anchor_error}),
           "load_average": {"start": load_before, "end": load_after, "cores": os.cpu_count()}}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"(medians of at least 5 runs; written to {out_path})")
    plot(figures, store["sessions_curve"], plot_path)


def plot(figures, curve, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(no matplotlib: no plot)")
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    left.plot([p["sessions"] for p in curve], [p["us"] for p in curve], marker="o", color="tab:blue")
    left.set_xscale("log")
    left.set_ylim(bottom=0)
    left.set_xlabel("sessions in the store")
    left.set_ylabel("µs per received message (one transaction each)")
    left.set_title("Persisted receive against store size")
    left.grid(True, alpha=0.3)

    engine = figures[:4]
    labels = [f["name"].removesuffix("_us") for f in engine]
    series = [("uncord-e2ee", "value", "tab:blue"), ("libsodium floor", "floor_us", "tab:gray"),
              ("vodozemac (Python)", "vodozemac_us", "tab:orange"), ("libolm (Python)", "libolm_us", "tab:red")]
    width = 0.2
    for i, (label, key, color) in enumerate(series):
        xs = [x + (i - 1.5) * width for x in range(len(engine))]
        ys = [f.get(key) or 0 for f in engine]
        right.bar(xs, ys, width, label=label, color=color)
    right.set_yscale("log")
    right.set_xticks(range(len(engine)), labels, rotation=15)
    right.set_ylabel("µs per operation (log)")
    right.set_title("Our figures beside the anchors")
    right.legend(fontsize=8)
    right.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"(plot written to {path})")


if __name__ == "__main__":
    main()
