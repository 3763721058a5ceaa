#!/usr/bin/python3
"""MiniGPT-4 in the BLIP family, end to end: a tiny release in MiniGPT-4's file layout
(minigpt4_release.py: eva_vit_g.pth, BLIP-2's checkpoint, MiniGPT-4's, a Vicuna v0 directory) is
converted by tools/convert_minigpt4.py, and lynxeval's stages and logits are checked against the
independent float64 reference (tests/reference/blip_reference.py, MiniGPT-4 route), its prompt
ids, logits and answers against MiniGPT-4's own code (minigpt4_oracle.json, made by
make_minigpt4_oracle.py with transformers 4.28.0), for the Vicuna v0 tokenizer files (empty
special texts) and the later ones ("<s>", "</s>", "<unk>").

usage: test_minigpt4.py LYNXEVAL BLIP_PROBE SOURCE_DIR
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import torch  # noqa: E402
from blip_reference import Blip  # noqa: E402
from blip_release import TINY, reference_cfg  # noqa: E402
from lxtensor import read_f32, rel_err, write_f32  # noqa: E402
from lxtest import check, run_in_tmpdir, runner  # noqa: E402
from minigpt4_release import FIXED_TOKENIZER, make_model, write_release  # noqa: E402

lynxeval, probe, src = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
lx = runner(lynxeval)
TOL, TOL_BF16 = 1e-5, 2e-2  # relative L2 error against the float64 reference
CONVERT = [sys.executable, os.path.join(src, "tools", "convert_minigpt4.py")]
S, F = TINY["image_res"], 4
MEDIA = -200


def convert(*args):
    return subprocess.run(CONVERT + list(args), capture_output=True, text=True)


def release_args(paths):
    return ["--minigpt4", paths["minigpt4"], "--blip2", paths["blip2"], "--eva", paths["eva"],
            "--llm", paths["llm"], "--qformer-heads", str(TINY["qf_heads"]), "--image-size", str(S)]


def run(tmp):
    model = make_model()
    rel = {"v0": write_release(os.path.join(tmp, "v0"), model),
           "fixed": write_release(os.path.join(tmp, "fixed"), model, tokenizer_config=FIXED_TOKENIZER)}
    models = {"v0": os.path.join(tmp, "m-v0"), "fixed": os.path.join(tmp, "m-fixed"),
              "bf16": os.path.join(tmp, "m-bf16")}
    for name, r, extra in (("v0", "v0", []), ("fixed", "fixed", []), ("bf16", "v0", ["--dtype", "bf16"])):
        p = convert(*release_args(rel[r]), *extra, "--out", models[name])
        check(f"convert_minigpt4.py ({name}) succeeds", p.returncode == 0, p.stderr[-2000:])
        if name == "v0":
            check("the converter reports no tensor of the release as unused but what MiniGPT-4 "
                  "deletes or never loads", "ignored" not in p.stderr, p.stderr[-600:])
    oracle = json.load(open(os.path.join(HERE, "minigpt4_oracle.json")))

    # ---- what the converter read from the Vicuna directory ----------------------------------
    for name in ("v0", "fixed"):
        cfg = json.load(open(os.path.join(models[name], "config.json")))
        o = oracle["variants"][name]
        got = {k: cfg["llm"][k] for k in ("bos_token_id", "unk_token_id", "pad_token_id")}
        want = {k: o["tokenizer"][k] for k in ("bos_token_id", "unk_token_id", "pad_token_id")}
        check(f"{name}: the tokenizer's bos, unk and pad ids are transformers 4.28's ({want})", got == want,
              json.dumps(got))
        check(f"{name}: generate()'s seed and end ids are the Vicuna config's ({o['generation']})",
              (cfg["decoding"]["seed_id"], cfg["llm"]["eos_token_id"]) ==
              (o["generation"]["bos_token_id"], o["generation"]["eos_token_id"]), json.dumps(cfg["decoding"]))
        texts = sorted({t for t in o["tokenizer"]["all_special_tokens"] if t} | {"[PAD]"})
        check(f"{name}: the special texts are the tokenizer's non-empty ones and its added [PAD]",
              sorted(a["text"] for a in cfg["llm"]["added_tokens"]) == texts, json.dumps(cfg["llm"]["added_tokens"]))
        check(f"{name}: the stops are the tiny vocabulary's ids of '###' and '##' '#'",
              cfg["decoding"]["stop_ids"] == oracle["stop_ids"], json.dumps(cfg["decoding"]["stop_ids"]))

    # ---- the stages against the float64 reference --------------------------------------------
    ref = Blip(minigpt4=(rel["v0"]["eva"], rel["v0"]["blip2"], rel["v0"]["minigpt4"], rel["v0"]["llm"]),
               cfg=reference_cfg())
    gen = torch.Generator().manual_seed(12)
    frames = torch.randn(F, 3, S, S, generator=gen) * 0.8
    px1, pxv = os.path.join(tmp, "px1.f32"), os.path.join(tmp, "pxv.f32")
    write_f32(px1, frames[:1])
    write_f32(pxv, frames)
    outs = [os.path.join(tmp, n) for n in ("vit.f32", "qf.f32", "media.f32")]
    for name in ("v0", "bf16"):
        tol = TOL_BF16 if name == "bf16" else TOL
        for px, n in ((px1, 1), (pxv, F)):
            p = subprocess.run([probe, models[name], px, ""] + outs, capture_output=True, text=True)
            got = [read_f32(o) if p.returncode == 0 else None for o in outs]
            want = (torch.stack([ref.vit(f) for f in frames[:n]]),
                    torch.stack([ref.queries(f, None) for f in frames[:n]]), ref.media(frames[:n], None))
            for stage, g, w in zip(("ViT + ln_vision", "Q-Former (no text)", "media"), got, want):
                e = rel_err(g, w)
                check(f"{name}: {'image' if n == 1 else f'video of {n} frames'}: {stage} rel err {e:.2e} <= {tol:g}",
                      e <= tol, p.stderr[-500:])

    # ---- prompts: the ids on each side of the image, as MiniGPT-4's get_context_emb makes them --
    for name in ("v0", "fixed"):
        for case in oracle["variants"][name]["cases"]:
            flags = [] if case["image"] else ["--text-only"]
            p = lx("tokenize", "--model", models[name], "--prompt", case["question"], *flags)
            got = [int(x) for x in p.stdout.split("\n")[0].split(",")] if p.returncode == 0 else []
            seg = case["segments"]
            want = seg[0] + [MEDIA] + seg[1] if case["image"] else seg[0]
            check(f"{name}: prompt ids of {case['question']!r}{'' if case['image'] else ' (text only)'} equal "
                  f"MiniGPT-4's segments", got == want, f"{got} vs {want}; {p.stderr[-300:]}")

    # ---- logits: reference (image in the middle, a video's rows there, text alone) and oracle --
    out = os.path.join(tmp, "logits.f32")
    case = oracle["variants"]["v0"]["cases"][0]
    before, after = case["segments"]
    tokens = ",".join(map(str, before)) + ",media," + ",".join(map(str, after))
    for name in ("v0", "bf16"):
        tol = TOL_BF16 if name == "bf16" else TOL
        for px, n in ((px1, 1), (pxv, F)):
            p = lx("logits", "--model", models[name], "--pixels", px, "--tokens", tokens, "--out", out)
            e = rel_err(read_f32(out) if p.returncode == 0 else None,
                        ref.segment_logits(before, ref.media(frames[:n], None), after))
            check(f"{name}: logits with {'an image' if n == 1 else f'{n} frames'} between the prompt's "
                  f"two sides rel err {e:.2e} <= {tol:g}", e <= tol, p.stderr[-500:])
        p = lx("logits", "--model", models[name], "--tokens", ",".join(map(str, before)), "--out", out)
        e = rel_err(read_f32(out) if p.returncode == 0 else None, ref.logits(before))
        check(f"{name}: text-only logits rel err {e:.2e} <= {tol:g}", e <= tol, p.stderr[-500:])
    image = os.path.join(src, "tests", "image", "inputs", "chelsea.png")
    for name in ("v0", "fixed"):
        for case in oracle["variants"][name]["cases"]:
            flags = ["--image", image] if case["image"] else []
            p = lx("logits", "--model", models[name], *flags, "--prompt", case["question"], "--out", out)
            e = rel_err(read_f32(out) if p.returncode == 0 else None, torch.tensor(case["logits"], dtype=torch.float64))
            check(f"oracle {name}: logits after {'chelsea.png and ' if case['image'] else ''}{case['question']!r} "
                  f"rel err {e:.2e} <= {TOL:g}", e <= TOL, p.stderr[-400:])

    # ---- answers: Chat.answer's stops and clean-up, greedy ----------------------------------
    for name in ("v0", "fixed"):
        for case in oracle["variants"][name]["cases"]:
            flags = ["--image", image] if case["image"] else []
            p = lx("generate", "--model", models[name], *flags, "--prompt", case["question"],
                   "--max-new-tokens", str(oracle["max_new_tokens"]), "--json")
            g = json.loads(p.stdout) if p.returncode == 0 else {}
            seed = json.load(open(os.path.join(models[name], "config.json")))["decoding"]["seed_id"]
            full = [seed] + g.get("tokens", [])
            for lead in (0, 1):  # Chat.answer: a leading 0, then a leading 1, dropped
                if full and full[0] == lead:
                    full = full[1:]
            stop = "###" if full and full[-1] in (oracle["stop_ids"][0][0], oracle["stop_ids"][1][-1]) else "the limit"
            check(f"oracle {name}: Chat.answer on {case['question']!r}{'' if case['image'] else ' (text only)'}: "
                  f"{len(full)} tokens ending at {stop}, the same text",
                  full == case["output_tokens"] and g.get("answer") == case["answer"],
                  f"{full} {g.get('answer')!r} vs {case['output_tokens']} {case['answer']!r}; {p.stderr[-300:]}")

    # ---- run: image and video tasks on the world's files -------------------------------------
    world = os.path.join(src, "datasets", "world", "test")
    rundir = os.path.join(tmp, "run")
    p = lx("run", "open-vqa-image:world-open-vqa-image,open-vqa-video:world-open-vqa-video,mme:world-mme",
           "--model", models["v0"], "--data", world, "--out", rundir, "--limit", "3", "--max-new-tokens", "6")
    preds = {}
    for task in ("open-vqa-image", "open-vqa-video", "mme"):
        path = os.path.join(rundir, task, "predictions.jsonl")
        preds[task] = [json.loads(x) for x in open(path)] if os.path.exists(path) else []
    check("run: 3 image and 3 video items (4 frames at the marker) and MME's pairs answered",
          p.returncode == 0 and len(preds["open-vqa-image"]) == 3 and len(preds["open-vqa-video"]) == 3
          and all(len(x.get("frames", [])) == 4 for x in preds["open-vqa-video"]) and len(preds["mme"]) >= 3,
          p.stderr[-600:])

    # ---- converter refusals ----------------------------------------------------------------
    def refused(args, needle, what):
        p = convert(*args, "--out", os.path.join(tmp, "refused"))
        check(f"converter refuses {what}", p.returncode != 0 and needle in p.stderr
              and not os.path.exists(os.path.join(tmp, "refused")), p.stderr[-600:])

    base = release_args(rel["v0"])
    broken = os.path.join(tmp, "broken.pth")
    torch.save({"model": {"llama_proj.bias": torch.zeros(TINY["llm_hidden"])}}, broken)
    refused(["--minigpt4", broken] + base[2:], "llama_proj.weight", "a MiniGPT-4 checkpoint without the projection")
    b2 = torch.load(rel["v0"]["blip2"])
    del b2["model"]["Qformer.bert.encoder.layer.1.output_query.dense.weight"]
    torch.save(b2, broken)
    refused(base[:2] + ["--blip2", broken] + base[4:], "output_query.dense.weight' is in none",
            "a BLIP-2 checkpoint without a Q-Former tensor, naming it")
    mg = torch.load(rel["v0"]["minigpt4"])
    mg["model"]["llama_proj.weight"] = mg["model"]["llama_proj.weight"][:, :-1]
    torch.save(mg, broken)
    refused(["--minigpt4", broken] + base[2:], "llama_proj.weight", "a projection of the wrong shape")
    llm_bad = os.path.join(tmp, "llm-bad")
    shutil.copytree(rel["v0"]["llm"], llm_bad)
    with open(os.path.join(llm_bad, "added_tokens.json"), "w") as f:
        json.dump({"[PAD]": 330}, f)
    refused(base[:6] + ["--llm", llm_bad] + base[8:], "consecutive", "added tokens whose ids leave a gap")
    with open(os.path.join(llm_bad, "added_tokens.json"), "w") as f:
        json.dump({"[PAD]": 320}, f)
    with open(os.path.join(llm_bad, "tokenizer_config.json"), "w") as f:
        json.dump({"eos_token": {"content": "</s>", "lstrip": True, "rstrip": False}}, f)
    refused(base[:6] + ["--llm", llm_bad] + base[8:], "strips only one side", "a special token stripping one side")
    os.remove(os.path.join(llm_bad, "tokenizer.model"))
    refused(base[:6] + ["--llm", llm_bad] + base[8:], "tokenizer.model", "a Vicuna directory without its tokenizer")


if __name__ == "__main__":
    run_in_tmpdir(run, "lx-minigpt4-")
