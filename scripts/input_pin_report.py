#!/usr/bin/python3
"""Model input pins on real PyTorch blocks: benchmarks/results/input_pins.md.

A compiler that hands pinfuse one block of a network at a time (or a model
whose input several layers read) gives it a model input that several groups
may read. This exports torchvision blocks whose input several layers read
(torch.onnx.export, random weights), imports each with `pinfuse import
--dtype-bytes 1` (int8, as the bundled zoo), and solves it (joint, exact,
file order and order-free) on the shipped mobile NPU at several SPM sizes,
with model input pins (the default) and without (`--no-input-pins`). Every
plan is validated by the tool.

Needs Debian's python3-torch, python3-torchvision and python3-onnx, and a built
tool: cmake --build build/release --target pinfuse_tool.
Usage: scripts/input_pin_report.py
"""
import json
import os
import subprocess
import tempfile

from onnx_real_exports import HW, ROOT, TOOL, require_torch_and_tool

REPORT = os.path.join(ROOT, "benchmarks", "results", "input_pins.md")
SIZES = ["128KiB", "256KiB", "512KiB", "1MiB"]
TIME_LIMIT_S = "20"  # per solve; the report says when a solve stopped before proving its plan optimal


def blocks():
    """(name, what reads the input, module, input shape NCHW) of each block, as the full models run them."""
    import torchvision.models as tv
    inception = tv.inception_v3(weights=None, aux_logits=False, init_weights=True).eval()
    googlenet = tv.googlenet(weights=None, aux_logits=False, init_weights=True).eval()
    return [
        ("inception_v3.Mixed_5b", "4 branches (InceptionA)", inception.Mixed_5b, (1, 192, 35, 35)),
        ("inception_v3.Mixed_6b", "4 branches (InceptionC)", inception.Mixed_6b, (1, 768, 17, 17)),
        ("googlenet.inception3a", "4 branches", googlenet.inception3a, (1, 192, 28, 28)),
        ("resnet50.layer2[0]", "conv1 and the downsample", tv.resnet50(weights=None).eval().layer2[0], (1, 256, 56, 56)),
        ("mobilenet_v2.features[3]", "the expand conv and the residual add",
         tv.mobilenet_v2(weights=None).eval().features[3], (1, 24, 56, 56)),
        ("densenet121.denseblock1", "the concat before each of 6 layers and the last",
         tv.densenet121(weights=None).eval().features.denseblock1, (1, 64, 56, 56)),
    ]


def run(args):
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def solve(model_json, size, order, input_pins, tmp):
    plan_path = os.path.join(tmp, "plan.json")
    args = [TOOL, "solve", model_json, "--hw", HW, "--spm", size, "--strategy", "joint", "--order", order,
            "--time-limit", TIME_LIMIT_S, "--json", "--quiet", "--out", plan_path]
    if not input_pins:
        args.append("--no-input-pins")
    code, out, err = run(args)
    if code != 0:
        return {"error": err.strip().splitlines()[-1] if err.strip() else "exit %d" % code}
    s = json.loads(out)
    with open(plan_path) as f:
        plan = json.load(f)
    with open(model_json) as f:
        inputs = {l["name"] for l in json.load(f)["layers"] if l["type"] == "input"}
    return {"latency": s["latency_cycles"], "offchip": s["offchip_bytes"]["total"], "valid": s["valid"],
            "optimal": s["status"]["optimal"], "solve_ms": s["solve_ms"],
            "input_pinned": any(p["fm"] in inputs for p in plan["pinned"])}


def main():
    require_torch_and_tool("input_pin_report")
    import torch
    import torchvision
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, readers, module, shape in blocks():
            onnx_path, model_json = os.path.join(tmp, "block.onnx"), os.path.join(tmp, "block.json")
            torch.onnx.export(module, torch.randn(*shape), onnx_path, opset_version=13, input_names=["x"])
            code, _, err = run([TOOL, "import", onnx_path, "-o", model_json, "--dtype-bytes", "1", "--name", name])
            if code != 0:
                rows.append({"block": name, "readers": readers, "error": err.strip()})
                continue
            for size in SIZES:
                for order in ("file", "free"):
                    with_pins = solve(model_json, size, order, True, tmp)
                    without = solve(model_json, size, order, False, tmp)
                    rows.append({"block": name, "readers": readers, "shape": shape, "spm": size, "order": order,
                                 "with": with_pins, "without": without})
                    print(rows[-1], flush=True)
    write_report(rows, torch.__version__, torchvision.__version__)


def write_report(rows, torch_version, torchvision_version):
    def pct(a, b):
        return "%+.1f%%" % (100.0 * (a - b) / b) if b else "n/a"

    lines = [
        "# Model input pins on real PyTorch blocks",
        "",
        "Written by `scripts/input_pin_report.py` (rerun it to regenerate; torch %s, torchvision %s)." % (
            torch_version, torchvision_version),
        "Each block of a torchvision model whose input several layers read is exported alone with",
        "`torch.onnx.export` (random weights), imported with `pinfuse import --dtype-bytes 1`, and solved with",
        "`pinfuse solve --strategy joint --hw examples/hardware/mobile_npu.json --spm SIZE --order file|free",
        "--time-limit %s` with model input pins (the default: the first group that reads the input may load it" % TIME_LIMIT_S,
        "whole and keep it for the later ones, `Residence::loaded`) and with `--no-input-pins`. Latency and",
        "off-chip bytes are the plans' totals; \"pinned\" says whether the plan keeps the input; \"optimal\" whether",
        "both solves proved their plans optimal within the time limit. Every plan passed the validator.",
        "",
        "| block | input read by | input | SPM | order | latency | without input pins | Δ latency | off-chip bytes | without | Δ off-chip | pinned | optimal |",
        "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        if "error" in r:
            lines.append("| %s | %s | import failed: %s |" % (r["block"], r["readers"], r["error"].splitlines()[0]))
            continue
        w, wo = r["with"], r["without"]
        shape = "x".join(str(d) for d in r["shape"][1:])
        if "error" in w or "error" in wo:
            lines.append("| %s | %s | %s | %s | %s | %s |" % (r["block"], r["readers"], shape, r["spm"], r["order"],
                                                             w.get("error") or wo.get("error")))
            continue
        assert w["valid"] and wo["valid"], r
        if w["optimal"] and wo["optimal"]:  # with input pins the plan space is a superset
            assert (w["latency"], w["offchip"]) <= (wo["latency"], wo["offchip"]), r
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["block"], r["readers"], shape, r["spm"], r["order"], format(w["latency"], ","), format(wo["latency"], ","),
            pct(w["latency"], wo["latency"]), format(w["offchip"], ","), format(wo["offchip"], ","),
            pct(w["offchip"], wo["offchip"]), "yes" if w["input_pinned"] else "no",
            "yes" if w["optimal"] and wo["optimal"] else "no (time limit)"))
    with open(REPORT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", REPORT)


if __name__ == "__main__":
    main()
