#!/usr/bin/env bash
# Sets up, builds the pinfuse tool and compares the four strategies on
# MobileNetV2 (224x224, int8) for the shipped mobile-NPU hardware.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target pinfuse_tool >/dev/null
build/release/tools/pinfuse/pinfuse compare models/mobilenet_v2.json --hw examples/hardware/mobile_npu.json "$@"
