#!/usr/bin/env bash
# Regenerates benchmarks/results/solve_time.md: joint solve time, order-free vs
# fixed order, on every bundled model at 256 KiB .. 4 MiB (release build).
# Usage: scripts/solve_time_report.sh [WORK_LIMIT (default pinfuse::default_work_limit, the pinfuse tool's)] [MODELS,comma,separated]
# Each solve stops at the work limit (0 = none: exact, minutes on SSDLite), so its plan is the same on every machine;
# its time is the fastest of three runs (reports solve_time --runs N).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target reports
args=()
[ -n "${1:-}" ] && args+=(--work-limit "$1")
[ -n "${2:-}" ] && args+=(--models "$2")
# Written in place only once complete: a failed run leaves the last report as it was.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
build/release/benchmarks/reports solve_time "${args[@]}" > "$out"
cat "$out" > benchmarks/results/solve_time.md
