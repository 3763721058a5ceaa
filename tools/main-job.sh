#!/bin/sh
# The main job: build lynxeval (Release, build/) and run it on its embedded default: every task of
# the world's test split (Open-VQA image and video questions, captions, MME-style pairs, OwlEval
# instructions) with the shipped PT checkpoint, then the paper-style tables and an HTML report;
# then the same tasks with the other three shipped architectures (Lynx's cross-attention variant,
# the LLaVA-style and the InstructBLIP-style models) and the four-way comparison with paired tests.
# Everything it needs is in the repository: no download.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
# The tests are not built here: they need packages the main job does not (setup-debian.sh).
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLYNXEVAL_TESTS=OFF >/dev/null
cmake --build build -j "$jobs"
# `lynxeval run` with no arguments is the embedded default; it finds the world and the
# checkpoints beside the binary and writes ./lynxeval-runs/world-pt (rerunning resumes it).
build/lynxeval run
build/lynxeval run world --model checkpoints/lynx-world-ca --data datasets/world/test \
  --out lynxeval-runs/world-ca
build/lynxeval run world --model checkpoints/llava-world --data datasets/world/test \
  --out lynxeval-runs/world-llava
build/lynxeval run world --model checkpoints/instructblip-world --data datasets/world/test \
  --out lynxeval-runs/world-instructblip
build/lynxeval compare lynxeval-runs/world-pt lynxeval-runs/world-ca lynxeval-runs/world-llava \
  lynxeval-runs/world-instructblip
