#!/usr/bin/python3
"""tools/convert_lynx.py refuses broken releases, naming the tensor, and never leaves a partial
output. Each case copies the fake release, breaks one thing, and runs the converter.

usage: test_convert.py REPO_ROOT RELEASE_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch

root, release = sys.argv[1], sys.argv[2]
failures = []


def run(rel, out, extra=(), lynx="finetune_lynx.pt"):
    cmd = [sys.executable, os.path.join(root, "tools", "convert_lynx.py"),
           "--eva", os.path.join(rel, "eva_vit_g.pth"), "--llm", os.path.join(rel, "vicuna-7b"),
           "--lynx", os.path.join(rel, lynx), "--config", os.path.join(rel, "LYNX.yaml"),
           "--out", out, "--vit-layers", "3", *extra]
    return subprocess.run(cmd, capture_output=True, text=True)


def expect_refusal(name, break_release, needles, extra=()):
    with tempfile.TemporaryDirectory() as tmp:
        rel = os.path.join(tmp, "release")
        shutil.copytree(release, rel)
        break_release(rel)
        out = os.path.join(tmp, "model")
        r = run(rel, out, extra)
        problems = []
        if r.returncode == 0:
            problems.append("conversion succeeded")
        for n in needles:
            if n not in r.stderr:
                problems.append(f"stderr lacks {n!r}")
        if "Traceback" in r.stderr:
            problems.append("crashed with a traceback")
        if os.path.exists(out):
            problems.append("left an output directory")
        leftovers = [f for f in os.listdir(tmp) if f.startswith("model")]
        if leftovers:
            problems.append(f"left {leftovers}")
        status = "ok" if not problems else "FAIL: " + "; ".join(problems)
        print(f"{name}: {status}\n    {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''}")
        if problems:
            failures.append(name)


def edit_pt(path, fn, wrapped=None):
    obj = torch.load(path)
    sd = obj["model"] if isinstance(obj, dict) and "model" in obj else obj
    fn(sd)
    torch.save(obj, path)


def edit_shard(rel, tensor, fn):
    d = os.path.join(rel, "vicuna-7b")
    with open(os.path.join(d, "pytorch_model.bin.index.json")) as f:
        shard = json.load(f)["weight_map"][tensor]
    edit_pt(os.path.join(d, shard), fn)


expect_refusal("EVA tensor removed",
               lambda rel: edit_pt(os.path.join(rel, "eva_vit_g.pth"), lambda sd: sd.pop("blocks.1.mlp.fc1.bias")),
               ["eva_vit_g.pth", "'blocks.1.mlp.fc1.bias' is missing"])
expect_refusal("EVA qkv misshaped",
               lambda rel: edit_pt(os.path.join(rel, "eva_vit_g.pth"),
                                   lambda sd: sd.__setitem__("blocks.2.attn.qkv.weight", torch.zeros(500, 176))),
               ["'blocks.2.attn.qkv.weight' has shape [500, 176]"])
expect_refusal("Lynx tensor misshaped",
               lambda rel: edit_pt(os.path.join(rel, "finetune_lynx.pt"),
                                   lambda sd: sd.__setitem__("bridge.latents", torch.zeros(9, 128))),
               ["finetune_lynx.pt", "'bridge.latents' gives shape [9, 128]", "expected [8, 128]"])
expect_refusal("Lynx adapter tensor removed",
               lambda rel: edit_pt(os.path.join(rel, "finetune_lynx.pt"),
                                   lambda sd: sd.pop("LLM.model.layers.2.output_adapter.scaling")),
               ["'LLM.model.layers.2.output_adapter.scaling' is missing"])
expect_refusal("frame embedding misshaped",
               lambda rel: edit_pt(os.path.join(rel, "finetune_lynx.pt"),
                                   lambda sd: sd.__setitem__("absolute_frame_pos_embed", torch.zeros(1, 4, 1, 176))),
               ["'absolute_frame_pos_embed' has shape [1, 4, 1, 176]"])


def drop_from_index(rel):
    p = os.path.join(rel, "vicuna-7b", "pytorch_model.bin.index.json")
    with open(p) as f:
        idx = json.load(f)
    del idx["weight_map"]["model.layers.1.mlp.up_proj.weight"]
    with open(p, "w") as f:
        json.dump(idx, f)


expect_refusal("LLM tensor removed", drop_from_index, ["'model.layers.1.mlp.up_proj.weight' is missing"])
# Found only while writing (shards are loaded one at a time): the partial output must vanish.
expect_refusal("LLM tensor misshaped in a shard",
               lambda rel: edit_shard(rel, "model.layers.3.mlp.down_proj.weight",
                                      lambda sd: sd.__setitem__("model.layers.3.mlp.down_proj.weight",
                                                                torch.zeros(128, 300))),
               ["'model.layers.3.mlp.down_proj.weight' gives shape [128, 300]"])
expect_refusal("tokenizer.model missing",
               lambda rel: os.remove(os.path.join(rel, "vicuna-7b", "tokenizer.model")),
               ["tokenizer.model: missing"])
expect_refusal("Lynx file is not a checkpoint",
               lambda rel: open(os.path.join(rel, "finetune_lynx.pt"), "w").write("not a checkpoint\n"),
               ["finetune_lynx.pt: not a PyTorch checkpoint"])
expect_refusal("yaml is not a mapping",
               lambda rel: open(os.path.join(rel, "LYNX.yaml"), "w").write("- 1\n- 2\n"),
               ["LYNX.yaml: not a YAML mapping"])
expect_refusal("too many ViT layers requested", lambda rel: None,
               ["has 4 ViT blocks, but --vit-layers 9"], extra=("--vit-layers", "9"))

# An existing output is never touched without --force, and replaced whole with it.
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "model")
    os.makedirs(out)
    with open(os.path.join(out, "keep"), "w") as f:
        f.write("good")
    r = run(release, out)
    ok = r.returncode != 0 and "already exists" in r.stderr and os.path.exists(os.path.join(out, "keep"))
    r = run(release, out, ("--force",))
    ok = ok and r.returncode == 0 and not os.path.exists(os.path.join(out, "keep")) \
        and os.path.exists(os.path.join(out, "model.safetensors")) \
        and sorted(os.listdir(tmp)) == ["model"]
    print(f"existing output: {'ok' if ok else 'FAIL'}")
    if not ok:
        failures.append("existing output")
        print(r.stderr)

if failures:
    print(f"{len(failures)} converter checks failed: {failures}")
    sys.exit(1)
print("all converter refusal checks passed")
