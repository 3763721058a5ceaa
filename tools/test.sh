#!/bin/sh
# Builds the test configuration (Debug, AddressSanitizer + UndefinedBehaviorSanitizer, warnings
# are errors) in build-test/ and runs the whole test suite with ctest.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLYNXEVAL_SANITIZE=ON
cmake --build build-test -j "$jobs"
ctest --test-dir build-test --output-on-failure -j "$jobs"
