#!/usr/bin/python3
"""The BLIP family (model/blip/) end to end: tiny InstructBLIP releases in LAVIS's and Hugging
Face's layouts (blip_release.py) are converted by tools/convert_instructblip.py, and lynxeval's
ViT + ln_vision, Q-Former (reading the instruction), projection and logits are checked against an
independent PyTorch model (tests/reference/blip_reference.py, float64) that reads the release
files themselves, with the instruction tokenized by the Python re-derivation of BertTokenizer
(tests/tokenizer/wordpiece/make_cases.py); and against the official code itself: Hugging Face's
port (golden.json "oracle", make_oracle.py) and LAVIS's own Blip2VicunaInstruct
(lavis_oracle.json, make_lavis_oracle.py): ids, logits and generate()'s answers, a video too.

usage: test_blip.py LYNXEVAL BLIP_PROBE SOURCE_DIR
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
sys.path.insert(0, os.path.join(HERE, "..", "tokenizer", "wordpiece"))
import torch  # noqa: E402
from blip_reference import Blip, mean_rows  # noqa: E402
from blip_release import TINY, make_model, reference_cfg, write_hf, write_lavis  # noqa: E402
import lynx_generate  # noqa: E402
from lxtensor import read_f32, rel_err, write_f32  # noqa: E402
from lxtest import check, preprocess_mismatches, run_in_tmpdir, runner  # noqa: E402
from make_cases import encode as bert_encode  # noqa: E402

lynxeval, probe, src = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
lx = runner(lynxeval)
TOL, TOL_BF16 = 1e-5, 2e-2  # relative L2 error against the float64 reference
CONVERT = [sys.executable, os.path.join(src, "tools", "convert_instructblip.py")]
S, F = TINY["image_res"], 4


def convert(*args):
    return subprocess.run(CONVERT + list(args), capture_output=True, text=True)


def bert_vocab(model_dir):
    with open(os.path.join(model_dir, "qformer_vocab.txt"), encoding="utf-8") as f:
        return {tok: i for i, tok in enumerate(f.read().split("\n")[:-1])}


def run(tmp):
    model = make_model()
    lavis = write_lavis(os.path.join(tmp, "lavis"), model)
    hf = write_hf(os.path.join(tmp, "hf"), model)
    lavis_args = ["--lavis", lavis["lavis"], "--eva", lavis["eva"], "--llm", lavis["llm"],
                  "--bert-vocab", lavis["bert_vocab"], "--qformer-heads", str(TINY["qf_heads"]),
                  "--image-size", str(S)]
    models = {"hf": os.path.join(tmp, "m-hf"), "lavis": os.path.join(tmp, "m-lavis"),
              "bf16": os.path.join(tmp, "m-bf16")}
    for name, args in (("hf", ["--hf", hf]), ("lavis", lavis_args), ("bf16", ["--hf", hf, "--dtype", "bf16"])):
        p = convert(*args, "--out", models[name])
        check(f"convert_instructblip.py {args[0]}{' --dtype bf16' if name == 'bf16' else ''} succeeds",
              p.returncode == 0, p.stderr[-2000:])
    cfg = json.load(open(os.path.join(models["lavis"], "config.json")))
    check("the LAVIS route records its [PAD] row and blocks", "mean" in cfg["source"]["pad_rows"]
          and cfg["source"]["eva_blocks_run"] == "3 of 4", json.dumps(cfg["source"]))
    check("ln_vision keeps LAVIS's eps 1e-5 on both routes",
          cfg["vision"]["post_norm_eps"] == 1e-5 and
          json.load(open(os.path.join(models["hf"], "config.json")))["vision"]["post_norm_eps"] == 1e-5)

    refs = {"hf": Blip(hf=hf), "lavis": Blip(lavis=(lavis["eva"], lavis["lavis"], lavis["llm"], mean_rows),
                                             cfg=reference_cfg())}
    refs["bf16"] = refs["hf"]
    gen = torch.Generator().manual_seed(11)
    frames = torch.randn(F, 3, S, S, generator=gen) * 0.8
    instructions = ["What is unusual about this image?",
                    "Question: Qu'est-ce que c'est, ce café naïf? Short answer:",
                    " ".join(["describe the elephant tusks"] * 45)]  # over 128 WordPiece ids
    vocab = bert_vocab(models["hf"])
    ids_long = bert_encode(instructions[2], vocab, 10**6)
    check("the long instruction is over 128 WordPiece ids (left truncation is exercised)",
          len(ids_long) > 128, str(len(ids_long)))

    # ---- prompts: the LLM's ids start with </s>; the Q-Former's are BERT WordPiece's ----------
    bad = []
    for text in instructions + ["Is it a [SEP] or a [MASK]? Ünïcödé \u4e2d\u6587!", "  spaced   out  "]:
        p = lx("tokenize", "--model", models["hf"], "--prompt", text, "--instruction")
        lines = p.stdout.split("\n") if p.returncode == 0 else ["", ""]
        t = lx("tokenize", "--model", models["hf"], "--text", text.strip())
        llm = [int(x) for x in lines[0].split(",") if x]
        qf = [int(x) for x in lines[1].split(",") if x]
        want_llm = [2] + [int(x) for x in t.stdout.strip().split(",") if x]
        if llm != want_llm or qf != bert_encode(text.strip(), vocab, 128):
            bad.append(f"{text[:40]!r}: {p.stderr[-200:]}")
    check("tokenize --prompt --instruction: the LLM's ids are [</s>] + the text's, the Q-Former's "
          "equal the re-derived BertTokenizer's (left truncation at 128)", not bad, "; ".join(bad))
    p = lx("tokenize", "--model", models["hf"], "--text", "hi", "--instruction")
    check("tokenize --instruction without --prompt is refused", p.returncode == 2, p.stderr)

    # ---- the stages, per frame count and instruction ------------------------------------------
    px1, pxv = os.path.join(tmp, "px1.f32"), os.path.join(tmp, "pxv.f32")
    write_f32(px1, frames[:1])
    write_f32(pxv, frames)
    outs = [os.path.join(tmp, n) for n in ("vit.f32", "qf.f32", "media.f32")]
    for name in ("hf", "lavis", "bf16"):
        ref = refs[name]
        tol = TOL_BF16 if name == "bf16" else TOL
        for k, text in enumerate(instructions):
            text_ids = bert_encode(text, vocab, 128)
            for px, n in ((px1, 1), (pxv, F)):
                if n == F and k != 0:
                    continue
                p = subprocess.run([probe, models[name], px, text] + outs, capture_output=True, text=True)
                got = [read_f32(o) if p.returncode == 0 else None for o in outs]
                want_vit = torch.stack([ref.vit(f) for f in frames[:n]])
                want_qf = torch.stack([ref.queries(f, text_ids) for f in frames[:n]])
                want_media = ref.media(frames[:n], text_ids)
                what = f"{name}: {'image' if n == 1 else f'video of {n} frames'}, instruction {k}"
                for stage, g, w in (("ViT + ln_vision", got[0], want_vit), ("Q-Former", got[1], want_qf),
                                    ("media", got[2], want_media)):
                    e = rel_err(g, w)
                    check(f"{what}: {stage} rel err {e:.2e} <= {tol:g}", e <= tol, p.stderr[-500:])

    # ---- logits: the query rows before the prompt, a video, text alone ------------------------
    out = os.path.join(tmp, "logits.f32")
    ids = [2, 263, 310, 296, 266, 13, 300, 301]  # LAVIS's prompt ids start with </s>
    tokens = ",".join(map(str, ids))
    text_ids = bert_encode(instructions[0], vocab, 128)
    for name in ("hf", "lavis", "bf16"):
        tol = TOL_BF16 if name == "bf16" else TOL
        for px, n in ((px1, 1), (pxv, F)):
            p = lx("logits", "--model", models[name], "--pixels", px, "--tokens", tokens,
                   "--instruction", instructions[0], "--out", out)
            e = rel_err(read_f32(out) if p.returncode == 0 else None,
                        refs[name].logits(ids, frames[:n], text_ids))
            check(f"{name}: logits after {'an image' if n == 1 else f'{n} frames'} rel err {e:.2e} <= {tol:g}",
                  e <= tol, p.stderr[-500:])
        p = lx("logits", "--model", models[name], "--tokens", tokens, "--out", out)
        e = rel_err(read_f32(out) if p.returncode == 0 else None, refs[name].logits(ids))
        check(f"{name}: text-only logits rel err {e:.2e} <= {tol:g}", e <= tol, p.stderr[-500:])
    p = lx("logits", "--model", models["hf"], "--pixels", px1, "--tokens", tokens, "--out", out)
    check("logits with --tokens and media but no --instruction is refused",
          p.returncode == 2 and "--instruction" in p.stderr, p.stderr)
    want = refs["hf"].logits([2] + ids[1:], frames[:1], bert_encode("What is unusual about this image?", vocab, 128))
    check("the two routes differ only in the [PAD] row: LAVIS-route logits match the port's "
          "reference except id 320",
          rel_err(refs["lavis"].logits(ids, frames[:1], text_ids)[:320], want[:320]) < 1e-12)

    # ---- pixels: LAVIS's BlipImageEvalProcessor (make_golden.py ran it) ----------------------
    golden = json.load(open(os.path.join(HERE, "golden.json")))
    base = json.load(open(os.path.join(models["hf"], "config.json")))
    bad, n_px = [], 0
    for size in sorted({c["size"] for c in golden["pixels"]}):
        c = json.loads(json.dumps(base))
        c["vision"]["image_size"] = c["preprocess"]["image_size"] = size
        n, b = preprocess_mismatches(lx, models["hf"], c, [x for x in golden["pixels"] if x["size"] == size],
                                     os.path.join(src, "tests", "image", "inputs"), tmp)
        n_px += n
        bad += b
    check(f"squash preprocessing byte-identical to LAVIS's processor (torchvision 0.14, Pillow 9.4) "
          f"on {n_px} image/size cases", not bad and n_px == len(golden["pixels"]) >= 90, "; ".join(bad[:4]))

    # ---- answers: LAVIS's generate() settings, decoded through the cache --------------------
    image = os.path.join(src, "tests", "image", "inputs", "chelsea.png")
    ipx = os.path.join(tmp, "chelsea.f32")
    p = lx("preprocess", "--model", models["hf"], "--image", image, "--out", ipx)
    check("preprocess at the tower's size", p.returncode == 0, p.stderr)
    img = read_f32(ipx).reshape(1, 3, S, S) if p.returncode == 0 else torch.zeros(1, 3, S, S)
    question = "What is unusual about this image?"
    # (the tiny model ends answers early: min lengths keep some of them going)
    cases = [("the model's default decoding (5 beams, repetition penalty 1.5, length penalty 1)",
              [], dict(length_penalty=1.0, max_new_tokens=8)),
             ("the default decoding with min length 6", ["--min-length", "6"],
              dict(length_penalty=1.0, max_new_tokens=10, min_length=6)),
             ("predict_answers' VQA settings (length penalty 0, max_length 10), min length 4",
              ["--length-penalty", "0", "--min-length", "4"],
              dict(length_penalty=0.0, max_new_tokens=9, min_length=4)),
             ("greedy with the repetition penalty, min length 9", ["--decode", "greedy", "--min-length", "9"],
              dict(strategy="greedy", length_penalty=1.0, max_new_tokens=12, min_length=9))]
    for what, flags, params in cases:
        p = lx("generate", "--model", models["hf"], "--image", image, "--prompt", question,
               "--max-new-tokens", str(params["max_new_tokens"]), "--json", *flags)
        gen = json.loads(p.stdout) if p.returncode == 0 else {}
        full = dict(dict(strategy="beam", num_beams=5, min_length=1, no_repeat_ngram_size=0, top_k=0,
                         top_p=1.0, temperature=1.0, early_stopping=False, seed_bos=True,
                         repetition_penalty=1.5, seed_id=1), **params)
        media = refs["hf"].media(img, bert_encode(question, vocab, 128))
        want = lynx_generate.generate(refs["hf"], [(media, gen.get("prompt_ids", [2]))],
                                      lynx_generate.Params(**full), [0], eos_id=2, pad_id=0, bos_id=2)[0]
        check(f"generate, {what}: {len(want['tokens'])} tokens as the reference",
              gen.get("tokens") == want["tokens"] and gen.get("ended_with_eos") == want["ended_with_eos"],
              f"{gen.get('tokens')} vs {want['tokens']}; {p.stderr[-400:]}")
        if what.startswith("the model's"):
            check("the prompt ids start with LAVIS's </s>", gen.get("prompt_ids", [0])[0] == 2,
                  str(gen.get("prompt_ids")))

    # ---- the official code as the oracle (make_oracle.py: transformers 4.33.2's InstructBLIP) --
    o = golden["oracle"]
    p = lx("generate", "--model", models["hf"], "--image", image, "--prompt", o["question"],
           "--max-new-tokens", "2", "--json")
    gen = json.loads(p.stdout) if p.returncode == 0 else {}
    check("oracle: LAVIS's LLM prompt ids ([</s>] + the question)", gen.get("prompt_ids") == o["prompt_ids"],
          f"{gen.get('prompt_ids')} vs {o['prompt_ids']}")
    p = lx("tokenize", "--model", models["hf"], "--prompt", o["question"], "--instruction")
    got = [int(x) for x in p.stdout.split("\n")[1].split(",")] if p.returncode == 0 else []
    check("oracle: the Q-Former's ids", got == o["qformer_ids"], f"{got} vs {o['qformer_ids']}")
    out = os.path.join(tmp, "oracle-logits.f32")
    want = torch.tensor(o["logits"], dtype=torch.float64)
    for name in ("hf", "lavis"):
        p = lx("logits", "--model", models[name], "--image", image, "--prompt", o["question"], "--out", out)
        got = read_f32(out) if p.returncode == 0 else None
        if name == "lavis" and got is not None:  # its [PAD] row is lynxeval's mean row, not the port's
            got, w = got[:320], want[:320]
        else:
            w = want
        e = rel_err(got, w)
        check(f"oracle: {name} logits after chelsea.png and the question{' (but [PAD])' if name == 'lavis' else ''} "
              f"({e:.2e} <= {TOL:g})", e <= TOL, p.stderr[-400:])
    def official_generate(what, model, media, question, kw, sequence, text=None):
        """generate() with the official settings kw (max_length counting the <s> seed) gives the
        official sequence (seed first) and, when given, its text; -> lynxeval's JSON."""
        p = lx("generate", "--model", model, *media, "--prompt", question,
               "--max-new-tokens", str(kw["max_length"] - 1), "--min-length", str(kw["min_length"]),
               "--length-penalty", str(kw["length_penalty"]), "--json")
        gen = json.loads(p.stdout) if p.returncode == 0 else {}
        want = sequence[1:]
        ended = 2 in want
        want = want[:want.index(2)] if ended else want
        check(f"{what}: {len(want)} tokens{', ended by </s>' if ended else ''}{' and the text' if text is not None else ''}",
              gen.get("tokens") == want and gen.get("ended_with_eos") == ended
              and (text is None or gen.get("answer") == text),
              f"{gen.get('tokens')} {gen.get('answer')!r} vs {want} {text!r}; {p.stderr[-300:]}")
        return gen, want

    for g in o["generation"]:
        gen, want = official_generate(f"oracle: InstructBlipForConditionalGeneration.generate, {g['name']}",
                                      models["hf"], ["--image", image], o["question"], g, g["sequence"])
        if 0 in want:
            check("a generated id 0 is rewritten to </s> and leaves no trace in the text",
                  "\u2047" not in gen.get("answer", "\u2047"), json.dumps(gen)[:300])

    # ---- LAVIS's own code as the oracle (make_lavis_oracle.py: 506965b, transformers 4.33.2) ---
    lavis_oracle = json.load(open(os.path.join(HERE, "lavis_oracle.json")))
    frames_dir = os.path.join(tmp, "frames")
    os.makedirs(frames_dir)
    for k, name in enumerate(lavis_oracle["video_frames"]):
        shutil.copy(os.path.join(src, "tests", "image", "inputs", name), os.path.join(frames_dir, f"frame{k + 1}.png"))
    for case in lavis_oracle["cases"]:
        media = ["--image", image] if case["media"] == "image" else ["--video", frames_dir]
        what = f"LAVIS oracle, {case['name']}"
        p = lx("tokenize", "--model", models["lavis"], "--prompt", case["question"], "--instruction")
        lines = p.stdout.split("\n") if p.returncode == 0 else ["", ""]
        got = [[int(x) for x in line.split(",") if x] for line in lines[:2]]
        check(f"{what}: the LLM's and the Q-Former's ids", got == [case["prompt_ids"], case["qformer_ids"]],
              f"{got} vs {[case['prompt_ids'], case['qformer_ids']]}")
        p = lx("logits", "--model", models["lavis"], *media, "--prompt", case["question"], "--out", out)
        e = rel_err(read_f32(out) if p.returncode == 0 else None, torch.tensor(case["logits"], dtype=torch.float64))
        check(f"{what}: logits after the official inputs_embeds rel err {e:.2e} <= {TOL:g}", e <= TOL,
              p.stderr[-400:])
        kw = dict({"max_length": 256, "min_length": 1, "length_penalty": 1}, **case["generate"])
        official_generate(f"{what}: Blip2VicunaInstruct.generate", models["lavis"], media, case["question"], kw,
                          case["outputs"], case["text"])

    # ---- run: image and video tasks on the world's files; the Q-Former's vocabulary in the
    # run's fingerprint ------------------------------------------------------------------------
    world = os.path.join(src, "datasets", "world", "test")
    rundir = os.path.join(tmp, "run")
    p = lx("run", "open-vqa-image:world-open-vqa-image,open-vqa-video:world-open-vqa-video",
           "--model", models["hf"], "--data", world, "--out", rundir, "--limit", "4",
           "--max-new-tokens", "4")
    preds = []
    for task in ("open-vqa-image", "open-vqa-video"):
        path = os.path.join(rundir, task, "predictions.jsonl")
        preds += [json.loads(x) for x in open(path)] if os.path.exists(path) else []
    check("run: 4 image and 4 video items answered, each video through 4 frames",
          p.returncode == 0 and len(preds) == 8 and all(len(x.get("frames", [0] * 4)) == 4 for x in preds),
          p.stderr[-600:])
    # a batch of four, decoded together: every answer the reference's, decoded alone
    batchdir = os.path.join(tmp, "run-batch")
    q = lx("run", "open-vqa-image:world-open-vqa-image", "--model", models["hf"], "--data", world,
           "--out", batchdir, "--limit", "4", "--batch", "4", "--decode", "greedy", "--max-new-tokens", "5")
    rows = ([json.loads(x) for x in open(os.path.join(batchdir, "open-vqa-image", "predictions.jsonl"))]
            if q.returncode == 0 else [])
    bad = []
    for row in rows:
        pxf = os.path.join(tmp, "item.f32")
        lx("preprocess", "--model", models["hf"], "--image", os.path.join(world, row["media"]), "--out", pxf)
        t = lx("tokenize", "--model", models["hf"], "--prompt", row["question"])
        ids = [int(x) for x in t.stdout.split("\n")[0].split(",")]
        media = refs["hf"].media(read_f32(pxf).reshape(1, 3, S, S), bert_encode(row["question"], vocab, 128))
        want = lynx_generate.generate(
            refs["hf"], [(media, ids)],
            lynx_generate.Params(strategy="greedy", num_beams=1, max_new_tokens=5, min_length=1,
                                 no_repeat_ngram_size=0, top_k=0, top_p=1.0, temperature=1.0,
                                 length_penalty=1.0, early_stopping=False, seed_bos=True,
                                 repetition_penalty=1.5, seed_id=1),
            [0], eos_id=2, pad_id=0, bos_id=2)[0]
        if row["tokens"] != want["tokens"]:
            bad.append(f"{row['id']}: {row['tokens']} vs {want['tokens']}")
    check("run --batch 4: each of 4 answers equals the reference decoding its item alone",
          len(rows) == 4 and not bad, "; ".join(bad) + q.stderr[-300:])
    manifest = open(os.path.join(rundir, "manifest.json")).read() if p.returncode == 0 else ""
    check("the run's fingerprint hashes qformer_vocab.txt", "qformer_vocab.txt" in manifest)
    p = lx("run", "mme:world-mme", "--model", models["hf"], "--data", world, "--out", rundir, "--limit", "2")
    dec = {}
    if p.returncode == 0:
        tasks = json.load(open(os.path.join(rundir, "manifest.json")))["tasks"]
        dec = {t: tasks[t]["fingerprint"]["decoding"] for t in ("mme", "open-vqa-image")}
    check("a short-answer task decodes with InstructBLIP's VQA settings (9 new tokens, length "
          "penalty -1), an open one with generate()'s (255, 1)",
          dec and (dec["mme"]["max_new_tokens"], dec["mme"]["length_penalty"]) == (9, -1) and
          (dec["open-vqa-image"]["length_penalty"], dec["open-vqa-image"]["repetition_penalty"]) == (1, 1.5),
          json.dumps(dec) + p.stderr[-300:])
    changed = os.path.join(tmp, "m-changed")
    shutil.copytree(models["hf"], changed)  # same files: resumes
    p = lx("run", "open-vqa-image:world-open-vqa-image", "--model", changed, "--data", world,
           "--out", rundir, "--limit", "4", "--max-new-tokens", "4")
    check("a copy of the model resumes the run", p.returncode == 0, p.stderr[-400:])
    lines = open(os.path.join(changed, "qformer_vocab.txt"), encoding="utf-8").read().split("\n")
    lines[300] = "zzzz"
    open(os.path.join(changed, "qformer_vocab.txt"), "w", encoding="utf-8").write("\n".join(lines))
    p = lx("run", "open-vqa-image:world-open-vqa-image", "--model", changed, "--data", world,
           "--out", rundir, "--limit", "4", "--max-new-tokens", "4")
    check("another Q-Former vocabulary cannot resume the run", p.returncode != 0 and
          "qformer_vocab.txt" in p.stderr, p.stderr[-400:])

    # ---- converter refusals -----------------------------------------------------------------
    def refused(args, needle, what):
        p = convert(*args, "--out", os.path.join(tmp, "refused"))
        check(f"converter refuses {what}", p.returncode != 0 and needle in p.stderr
              and not os.path.exists(os.path.join(tmp, "refused")), p.stderr[-600:])

    p = convert("--hf", hf, "--out", models["hf"])
    check("converter refuses an existing --out without --force", p.returncode == 1 and "--force" in p.stderr,
          p.stderr)
    p = convert("--hf", hf, "--lavis", lavis["lavis"], "--out", os.path.join(tmp, "x"))
    check("converter refuses --hf with --lavis", p.returncode == 2 and "give --hf" in p.stderr, p.stderr)
    bad_vocab = os.path.join(tmp, "short_vocab.txt")
    with open(lavis["bert_vocab"], encoding="utf-8") as f:
        lines = f.read().split("\n")[:-1]
    with open(bad_vocab, "w", encoding="utf-8") as f:
        f.write("".join(x + "\n" for x in lines[:-5]))
    refused(lavis_args[:6] + ["--bert-vocab", bad_vocab] + lavis_args[8:], "word embeddings have",
            "a BERT vocabulary of the wrong size")
    with open(bad_vocab, "w", encoding="utf-8") as f:
        f.write("".join(x + "\n" for x in lines + ["[DEC]"]))
    refused(lavis_args[:6] + ["--bert-vocab", bad_vocab] + lavis_args[8:], "already holds",
            "a vocabulary that already has [DEC]")
    trimmed = torch.load(lavis["lavis"])
    del trimmed["model"]["Qformer.bert.encoder.layer.1.output_query.dense.weight"]
    broken = os.path.join(tmp, "broken.pth")
    torch.save(trimmed, broken)
    refused(["--lavis", broken] + lavis_args[2:], "output_query.dense.weight' is missing",
            "a checkpoint without a Q-Former tensor, naming it")
    trimmed = torch.load(lavis["lavis"])
    trimmed["model"]["llm_proj.weight"] = trimmed["model"]["llm_proj.weight"][:, :-1]
    torch.save(trimmed, broken)
    refused(["--lavis", broken] + lavis_args[2:], "llm_proj.weight", "a projection of the wrong shape")
    refused(lavis_args[:8] + ["--qformer-heads", "5"] + lavis_args[10:], "does not divide",
            "Q-Former heads that do not divide its width")
    hf_bad = os.path.join(tmp, "hf-bad")
    shutil.copytree(hf, hf_bad)
    os.remove(os.path.join(hf_bad, "qformer_tokenizer", "vocab.txt"))
    refused(["--hf", hf_bad], "qformer_tokenizer", "a port without the Q-Former's vocabulary")


if __name__ == "__main__":
    run_in_tmpdir(run, "lx-blip-")
