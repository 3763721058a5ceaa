#!/bin/sh
# The GPU checks in one run, for a machine with an NVIDIA GPU and the CUDA toolkit: build with
# the CUDA backend required, run test_cuda (the CUDA kernels against the CPU backend), the same
# under compute-sanitizer where it is installed, and `bench kernels --device cuda`, hot and cold.
# Results go to the directory given (default: gpu-results/): test logs, bench JSON and tables,
# and nvidia-smi's description of the card.
# usage: tools/gpu-check.sh [OUTDIR]
set -eu
cd "$(dirname "$0")/.."
out=${1:-gpu-results}
mkdir -p "$out"
jobs=$(nproc 2>/dev/null || echo 2)
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DLYNXEVAL_CUDA=ON > "$out/configure.txt"
cmake --build build-gpu -j "$jobs" --target lynxeval test_cuda > "$out/build.txt"
status=0
build-gpu/tests/test_cuda > "$out/test_cuda.txt" 2>&1 || status=1
sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
if [ -x "$sanitizer" ]; then
  "$sanitizer" --error-exitcode 1 build-gpu/tests/test_cuda > "$out/test_cuda-sanitizer.txt" 2>&1 ||
    status=1
fi
for mode in hot cold; do
  flag=; [ "$mode" = cold ] && flag=--cold
  build-gpu/lynxeval bench kernels --device cuda $flag --json "$out/kernels-cuda-$mode.json" \
    > "$out/kernels-cuda-$mode.txt" 2> "$out/kernels-cuda-$mode.log" || status=1
done
echo "gpu-check: results in $out (exit $status)"
exit $status
