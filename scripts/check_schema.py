#!/usr/bin/env python3
"""Check docs/model.schema.json against the bundled models and broken variants.

    python3 scripts/check_schema.py

Needs the third-party `jsonschema` package (pip install jsonschema); without
it the check is skipped (exit status 0) with a message.  Checks that:
  * the schema itself is valid draft 2020-12,
  * every models/*.json and every ```json block of
    docs/model-format.md marked as a complete model validates,
  * a set of deliberately broken variants is rejected at the expected path.
"""

import copy
import glob
import json
import os
import re
import sys

try:
    import jsonschema
except ImportError:
    print("check_schema: python module 'jsonschema' not installed; skipping")
    sys.exit(0)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def load(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return json.load(f)


def pointer(path):
    return "/" + "/".join(str(p) for p in path)


def find(model, name):
    """Index of the layer called `name`."""
    return next(i for i, l in enumerate(model["layers"]) if l["name"] == name)


# Each variant: (description, function mutating a copy of a bundled model,
# JSON path at which an error is expected; {name} stands for the index of
# the layer with that name[, the bundled model to start from; mobilenet_v2
# unless given]).
def _layer(layer, **changes):
    def mutate(m):
        m["layers"][find(m, layer)].update(changes)
    return mutate


def _drop(layer, field):
    def mutate(m):
        del m["layers"][find(m, layer)][field]
    return mutate


def _top(**changes):
    def mutate(m):
        m.update(changes)
    return mutate


def _append(**layer):
    """Appends a layer (after the output marker; the schema does not check the graph): {end} is its index."""
    def mutate(m):
        m["layers"].append(dict(layer))
    return mutate


BROKEN = [
    ("conv2d without filters", _drop("b1_dw", "filters"), "/layers/{b1_dw}"),
    ("unknown layer type", _layer("b1_dw", type="conv3d"), "/layers/{b1_dw}/type"),
    ("bad padding string", _layer("b1_dw", padding="full"), "/layers/{b1_dw}/padding"),
    ("padding with 3 values", _layer("b1_dw", padding=[1, 1, 1]), "/layers/{b1_dw}/padding"),
    ("negative padding", _layer("b1_dw", padding=-1), "/layers/{b1_dw}/padding"),
    ("zero kernel", _layer("b1_dw", kernel=0), "/layers/{b1_dw}/kernel"),
    ("kernel with 3 values", _layer("b1_dw", kernel=[3, 3, 3]), "/layers/{b1_dw}/kernel"),
    ("unknown activation", _layer("b1_dw", activation="swiglu"), "/layers/{b1_dw}/activation"),
    ("unknown conv2d field", _layer("b1_dw", pad=1), "/layers/{b1_dw}"),
    ("conv2d with two inputs", _layer("b1_dw", inputs=["conv1", "input"]), "/layers/{b1_dw}/inputs"),
    ("conv2d without inputs", _drop("b1_dw", "inputs"), "/layers/{b1_dw}"),
    ("input layer with inputs", _layer("input", inputs=["conv1"]), "/layers/{input}"),
    ("input shape with 2 dims", _layer("input", shape=[224, 224]), "/layers/{input}/shape"),
    ("add with one input", _layer("b3_add", inputs=["b3_project"]), "/layers/{b3_add}/inputs"),
    ("global pool with kernel", _layer("pool", kernel=7), "/layers/{pool}"),
    ("non-global pool without kernel", _layer("pool", **{"global": False}), "/layers/{pool}"),
    ("bad pool mode", _layer("pool", mode="min"), "/layers/{pool}/mode"),
    ("fc without units", _drop("fc", "units"), "/layers/{fc}"),
    ("empty layer name", _layer("fc", name=""), "/layers/{fc}/name"),
    ("wrong format tag", _top(format="onnx"), "/format"),
    ("version 2", _top(version=2), "/version"),
    ("dtype_bytes 0", _top(dtype_bytes=0), "/dtype_bytes"),
    ("unknown top-level field", _top(extra=1), "/"),
    ("slice without end", _drop("s2_u2_split_b", "end"), "/layers/{s2_u2_split_b}", "shufflenet_v2"),
    ("slice with negative begin", _layer("s2_u2_split_a", begin=-1),
     "/layers/{s2_u2_split_a}/begin", "shufflenet_v2"),
    ("slice with end 0", _layer("s2_u2_split_a", end=0), "/layers/{s2_u2_split_a}/end", "shufflenet_v2"),
    ("slice with two inputs", _layer("s2_u2_split_a", inputs=["s2_u1_shuffle", "input"]),
     "/layers/{s2_u2_split_a}/inputs", "shufflenet_v2"),
    ("shuffle without groups", _drop("s2_u1_shuffle", "groups"), "/layers/{s2_u1_shuffle}", "shufflenet_v2"),
    ("shuffle with groups 0", _layer("s2_u1_shuffle", groups=0),
     "/layers/{s2_u1_shuffle}/groups", "shufflenet_v2"),
    ("unknown shuffle field", _layer("s2_u1_shuffle", kernel=1), "/layers/{s2_u1_shuffle}", "shufflenet_v2"),
    ("conv2d_transpose without kernel", _drop("deconv", "kernel"), "/layers/{deconv}", "fsrcnn"),
    ("conv2d_transpose with dilation", _layer("deconv", dilation=2), "/layers/{deconv}", "fsrcnn"),
    ("conv2d_transpose with bad padding", _layer("deconv", padding="full"),
     "/layers/{deconv}/padding", "fsrcnn"),
    ("conv2d_transpose with zero stride", _layer("deconv", stride=0), "/layers/{deconv}/stride", "fsrcnn"),
    ("resize with scale and size", _append(name="r", type="resize", inputs=["x"], scale=0.5, size=[3, 3]), "/layers/{end}"),
    ("resize without scale or size", _append(name="r", type="resize", inputs=["x"]), "/layers/{end}"),
    ("resize with zero scale", _append(name="r", type="resize", inputs=["x"], scale=0), "/layers/{end}/scale"),
    ("resize with unknown coordinates", _append(name="r", type="resize", inputs=["x"], scale=1.5, coordinates="tf"),
     "/layers/{end}/coordinates"),
    ("pad with 3 values", _append(name="p", type="pad", inputs=["x"], padding=[1, 1, 1]), "/layers/{end}/padding"),
    ("pad with negative channels", _append(name="p", type="pad", inputs=["x"], channels=[0, -2]),
     "/layers/{end}/channels/1"),
    ("depth_to_space without block", _append(name="d", type="depth_to_space", inputs=["x"]), "/layers/{end}"),
    ("space_to_depth with a bad order", _append(name="d", type="space_to_depth", inputs=["x"], block=2, order="cdr"),
     "/layers/{end}/order"),
    ("layer_norm with two inputs", _append(name="n", type="layer_norm", inputs=["x", "x"]), "/layers/{end}/inputs"),
    ("layer_norm with a numeric scale", _append(name="n", type="layer_norm", inputs=["x"], scale=1),
     "/layers/{end}/scale"),
    ("layer_norm with a kernel", _append(name="n", type="layer_norm", inputs=["x"], kernel=1), "/layers/{end}"),
]


def doc_examples():
    """```json blocks of the format doc that are whole models (blocks
    abbreviated with "..." are skipped)."""
    with open(os.path.join(ROOT, "docs", "model-format.md"), encoding="utf-8") as f:
        text = f.read()
    for block in re.findall(r"```json\n(.*?)```", text, re.S):
        if "..." in block:
            continue
        doc = json.loads(block)
        if isinstance(doc, dict) and doc.get("format") == "pinfuse-model":
            yield doc


def main():
    schema = load(os.path.join("docs", "model.schema.json"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failures = 0

    def expect_valid(label, doc):
        nonlocal failures
        errors = list(validator.iter_errors(doc))
        for e in errors:
            print("FAIL %s: %s: %s" % (label, pointer(e.absolute_path), e.message))
        failures += bool(errors)
        if not errors:
            print("ok   %s validates" % label)

    models = sorted(glob.glob(os.path.join(ROOT, "models", "*.json")))
    for path in models:
        expect_valid(os.path.relpath(path, ROOT), load(path))
    examples = list(doc_examples())
    for i, doc in enumerate(examples, 1):
        expect_valid("docs/model-format.md example %d" % i, doc)
    if not models or not examples:
        print("FAIL no models or no doc example found")
        failures += 1

    for label, mutate, where, *base_name in BROKEN:
        base = load(os.path.join("models", (base_name or ["mobilenet_v2"])[0] + ".json"))
        doc = copy.deepcopy(base)
        mutate(doc)
        where = where.format(end=len(base["layers"]), **{l["name"]: i for i, l in enumerate(base["layers"])})
        paths = {pointer(e.absolute_path) for e in validator.iter_errors(doc)}
        if where in paths:
            print("ok   rejected: %s (at %s)" % (label, where))
        else:
            failures += 1
            print("FAIL not rejected at %s: %s (errors at: %s)"
                  % (where, label, ", ".join(sorted(paths)) or "none"))

    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
