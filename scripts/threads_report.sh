#!/usr/bin/env bash
# Regenerates benchmarks/results/threads.md: solve time on 1 and 2 threads
# (SolveOptions::threads, --threads), fixed order and order-free (release build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target reports
# Written in place only once complete: a failed run leaves the last report as it was.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
build/release/benchmarks/reports threads > "$out"
cat "$out" > benchmarks/results/threads.md
