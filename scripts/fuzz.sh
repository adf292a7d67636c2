#!/usr/bin/env bash
# Runs every libFuzzer target in fuzz/ (or the TARGETs named, e.g. model_json) for SECONDS
# each (default 600), one after the other, and prints per target: executions, coverage
# (cov: edges, ft: features), corpus size and finding files. Builds with clang in
# build/fuzz (or $PINFUSE_FUZZ_BUILD) first.
#   scripts/fuzz.sh [SECONDS [TARGET...]]
# Inputs each target finds are kept in BUILD/fuzz/work/TARGET and reused by the next run;
# crashes, timeouts and out-of-memory inputs go to BUILD/fuzz/findings/. The targets run in
# libFuzzer's fork mode, so a run goes on past a finding and can report several.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift $(( $# > 0 ? 1 : 0 ))
build=${PINFUSE_FUZZ_BUILD:-build/fuzz}

CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
  -DPINFUSE_SANITIZE=ON -DPINFUSE_FUZZ=ON -DPINFUSE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target fuzz_targets
ctest --test-dir "$build" -R '^fuzz\.corpus$' >/dev/null

dir=$build/fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < "$dir/targets.txt"  # written by fuzz/CMakeLists.txt: those this build has
fi
mkdir -p "$dir/findings" "$dir/logs"
printf '%-14s %8s %12s %7s %8s %8s  %s\n' target seconds execs cov ft corpus findings
for target in "${targets[@]}"; do
  mkdir -p "$dir/work/$target"
  dict=fuzz/dict/$target.dict
  log=$dir/logs/$target.log
  before=$(ls "$dir/findings" | wc -l)
  nice -n 10 "$dir/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -artifact_prefix="$dir/findings/$target-" \
    $([ -f "$dict" ] && echo "-dict=$dict") "$dir/work/$target" "$dir/corpus/$target" >"$log" 2>&1 || true
  stats=$(grep -E '^#[0-9]+' "$log" | tail -1)
  field() { sed -nE "s/.*$1:? ([0-9]+).*/\\1/p" <<<"$stats"; }
  found=$(( $(ls "$dir/findings" | wc -l) - before ))
  printf '%-14s %8s %12s %7s %8s %8s  %s\n' "$target" "$seconds" "$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$stats")" \
    "$(field cov)" "$(field ft)" "$(ls "$dir/work/$target" | wc -l)" "$found"
  ls "$dir/findings" | grep "^$target-" | sed "s|^|    $dir/findings/|" || true
done
