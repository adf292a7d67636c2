#!/usr/bin/python3
"""Latency vs off-chip traffic: benchmarks/results/trade_off.md.

For every bundled model at 256 KiB and 1 MiB (shipped mobile NPU), and for
MobileNetV2 on a small NPU (256 MAC/cycle, 3.75 B/cycle DRAM) from 256 KiB to
1 MiB, runs the joint strategy three ways with the tool: the latency optimum
(`solve`), the least off-chip traffic within 0.5% of it (`solve
--latency-slack 0.5%`) and the whole front (`pareto`). Every solve has a time
limit; a front the limit cut short is marked.

Needs a built tool: cmake --build build/release --target pinfuse_tool.
Usage: scripts/trade_off_report.py [--time-limit SECONDS]   (default 30)
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "build", "release", "tools", "pinfuse", "pinfuse")
HW = os.path.join(ROOT, "examples", "hardware", "mobile_npu.json")
REPORT = os.path.join(ROOT, "benchmarks", "results", "trade_off.md")
SLACK = "0.5%"


def tool(*args):
    """Runs the tool and returns its JSON output and the wall time in ms."""
    start = time.monotonic()
    out = subprocess.run([TOOL, *args, "--json", "--quiet"], capture_output=True, text=True)
    ms = 1000 * (time.monotonic() - start)
    if out.returncode != 0:
        raise RuntimeError(f"pinfuse {' '.join(args)}: exit {out.returncode}: {out.stderr.strip()}")
    return json.loads(out.stdout), ms


def row(model, hw, spm, limit):
    common = [model, "--hw", hw, "--spm", spm, "--order", "file", "--time-limit", str(limit)]
    fastest, _ = tool("solve", *common)
    lean, _ = tool("solve", *common, "--latency-slack", SLACK)
    front, front_ms = tool("pareto", *common)
    fm = lambda s: s["offchip_bytes"]["fm_read"] + s["offchip_bytes"]["fm_write"]
    change = lambda a, b: 100.0 * (b - a) / a if a else 0.0
    points = front["points"]
    notes = []
    if not front["complete"] or not fastest["status"]["optimal"]:
        notes.append("time limit")
    if front["unplaced"]:
        notes.append(f"{front['unplaced']} unplaced")
    return (f"| {os.path.basename(model)[:-5]} | {spm} | {fastest['latency_cycles']:,} | {fm(fastest) / 1024:,.1f} | "
            f"{change(fastest['latency_cycles'], lean['latency_cycles']):+.2f}% | {fm(lean) / 1024:,.1f} | "
            f"{change(fm(fastest), fm(lean)):+.1f}% | {len(points)} | "
            f"{points[-1]['offchip_bytes']['total'] / 1024:,.1f} | {front_ms:,.0f} | {', '.join(notes)} |"), all(
        p["valid"] for p in points) and lean["valid"]


def main():
    limit = 30
    if len(sys.argv) == 3 and sys.argv[1] == "--time-limit":
        limit = float(sys.argv[2])
    elif len(sys.argv) != 1:
        sys.exit(__doc__)
    head = ("| model | SPM | latency-optimal cycles | its FM KiB | latency, slack 0.5% | FM KiB, slack 0.5% | FM change | "
            "front plans | least total KiB on the front | pareto ms | note |\n|---|---|---|---|---|---|---|---|---|---|---|")
    lines = ["# Latency vs off-chip traffic (joint, file order)", "",
             "Written by `scripts/trade_off_report.py` (every solve limited to "
             f"{limit:g} s). Columns: the latency optimum and its FM traffic; the plan with the least off-chip bytes "
             f"within {SLACK} of that latency (`solve --latency-slack {SLACK}`: its latency and FM traffic, change vs the "
             "latency optimum); the number of plans no other beats in both latency and off-chip bytes (`pareto`), "
             "the least total off-chip bytes among them (weights included) and the wall time of `pareto` (one solve, "
             "every front plan validated). \"unplaced\": front plans whose pins fragment the SPM so that no addresses "
             "fit, left out of the front (docs/architecture.md#trade-off-solves).", ""]
    all_valid = True
    lines += ["## Bundled models, shipped mobile NPU (1024 MAC/cycle, 16 B/cycle)", "", head]
    for model in sorted(glob.glob(os.path.join(ROOT, "models", "*.json"))):
        for spm in ("256KiB", "1MiB"):
            text, valid = row(model, HW, spm, limit)
            all_valid = all_valid and valid
            lines.append(text)
            print(text, flush=True)
    with open(HW) as f:
        small = json.load(f)
    small["name"] = "small-npu"
    small["compute"]["macs_per_cycle"] = 256
    small["dma"]["dram_bytes_per_cycle"] = 3.75
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(small, f)
        small_hw = f.name
    lines += ["", "## MobileNetV2 on a small NPU (256 MAC/cycle, 3.75 B/cycle DRAM)", "",
              "With the latency objective the FM traffic jumps between SPM sizes for a few hundred cycles; "
              f"within {SLACK} of the best latency it does not have to.", "", head]
    try:
        for spm in ("256KiB", "384KiB", "512KiB", "768KiB", "1MiB"):
            text, valid = row(os.path.join(ROOT, "models", "mobilenet_v2.json"), small_hw, spm, limit)
            all_valid = all_valid and valid
            lines.append(text)
            print(text, flush=True)
    finally:
        os.unlink(small_hw)
    lines += ["", f"Every plan listed validated: {'yes' if all_valid else 'NO'}.", ""]
    with open(REPORT, "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {REPORT}")
    return 0 if all_valid else 1


if __name__ == "__main__":
    sys.exit(main())
