#!/bin/sh
# Runs fuzz targets for a long time, each over its seed corpus plus what earlier long runs found
# (build-fuzz/long/<target>/corpus), and prints a line per target with its executions.
#   tools/fuzz.sh SECONDS [TARGET...]     every target when none is named
#   JOBS=2 tools/fuzz.sh ...               targets run side by side (default: one at a time)
# A finding stops its target: the input is build-fuzz/long/<target>/crash-* (or leak-, timeout-,
# oom-), and the command to reproduce it is printed. See docs/testing.md.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:?usage: tools/fuzz.sh SECONDS [TARGET...]}
shift
if [ ! -d build-fuzz ]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLYNXEVAL_FUZZ=ON -DLYNXEVAL_CUDA=OFF
fi
cmake --build build-fuzz -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
if [ $# -eq 0 ]; then
  set -- $(ls tests/fuzz/corpus)
fi
one() {
  t=$1
  work=build-fuzz/long/$t
  mkdir -p "$work"
  status=0
  sh tests/fuzz/run_target.sh "build-fuzz/tests/fuzz/fuzz_$t" "tests/fuzz/corpus/$t" "$work" \
    "$seconds" >"$work/log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1)
  found=$(ls "$work" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' || true)
  if [ "$status" -eq 0 ] && [ -z "$found" ]; then
    printf '%-16s %6ss  %12s executions  %s  nothing found\n' "$t" "$seconds" "${execs:-?}" "$cov"
  else
    printf '%-16s FOUND %s (exit %s); reproduce: build-fuzz/tests/fuzz/fuzz_%s %s/%s\n' \
      "$t" "$found" "$status" "$t" "$work" "$(echo "$found" | head -1)"
  fi
}
jobs=${JOBS:-1}
# JOBS queues, the targets dealt out in turn, each queue run one target after another
i=0
for t in "$@"; do
  eval "queue_$((i % jobs))=\"\${queue_$((i % jobs)):-} $t\""
  i=$((i + 1))
done
k=0
while [ "$k" -lt "$jobs" ]; do
  eval "queue=\${queue_$k:-}"
  (for t in $queue; do one "$t"; done) &
  k=$((k + 1))
done
wait
