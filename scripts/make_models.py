#!/usr/bin/env python3
"""Generate the bundled pinfuse example models (models/*.json).

Standard library only.  Run from anywhere:

    python3 scripts/make_models.py

The output is deterministic: running the script again rewrites the files
byte-identically.  For each model it prints the total MACs and parameters
(conv2d, conv2d_transpose and fc layers only, using the formulas of
docs/model-format.md) so they can be compared with the published figures.  Sources and deviations
are listed in docs/model-format.md ("Bundled models").

All models assume BatchNorm has been folded into the preceding convolution,
so every conv2d has a bias (the format's default) and its activation fused.
"""

import json
import math
import os
import sys

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models")


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)



def conv_layer(kind, name, x, filters, kernel, stride, padding, groups, bias, activation):
    """The JSON object of a conv2d / conv2d_transpose layer (defaults left out)."""
    layer = {"name": name, "type": kind, "inputs": [x], "filters": filters,
             "kernel": kernel, "stride": stride, "padding": padding}
    if groups != 1:
        layer["groups"] = groups
    if not bias:
        layer["bias"] = False
    layer["activation"] = activation
    return layer

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

    def _window(self, size, kernel, stride, pad_before, pad_after, dilation=1):
        return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1

    @staticmethod
    def _pads(padding):
        """(top, bottom, left, right) of an explicit padding value."""
        if padding == "valid":
            return (0, 0, 0, 0)
        if isinstance(padding, int):
            return (padding,) * 4
        return tuple(padding)

    def _spatial(self, x, kernel, stride, padding):
        h, w, _ = self.shapes[x]
        kh, kw = pair(kernel)
        sh, sw = pair(stride)
        if padding == "same":
            return -(-h // sh), -(-w // sw)
        pt, pb, pl, pr = self._pads(padding)
        return self._window(h, kh, sh, pt, pb), self._window(w, kw, sw, pl, pr)

    def conv(self, name, x, filters, kernel, stride=1, padding="valid",
             groups=1, activation="relu6", bias=True):
        c = self.shapes[x][2]
        kh, kw = pair(kernel)
        oh, ow = self._spatial(x, kernel, stride, padding)
        assert oh >= 1 and ow >= 1, name
        assert c % groups == 0 and filters % groups == 0
        self.macs += oh * ow * filters * (c // groups) * kh * kw
        self.params += kh * kw * (c // groups) * filters + (filters if bias else 0)
        return self._add(conv_layer("conv2d", name, x, filters, kernel, stride, padding,
                                    groups, bias, activation), (oh, ow, filters))

    def dw(self, name, x, kernel=3, stride=1, padding="same", activation="relu6"):
        """Depthwise conv: groups == input channels == filters."""
        c = self.shapes[x][2]
        return self.conv(name, x, c, kernel, stride, padding, groups=c, activation=activation)

    def deconv(self, name, x, filters, kernel, stride=1, padding="valid",
               groups=1, activation="none", bias=True):
        """conv2d_transpose: out = (in - 1) * stride + kernel - pad_before - pad_after
        per axis ("same": out = in * stride)."""
        h, w, c = self.shapes[x]
        kh, kw = pair(kernel)
        sh, sw = pair(stride)
        if padding == "same":
            oh, ow = h * sh, w * sw
        else:
            pt, pb, pl, pr = self._pads(padding)
            oh = (h - 1) * sh + kh - pt - pb
            ow = (w - 1) * sw + kw - pl - pr
        assert oh >= 1 and ow >= 1, name
        assert c % groups == 0 and filters % groups == 0
        self.macs += h * w * c * (filters // groups) * kh * kw
        self.params += kh * kw * (c // groups) * filters + (filters if bias else 0)
        return self._add(conv_layer("conv2d_transpose", name, x, filters, kernel, stride,
                                    padding, groups, bias, activation), (oh, ow, filters))

    def pool(self, name, x, mode, kernel, stride, padding, ceil_mode=False):
        """Max/avg pooling.  ceil_mode=True emulates PyTorch's ceil_mode by
        adding the extra bottom/right padding the last, partial window needs."""
        h, w, c = self.shapes[x]
        if ceil_mode:
            pt, pb, pl, pr = self._pads(padding)
            def extra(size, before, after):
                span = size + before + after - kernel
                out = -(-span // stride) + 1
                if (out - 1) * stride >= size + before:  # PyTorch: last window must start inside
                    out -= 1
                return max((out - 1) * stride + kernel - (size + before + after), 0)
            eb, er = extra(h, pt, pb), extra(w, pl, pr)
            if eb or er:
                padding = [pt, pb + eb, pl, pr + er]
        oh, ow = self._spatial(x, kernel, stride, padding)
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

    def mul(self, name, x, scale, activation=None):
        """x * scale, where scale is x's shape or [1, 1, C] (broadcast)."""
        h, w, c = self.shapes[x]
        assert self.shapes[scale] in ((h, w, c), (1, 1, c)), "mul: shape mismatch in " + name
        layer = {"name": name, "type": "mul", "inputs": [x, scale]}
        if activation:
            layer["activation"] = activation
        return self._add(layer, (h, w, c))

    def concat(self, name, *xs):
        hw = {self.shapes[x][:2] for x in xs}
        assert len(hw) == 1, "concat: H/W mismatch in " + name
        c = sum(self.shapes[x][2] for x in xs)
        layer = {"name": name, "type": "concat", "inputs": list(xs)}
        return self._add(layer, self.shapes[xs[0]][:2] + (c,))

    def slice(self, name, x, begin, end):
        h, w, c = self.shapes[x]
        assert 0 <= begin < end <= c
        layer = {"name": name, "type": "slice", "inputs": [x], "begin": begin, "end": end}
        return self._add(layer, (h, w, end - begin))

    def shuffle(self, name, x, groups):
        assert self.shapes[x][2] % groups == 0
        layer = {"name": name, "type": "shuffle", "inputs": [x], "groups": groups}
        return self._add(layer, self.shapes[x])

    def resize(self, name, x, scale, mode="nearest"):
        """Upsampling by an integer factor (nearest or bilinear)."""
        h, w, c = self.shapes[x]
        sh, sw = pair(scale)
        layer = {"name": name, "type": "resize", "inputs": [x], "scale": scale}
        if mode != "nearest":
            layer["mode"] = mode
        return self._add(layer, (h * sh, w * sw, c))

    def activation(self, name, x, function):
        """A standalone activation (one that cannot be fused into a producer)."""
        layer = {"name": name, "type": "activation", "inputs": [x], "function": function}
        return self._add(layer, self.shapes[x])

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


def resnet(name, stages, body, expansion):
    """A torchvision-layout ResNet (He et al. 2016): 7x7 stem and max pool,
    stages of residual blocks (the first block of stages 2+ has stride 2), global
    pool and fc. body(m, prefix, x, width, stride) builds a block's main path;
    a 1x1 projection matches the shortcut where shape changes."""
    m = Model(name)
    x = m.input("input", (224, 224, 3))
    x = m.conv("conv1", x, 64, 7, 2, 3, activation="relu")
    x = m.pool("maxpool", x, "max", 3, 2, 1)
    for stage, (width, blocks) in enumerate(stages, 1):
        for block in range(1, blocks + 1):
            p = "s%d_b%d_" % (stage, block)
            stride = 2 if stage > 1 and block == 1 else 1
            out = width * expansion
            y = body(m, p, x, width, stride)
            shortcut = x
            if stride != 1 or m.shapes[x][2] != out:
                shortcut = m.conv(p + "proj", x, out, 1, stride, 0, activation="none")
            x = m.add(p + "add", shortcut, y, activation="relu")
    x = m.gap("pool", x)
    x = m.fc("fc", x, 1000)
    m.output("output", x)
    return m


def resnet18():
    """ResNet-18: basic blocks of two 3x3 convs (stride on the first)."""
    def basic(m, p, x, width, stride):
        y = m.conv(p + "conv1", x, width, 3, stride, 1, activation="relu")
        return m.conv(p + "conv2", y, width, 3, 1, 1, activation="none")
    return resnet("resnet18", [(64, 2), (128, 2), (256, 2), (512, 2)], basic, 1)


def make_divisible(v, divisor=8):
    """Round v to a multiple of divisor, never going below 90% of v
    (_make_divisible of the TF and torchvision MobileNet code)."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _mobilenet_v3(name, blocks, last_conv, last_fc):
    """MobileNetV3 (Howard et al. 2019, Tables 1-2), torchvision layout.
    blocks: (kernel, expanded, out, use_se, activation, stride)."""
    m = Model(name)
    x = m.input("input", (224, 224, 3))
    x = m.conv("conv1", x, 16, 3, 2, "same", activation="hswish")
    for b, (k, exp, out, se, act, stride) in enumerate(blocks, 1):
        p = "b%d_" % b
        cin = m.shapes[x][2]
        y = x
        if exp != cin:
            y = m.conv(p + "expand", y, exp, 1, 1, "same", activation=act)
        y = m.dw(p + "dw", y, k, stride, activation=act)
        if se:
            s = m.gap(p + "se_pool", y)
            s = m.conv(p + "se_reduce", s, make_divisible(exp // 4), 1, 1, "same", activation="relu")
            s = m.conv(p + "se_expand", s, exp, 1, 1, "same", activation="hsigmoid")
            y = m.mul(p + "se_scale", y, s)
        y = m.conv(p + "project", y, out, 1, 1, "same", activation="none")
        if stride == 1 and cin == out:
            y = m.add(p + "add", x, y)
        x = y
    x = m.conv("conv_last", x, last_conv, 1, 1, "same", activation="hswish")
    x = m.gap("pool", x)
    x = m.conv("conv_head", x, last_fc, 1, 1, "same", activation="hswish")
    x = m.fc("fc", x, 1000)
    m.output("output", x)
    return m


def mobilenet_v3_small():
    """MobileNetV3-Small 1.0 / 224 (Howard et al. 2019, Table 2)."""
    RE, HS = "relu", "hswish"
    blocks = [(3, 16, 16, True, RE, 2), (3, 72, 24, False, RE, 2), (3, 88, 24, False, RE, 1),
              (5, 96, 40, True, HS, 2), (5, 240, 40, True, HS, 1), (5, 240, 40, True, HS, 1),
              (5, 120, 48, True, HS, 1), (5, 144, 48, True, HS, 1), (5, 288, 96, True, HS, 2),
              (5, 576, 96, True, HS, 1), (5, 576, 96, True, HS, 1)]
    return _mobilenet_v3("mobilenet_v3_small", blocks, 576, 1024)


def mobilenet_v3_large():
    """MobileNetV3-Large 1.0 / 224 (Howard et al. 2019, Table 1)."""
    RE, HS = "relu", "hswish"
    blocks = [(3, 16, 16, False, RE, 1), (3, 64, 24, False, RE, 2), (3, 72, 24, False, RE, 1),
              (5, 72, 40, True, RE, 2), (5, 120, 40, True, RE, 1), (5, 120, 40, True, RE, 1),
              (3, 240, 80, False, HS, 2), (3, 200, 80, False, HS, 1), (3, 184, 80, False, HS, 1),
              (3, 184, 80, False, HS, 1), (3, 480, 112, True, HS, 1), (3, 672, 112, True, HS, 1),
              (5, 672, 160, True, HS, 2), (5, 960, 160, True, HS, 1), (5, 960, 160, True, HS, 1)]
    return _mobilenet_v3("mobilenet_v3_large", blocks, 960, 1280)


def efficientnet_b0():
    """EfficientNet-B0 (Tan & Le 2019, Table 1), torchvision layout: MBConv
    with swish, squeeze-excite (squeeze = max(1, C_in_block / 4), swish then
    sigmoid), no expansion conv in stage 1."""
    m = Model("efficientnet_b0")
    x = m.input("input", (224, 224, 3))
    x = m.conv("stem", x, 32, 3, 2, "same", activation="swish")
    # (expand ratio, kernel, stride, out channels, repeats)
    stages = [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
              (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]
    for si, (t, k, s, c, n) in enumerate(stages, 1):
        for i in range(n):
            p = "s%d_b%d_" % (si, i + 1)
            stride = s if i == 0 else 1
            cin = m.shapes[x][2]
            y = x
            if t != 1:
                y = m.conv(p + "expand", y, cin * t, 1, 1, "same", activation="swish")
            y = m.dw(p + "dw", y, k, stride, activation="swish")
            q = m.gap(p + "se_pool", y)
            q = m.conv(p + "se_reduce", q, max(1, int(cin * 0.25)), 1, 1, "same", activation="swish")
            q = m.conv(p + "se_expand", q, m.shapes[y][2], 1, 1, "same", activation="sigmoid")
            y = m.mul(p + "se_scale", y, q)
            y = m.conv(p + "project", y, c, 1, 1, "same", activation="none")
            if stride == 1 and cin == c:
                y = m.add(p + "add", x, y)
            x = y
    x = m.conv("head", x, 1280, 1, 1, "same", activation="swish")
    x = m.gap("pool", x)
    x = m.fc("fc", x, 1000)
    m.output("output", x)
    return m


def resnet50():
    """ResNet-50: bottleneck blocks with the stride on the 3x3 convolution
    (ResNet v1.5)."""
    def bottleneck(m, p, x, width, stride):
        y = m.conv(p + "conv1", x, width, 1, 1, 0, activation="relu")
        y = m.conv(p + "conv2", y, width, 3, stride, 1, activation="relu")
        return m.conv(p + "conv3", y, width * 4, 1, 1, 0, activation="none")
    return resnet("resnet50", [(64, 3), (128, 4), (256, 6), (512, 3)], bottleneck, 4)


def squeezenet():
    """SqueezeNet 1.1 (Iandola et al. 2016; torchvision squeezenet1_1).
    The max pools use ceil_mode=True in torchvision; at 224x224 every one
    of them divides evenly (111 -> 55 -> 27 -> 13), so no extra padding
    is needed (Model.pool(ceil_mode=True) would add it otherwise)."""
    m = Model("squeezenet")
    x = m.input("input", (224, 224, 3))
    x = m.conv("conv1", x, 64, 3, 2, 0, activation="relu")
    fires = {"pool1": [(16, 64), (16, 64)], "pool3": [(32, 128), (32, 128)],
             "pool5": [(48, 192), (48, 192), (64, 256), (64, 256)]}
    f = 1
    for pool in ("pool1", "pool3", "pool5"):
        x = m.pool(pool, x, "max", 3, 2, 0, ceil_mode=True)
        for squeeze, expand in fires[pool]:
            f += 1
            p = "fire%d_" % f
            s = m.conv(p + "squeeze", x, squeeze, 1, 1, 0, activation="relu")
            e1 = m.conv(p + "expand1x1", s, expand, 1, 1, 0, activation="relu")
            e3 = m.conv(p + "expand3x3", s, expand, 3, 1, 1, activation="relu")
            x = m.concat(p + "concat", e1, e3)
    x = m.conv("conv10", x, 1000, 1, 1, 0, activation="relu")
    x = m.gap("pool", x)
    m.output("output", x)
    return m


def shufflenet_v2():
    """ShuffleNetV2 1.0x (Ma et al. 2018, Table 5), torchvision layout.
    Stride-1 units split the channels in two halves with two slice layers;
    the second half goes through 1x1 -> dw 3x3 -> 1x1.  Stride-2 units run
    two branches on the whole input.  Each unit ends with a concat and a
    channel shuffle with 2 groups."""
    m = Model("shufflenet_v2")
    x = m.input("input", (224, 224, 3))
    x = m.conv("conv1", x, 24, 3, 2, 1, activation="relu")
    x = m.pool("maxpool", x, "max", 3, 2, 1)
    for stage, (out, repeats) in enumerate([(116, 4), (232, 8), (464, 4)], 2):
        half = out // 2
        for u in range(1, repeats + 1):
            p = "s%d_u%d_" % (stage, u)
            c = m.shapes[x][2]
            if u == 1:
                a = m.dw(p + "l_dw", x, 3, 2, 1, activation="none")
                a = m.conv(p + "l_pw", a, half, 1, 1, 0, activation="relu")
                b = x
                stride = 2
            else:
                a = m.slice(p + "split_a", x, 0, c // 2)
                b = m.slice(p + "split_b", x, c // 2, c)
                stride = 1
            b = m.conv(p + "pw1", b, half, 1, 1, 0, activation="relu")
            b = m.dw(p + "dw", b, 3, stride, 1, activation="none")
            b = m.conv(p + "pw2", b, half, 1, 1, 0, activation="relu")
            x = m.concat(p + "concat", a, b)
            x = m.shuffle(p + "shuffle", x, 2)
    x = m.conv("conv5", x, 1024, 1, 1, 0, activation="relu")
    x = m.gap("pool", x)
    x = m.fc("fc", x, 1000)
    m.output("output", x)
    return m


def inception_v3():
    """Inception-v3 (Szegedy et al. 2016), torchvision layout at 299x299,
    without the auxiliary classifier (it only runs in training).  Each
    BasicConv2d (conv + BatchNorm + ReLU) is one conv2d with a folded bias.
    The nested concats of the InceptionE blocks (1x3 | 3x1 pairs) are
    flattened into the block's concat: same channels, same order."""
    m = Model("inception_v3")
    x = m.input("input", (299, 299, 3))

    def conv(name, src, filters, kernel, stride=1, padding=0):
        if isinstance(kernel, list):  # [kh, kw] with "same"-sized padding
            padding = [kernel[0] // 2, kernel[0] // 2, kernel[1] // 2, kernel[1] // 2]
        return m.conv(name, src, filters, kernel, stride, padding, activation="relu")

    x = conv("conv1a", x, 32, 3, 2)
    x = conv("conv2a", x, 32, 3)
    x = conv("conv2b", x, 64, 3, 1, 1)
    x = m.pool("pool1", x, "max", 3, 2, 0)
    x = conv("conv3b", x, 80, 1)
    x = conv("conv4a", x, 192, 3)
    x = m.pool("pool2", x, "max", 3, 2, 0)

    def block_a(p, x, pool_features):
        b1 = conv(p + "1x1", x, 64, 1)
        b5 = conv(p + "5x5_1", x, 48, 1)
        b5 = conv(p + "5x5_2", b5, 64, 5, 1, 2)
        b3 = conv(p + "3x3dbl_1", x, 64, 1)
        b3 = conv(p + "3x3dbl_2", b3, 96, 3, 1, 1)
        b3 = conv(p + "3x3dbl_3", b3, 96, 3, 1, 1)
        bp = m.pool(p + "pool", x, "avg", 3, 1, 1)
        bp = conv(p + "pool_proj", bp, pool_features, 1)
        return m.concat(p + "concat", b1, b5, b3, bp)

    def block_b(p, x):
        b3 = conv(p + "3x3", x, 384, 3, 2)
        bd = conv(p + "3x3dbl_1", x, 64, 1)
        bd = conv(p + "3x3dbl_2", bd, 96, 3, 1, 1)
        bd = conv(p + "3x3dbl_3", bd, 96, 3, 2)
        bp = m.pool(p + "pool", x, "max", 3, 2, 0)
        return m.concat(p + "concat", b3, bd, bp)

    def block_c(p, x, c7):
        b1 = conv(p + "1x1", x, 192, 1)
        b7 = conv(p + "7x7_1", x, c7, 1)
        b7 = conv(p + "7x7_2", b7, c7, [1, 7])
        b7 = conv(p + "7x7_3", b7, 192, [7, 1])
        bd = conv(p + "7x7dbl_1", x, c7, 1)
        bd = conv(p + "7x7dbl_2", bd, c7, [7, 1])
        bd = conv(p + "7x7dbl_3", bd, c7, [1, 7])
        bd = conv(p + "7x7dbl_4", bd, c7, [7, 1])
        bd = conv(p + "7x7dbl_5", bd, 192, [1, 7])
        bp = m.pool(p + "pool", x, "avg", 3, 1, 1)
        bp = conv(p + "pool_proj", bp, 192, 1)
        return m.concat(p + "concat", b1, b7, bd, bp)

    def block_d(p, x):
        b3 = conv(p + "3x3_1", x, 192, 1)
        b3 = conv(p + "3x3_2", b3, 320, 3, 2)
        b7 = conv(p + "7x7x3_1", x, 192, 1)
        b7 = conv(p + "7x7x3_2", b7, 192, [1, 7])
        b7 = conv(p + "7x7x3_3", b7, 192, [7, 1])
        b7 = conv(p + "7x7x3_4", b7, 192, 3, 2)
        bp = m.pool(p + "pool", x, "max", 3, 2, 0)
        return m.concat(p + "concat", b3, b7, bp)

    def block_e(p, x):
        b1 = conv(p + "1x1", x, 320, 1)
        b3 = conv(p + "3x3_1", x, 384, 1)
        b3a = conv(p + "3x3_2a", b3, 384, [1, 3])
        b3b = conv(p + "3x3_2b", b3, 384, [3, 1])
        bd = conv(p + "3x3dbl_1", x, 448, 1)
        bd = conv(p + "3x3dbl_2", bd, 384, 3, 1, 1)
        bda = conv(p + "3x3dbl_3a", bd, 384, [1, 3])
        bdb = conv(p + "3x3dbl_3b", bd, 384, [3, 1])
        bp = m.pool(p + "pool", x, "avg", 3, 1, 1)
        bp = conv(p + "pool_proj", bp, 192, 1)
        return m.concat(p + "concat", b1, b3a, b3b, bda, bdb, bp)

    x = block_a("m5b_", x, 32)
    x = block_a("m5c_", x, 64)
    x = block_a("m5d_", x, 64)
    x = block_b("m6a_", x)
    for p, c7 in (("m6b_", 128), ("m6c_", 160), ("m6d_", 160), ("m6e_", 192)):
        x = block_c(p, x, c7)
    x = block_d("m7a_", x)
    x = block_e("m7b_", x)
    x = block_e("m7c_", x)
    x = m.gap("pool", x)
    x = m.fc("fc", x, 1000)
    m.output("output", x)
    return m


def googlenet():
    """GoogLeNet / Inception v1 (Szegedy et al. 2015, Table 1), torchvision
    layout at 224x224, without the two auxiliary classifiers (they only run
    in training).  Like torchvision (and unlike the paper) the third branch
    of each Inception module is a 3x3 convolution, not 5x5, and there are no
    LRN layers.  Each BasicConv2d (conv + BatchNorm + ReLU) is one conv2d
    with a folded bias.  The max pools use ceil_mode (112 -> 56 -> 28 -> 14
    -> 7).  Each module is written branch by branch: 1x1 | 1x1 -> 3x3 |
    1x1 -> 3x3 | 3x3 max pool -> 1x1, then the concat."""
    m = Model("googlenet")
    x = m.input("input", (224, 224, 3))

    def conv(name, src, filters, kernel, stride=1):
        return m.conv(name, src, filters, kernel, stride, kernel // 2, activation="relu")

    def inception(p, x, c1, c2r, c2, c3r, c3, proj):
        b1 = conv(p + "b1_1x1", x, c1, 1)
        b2 = conv(p + "b2_reduce", x, c2r, 1)
        b2 = conv(p + "b2_3x3", b2, c2, 3)
        b3 = conv(p + "b3_reduce", x, c3r, 1)
        b3 = conv(p + "b3_3x3", b3, c3, 3)
        bp = m.pool(p + "pool", x, "max", 3, 1, 1)
        bp = conv(p + "pool_proj", bp, proj, 1)
        return m.concat(p + "concat", b1, b2, b3, bp)

    x = conv("conv1", x, 64, 7, 2)
    x = m.pool("pool1", x, "max", 3, 2, 0, ceil_mode=True)
    x = conv("conv2_reduce", x, 64, 1)
    x = conv("conv2", x, 192, 3)
    x = m.pool("pool2", x, "max", 3, 2, 0, ceil_mode=True)
    x = inception("i3a_", x, 64, 96, 128, 16, 32, 32)
    x = inception("i3b_", x, 128, 128, 192, 32, 96, 64)
    x = m.pool("pool3", x, "max", 3, 2, 0, ceil_mode=True)
    x = inception("i4a_", x, 192, 96, 208, 16, 48, 64)
    x = inception("i4b_", x, 160, 112, 224, 24, 64, 64)
    x = inception("i4c_", x, 128, 128, 256, 24, 64, 64)
    x = inception("i4d_", x, 112, 144, 288, 32, 64, 64)
    x = inception("i4e_", x, 256, 160, 320, 32, 128, 128)
    x = m.pool("pool4", x, "max", 2, 2, 0, ceil_mode=True)
    x = inception("i5a_", x, 256, 160, 320, 32, 128, 128)
    x = inception("i5b_", x, 384, 192, 384, 48, 128, 128)
    x = m.gap("pool", x)
    x = m.fc("fc", x, 1000)
    m.output("output", x)
    return m


def unet():
    """U-Net (Ronneberger et al. 2015) with "same" padding on a 256x256x3
    input: 4 down levels (two 3x3 convs + 2x2 max pool) with 64, 128, 256
    and 512 channels, a 1024-channel bottom level, 4 up levels (2x2
    stride-2 conv2d_transpose halving the channels, concat with the skip,
    two 3x3 convs) and a 1x1 conv to 2 classes.  Convs have a bias (or a
    folded BatchNorm) and ReLU."""
    m = Model("unet")
    x = m.input("input", (256, 256, 3))
    skips = []
    for level, c in enumerate([64, 128, 256, 512], 1):
        x = m.conv("d%d_conv1" % level, x, c, 3, 1, 1, activation="relu")
        x = m.conv("d%d_conv2" % level, x, c, 3, 1, 1, activation="relu")
        skips.append(x)
        x = m.pool("d%d_pool" % level, x, "max", 2, 2, 0)
    x = m.conv("mid_conv1", x, 1024, 3, 1, 1, activation="relu")
    x = m.conv("mid_conv2", x, 1024, 3, 1, 1, activation="relu")
    for level, c in zip([4, 3, 2, 1], [512, 256, 128, 64]):
        x = m.deconv("u%d_up" % level, x, c, 2, 2, 0)
        x = m.concat("u%d_concat" % level, skips[level - 1], x)
        x = m.conv("u%d_conv1" % level, x, c, 3, 1, 1, activation="relu")
        x = m.conv("u%d_conv2" % level, x, c, 3, 1, 1, activation="relu")
    x = m.conv("classifier", x, 2, 1, 1, 0, activation="none")
    m.output("output", x)
    return m


def fsrcnn():
    """FSRCNN(d=56, s=12, m=4), x2 super-resolution (Dong et al. 2016) of a
    1-channel 240x240 low-resolution image to 480x480.  PReLU is written as
    relu (the format has no PReLU; its 1 parameter per channel is not
    counted).  The 9x9 stride-2 deconvolution crops [4, 3, 4, 3]: PyTorch's
    ConvTranspose2d(padding=4, output_padding=1), (240-1)*2 + 9 - 7 = 480."""
    m = Model("fsrcnn")
    x = m.input("input", (240, 240, 1))
    x = m.conv("extract", x, 56, 5, 1, 2, activation="relu")
    x = m.conv("shrink", x, 12, 1, 1, 0, activation="relu")
    for i in range(1, 5):
        x = m.conv("map%d" % i, x, 12, 3, 1, 1, activation="relu")
    x = m.conv("expand", x, 56, 1, 1, 0, activation="relu")
    x = m.deconv("deconv", x, 1, 9, 2, [4, 3, 4, 3])
    m.output("output", x)
    return m


def densenet121():
    """DenseNet-121 (Huang et al. 2017), torchvision densenet121 layout at
    224x224: growth rate 32, bottleneck width 4 x 32, blocks of 6, 12, 24 and
    16 dense layers, transitions halving the channels.  DenseNet is
    pre-activation: each dense layer applies BatchNorm + ReLU to the concat of
    all earlier maps of its block.  That BatchNorm follows no convolution, so
    it is a per-channel scale and shift folded into the map (as the ONNX
    importer does) and its ReLU is an activation layer; the BatchNorm after the
    bottleneck 1x1 conv is folded into that conv's bias.  The 3x3 convs, the
    transition convs and conv0's BatchNorm: conv0 gets a bias, the others
    none (torchvision's bias=False, and no BatchNorm follows them directly).
    Each dense layer reads the concat of the block input and every earlier
    output of its block (the first one reads the block input itself), as
    torch.cat(prev_features) in torchvision's forward."""
    m = Model("densenet121")
    x = m.input("input", (224, 224, 3))
    x = m.conv("conv0", x, 64, 7, 2, 3, activation="relu")
    x = m.pool("pool0", x, "max", 3, 2, 1)
    growth, width = 32, 4 * 32
    for b, layers in enumerate((6, 12, 24, 16), 1):
        features = [x]
        for i in range(1, layers + 1):
            p = "b%d_l%d_" % (b, i)
            y = features[0] if len(features) == 1 else m.concat(p + "concat", *features)
            y = m.activation(p + "relu", y, "relu")
            y = m.conv(p + "conv1", y, width, 1, 1, 0, activation="relu")
            y = m.conv(p + "conv2", y, growth, 3, 1, 1, activation="none", bias=False)
            features.append(y)
        x = m.concat("b%d_concat" % b, *features)
        if b < 4:
            p = "t%d_" % b
            x = m.activation(p + "relu", x, "relu")
            x = m.conv(p + "conv", x, m.shapes[x][2] // 2, 1, 1, 0, activation="none", bias=False)
            x = m.pool(p + "pool", x, "avg", 2, 2, 0)
    x = m.activation("final_relu", x, "relu")
    x = m.gap("pool", x)
    x = m.fc("fc", x, 1000)
    m.output("output", x)
    return m


def ssdlite320_mobilenet_v3_large():
    """SSDLite320 with a MobileNetV3-Large backbone (Howard et al. 2019,
    Sec. 6.2; torchvision ssdlite320_mobilenet_v3_large) on a 320x320x3 input,
    91 COCO classes, 6 anchors per location.  The backbone is torchvision's
    MobileNetV3-Large with the reduced tail (the last stage and the last conv
    at half width: 80 / 480 channels), symmetric PyTorch padding, BatchNorm
    folded.  The first detection map is the 672-channel expansion conv of the
    first stride-2 block of the last stage (20x20, the "C4" map); the second is
    the backbone's last conv (10x10x480).  Four extra blocks (1x1 conv to
    half width, 3x3 depthwise stride 2, 1x1 conv; ReLU6) give 5x5x512,
    3x3x256, 2x2x256 and 1x1x128.  On each of the six maps a classification
    head and a box head each run a 3x3 depthwise conv (ReLU6) and a 1x1 conv
    (with bias, no activation) to 6 x 91 = 546 and 6 x 4 = 24 channels: twelve
    parallel chains, each ending in its own output.  The reshapes and the
    concat of the head outputs, the anchors, box decoding and NMS are
    post-processing, left out."""
    m = Model("ssdlite320_mobilenet_v3_large")
    x = m.input("input", (320, 320, 3))
    x = m.conv("conv1", x, 16, 3, 2, 1, activation="hswish")
    RE, HS = "relu", "hswish"
    # (kernel, expanded, out, use_se, activation, stride); reduced tail
    blocks = [(3, 16, 16, False, RE, 1), (3, 64, 24, False, RE, 2), (3, 72, 24, False, RE, 1),
              (5, 72, 40, True, RE, 2), (5, 120, 40, True, RE, 1), (5, 120, 40, True, RE, 1),
              (3, 240, 80, False, HS, 2), (3, 200, 80, False, HS, 1), (3, 184, 80, False, HS, 1),
              (3, 184, 80, False, HS, 1), (3, 480, 112, True, HS, 1), (3, 672, 112, True, HS, 1),
              (5, 672, 80, True, HS, 2), (5, 480, 80, True, HS, 1), (5, 480, 80, True, HS, 1)]
    maps = []
    for b, (k, exp, out, se, act, stride) in enumerate(blocks, 1):
        p = "b%d_" % b
        cin = m.shapes[x][2]
        y = x
        if exp != cin:
            y = m.conv(p + "expand", y, exp, 1, 1, 0, activation=act)
            if b == 13:
                maps.append(y)  # C4: 20x20x672
        y = m.dw(p + "dw", y, k, stride, k // 2, activation=act)
        if se:
            s = m.gap(p + "se_pool", y)
            s = m.conv(p + "se_reduce", s, make_divisible(exp // 4), 1, 1, 0, activation="relu")
            s = m.conv(p + "se_expand", s, exp, 1, 1, 0, activation="hsigmoid")
            y = m.mul(p + "se_scale", y, s)
        y = m.conv(p + "project", y, out, 1, 1, 0, activation="none")
        if stride == 1 and cin == out:
            y = m.add(p + "add", x, y)
        x = y
    x = m.conv("conv_last", x, 480, 1, 1, 0, activation="hswish")
    maps.append(x)
    for e, out in enumerate((512, 256, 256, 128), 1):
        p = "extra%d_" % e
        x = m.conv(p + "reduce", x, out // 2, 1, 1, 0, activation="relu6")
        x = m.dw(p + "dw", x, 3, 2, 1, activation="relu6")
        x = m.conv(p + "expand", x, out, 1, 1, 0, activation="relu6")
        maps.append(x)
    anchors, classes = 6, 91
    for head, channels in (("cls", anchors * classes), ("box", anchors * 4)):
        for level, src in enumerate(maps):
            p = "%s%d_" % (head, level)
            y = m.dw(p + "dw", src, 3, 1, 1, activation="relu6")
            y = m.conv(p + "conv", y, channels, 1, 1, 0, activation="none")
            m.output(p + "out", y)
    return m


def yolov5s():
    """YOLOv5s v6.0 (Ultralytics, yolov5s.yaml: depth 0.33, width 0.50) on a
    640x640x3 input, 80 COCO classes, 3 anchors per level.  Every Conv is
    conv + BatchNorm (folded) + SiLU ("swish").  Backbone: a 6x6 stride-2
    stem, stride-2 3x3 convs and C3 blocks (two 1x1 branches, one through n
    bottlenecks of 1x1 -> 3x3 with a residual add, concatenated and mixed by
    a 1x1 conv), then SPPF (a 1x1 conv, three chained 5x5 stride-1 max pools,
    the concat of all four maps and a 1x1 conv).  Neck: an FPN top-down path
    (1x1 conv, nearest x2 resize, concat with the backbone map, C3 without
    shortcut) and a PAN bottom-up path (3x3 stride-2 conv, concat with the
    top-down map, C3).  Detect: a 1x1 conv with bias to 3 x 85 = 255 channels
    on each of the 80x80, 40x40 and 20x20 maps, each its own output, with the
    sigmoid Detect applies at inference fused (it is elementwise, so the
    reshape before it changes nothing); the grid/anchor decoding and NMS are
    post-processing, left out."""
    m = Model("yolov5s")
    x = m.input("input", (640, 640, 3))

    def conv(name, src, filters, kernel, stride=1):
        return m.conv(name, src, filters, kernel, stride, kernel // 2 if kernel != 6 else 2,
                      activation="swish")

    def c3(p, src, filters, n, shortcut=True):
        hidden = filters // 2
        a = conv(p + "cv1", src, hidden, 1)
        for i in range(1, n + 1):
            y = conv(p + "m%d_cv1" % i, a, hidden, 1)
            y = conv(p + "m%d_cv2" % i, y, hidden, 3)
            a = m.add(p + "m%d_add" % i, a, y) if shortcut else y
        b = conv(p + "cv2", src, hidden, 1)
        return conv(p + "cv3", m.concat(p + "concat", a, b), filters, 1)

    x = conv("l0_conv", x, 32, 6, 2)        # 320x320
    x = conv("l1_conv", x, 64, 3, 2)        # 160x160
    x = c3("l2_", x, 64, 1)
    x = conv("l3_conv", x, 128, 3, 2)       # 80x80
    p3 = c3("l4_", x, 128, 2)
    x = conv("l5_conv", p3, 256, 3, 2)      # 40x40
    p4 = c3("l6_", x, 256, 3)
    x = conv("l7_conv", p4, 512, 3, 2)      # 20x20
    x = c3("l8_", x, 512, 1)
    # SPPF
    s = conv("l9_cv1", x, 256, 1)
    y1 = m.pool("l9_pool1", s, "max", 5, 1, 2)
    y2 = m.pool("l9_pool2", y1, "max", 5, 1, 2)
    y3 = m.pool("l9_pool3", y2, "max", 5, 1, 2)
    x = conv("l9_cv2", m.concat("l9_concat", s, y1, y2, y3), 512, 1)
    # FPN (top-down)
    h10 = conv("l10_conv", x, 256, 1)
    x = m.concat("l12_concat", m.resize("l11_up", h10, 2), p4)
    x = c3("l13_", x, 256, 1, shortcut=False)
    h14 = conv("l14_conv", x, 128, 1)
    x = m.concat("l16_concat", m.resize("l15_up", h14, 2), p3)
    out3 = c3("l17_", x, 128, 1, shortcut=False)   # 80x80x128
    # PAN (bottom-up)
    x = m.concat("l19_concat", conv("l18_conv", out3, 128, 3, 2), h14)
    out4 = c3("l20_", x, 256, 1, shortcut=False)   # 40x40x256
    x = m.concat("l22_concat", conv("l21_conv", out4, 256, 3, 2), h10)
    out5 = c3("l23_", x, 512, 1, shortcut=False)   # 20x20x512
    for level, src in ((3, out3), (4, out4), (5, out5)):
        y = m.conv("detect_p%d" % level, src, 3 * 85, 1, 1, 0, activation="sigmoid")
        m.output("out_p%d" % level, y)
    return m


def linknet():
    """LinkNet (Chaurasia & Culurciello 2017) as in the authors' code
    (e-lab/LinkNet, models/model.lua) on a 512x512x3 input with 12 classes
    (CamVid's 11 and void).  Encoder: ResNet-18 without its pool and fc (7x7
    stride-2 stem, 3x3 stride-2 max pool, four stages of two basic blocks).
    Decoder block i (m input, n output channels): 1x1 conv to m/4, 3x3
    transposed conv (stride 2: PyTorch padding=1, output_padding=1, so
    [1, 0, 1, 0] here; stride 1 for the first block: padding 1), 1x1 conv to
    n, all with BatchNorm folded and ReLU.  Its output is added to the
    encoder map of the same size (the long skip), then ReLU.  Head: a 3x3
    stride-2 transposed conv to 32, a 3x3 conv, and a 2x2 stride-2 transposed
    conv to the classes, back at 512x512."""
    m = Model("linknet")
    x = m.input("input", (512, 512, 3))
    x = m.conv("conv1", x, 64, 7, 2, 3, activation="relu")
    x0 = m.pool("maxpool", x, "max", 3, 2, 1)                 # 128x128x64
    x = x0
    encoder = []
    for stage, width in enumerate((64, 128, 256, 512), 1):
        for block in (1, 2):
            p = "e%d_b%d_" % (stage, block)
            stride = 2 if stage > 1 and block == 1 else 1
            y = m.conv(p + "conv1", x, width, 3, stride, 1, activation="relu")
            y = m.conv(p + "conv2", y, width, 3, 1, 1, activation="none")
            shortcut = x
            if stride != 1:
                shortcut = m.conv(p + "proj", x, width, 1, stride, 0, activation="none")
            x = m.add(p + "add", shortcut, y, activation="relu")
        encoder.append(x)
    # decoder i reads decoder i+1 (or encoder 4), and its output is added to
    # the input of encoder stage i
    skips = [x0] + encoder[:3]
    for stage in (4, 3, 2, 1):
        p = "d%d_" % stage
        cin = m.shapes[x][2]
        out = m.shapes[skips[stage - 1]][2]
        y = m.conv(p + "conv1", x, cin // 4, 1, 1, 0, activation="relu")
        if stage == 1:
            y = m.deconv(p + "up", y, cin // 4, 3, 1, 1, activation="relu")
        else:
            y = m.deconv(p + "up", y, cin // 4, 3, 2, [1, 0, 1, 0], activation="relu")
        y = m.conv(p + "conv2", y, out, 1, 1, 0, activation="relu")
        x = m.add(p + "add", skips[stage - 1], y, activation="relu")
    x = m.deconv("final_up1", x, 32, 3, 2, [1, 0, 1, 0], activation="relu")   # 256x256
    x = m.conv("final_conv", x, 32, 3, 1, 1, activation="relu")
    x = m.deconv("final_up2", x, 12, 2, 2, 0)                                 # 512x512
    m.output("output", x)
    return m


# Published figures (MACs, params, note) for a quick sanity check.  Ours
# count conv2d, conv2d_transpose and fc layers (including the classifier);
# folded BatchNorm adds one bias per channel where frameworks count two
# BatchNorm parameters (scale, shift) and no conv bias, so our parameter
# counts are slightly lower than torchvision's for BatchNorm networks.
# None: no published figure to compare with (see the note).
PUBLISHED = {
    "mobilenet_v1": (569e6, 4.2e6, "Howard et al. 2017, Table 8"),
    "mobilenet_v2": (300e6, 3.47e6, "Sandler et al. 2018 (3.4M); TF-slim zoo: 300M, 3.47M"),
    "resnet18": (1.82e9, 11.7e6, "He et al. 2016 / torchvision"),
    "mobilenet_v3_small": (56e6, 2.5e6, "Howard et al. 2019, Table 3; torchvision 2,542,856 params"),
    "mobilenet_v3_large": (219e6, 5.4e6, "Howard et al. 2019, Table 3; torchvision 5,483,032 params"),
    "efficientnet_b0": (390e6, 5.3e6, "Tan & Le 2019, Table 2; torchvision 5,288,548 params"),
    "resnet50": (4.1e9, 25.6e6, "He et al. 2016; torchvision 4.09 GFLOPS, 25,557,032 params"),
    "squeezenet": (0.35e9, 1.24e6, "torchvision squeezenet1_1: 0.35 GFLOPS, 1,235,496 params"),
    "shufflenet_v2": (146e6, 2.3e6, "Ma et al. 2018, Table 5 (146M FLOPs = MACs); "
                      "torchvision 2,278,604 params"),
    "inception_v3": (5.71e9, 23.8e6, "torchvision 5.71 GFLOPS; 27,161,264 params with the aux "
                     "head (3,326,696) = 23,834,568 without; Keras trainable 23,817,352"),
    "googlenet": (1.50e9, 6.62e6, "torchvision googlenet (3x3 third branch): 1.50 GFLOPS, "
                  "6,624,904 params without the aux heads; Szegedy et al. 2015: 1.5G, 6.8M (5x5)"),
    "unet": (None, 31.0e6, "Ronneberger et al. 2015 (31.0M params). No MACs figure for this "
             "configuration; the often quoted 54.6G counts each 2x2 stride-2 transposed conv "
             "per output pixel (4x, +6.44G), ours counts H_in*W_in*C_in*C_out*k*k"),
    "fsrcnn": (12464 * 240 * 240, 12464, "Dong et al. 2016: 12,464 weights (no biases; "
               "+173 biases here), MACs = 12,464 x 240 x 240 LR pixels"),
    "densenet121": (2.83e9, 7.98e6, "torchvision densenet121: 2.83 GFLOPS, 7,978,856 params "
                    "(incl. 2 per BatchNorm channel; the pre-activation BatchNorms fold into the "
                    "maps and add none here)"),
    "ssdlite320_mobilenet_v3_large": (0.58e9, 3.44e6, "torchvision ssdlite320_mobilenet_v3_large: "
                                      "0.58 GFLOPS, 3,440,060 params"),
    "yolov5s": (8.2e9, 7225885, "Ultralytics YOLOv5s v6.0/v7.0, BatchNorm fused: 7,225,885 params, "
                "16.4 GFLOPs = 2 x 8.2 G MACs (README, unfused: 7.2M, 16.5 GFLOPs)"),
    "linknet": (None, 11.5e6, "Chaurasia & Culurciello 2017: 11.5M params; their 21.2 GFLOPs are "
                "for 640x360 (we count 9.51G MACs scaled to that size)"),
}

MODELS = (mobilenet_v1, mobilenet_v2, resnet18, mobilenet_v3_small, mobilenet_v3_large,
          efficientnet_b0, resnet50, squeezenet, shufflenet_v2, inception_v3, googlenet, unet,
          fsrcnn, densenet121, ssdlite320_mobilenet_v3_large, yolov5s, linknet)


def human(v):
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if v >= div:
            return "%.4g%s" % (v / div, unit)
    return "%d" % v


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for build in MODELS:
        m = build()
        path = os.path.join(OUT_DIR, m.name + ".json")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(m.to_json())
        pub_macs, pub_params, source = PUBLISHED[m.name]
        print("%s: %d layers -> %s" % (m.name, len(m.layers), os.path.relpath(path)))
        for label, ours, pub in (("MACs  ", m.macs, pub_macs), ("params", m.params, pub_params)):
            if pub is None:
                ref = "no published figure"
            else:
                ref = "published ~%s, %+.1f%%" % (human(pub), 100.0 * (ours - pub) / pub)
            print("  %s %15s  (%8s, %s)" % (label, format(ours, ","), human(ours), ref))
        print("  source: %s" % source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
