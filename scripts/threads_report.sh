#!/usr/bin/env bash
# Regenerates benchmarks/results/threads.md: solve time on 1 and 2 threads
# (SolveOptions::threads, --threads), fixed order and order-free (release build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target reports
build/release/benchmarks/reports threads > benchmarks/results/threads.md
