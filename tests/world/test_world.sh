#!/bin/sh
# The shipped world test split is what the generator makes from its seed, byte for byte, and the
# registry's digests match it.
# usage: test_world.sh PYTHON SOURCE_DIR LYNXEVAL
set -eu
python=$1 src=$2 lynxeval=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$python" "$src/tools/world/generate_world.py" --split test --out "$tmp/test" >/dev/null
if diff -r "$tmp/test" "$src/datasets/world/test" --exclude README.md >"$tmp/diff"; then
  echo "ok   the generator reproduces datasets/world/test byte for byte"
else
  echo "FAIL the generator's test split differs from the shipped one:"
  head -20 "$tmp/diff"
  exit 1
fi
for d in world-open-vqa-image world-open-vqa-video world-captions world-mme world-owleval world-pope world-gqa world-textvqa world-vizwiz world-mmbench world-msvd-qa world-scienceqa world-seed-bench world-mm-vet; do
  if "$lynxeval" datasets check "$d" --data "$src/datasets/world/test" >"$tmp/out" 2>&1; then
    echo "ok   datasets check $d: complete"
  else
    echo "FAIL datasets check $d:"
    cat "$tmp/out"
    exit 1
  fi
done
