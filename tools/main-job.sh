#!/bin/sh
# The main job: build lynxeval (Release, build/), make the small Lynx test checkpoint (the fake
# release of tests/reference, converted by tools/convert_lynx.py), and run the model on it:
# an image, a video and a text prompt, each checked against the PyTorch reference's logits.
set -eu
cd "$(dirname "$0")/.."
python=${LYNXEVAL_PYTHON:-/usr/bin/python3}
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"
demo=build/demo
golden=tests/reference/golden
"$python" tests/reference/make_reference.py release --out "$demo/release"
"$python" tools/convert_lynx.py --eva "$demo/release/eva_vit_g.pth" --llm "$demo/release/vicuna-7b" \
  --lynx "$demo/release/finetune_lynx.pt" --config "$demo/release/LYNX.yaml" --vit-layers 3 \
  --out "$demo/lynx-tiny" --force
build/lynxeval info --model "$demo/lynx-tiny"
tokens=1,263,310,296,266,13,300,301,283,63,77,13,302,300
for input in image video text; do
  case $input in
    image) media="--pixels $golden/pixels_image.f32" ref=logits_image_text ;;
    video) media="--pixels $golden/pixels_video.f32" ref=logits_video_text ;;
    text) media="" ref=logits_text ;;
  esac
  # shellcheck disable=SC2086
  build/lynxeval logits --model "$demo/lynx-tiny" --tokens "$tokens" $media --out "$demo/$input.f32"
  "$python" - "$demo/$input.f32" "$golden/$ref.f32" "$input" <<'PY'
import sys
import numpy as np
c, r = np.fromfile(sys.argv[1], "<f4"), np.fromfile(sys.argv[2], "<f4")
label = {"image": "image + text", "video": "video + text", "text": "text only"}[sys.argv[3]]
print(f"{label:>12}: C logits vs PyTorch reference, relative L2 error "
      f"{np.linalg.norm(c - r) / np.linalg.norm(r):.2e}")
PY
done
