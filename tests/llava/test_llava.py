#!/usr/bin/python3
"""The LLaVA family (model/llava/) end to end: tiny releases in the original, llava-hf and CLIP
layouts (llava_release.py) are converted by tools/convert_llava.py, and lynxeval's tower,
projector, logits, prompts and greedy answers are checked against an independent PyTorch LLaVA
(llava_reference.py) that reads the release files themselves.

usage: test_llava.py LYNXEVAL LLAVA_PROBE SOURCE_DIR
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import torch  # noqa: E402
from llava_reference import IMAGE_TOKEN_INDEX, Llava  # noqa: E402
from llava_release import TINY, write_release  # noqa: E402
from lxtensor import read_f32, rel_err, write_f32  # noqa: E402
from lxtest import check, finish, preprocess_mismatches, runner  # noqa: E402
from lynx_reference import read_safetensors  # noqa: E402

lynxeval, probe, src = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
lx = runner(lynxeval)
TOL, TOL_BF16 = 1e-5, 2e-2  # relative L2 error against the float64 reference
CONVERT = [sys.executable, os.path.join(src, "tools", "convert_llava.py")]


def convert(*args):
    return subprocess.run(CONVERT + list(args), capture_output=True, text=True)


tmp = tempfile.mkdtemp()
try:
    rel = os.path.join(tmp, "release")
    write_release(rel)
    orig, clip, hf = (os.path.join(rel, n) for n in ("llava-v1.5-7b", "clip-vit-large-patch14-336",
                                                      "llava-1.5-7b-hf"))
    models = {n: os.path.join(tmp, n) for n in ("orig", "hf", "bf16")}
    p = convert("--llava", orig, "--vision-tower", clip, "--out", models["orig"])
    check("convert the original release with its CLIP tower", p.returncode == 0, p.stderr)
    q = convert("--hf", hf, "--out", models["hf"])
    check("convert the llava-hf port", q.returncode == 0, q.stderr)
    r = convert("--llava", orig, "--vision-tower", clip, "--out", models["bf16"], "--dtype", "bf16")
    check("convert to bf16", r.returncode == 0, r.stderr)
    if p.returncode or q.returncode or r.returncode:
        finish()
    a = read_safetensors(os.path.join(models["orig"], "model.safetensors"))
    b = read_safetensors(os.path.join(models["hf"], "model.safetensors"))
    same = sorted(a) == sorted(b) and all(torch.equal(a[k], b[k]) for k in a)
    check(f"both layouts give the same {len(a)} tensors (the port's extra vocabulary rows dropped)", same,
          str(set(a) ^ set(b)))
    cfg_hf = json.load(open(os.path.join(models["hf"], "config.json")))
    check("the port's conversion says which rows it dropped",
          "dropped" in cfg_hf["source"]["vocabulary"] and cfg_hf["llm"]["vocab_size"] == TINY["vocab"],
          json.dumps(cfg_hf["source"]))
    n_kept = sum(1 for k in a if k.startswith("vit.blocks.") and k.endswith("norm1.weight"))
    check(f"the tower keeps the {TINY['clip_layers'] - 1} blocks LLaVA runs (select layer -2)",
          n_kept == TINY["clip_layers"] - 1 and "vit.post_norm.weight" not in a, str(n_kept))

    ref, ref_hf = Llava(orig, clip), Llava(hf_dir=hf)
    S, V = TINY["image_size"], TINY["vocab"]
    g = torch.Generator().manual_seed(5)
    pixels = torch.randn(3, S, S, generator=g, dtype=torch.float64)
    px = os.path.join(tmp, "px.f32")
    write_f32(px, pixels)
    pixels = read_f32(px).reshape(3, S, S)  # as float32 sees them

    # ---- tower and projector --------------------------------------------------------------
    for name, rf in (("orig", ref), ("hf", ref_hf)):
        vit, media = os.path.join(tmp, "vit.f32"), os.path.join(tmp, "media.f32")
        p = subprocess.run([probe, models[name], px, vit, media], capture_output=True, text=True)
        ev = rel_err(read_f32(vit), rf.features(pixels)) if p.returncode == 0 else float("inf")
        em = rel_err(read_f32(media), rf.media(pixels)) if p.returncode == 0 else float("inf")
        check(f"{name}: CLIP features (23-of-24 rule, CLS dropped) equal the reference ({ev:.2e})", ev < TOL, p.stderr)
        check(f"{name}: projector output equals the reference ({em:.2e})", em < TOL, p.stderr)
    p = subprocess.run([probe, models["bf16"], px, vit, media, "bf16"], capture_output=True, text=True)
    em = rel_err(read_f32(media), ref.media(pixels)) if p.returncode == 0 else float("inf")
    check(f"bf16: projector output within {TOL_BF16} of the reference ({em:.2e})", em < TOL_BF16, p.stderr)

    # ---- video: 4 frames, each pooled 2 x 2 (LlavaNextVideo's rule), as a picture's rows ----
    settings = os.path.join(tmp, "video-settings.json")
    json.dump({"preprocess": {"num_frames": 4}}, open(settings, "w"))
    models["video"] = os.path.join(tmp, "video")
    p = convert("--llava", orig, "--vision-tower", clip, "--out", models["video"], "--overrides", settings)
    check("convert with --overrides (preprocess.num_frames 4)", p.returncode == 0 and json.load(
        open(os.path.join(models["video"], "config.json")))["preprocess"]["num_frames"] == 4, p.stderr)
    frames = torch.randn(4, 3, S, S, generator=g, dtype=torch.float64)
    fpx = os.path.join(tmp, "frames.f32")
    write_f32(fpx, frames)
    frames = read_f32(fpx).reshape(4, 3, S, S)
    p = subprocess.run([probe, models["video"], fpx, vit, media], capture_output=True, text=True)
    em = rel_err(read_f32(media), ref.media(frames)) if p.returncode == 0 else float("inf")
    check(f"video of 4 frames: pooled and projected rows equal the reference ({em:.2e})", em < TOL, p.stderr)
    p = subprocess.run([probe, models["video"], px, vit, media], capture_output=True, text=True)
    em = rel_err(read_f32(media), ref.media(pixels)) if p.returncode == 0 else float("inf")
    check(f"the same model, one picture: its rows unpooled ({em:.2e})", em < TOL, p.stderr)
    json.dump({"preprocess": {"num_frames": 3}}, open(settings, "w"))
    bad = os.path.join(tmp, "video3")
    p = convert("--llava", orig, "--vision-tower", clip, "--out", bad, "--overrides", settings)
    q = lx("info", "--model", bad)
    check("num_frames 3 (not a square) is refused when the model loads, naming the key",
          p.returncode == 0 and q.returncode != 0 and "preprocess.num_frames is 3" in q.stderr, q.stderr)
    json.dump({"vision": {"depth": 1}}, open(settings, "w"))
    p = convert("--llava", orig, "--vision-tower", clip, "--out", bad, "--overrides", settings, "--force")
    check("--overrides of the vision section is refused", p.returncode == 1 and "'vision' cannot be overridden"
          in p.stderr, p.stderr)

    # ---- logits: the image inside the prompt, text only -----------------------------------
    ids = [1, 17, 40, 5, IMAGE_TOKEN_INDEX, 33, 99, 7, 300]
    tokens = ",".join("media" if t == IMAGE_TOKEN_INDEX else str(t) for t in ids)
    out = os.path.join(tmp, "logits.f32")
    want = ref.logits(ids, pixels)
    want_hf = ref_hf.logits(ids, pixels)
    check(f"the port's reference logits, cut to the original vocabulary, equal the original's "
          f"({rel_err(want_hf[:V], want):.1e})", rel_err(want_hf[:V], want) < 1e-12)
    for name, w in (("orig", want), ("hf", want_hf[:V])):
        p = lx("logits", "--model", models[name], "--pixels", px, "--tokens", tokens, "--out", out)
        e = rel_err(read_f32(out), w) if p.returncode == 0 else float("inf")
        check(f"{name}: logits with the image inside the prompt equal the reference ({e:.2e})", e < TOL, p.stderr)
    for prec in ("f32", "bf16"):
        p = lx("logits", "--model", models["bf16"], "--pixels", px, "--tokens", tokens, "--out", out,
               "--precision", prec)
        e = rel_err(read_f32(out), want) if p.returncode == 0 else float("inf")
        check(f"bf16 weights, {prec} products: logits within {TOL_BF16} ({e:.2e})", e < TOL_BF16, p.stderr)
    text_ids = [1, 17, 40, 5, 33, 99]
    p = lx("logits", "--model", models["orig"], "--tokens", ",".join(map(str, text_ids)), "--out", out)
    e = rel_err(read_f32(out), ref.logits(text_ids)) if p.returncode == 0 else float("inf")
    check(f"text-only logits equal the reference ({e:.2e})", e < TOL, p.stderr)
    p = lx("logits", "--model", models["orig"], "--tokens", tokens, "--out", out)
    check("--tokens with media but no pixels is refused", p.returncode == 2 and "media" in p.stderr, p.stderr)

    # ---- prompts: tokenizer_image_token's rule --------------------------------------------
    question = "what is the color of this image?"
    p = lx("tokenize", "--model", models["orig"], "--prompt", question, "--pieces")
    got = [int(x) for x in p.stdout.split("\n")[0].split(",")] if p.returncode == 0 else []
    cfgp = json.load(open(os.path.join(models["orig"], "config.json")))["prompt"]
    before, after = cfgp["template"].replace("{question}", question).split("<image>")
    tb = lx("tokenize", "--model", models["orig"], "--text", before)
    ta = lx("tokenize", "--model", models["orig"], "--text", after)
    expect = [1] + [int(x) for x in tb.stdout.split(",")] + [IMAGE_TOKEN_INDEX] + \
        [int(x) for x in ta.stdout.split(",")]
    check("the prompt: <s>, the text before <image> and after it tokenized apart, -200 between",
          got == expect and p.stdout.split("\n")[1].count("<media>") == 1, f"{got} vs {expect}")
    p = lx("tokenize", "--model", models["orig"], "--prompt", question, "--text-only")
    t = lx("tokenize", "--model", models["orig"], "--text",
           cfgp["text_only_template"].replace("{question}", question))
    check("a question without an image: the text-only conversation, one piece",
          p.returncode == 0 and p.stdout.strip() == "1," + t.stdout.strip(), p.stdout + p.stderr)
    golden = json.load(open(os.path.join(HERE, "golden.json")))
    bad = []
    for case in golden["prompts"]:
        args = ["tokenize", "--model", models["orig"], "--prompt", case["question"]]
        p = lx(*(args + ([] if case["image"] else ["--text-only"])))
        got = [int(x) for x in p.stdout.split(",")] if p.returncode == 0 else p.stderr
        if got != case["ids"]:
            bad.append(f"{case['question']!r} (image {case['image']}): {got} vs {case['ids']}")
    check(f"prompt ids equal LLaVA's tokenizer_image_token under transformers 4.37.2 on "
          f"{len(golden['prompts'])} prompts", not bad, "; ".join(bad[:3]))
    p = lx("tokenize", "--model", models["orig"], "--prompt", "look: <image> here")
    check("a question holding the media marker is refused", p.returncode == 1 and "media marker" in p.stderr,
          p.stderr)

    # ---- pixels: LLaVA's process_images (expand2square, CLIPImageProcessor) -------------------
    bad, n_px = [], 0
    base = json.load(open(os.path.join(models["orig"], "config.json")))
    for size in sorted({c["size"] for c in golden["pixels"]}):
        for pad in (True, False):
            c = json.loads(json.dumps(base))
            c["vision"]["image_size"] = c["preprocess"]["image_size"] = size
            c["preprocess"]["pad_square"] = pad
            cases = [x for x in golden["pixels"] if x["size"] == size and x["pad"] == pad]
            n, b = preprocess_mismatches(lx, models["orig"], c, cases,
                                         os.path.join(src, "tests", "image", "inputs"), tmp,
                                         copy=("tokenizer.model",))
            n_px += n
            bad += [f"{x}, pad {pad}" for x in b]
    check(f"preprocessed pixels byte-identical to LLaVA's processor (Pillow 9.4) on {n_px} "
          f"image/size/padding cases", not bad and n_px == len(golden["pixels"]), "; ".join(bad[:4]))

    # ---- greedy answers: generate (a decode through the cache), and run with a batch of two --
    image = os.path.join(src, "tests", "image", "inputs", "chelsea.png")
    ipx = os.path.join(tmp, "chelsea.f32")
    p = lx("preprocess", "--model", models["orig"], "--image", image, "--out", ipx)
    check("preprocess at the tower's size", p.returncode == 0, p.stderr)
    img = read_f32(ipx).reshape(3, S, S)
    p = lx("generate", "--model", models["orig"], "--image", image, "--prompt", question,
           "--max-new-tokens", "6", "--json")
    gen = json.loads(p.stdout) if p.returncode == 0 else {}
    expect, eos = ref.greedy(gen.get("prompt_ids", []), img, 6) if gen else ([], False)
    check(f"generate: LLaVA's default decoding (greedy) gives the reference's {len(expect)} tokens",
          gen.get("tokens") == expect and gen.get("ended_with_eos") == eos, f"{gen.get('tokens')} vs {expect}; {p.stderr}")

    # ---- the official code as the oracle (make_oracle.py: LLaVA c121f04, transformers 4.37.2) --
    o = golden["oracle"]
    check("oracle: the official prompt ids for the image question",
          gen.get("prompt_ids") == o["prompt_ids"], f"{gen.get('prompt_ids')} vs {o['prompt_ids']}")
    p = subprocess.run([probe, models["orig"], ipx, vit, media], capture_output=True, text=True)
    ev = rel_err(read_f32(vit), torch.tensor(o["features"])) if p.returncode == 0 else float("inf")
    em = rel_err(read_f32(media), torch.tensor(o["media"])) if p.returncode == 0 else float("inf")
    check(f"oracle: CLIPVisionTower features of chelsea.png ({ev:.2e})", ev < TOL, p.stderr)
    check(f"oracle: encode_images, the projector's output ({em:.2e})", em < TOL, p.stderr)
    otok = ",".join("media" if t == IMAGE_TOKEN_INDEX else str(t) for t in o["prompt_ids"])
    for name, key in (("orig", "logits"), ("hf", "port_logits")):
        p = lx("logits", "--model", models[name], "--image", image, "--tokens", otok, "--out", out)
        e = rel_err(read_f32(out), torch.tensor(o[key])) if p.returncode == 0 else float("inf")
        check(f"oracle: {name} logits of the image prompt ({e:.2e})", e < TOL, p.stderr)
    p = lx("logits", "--model", models["orig"], "--prompt", o["question"], "--out", out)
    e = rel_err(read_f32(out), torch.tensor(o["text_logits"])) if p.returncode == 0 else float("inf")
    check(f"oracle: logits of the text-only prompt ({e:.2e})", e < TOL, p.stderr)
    p = lx("generate", "--model", models["orig"], "--image", image, "--prompt", o["question"],
           "--max-new-tokens", "8", "--json")
    gen = json.loads(p.stdout) if p.returncode == 0 else {}
    # generate() returns the [<s>] seed, the new ids and the </s> that ended them
    want = o["greedy"][1:-1] if o["greedy"][-1] == 2 else o["greedy"][1:]
    check(f"oracle: model.generate's greedy answer ({len(want)} tokens after the [<s>] seed)",
          o["greedy"][0] == 1 and gen.get("tokens") == want, f"{gen.get('tokens')} vs {o['greedy']}")

    data = os.path.join(tmp, "data")
    os.makedirs(data)
    os.symlink(os.path.join(src, "tests", "image", "inputs"), os.path.join(data, "images"))
    shutil.copy(os.path.join(src, "tests", "runs", "open_vqa_images_small.jsonl"),
                os.path.join(data, "Open_VQA_images.jsonl"))
    run_dir = os.path.join(tmp, "run")
    p = lx("run", "open-vqa-image:open-vqa-image", "--model", models["orig"], "--data", data, "--out", run_dir,
           "--limit", "4", "--batch", "2", "--max-new-tokens", "5")
    rows = [json.loads(l) for l in open(os.path.join(run_dir, "open-vqa-image", "predictions.jsonl"))] \
        if p.returncode == 0 else []
    check("run: 4 predictions in blocks of two", len(rows) == 4, p.stderr[-800:])
    agree = 0
    for row in rows:
        t = lx("tokenize", "--model", models["orig"], "--prompt", row["question"])
        pids = [int(x) for x in t.stdout.split(",")]
        q = lx("preprocess", "--model", models["orig"], "--image", os.path.join(data, row["media"]), "--out", ipx)
        toks, _ = ref.greedy(pids, read_f32(ipx).reshape(3, S, S), 5)
        agree += q.returncode == 0 and toks == row["tokens"]
    check(f"run: every answer of the batched run is the reference's greedy answer ({agree}/4)", agree == 4)

    # the model's decoding is its evaluation's: MME's own override (greedy, 8 tokens) does not apply,
    # and the prompt is the model's conversation with its short-answer line
    mme_dir = os.path.join(tmp, "run-mme")
    p = lx("run", "mme:world-mme", "--model", models["orig"], "--data", os.path.join(src, "datasets", "world", "test"),
           "--out", mme_dir, "--limit", "2")
    fp = json.load(open(os.path.join(mme_dir, "mme", "fingerprint.json"))) if p.returncode == 0 else {}
    row = json.loads(open(os.path.join(mme_dir, "mme", "predictions.jsonl")).readline()) if fp else {}
    t = lx("tokenize", "--model", models["orig"], "--prompt",
           row.get("question", "") + "\nAnswer the question using a single word or phrase.")
    ids_run = [int(x) for x in t.stdout.split(",")] if t.returncode == 0 else None
    q = lx("preprocess", "--model", models["orig"], "--image",
           os.path.join(src, "datasets", "world", "test", "world-mme", row.get("media", "none")),
           "--out", ipx)
    want = ref.greedy(ids_run, read_f32(ipx).reshape(3, S, S), 128)[0] if ids_run and q.returncode == 0 else None
    check("run mme: LLaVA's own decoding (128 new tokens, not MME's 8) and its short-answer line",
          fp.get("decoding", {}).get("max_new_tokens") == 128 and fp["prompt_template"]["name"] == "model"
          and fp["prompt_template"]["short_answer"] is True and row.get("tokens") == want,
          p.stderr[-600:] + json.dumps(fp.get("decoding")) + f" {row.get('tokens')} vs {want}")

    # ScienceQA-IMG: the question as LLaVA-1.5's file asks it (context, question, lettered
    # choices) and the task's answer line for LLaVA in place of the short-answer line
    sqa = os.path.join(tmp, "sqa")
    os.makedirs(os.path.join(sqa, "images", "test", "7"))
    shutil.copy(os.path.join(src, "datasets", "world", "test", "world-pope", "images", "pope_001.png"),
                os.path.join(sqa, "images", "test", "7", "image.png"))
    with open(os.path.join(sqa, "problems.json"), "w") as f:
        json.dump({"7": {"question": "Which shape is orange?", "choices": ["circle", "triangle"], "answer": 1,
                         "hint": "Look at the picture.", "image": "image.png", "subject": "natural science",
                         "grade": "grade2"}}, f)
    with open(os.path.join(sqa, "pid_splits.json"), "w") as f:
        json.dump({"test": ["7"]}, f)
    sqa_dir = os.path.join(tmp, "run-sqa")
    p = lx("run", "scienceqa-img", "--model", models["orig"], "--data", sqa, "--out", sqa_dir,
           "--max-new-tokens", "4")
    fp = json.load(open(os.path.join(sqa_dir, "scienceqa-img", "fingerprint.json"))) if p.returncode == 0 else {}
    row = json.loads(open(os.path.join(sqa_dir, "scienceqa-img", "predictions.jsonl")).readline()) if fp else {}
    line = "\nAnswer with the option's letter from the given choices directly."
    t = lx("tokenize", "--model", models["orig"], "--prompt", row.get("question", "") + line)
    ids_run = [int(x) for x in t.stdout.split(",")] if t.returncode == 0 else None
    q = lx("preprocess", "--model", models["orig"], "--image", os.path.join(sqa, "images", "test", "7", "image.png"),
           "--out", ipx)
    want = ref.greedy(ids_run, read_f32(ipx).reshape(3, S, S), 4)[0] if ids_run and q.returncode == 0 else None
    check("run scienceqa-img: LLaVA's question layout and its option-letter line, recorded in the fingerprint",
          row.get("question") == "Context: Look at the picture.\nWhich shape is orange?\nA. circle\nB. triangle"
          and fp["prompt_template"].get("answer_line") == line and fp["prompt_template"]["short_answer"] is False
          and row.get("tokens") == want, p.stderr[-600:] + json.dumps(fp.get("prompt_template")) + f" {row}")

    # VizWiz: LLaVA-1.5's two lines after the question (its llava_test.jsonl), greedy
    vz = os.path.join(tmp, "vz")
    os.makedirs(os.path.join(vz, "val"))
    shutil.copy(os.path.join(src, "datasets", "world", "test", "world-pope", "images", "pope_001.png"),
                os.path.join(vz, "val", "VizWiz_val_00000000.jpg"))
    with open(os.path.join(vz, "val.json"), "w") as f:
        json.dump([{"image": "VizWiz_val_00000000.jpg", "question": "What is this?", "answer_type": "other",
                    "answerable": 1, "answers": [{"answer": "circle", "answer_confidence": "yes"}] * 10}], f)
    vz_dir = os.path.join(tmp, "run-vz")
    p = lx("run", "vizwiz", "--model", models["orig"], "--data", vz, "--out", vz_dir, "--max-new-tokens", "4")
    fp = json.load(open(os.path.join(vz_dir, "vizwiz", "fingerprint.json"))) if p.returncode == 0 else {}
    row = json.loads(open(os.path.join(vz_dir, "vizwiz", "predictions.jsonl")).readline()) if fp else {}
    line = ("\nWhen the provided information is insufficient, respond with 'Unanswerable'."
            "\nAnswer the question using a single word or phrase.")
    t = lx("tokenize", "--model", models["orig"], "--prompt", "What is this?" + line)
    ids_run = [int(x) for x in t.stdout.split(",")] if t.returncode == 0 else None
    q = lx("preprocess", "--model", models["orig"], "--image", os.path.join(vz, "val", "VizWiz_val_00000000.jpg"),
           "--out", ipx)
    want = ref.greedy(ids_run, read_f32(ipx).reshape(3, S, S), 4)[0] if ids_run and q.returncode == 0 else None
    check("run vizwiz: LLaVA's 'Unanswerable' and short-answer lines after the question, in the fingerprint",
          fp.get("prompt_template", {}).get("answer_line") == line and row.get("tokens") == want,
          p.stderr[-600:] + json.dumps(fp.get("prompt_template")) + f" {row}")

    # MMBench (English and Chinese): the image read from the TSV's base64 field, the question with
    # its options as model_vqa_mmbench.py lays them out, and each language's letter line
    mmb = os.path.join(tmp, "mmb")
    os.makedirs(mmb)
    png = os.path.join(src, "datasets", "world", "test", "world-pope", "images", "pope_001.png")
    picture = base64.b64encode(open(png, "rb").read()).decode()
    header = "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\tsource\tl2-category\tcomment\tsplit"
    for task, tsv_name, line in (
            ("mmbench", "mmbench_dev_en_20231003.tsv", "\nAnswer with the option's letter from the given choices directly."),
            ("mmbench-cn", "mmbench_dev_cn_20231003.tsv", "\n请直接回答选项字母。")):
        with open(os.path.join(mmb, tsv_name), "w") as f:
            f.write(header + "\n" + "\t".join(["7", "Which shape is it?", "Look.", "circle", "square", "", "",
                                              "A", "image_style", picture, "x", "coarse_perception", "", "dev"]) + "\n")
        out_dir = os.path.join(tmp, "run-" + task)
        p = lx("run", task, "--model", models["orig"], "--data", mmb, "--out", out_dir, "--max-new-tokens", "4")
        fp = json.load(open(os.path.join(out_dir, task, "fingerprint.json"))) if p.returncode == 0 else {}
        row = json.loads(open(os.path.join(out_dir, task, "predictions.jsonl")).readline()) if fp else {}
        asked = "Look.\nWhich shape is it?\nA. circle\nB. square"
        t = lx("tokenize", "--model", models["orig"], "--prompt", asked + line)
        ids_run = [int(x) for x in t.stdout.split(",")] if t.returncode == 0 else None
        q = lx("preprocess", "--model", models["orig"], "--image", png, "--out", ipx)
        want = ref.greedy(ids_run, read_f32(ipx).reshape(3, S, S), 4)[0] if ids_run and q.returncode == 0 else None
        check(f"run {task}: the TSV's base64 image, LLaVA's question layout and its letter line",
              row.get("question") == asked and fp["prompt_template"].get("answer_line") == line
              and row.get("tokens") == want, p.stderr[-600:] + json.dumps(fp.get("prompt_template")) + f" {row}")

    # ---- LLaVA v1: delta over base, its conversation, the ### stop (oracle: LLaVA 7ace501) -----
    delta, base, clip224 = (os.path.join(rel, n) for n in ("LLaVA-7b-delta-v0", "llama-7b",
                                                           "clip-vit-large-patch14"))
    models["v1"] = os.path.join(tmp, "v1")
    p = convert("--delta", delta, "--base", base, "--vision-tower", clip224, "--out", models["v1"])
    check("convert LLaVA v1's delta release over its base", p.returncode == 0, p.stderr[-600:])
    ov = golden["oracle_v1"]
    conv = read_safetensors(os.path.join(models["v1"], "model.safetensors")) if p.returncode == 0 else {}
    heads = {"model.embed_tokens.weight": "llm.embed_tokens.weight", "lm_head.weight": "llm.lm_head.weight",
             "model.mm_projector.weight": "projector.fc1.weight",
             "model.layers.0.self_attn.q_proj.weight": "llm.layers.0.attn.q.weight"}
    same = all(k in conv and conv[k].flatten()[:8].double().tolist() == ov["weights_head"][h]
               for h, k in heads.items())
    check("v1: the applied weights equal apply_delta.py's (base + delta in float16)", same)
    ref_v1 = Llava(delta, clip224, base_dir=base)
    run_len, patch = ov["image_tokens"], ov["im_patch_id"]
    at = ov["prompt_ids"].index(patch)
    v1_ids = ov["prompt_ids"][:at] + [IMAGE_TOKEN_INDEX] + ov["prompt_ids"][at + run_len:]
    p = lx("tokenize", "--model", models["v1"], "--prompt", ov["question"])
    got = [int(x) for x in p.stdout.split(",")] if p.returncode == 0 else []
    check(f"v1: the prompt ids of run_llava.py (conversation multimodal, the fast tokenizer, "
          f"{run_len} <im_patch> where the image goes)", got == v1_ids, f"{got} vs {v1_ids}; {p.stderr}")
    v1_tokens = ",".join("media" if t == IMAGE_TOKEN_INDEX else str(t) for t in v1_ids)
    p = lx("logits", "--model", models["v1"], "--image", image, "--tokens", v1_tokens, "--out", out)
    e = rel_err(read_f32(out), torch.tensor(ov["logits"])) if p.returncode == 0 else float("inf")
    check(f"v1 oracle: logits of LlavaLlamaForCausalLM@7ace501 ({e:.2e})", e < TOL, p.stderr)
    q = lx("preprocess", "--model", models["v1"], "--image", image, "--out", ipx)
    e = rel_err(read_f32(out), ref_v1.logits(v1_ids, read_f32(ipx).reshape(3, S, S))) \
        if p.returncode == 0 and q.returncode == 0 else float("inf")
    check(f"v1: logits equal the float64 reference ({e:.2e})", e < TOL, p.stderr + q.stderr)
    bad, stopped = [], 0
    for case in ov["answers"]:
        p = lx("generate", "--model", models["v1"], "--image",
               os.path.join(src, "tests", "image", "inputs", case["image"]), "--prompt", case["question"],
               "--max-new-tokens", "16", "--json")
        gen = json.loads(p.stdout) if p.returncode == 0 else {}
        stopped += len(case["greedy"]) < 16
        if gen.get("tokens") != case["greedy"] or gen.get("answer") != case["answer"]:
            bad.append(f"{case['question']!r}: {gen.get('tokens')} {gen.get('answer')!r} vs "
                       f"{case['greedy']} {case['answer']!r} {p.stderr[-200:]}")
    check(f"v1 oracle: run_llava.py's greedy answers to {len(ov['answers'])} questions, {stopped} of them "
          f"ended by its ### criterion, the rest at 16 tokens", not bad and stopped >= 1, "; ".join(bad[:2]))

    # ---- across families and versions: each model with its own conversation and decoding ------
    runs = {}
    for name in ("orig", "v1"):  # their own decodings: 128 new tokens, and 1024 with ### stops
        runs[name] = os.path.join(tmp, "own-" + name)
        p = lx("run", "open-vqa-image:open-vqa-image", "--model", models[name], "--data", data, "--out", runs[name],
               "--limit", "4")
    q = lx("compare", runs["orig"], runs["v1"])
    check("compare: LLaVA-1.5 and v1 runs, each with its own conversation and decoding, are compared",
          p.returncode == 0 and q.returncode == 0 and "open-vqa-image" in q.stdout, p.stderr[-300:] + q.stderr)
    q = lx("compare", run_dir, runs["v1"])
    check("compare: a decoding a flag chose (--max-new-tokens) is a setting, and differing ones are refused",
          q.returncode == 1 and "decoding" in q.stderr, q.stdout + q.stderr)
    rep = os.path.join(tmp, "report.md")
    q = lx("report", runs["orig"], runs["v1"], "--out", rep)
    text = open(rep).read() if q.returncode == 0 else ""
    check("report: each run names its family and variant", "| llava-1.5 |" in text and "| llava-v1 |" in text,
          q.stderr + text[:600])

    # ---- the converter's refusals: named, and nothing left behind ------------------------
    def refused(name, args, words):
        out_dir = os.path.join(tmp, "refused")
        p = convert(*args, "--out", out_dir)
        left = [n for n in os.listdir(tmp) if n.startswith("refused")]
        check(f"refused: {name}", p.returncode == 1 and all(w in p.stderr for w in words) and not left,
              p.stderr[-400:] + str(left))

    broken = os.path.join(tmp, "broken")
    shutil.copytree(orig, broken)
    key = "model.mm_projector.2.weight"
    shard = json.load(open(os.path.join(broken, "pytorch_model.bin.index.json")))["weight_map"][key]
    st = torch.load(os.path.join(broken, shard))
    st[key] = st[key][:-1]
    torch.save(st, os.path.join(broken, shard))
    refused("a misshaped tensor, named with its file", ["--llava", broken, "--vision-tower", clip],
            [key, shard, "shape"])
    noproj = os.path.join(tmp, "noproj")
    shutil.copytree(orig, noproj)
    idx = json.load(open(os.path.join(noproj, "pytorch_model.bin.index.json")))
    del idx["weight_map"]["model.mm_projector.0.weight"]
    json.dump(idx, open(os.path.join(noproj, "pytorch_model.bin.index.json"), "w"))
    refused("a missing projector tensor", ["--llava", noproj, "--vision-tower", clip],
            ["model.mm_projector.0.weight", "missing"])
    refused("no vision tower directory", ["--llava", orig, "--vision-tower", os.path.join(tmp, "nowhere")],
            ["config.json", "missing"])
    narrow = os.path.join(tmp, "narrow-clip")
    shutil.copytree(clip, narrow)
    c = json.load(open(os.path.join(narrow, "config.json")))
    c["vision_config"]["hidden_size"] = TINY["clip_width"] // 2
    json.dump(c, open(os.path.join(narrow, "config.json"), "w"))
    refused("a tower whose width is not the projector's", ["--llava", orig, "--vision-tower", narrow],
            ["mm_hidden_size", "width"])
    refused("the port without its vision tower", ["--hf", orig], ["config.json", "text_config"])
    p = convert("--llava", orig, "--out", os.path.join(tmp, "x"))
    check("--llava without --vision-tower is a usage error", p.returncode == 2, p.stderr)
    refused("a delta over a base it does not fit", ["--delta", delta, "--base", orig,
                                                     "--vision-tower", clip224], ["added_tokens.json", "is --base the LLaMA"])
    nobase = os.path.join(tmp, "nobase")
    shutil.copytree(base, nobase)
    idx = json.load(open(os.path.join(nobase, "pytorch_model.bin.index.json")))
    del idx["weight_map"]["model.layers.1.mlp.up_proj.weight"]
    json.dump(idx, open(os.path.join(nobase, "pytorch_model.bin.index.json"), "w"))
    refused("a base without a tensor the delta changes", ["--delta", delta, "--base", nobase,
                                                          "--vision-tower", clip224],
            ["model.layers.1.mlp.up_proj.weight", "missing"])
finally:
    shutil.rmtree(tmp)

finish()
