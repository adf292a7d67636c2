#!/usr/bin/env bash
# Sets up, builds and runs every test: once optimized, once under
# AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)

cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build/release -j "$jobs"
ctest --test-dir build/release --output-on-failure -j "$jobs"

# clang: GCC 12 reports false -Wuninitialized in Boost.Optional under the sanitizers.
# -O1 (at -O0 the solver tests run 5-10x slower); line tables are all the sanitizers' stack traces need.
# PINFUSE_FUZZ: the libFuzzer targets in fuzz/ run 3 s each over their seed corpora as tests (scripts/fuzz.sh runs them longer).
# No benchmarks and no examples/ programs (2 minutes of compile CPU): the optimized run builds and runs them,
# and the tests reach the library code they use.
CXX=clang++ cmake -S . -B build/sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
  -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only -DPINFUSE_SANITIZE=ON -DPINFUSE_FUZZ=ON -DPINFUSE_BUILD_BENCHMARKS=OFF \
  -DPINFUSE_BUILD_EXAMPLES=OFF
cmake --build build/sanitize -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/sanitize --output-on-failure -j "$jobs"
