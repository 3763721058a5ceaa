#!/bin/sh
# Converts the fake release (tests/reference/fake_release.py) into the model directories the
# model and command-line tests use:
#   pt        prefix model, f32, LLM from .bin shards
#   pt-st     the same from .safetensors shards (must give the same numbers)
#   pt-bf16   prefix model, bf16
#   ca        cross-attention variant, f32
#   ca-gate0  cross-attention variant with both gates at 0
#   pt-override  prefix model whose Lynx checkpoint also carries ViT and LLM tensors
# usage: convert_models.sh PYTHON REPO_ROOT RELEASE_DIR OUT_DIR
set -eu
python=$1 root=$2 release=$3 out=$4
convert() {
  name=$1
  shift
  "$python" "$root/tools/convert_lynx.py" --eva "$release/eva_vit_g.pth" --vit-layers 3 \
    --out "$out/$name" --force "$@"
}
mkdir -p "$out"
convert pt --llm "$release/vicuna-7b" --lynx "$release/finetune_lynx.pt" --config "$release/LYNX.yaml"
convert pt-st --llm "$release/vicuna-7b-st" --lynx "$release/finetune_lynx.pt" --config "$release/LYNX_st.yaml"
convert pt-bf16 --llm "$release/vicuna-7b" --lynx "$release/finetune_lynx.pt" --config "$release/LYNX.yaml" --dtype bf16
convert ca --llm "$release/vicuna-7b" --lynx "$release/finetune_lynx_ca.pt" --config "$release/LYNX_CA.yaml"
convert ca-gate0 --llm "$release/vicuna-7b" --lynx "$release/finetune_lynx_ca_gate0.pt" --config "$release/LYNX_CA.yaml"
convert pt-override --llm "$release/vicuna-7b" --lynx "$release/finetune_lynx_override.pt" --config "$release/LYNX.yaml"
# The two f32 prefix conversions read the same numbers from different shard formats.
cmp "$out/pt/model.safetensors" "$out/pt-st/model.safetensors"
echo "converted 6 model directories into $out"
