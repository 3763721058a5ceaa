#!/bin/sh
# Builds the test configuration (Debug at -O1, AddressSanitizer + UndefinedBehaviorSanitizer,
# warnings are errors) in build-test/ and runs the whole test suite with ctest; then builds the fuzz
# targets with clang's libFuzzer in build-fuzz/ and runs each briefly over its seed corpus
# (LYNXEVAL_FUZZ_SECONDS each, default 10; tools/fuzz.sh runs them longer).
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLYNXEVAL_SANITIZE=ON
cmake --build build-test -j "$jobs"
ctest --test-dir build-test --output-on-failure -j "$jobs"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLYNXEVAL_FUZZ=ON -DLYNXEVAL_CUDA=OFF -DLYNXEVAL_FUZZ_SECONDS="${LYNXEVAL_FUZZ_SECONDS:-10}"
cmake --build build-fuzz -j "$jobs"
ctest --test-dir build-fuzz --output-on-failure -j "$jobs" -L fuzz
