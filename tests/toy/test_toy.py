#!/usr/bin/python3
"""A second model family through the whole tool: the toy family (model/toy/, one folder and one
line in model/families.c) is loaded, described, encoded, prefilled and decoded by `info`,
`logits`, `generate`, `run` and `bench model` exactly as Lynx is, and its logits equal an
independent PyTorch reference (toy_reference.py).

usage: test_toy.py LYNXEVAL MODELS_DIR SOURCE_DIR
  MODELS_DIR: the converted fake release (its pt/ gives the tokenizer and the prompt)
"""
import json
import os
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from lxtest import check, finish, runner
from toy_reference import Toy, make_model

lynxeval, models, src = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
lx = runner(lynxeval)
TOL = 1e-5  # relative L2 error of float32 C against the float64 reference


def read_f32(path):
    raw = open(path, "rb").read()
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def rel_err(got, ref):
    num = sum((float(a) - float(b)) ** 2 for a, b in zip(got, ref))
    den = sum(float(b) ** 2 for b in ref)
    return (num / den) ** 0.5 if len(got) == len(ref) else float("inf")


tmp = tempfile.mkdtemp()
try:
    toy_dir = os.path.join(tmp, "toy")
    config = make_model(toy_dir, os.path.join(models, "pt"), seed=17)
    ref = Toy(toy_dir)
    V = config["llm"]["vocab_size"]

    p = lx("info", "--model", toy_dir)
    check("info names the family and its parts",
          p.returncode == 0 and "family:     toy" in p.stdout and "projector:  32 px, patch 8: 16 positions" in p.stdout
          and "(projector 12352, llm " in p.stdout, p.stdout + p.stderr)

    image = os.path.join(src, "tests", "image", "inputs", "chelsea.png")
    px_path = os.path.join(tmp, "px.f32")
    p = lx("preprocess", "--model", toy_dir, "--image", image, "--out", px_path)
    check("preprocess at the toy's resolution", p.returncode == 0, p.stderr)
    import torch
    pixels = torch.tensor(read_f32(px_path), dtype=torch.float64).reshape(1, 3, 32, 32)
    ids = [config["llm"]["bos_token_id"], 17, 203, 5, 99, 42]
    out = os.path.join(tmp, "logits.f32")
    p = lx("logits", "--model", toy_dir, "--pixels", px_path, "--tokens", ",".join(map(str, ids)), "--out", out)
    want = ref.logits(ref.encode(pixels), ids).tolist()
    e = rel_err(read_f32(out), want) if p.returncode == 0 else float("inf")
    check(f"logits with an image equal the reference (relative error {e:.2e})", e < TOL, p.stderr)
    p = lx("logits", "--model", toy_dir, "--tokens", ",".join(map(str, ids)), "--out", out)
    e = rel_err(read_f32(out), ref.logits(None, ids).tolist()) if p.returncode == 0 else float("inf")
    check(f"text-only logits equal the reference (relative error {e:.2e})", e < TOL, p.stderr)
    video = os.path.join(src, "datasets", "world", "test", "videos", "clip_00001")
    vpx = os.path.join(tmp, "video.f32")
    p = lx("preprocess", "--model", toy_dir, "--video", video, "--out", vpx)
    q = lx("logits", "--model", toy_dir, "--pixels", vpx, "--tokens", ",".join(map(str, ids)), "--out", out)
    frames = torch.tensor(read_f32(vpx), dtype=torch.float64).reshape(-1, 3, 32, 32) if p.returncode == 0 else None
    e = rel_err(read_f32(out), ref.logits(ref.encode(frames), ids).tolist()) if q.returncode == 0 and frames is not None else float("inf")
    check(f"logits with a video (frames averaged) equal the reference (relative error {e:.2e})", e < TOL,
          p.stderr + q.stderr)

    # generate: greedy tokens equal the reference's argmax chain
    p = lx("generate", "--model", toy_dir, "--image", image, "--prompt", "what is in the image?",
           "--decode", "greedy", "--max-new-tokens", "5", "--json")
    g = json.loads(p.stdout) if p.returncode == 0 else {}
    media, chain = ref.encode(pixels), list(g.get("prompt_ids", []))
    expect = []
    for _ in range(5):
        nxt = int(ref.logits(media, chain).argmax())
        if nxt == config["llm"]["eos_token_id"]:
            break
        expect.append(nxt)
        chain.append(nxt)
    check(f"generate: greedy tokens equal the reference's argmax chain ({len(expect)} tokens)", g.get("tokens") == expect,
          f"{g.get('tokens')} vs {expect}; {p.stderr}")

    # run: the run loop, resumable predictions and scoring, unchanged for a new family
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    os.symlink(os.path.join(src, "tests", "image", "inputs"), os.path.join(data, "images"))
    shutil.copy(os.path.join(src, "tests", "runs", "open_vqa_images_small.jsonl"),
                os.path.join(data, "Open_VQA_images.jsonl"))
    run_dir = os.path.join(tmp, "run")
    p = lx("run", "open-vqa-image:open-vqa-image", "--model", toy_dir, "--data", data, "--out", run_dir, "--limit", "4")
    rows = [json.loads(l) for l in open(os.path.join(run_dir, "open-vqa-image", "predictions.jsonl"))] \
        if p.returncode == 0 else []
    check("run: 4 predictions scored in a run directory", p.returncode == 0 and len(rows) == 4
          and os.path.exists(os.path.join(run_dir, "results.json")), p.stderr)

    # bench model: the encode stages the family reports, prefill and decode
    bench = os.path.join(tmp, "bench.json")
    p = lx("bench", "model", "--model", toy_dir, "--steps", "2", "--reps", "1", "--batches", "1,2", "--json", bench)
    b = json.load(open(bench)) if p.returncode == 0 else {}
    check("bench model: the projector stage, prefill of 16 + max_input_tokens positions, decode",
          p.returncode == 0 and b.get("family") == "toy" and b.get("projector_ms_per_image", 0) > 0
          and b.get("prefill_positions") == 16 + config["prompt"]["max_input_tokens"]
          and [d["batch"] for d in b.get("decode", [])] == [1, 2], p.stderr[-500:])

    # media inside the prompt: a family that puts the image after the first ids (as LLaVA puts it
    # after its system text); positions run on over text, media, text, and decoding continues them
    inside = os.path.join(tmp, "inside")
    shutil.copytree(toy_dir, inside)
    c = json.load(open(os.path.join(inside, "config.json")))
    c["projector"]["media_after_tokens"] = 2
    json.dump(c, open(os.path.join(inside, "config.json"), "w"))
    ref_inside = Toy(inside)
    p = lx("logits", "--model", inside, "--pixels", px_path, "--tokens", ",".join(map(str, ids)), "--out", out)
    want = ref_inside.logits(ref_inside.encode(pixels), ids).tolist()
    e = rel_err(read_f32(out), want) if p.returncode == 0 else float("inf")
    check(f"logits with the image after two ids equal the reference (relative error {e:.2e})", e < TOL, p.stderr)
    moved = rel_err(want, ref.logits(ref.encode(pixels), ids).tolist())
    check(f"the image's place changes the logits (relative difference {moved:.2e})", moved > 1e-3)
    p = lx("generate", "--model", inside, "--image", image, "--prompt", "what is in the image?",
           "--decode", "greedy", "--max-new-tokens", "5", "--json")
    g = json.loads(p.stdout) if p.returncode == 0 else {}
    chain, expect = list(g.get("prompt_ids", [])), []
    for _ in range(5):
        nxt = int(ref_inside.logits(media, chain).argmax())
        if nxt == config["llm"]["eos_token_id"]:
            break
        expect.append(nxt)
        chain.append(nxt)
    check(f"generate with the image inside the prompt: the reference's argmax chain ({len(expect)} tokens)",
          p.returncode == 0 and g.get("tokens") == expect, f"{g.get('tokens')} vs {expect}; {p.stderr}")

    # a toy config without its projector is refused, naming the key
    bad = os.path.join(tmp, "bad")
    shutil.copytree(toy_dir, bad)
    c = json.load(open(os.path.join(bad, "config.json")))
    del c["projector"]
    json.dump(c, open(os.path.join(bad, "config.json"), "w"))
    p = lx("info", "--model", bad)
    check("a toy config without projector is refused by key", p.returncode == 1 and "projector" in p.stderr, p.stderr)
finally:
    shutil.rmtree(tmp)

finish()
