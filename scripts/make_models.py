#!/usr/bin/env python3
"""Generate the bundled pinfuse example models (examples/models/*.json).

Standard library only.  Run from anywhere:

    python3 scripts/make_models.py

The output is deterministic: running the script again rewrites the files
byte-identically.  For each model it prints the total MACs and parameters
(conv2d and fc layers only, using the formulas of docs/model-format.md) so
they can be compared with the published figures.

All models assume BatchNorm has been folded into the preceding convolution,
so every conv2d has a bias (the format's default) and its activation fused.
"""

import json
import math
import os
import sys

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "models")


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class Model:
    """A tiny builder: every helper appends one layer, infers its output
    shape, accumulates MACs/params and returns the layer name."""

    def __init__(self, name, dtype_bytes=1):
        self.name = name
        self.dtype_bytes = dtype_bytes
        self.layers = []
        self.shapes = {}
        self.macs = 0
        self.params = 0

    def _add(self, layer, shape):
        assert layer["name"] not in self.shapes, "duplicate name " + layer["name"]
        for src in layer.get("inputs", []):
            assert src in self.shapes, "unknown input " + src
        self.layers.append(layer)
        self.shapes[layer["name"]] = shape
        return layer["name"]

    # -- layers -----------------------------------------------------------
    def input(self, name, shape):
        return self._add({"name": name, "type": "input", "shape": list(shape)}, tuple(shape))

    def conv(self, name, x, filters, kernel, stride=1, padding="valid",
             groups=1, activation="relu6", bias=True):
        h, w, c = self.shapes[x]
        kh, kw = pair(kernel)
        sh, sw = pair(stride)
        if padding == "same":
            oh, ow = -(-h // sh), -(-w // sw)
        else:
            if padding == "valid":
                pt = pb = pl = pr = 0
            elif isinstance(padding, int):
                pt = pb = pl = pr = padding
            else:
                pt, pb, pl, pr = padding
            oh = (h + pt + pb - kh) // sh + 1
            ow = (w + pl + pr - kw) // sw + 1
        assert c % groups == 0 and filters % groups == 0
        self.macs += oh * ow * filters * (c // groups) * kh * kw
        self.params += kh * kw * (c // groups) * filters + (filters if bias else 0)
        layer = {"name": name, "type": "conv2d", "inputs": [x], "filters": filters,
                 "kernel": kernel, "stride": stride, "padding": padding}
        if groups != 1:
            layer["groups"] = groups
        if not bias:
            layer["bias"] = False
        layer["activation"] = activation
        return self._add(layer, (oh, ow, filters))

    def dw(self, name, x, kernel=3, stride=1, padding="same", activation="relu6"):
        """Depthwise conv: groups == input channels == filters."""
        c = self.shapes[x][2]
        return self.conv(name, x, c, kernel, stride, padding, groups=c, activation=activation)

    def pool(self, name, x, mode, kernel, stride, padding):
        h, w, c = self.shapes[x]
        if isinstance(padding, int):
            oh = (h + 2 * padding - kernel) // stride + 1
            ow = (w + 2 * padding - kernel) // stride + 1
        else:
            raise NotImplementedError(padding)
        layer = {"name": name, "type": "pool", "inputs": [x], "mode": mode,
                 "kernel": kernel, "stride": stride, "padding": padding}
        return self._add(layer, (oh, ow, c))

    def gap(self, name, x):
        c = self.shapes[x][2]
        layer = {"name": name, "type": "pool", "inputs": [x], "mode": "avg", "global": True}
        return self._add(layer, (1, 1, c))

    def add(self, name, *xs, activation=None):
        assert len({self.shapes[x] for x in xs}) == 1, "add: shape mismatch in " + name
        layer = {"name": name, "type": "add", "inputs": list(xs)}
        if activation:
            layer["activation"] = activation
        return self._add(layer, self.shapes[xs[0]])

    def fc(self, name, x, units, activation="none"):
        flat = math.prod(self.shapes[x])
        self.macs += flat * units
        self.params += flat * units + units
        layer = {"name": name, "type": "fc", "inputs": [x], "units": units,
                 "activation": activation}
        return self._add(layer, (1, 1, units))

    def output(self, name, x):
        return self._add({"name": name, "type": "output", "inputs": [x]}, self.shapes[x])

    # -- serialisation ----------------------------------------------------
    def to_json(self):
        """Pretty-printed JSON with one layer per line."""
        head = [("format", "pinfuse-model"), ("version", 1), ("name", self.name),
                ("dtype_bytes", self.dtype_bytes)]
        lines = ["{"]
        lines += ["  %s: %s," % (json.dumps(k), json.dumps(v)) for k, v in head]
        lines.append('  "layers": [')
        body = [json.dumps(layer) for layer in self.layers]
        lines += ["    " + s + ("," if i + 1 < len(body) else "") for i, s in enumerate(body)]
        lines += ["  ]", "}"]
        return "\n".join(lines) + "\n"


# -- models -----------------------------------------------------------------

def mobilenet_v1():
    """MobileNetV1 1.0 / 224 (Howard et al. 2017, Table 1)."""
    m = Model("mobilenet_v1")
    x = m.input("input", (224, 224, 3))
    x = m.conv("conv1", x, 32, 3, 2, "same")
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
              (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
    for i, (filters, stride) in enumerate(blocks, 1):
        x = m.dw("b%d_dw" % i, x, 3, stride)
        x = m.conv("b%d_pw" % i, x, filters, 1, 1, "same")
    x = m.gap("pool", x)
    x = m.fc("fc", x, 1000)
    m.output("output", x)
    return m


def mobilenet_v2():
    """MobileNetV2 1.0 / 224 (Sandler et al. 2018, Table 2)."""
    m = Model("mobilenet_v2")
    x = m.input("input", (224, 224, 3))
    x = m.conv("conv1", x, 32, 3, 2, "same")
    table = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
             (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    b = 0
    for t, c, n, s in table:
        for i in range(n):
            b += 1
            stride = s if i == 0 else 1
            cin = m.shapes[x][2]
            y = x
            if t != 1:
                y = m.conv("b%d_expand" % b, y, cin * t, 1, 1, "same")
            y = m.dw("b%d_dw" % b, y, 3, stride)
            y = m.conv("b%d_project" % b, y, c, 1, 1, "same", activation="none")
            if stride == 1 and cin == c:
                y = m.add("b%d_add" % b, x, y)
            x = y
    x = m.conv("conv_last", x, 1280, 1, 1, "same")
    x = m.gap("pool", x)
    x = m.fc("fc", x, 1000)
    m.output("output", x)
    return m


def resnet18():
    """ResNet-18 (He et al. 2016), torchvision layout (stride on the first 3x3)."""
    m = Model("resnet18")
    x = m.input("input", (224, 224, 3))
    x = m.conv("conv1", x, 64, 7, 2, 3, activation="relu")
    x = m.pool("maxpool", x, "max", 3, 2, 1)
    for stage, filters in enumerate([64, 128, 256, 512], 1):
        for block in (1, 2):
            p = "s%d_b%d_" % (stage, block)
            stride = 2 if stage > 1 and block == 1 else 1
            y = m.conv(p + "conv1", x, filters, 3, stride, 1, activation="relu")
            y = m.conv(p + "conv2", y, filters, 3, 1, 1, activation="none")
            shortcut = x
            if stride != 1 or m.shapes[x][2] != filters:
                shortcut = m.conv(p + "proj", x, filters, 1, stride, 0, activation="none")
            x = m.add(p + "add", shortcut, y, activation="relu")
    x = m.gap("pool", x)
    x = m.fc("fc", x, 1000)
    m.output("output", x)
    return m


# Published figures (MACs, params) for a quick sanity check.  Ours count
# conv2d and fc only (including the fc); folded BatchNorm adds one bias per
# channel, so parameter counts differ slightly from framework summaries.
PUBLISHED = {
    "mobilenet_v1": (569e6, 4.2e6),    # Howard et al. 2017, Table 8
    "mobilenet_v2": (300e6, 3.47e6),   # Sandler et al. 2018 (3.4M); TF-slim zoo: 300M, 3.47M
    "resnet18": (1.82e9, 11.7e6),      # He et al. 2016 / torchvision
}


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for build in (mobilenet_v1, mobilenet_v2, resnet18):
        m = build()
        path = os.path.join(OUT_DIR, m.name + ".json")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(m.to_json())
        pub_macs, pub_params = PUBLISHED[m.name]
        print("%s: %d layers -> %s" % (m.name, len(m.layers), os.path.relpath(path)))
        print("  MACs   %15s  (%8.1fM, published ~%.0fM, %+.1f%%)" % (
            format(m.macs, ","), m.macs / 1e6, pub_macs / 1e6,
            100.0 * (m.macs - pub_macs) / pub_macs))
        print("  params %15s  (%8.2fM, published ~%.2fM, %+.1f%%)" % (
            format(m.params, ","), m.params / 1e6, pub_params / 1e6,
            100.0 * (m.params - pub_params) / pub_params))
    return 0


if __name__ == "__main__":
    sys.exit(main())
