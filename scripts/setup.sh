#!/usr/bin/env bash
# Installs everything pinfuse builds with, from Debian packages only.
# Safe to run again: it installs only what is missing.
set -euo pipefail
packages=(
  cmake ninja-build pkg-config g++ clang python3   # clang: the sanitizer build
  libboost-graph-dev     # Boost.Graph: the bundled Graph model
  nlohmann-json3-dev     # model / hardware / plan JSON
  libcli11-dev           # the pinfuse tool
  catch2                 # tests (Debian 12: v2.13)
  libbenchmark-dev       # benchmarks
  libonnx-dev libprotobuf-dev  # optional ONNX importer, `pinfuse import` (PINFUSE_WITH_ONNX)
  libflatbuffers-dev flatbuffers-compiler  # optional TFLite importer, `pinfuse import` (PINFUSE_WITH_TFLITE)
  python3-flatbuffers    # scripts/tflite_real_models.py: an independent count of MACs and parameters
  libeigen3-dev coinor-libcbc-dev  # optional ILP formulation (Eigen) and CBC backend (PINFUSE_WITH_CBC)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
