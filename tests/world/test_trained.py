#!/usr/bin/python3
"""The four trained world checkpoints (Lynx PT and CA, the LLaVA-style and InstructBLIP-style
models), end to end:
- for every item of the world's test split, lynxeval's greedy answer equals the PyTorch greedy
  answer for the same checkpoint (checkpoints/*/reference-greedy.jsonl, written by
  tools/train_tiny.py: for Lynx by the training code from the exported checkpoint, for LLaVA and
  InstructBLIP by the independent float64 references tests/llava/llava_reference.py and
  tests/reference/blip_reference.py from the release files the checkpoint was converted from);
- each model's Open-VQA accuracy, overall and per class, against the class's chance level: the
  share of its most frequent answer in the test split (the best constant answer), with the exact
  one-sided binomial tail P(X >= correct | n, chance) as the p-value. These are printed; with
  --require-bars (as ctest runs it) the PT and LLaVA models must also reach the bars
  docs/world.md states: every Open-VQA class above chance with p < 0.01, and for PT overall at
  least 70% of the image questions (the InstructBLIP-style model has none: its Counting is at
  chance, which docs/world.md reports);
- the four-way comparison (`lynxeval compare` of the four runs: every pair, Holm-adjusted)
  prints a table per pair.

usage: test_trained.py LYNXEVAL SOURCE_DIR [--require-bars]       every model, then the comparison
       test_trained.py LYNXEVAL SOURCE_DIR --runs DIR --model NAME [--require-bars]
                                                 one model (pt, ca, llava or blip), run into DIR/NAME
       test_trained.py LYNXEVAL SOURCE_DIR --runs DIR --compare
                                                 the comparison of the four runs already in DIR
ctest runs the four models as four tests (they run side by side under -j) and the comparison as a
fifth that needs them.
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from lxtest import check, finish

lynxeval, src = sys.argv[1], sys.argv[2]
flags = sys.argv[3:]
require_bars = "--require-bars" in flags


def flag_value(name):
    if name not in flags:
        return None
    i = flags.index(name)
    if i + 1 >= len(flags):
        sys.exit(f"test_trained.py: {name} needs a value")
    return flags[i + 1]


runs_dir = flag_value("--runs")
only_model = flag_value("--model")
compare_only = "--compare" in flags
if (only_model or compare_only) and not runs_dir:
    sys.exit("test_trained.py: --model and --compare need --runs DIR")
MIN_OVERALL = 70.0
MAX_P = 0.01


def binomial_tail(k, n, p):
    return sum(math.comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(k, n + 1))


MODELS = {"pt": "lynx-world-pt", "ca": "lynx-world-ca", "llava": "llava-world",
          "blip": "instructblip-world"}
if only_model is not None and only_model not in MODELS:
    sys.exit(f"test_trained.py: --model {only_model}: expected one of {', '.join(MODELS)}")
data = os.path.join(src, "datasets", "world", "test")


def run_and_check(variant, out):
    name = MODELS[variant]
    model = os.path.join(src, "checkpoints", name)
    shutil.rmtree(out, ignore_errors=True)  # a run directory left by an earlier test would resume
    # each model's own decoding (greedy, 24 new tokens at most, for all four), so that the
    # runs compare as each model is meant to be run
    p = subprocess.run([lynxeval, "run", "world", "--model", model, "--data", data, "--out", out],
                       capture_output=True, text=True)
    check(f"{variant}: lynxeval run world", p.returncode == 0, p.stderr[-500:])
    print("    " + "\n    ".join(p.stdout.splitlines()))
    ref = {(r["task"], r["id"]): r for r in map(json.loads, open(os.path.join(model, "reference-greedy.jsonl")))}
    mine, differ = {}, []
    for task in ("open-vqa-image", "open-vqa-video", "coco-caption", "mme", "owleval"):
        for line in open(os.path.join(out, task, "predictions.jsonl")):
            r = json.loads(line)
            mine[(task, r["id"])] = r
    for key, r in ref.items():
        m = mine.get(key)
        if m is None or m["answer"] != r["answer"] or m["tokens"] != r["tokens"]:
            differ.append((key, r["answer"], m["answer"] if m else None))
    check(f"{variant}: lynxeval's greedy answers equal PyTorch's on all {len(ref)} test items",
          not differ and len(mine) == len(ref), f"{len(differ)} differ, e.g. {differ[:3]}")
    agg = json.load(open(os.path.join(out, "open-vqa-image", "aggregate.json")))
    print(f"    {variant}: Open-VQA image {agg['correct']:.0f}/{agg['total']:.0f} ({agg['accuracy']:.1f}%)")
    bars = variant in ("pt", "llava") and require_bars
    if bars and variant == "pt":
        check(f"pt: overall at least {MIN_OVERALL}% correct on the image questions",
              agg["accuracy"] >= MIN_OVERALL, f"{agg['accuracy']:.1f}%")
    for task in ("open-vqa-image", "open-vqa-video"):
        name = "Open_VQA_images.jsonl" if task == "open-vqa-image" else "Open_VQA_videos.jsonl"
        rows = [json.loads(line) for line in open(os.path.join(data, name))]
        per = json.load(open(os.path.join(out, task, "aggregate.json")))["per_class"]
        for cls, v in per.items():
            answers = Counter(r["answer"][0] for r in rows if r["class"] == cls)
            chance = answers.most_common(1)[0][1] / sum(answers.values())
            pval = binomial_tail(int(v["correct"]), int(v["total"]), chance)
            line = f"{variant}: {task} {cls}: {v['correct']:.0f}/{v['total']:.0f} vs chance {chance:.2f}, p = {pval:.2g}"
            if bars:
                check(line, pval < MAX_P and v["correct"] / v["total"] > chance)
            else:
                print("    " + line)


def compare_and_check(root):
    runs = [os.path.join(root, v) for v in MODELS]
    missing = [r for r in runs if not os.path.isfile(os.path.join(r, "results.json"))]
    check("the four runs are there to compare", not missing, f"missing: {missing}")
    if missing:
        return
    p = subprocess.run([lynxeval, "compare"] + runs, capture_output=True, text=True)
    pairs = [line for line in p.stdout.splitlines() if line.startswith("## B = ")]
    n_pairs = len(MODELS) * (len(MODELS) - 1) // 2
    check(f"the {len(MODELS)}-way comparison: all {n_pairs} pairs compared, Holm-adjusted over all of them",
          p.returncode == 0 and len(pairs) == n_pairs and "over every pair" in p.stdout, p.stdout[-400:] + p.stderr)
    f1_rows = [line for line in p.stdout.splitlines() if line.startswith("pope") and " F1 " in line]
    check(f"the comparison tests POPE's F1 in every pair ({len(f1_rows)} rows)", len(f1_rows) == n_pairs,
          "\n".join(f1_rows))


if only_model is not None:
    run_and_check(only_model, os.path.join(runs_dir, only_model))
elif compare_only:
    compare_and_check(runs_dir)
else:
    tmp = tempfile.mkdtemp()
    try:
        for variant in MODELS:
            run_and_check(variant, os.path.join(tmp, variant))
        compare_and_check(tmp)
    finally:
        shutil.rmtree(tmp)

finish()
