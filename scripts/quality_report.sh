#!/usr/bin/env bash
# Builds and runs the quality report: benchmarks/results/quality.{md,csv}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target reports >/dev/null
build/release/benchmarks/reports quality "$@"  # --time-limit-ms N (default 30000) per solve
