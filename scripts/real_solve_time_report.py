#!/usr/bin/python3
"""Joint solve time on real third-party models: benchmarks/results/real_solve_time.md.

Issue 8 opened with a measurement on real CNNs the project had never seen: of
112 joint solves on 28 models (256 KiB to 2 MiB of SPM, shipped mobile NPU),
the median took 1.5 s, 61 took over 1 s and 24 over 10 s, the worst 206 s. This
script measures the same kind of figure on 31 torchvision models (random
weights, exported by torch.onnx.export as scripts/onnx_real_exports.py does,
imported with `pinfuse import`; not the issue's models, and under the tool's
default work limit where the issue's solves had none): each solved by
`pinfuse solve --spm S --json` with the tool's defaults (joint, order-free, the
default work limit, one thread) at 256 KiB, 512 KiB, 1 MiB and 2 MiB. It
reports each solve's time, whether it was proven optimal (else its proven gap)
and whether the plan validated.

Needs a built tool (cmake --build build/release --target pinfuse_tool) and
Debian's python3-torch, python3-torchvision and python3-onnx. About 5 minutes.
Usage: scripts/real_solve_time_report.py [MODEL...]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from onnx_real_exports import CUSTOM, ROOT, TOOL, export_torchvision, require_torch_and_tool

REPORT = os.path.join(ROOT, "benchmarks", "results", "real_solve_time.md")
SIZES = ["256KiB", "512KiB", "1MiB", "2MiB"]
# torchvision's classifiers (224x224), two segmentation nets (LR-ASPP; FCN-ResNet50, whose dilated stages keep 2048
# channels at 28x28), two detectors (SSDLite at 320x320: twelve prediction chains
# side by side, as the SSD-FPN; RetinaNet at 512x512: 62 G MACs, five FPN levels with a class and a box
# subnet each) and the families with many FMs alive across a cut (DenseNet), branches (GoogLeNet, Inception) and
# deep residual stacks (ResNet-152).
MODELS = ["alexnet", "vgg16", "resnet18", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2",
          "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0", "efficientnet_b2",
          "efficientnet_b4", "efficientnet_v2_s", "googlenet", "inception_v3", "shufflenet_v2_x1_0", "squeezenet1_1",
          "densenet121", "densenet169", "densenet201", "regnet_y_400mf", "regnet_x_1_6gf", "regnet_y_1_6gf",
          "mnasnet1_0", "mnasnet0_5", "lraspp_mobilenet_v3_large", "fcn_resnet50", "ssdlite320_mobilenet_v3_large",
          "retinanet_resnet50_fpn"]
SOLVE_TIMEOUT_S = 600  # far above the default work limit's few seconds: a solve this long is a finding


def export(name, path):
    if name in CUSTOM:
        CUSTOM[name](path)
    else:
        export_torchvision(name, path)


def solve(json_path, size):
    """One solve's row: wall time (s), the tool's own solve time, status, validity."""
    start = time.time()
    try:
        p = subprocess.run([TOOL, "solve", json_path, "--spm", size, "--json", "--quiet"], capture_output=True, text=True,
                           timeout=SOLVE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": "no answer in %d s" % SOLVE_TIMEOUT_S, "timeout": True, "wall_s": time.time() - start}
    wall = time.time() - start
    first_line = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[0]
    if p.returncode == 4:  # no plan fits that SPM (the reason is listed under the table)
        return {"no_plan": first_line, "wall_s": wall}
    if p.returncode not in (0, 3):  # 3: the plan did not validate, which the row shows
        return {"error": first_line, "wall_s": wall}
    s = json.loads(p.stdout)
    return {"wall_s": wall, "solve_s": s["solve_ms"] / 1000, "optimal": s["status"]["optimal"],
            "gap": s["status"].get("gap", 0.0), "work": s["statistics"]["work"], "valid": s["valid"]}


def cell(r):
    if "error" in r:
        return "error"
    if "no_plan" in r:
        return "no plan"
    text = "%.2f" % r["solve_s"]
    if not r["optimal"]:
        text += " (gap %.3g%%)" % (100 * r["gap"])
    if not r["valid"]:
        text += " INVALID"
    return text


def write_report(rows, torch_version, torchvision_version):
    solves = [r for _, results in rows for r in results if "solve_s" in r]
    # A solve the timeout ended counts with the timeout as its time: the figures never leave out the slowest.
    timed = [(r["solve_s"] if "solve_s" in r else SOLVE_TIMEOUT_S, name, size) for name, results in rows
             for size, r in zip(SIZES, results) if "solve_s" in r or r.get("timeout")]
    times = [t for t, _, _ in timed]
    walls = [r["wall_s"] for _, results in rows for r in results if "solve_s" in r] or [0.0]
    worst = max(timed, default=None)
    lines = [
        "# Joint solve time on real models",
        "",
        "Written by `scripts/real_solve_time_report.py` (rerun it to regenerate). Models: torchvision %s with random" % torchvision_version,
        "weights, exported by `torch.onnx.export` (PyTorch %s, opset 13, 1x3x224x224; the detectors' backbone and head,"
        % torch_version, "SSDLite at 1x3x320x320 and RetinaNet at 1x3x512x512) and read with `pinfuse import`",
        "(float32, as the files say: 4 bytes an element, so an SPM holds a quarter of what it holds of an int8",
        "deployment; `pinfuse import --dtype-bytes 1` models that one: DenseNet-121 then solves as the zoo's does);",
        "each solved by `pinfuse solve MODEL.json --spm S --json` with the tool's defaults (joint, order-free, the",
        "default work limit, one thread) on the shipped `mobile_npu` hardware. A cell: the solve's time in seconds",
        "(the tool's `solve_ms`, on the machine that ran it), with the proven gap if the solve was not proven optimal",
        "(stopped by the work limit, or an address repair). `no plan`: the tool found no plan for that SPM (the",
        "reasons are listed under the table); `error`: see under the table.",
        "",
        "| model | " + " | ".join(SIZES) + " |",
        "|---|" + "---:|" * len(SIZES),
    ]
    for name, results in rows:
        lines.append("| %s | %s |" % (name, " | ".join(cell(r) for r in results)))
    lines.append("")
    if times:
        proven = sum(1 for r in solves if r["optimal"] and r["valid"])
        invalid = sum(1 for r in solves if not r["valid"])
        lines += [
            "Summary: %d solves on %d models (%d with a plan, %d ended by the %d s timeout, %d without a plan or with an"
            % (len(rows) * len(SIZES), len(rows), len(solves), len(times) - len(solves), SOLVE_TIMEOUT_S,
               len(rows) * len(SIZES) - len(times)),
            "error: listed below); of those timed, median %.2f s, %d over 1 s,"
            % (statistics.median(times), sum(t > 1 for t in times)),
            "%d over 10 s, the slowest %.2f s (%s at %s); from the tool's start to its exit (the model read and the"
            % (sum(t > 10 for t in times), worst[0], worst[1], worst[2]),
            "plan validated) the median %.2f s and the slowest %.2f s. %d valid plans proven optimal, %d stopped"
            % (statistics.median(walls), max(walls), proven, len(solves) - proven - invalid),
            "by the work limit or repaired (their gaps are in the table); %d plans invalid." % invalid,
            "",
            "When issue 8 was filed (its own 28 real models at the same four sizes, one thread, no work limit): of 112",
            "solves the median took 1.5 s, 61 over 1 s, 24 over 10 s, the slowest 206 s (a DenseNet-201 at 256 KiB).",
        ]
    notes = [(name, size, r.get("error") or r.get("no_plan")) for name, results in rows for size, r in zip(SIZES, results)
             if "error" in r or "no_plan" in r]
    if notes:
        lines.append("")
    for name, size, note in notes:
        lines.append("- %s at %s: %s" % (name, size, note))
    with open(REPORT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", REPORT)


def main():
    names = sys.argv[1:] or MODELS
    require_torch_and_tool("real_solve_time_report")
    import torch
    import torchvision
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            onnx_path = os.path.join(tmp, name + ".onnx")
            json_path = os.path.join(tmp, name + ".json")
            export(name, onnx_path)
            p = subprocess.run([TOOL, "import", onnx_path, "-o", json_path], capture_output=True, text=True)
            if p.returncode != 0:
                failed = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[0]
                results = [{"error": "import failed: " + failed} for _ in SIZES]
            else:
                results = [solve(json_path, size) for size in SIZES]
            rows.append((name, results))
            print(name, " | ".join(cell(r) for r in results), flush=True)
    write_report(rows, torch.__version__, torchvision.__version__)


if __name__ == "__main__":
    main()
