#!/usr/bin/python3
"""`lynxeval score` end to end: each benchmark's output against the oracle values in vectors/
(to 1e-9; POPE and ScienceQA per answer too), raw COCO captions against pycocoevalcap with its Java tokenizer (tests/text/ptb/vectors/,
corpus and per image, to 1e-9), the real Open-VQA files scored with their own answers (302/302,
148/148 with the paper's per-class counts), and malformed inputs refused with the file and line
named.

usage: test_score_cli.py LYNXEVAL OPEN_VQA_DIR
"""
import csv
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from lxtest import check, finish, send_json

HERE = os.path.dirname(os.path.abspath(__file__))
V = os.path.join(HERE, "vectors")
TOL = 1e-9
lynxeval, open_vqa_dir = sys.argv[1], sys.argv[2]


def run(*args):
    p = subprocess.run([lynxeval, *args], capture_output=True, text=True)
    if "AddressSanitizer" in p.stderr or "runtime error" in p.stderr:
        check(" ".join(args[:2]) + " sanitizer", False, p.stderr)
    return p


def score(*args):
    p = run("score", *args)
    if p.returncode != 0:
        check("score " + " ".join(args[:1]), False, p.stderr)
        return None
    return json.loads(p.stdout)


def close(a, b):
    return abs(a - b) <= TOL


def expect_error(name, needle, *args):
    p = run("score", *args)
    ok = p.returncode == 1 and needle in p.stderr
    check(name, ok, f"exit {p.returncode}, stderr {p.stderr.strip()!r}, wanted {needle!r}")


# ---- JSON Lines where one JSON document is expected: said so ---------------------------------------
jsonl_dir = tempfile.mkdtemp()
with open(os.path.join(jsonl_dir, "results.jsonl"), "w") as f:
    f.write('{"image_id": 1, "caption": "a dog"}\n{"image_id": 2, "caption": "a cat"}\n')
expect_error("JSON Lines given as a caption results file: the message says what it is",
             "results.jsonl:1:1: expected a JSON array (the file holds one JSON value "
             "per line, JSON Lines, but it must be one JSON document",
             "caption", "--annotations", os.path.join(V, "coco_annotations.json"), "--results",
             os.path.join(jsonl_dir, "results.jsonl"))

# ---- a run's own files given to a scorer: the message names the run's export and `score RUNDIR` ----
run_dir = os.path.join(jsonl_dir, "run")
for task, flag, sub, extra in (("coco-caption", "--results", "caption",
                                ["--annotations", os.path.join(V, "coco_annotations.json")]),
                               ("pope", "--result-file", "pope", ["--annotation-dir", jsonl_dir,
                                                                  "--question-file", os.path.join(jsonl_dir, "q.jsonl")])):
    os.makedirs(os.path.join(run_dir, task), exist_ok=True)
    with open(os.path.join(run_dir, task, "fingerprint.json"), "w") as f:
        json.dump({"format": "lynxeval-run-1", "task": {"name": task}}, f)
    with open(os.path.join(run_dir, task, "predictions.jsonl"), "w") as f:
        f.write('{"id": "1", "answer": "a dog", "tokens": [5]}\n')
    export = {"coco-caption": "results.json", "pope": "answers.jsonl"}[task]
    expect_error(f"score {sub} given a run's predictions.jsonl: the run's export and score RUNDIR are named",
                 f"{flag}: {run_dir}/{task}/predictions.jsonl is a lynxeval run's own predictions.jsonl (task {task}), "
                 f"not results in the benchmark's format; the run exported those as {run_dir}/{task}/{export}, "
                 f"which {flag} takes. To score the whole run again: lynxeval score {run_dir} --data DIR",
                 sub, *extra, flag, os.path.join(run_dir, task, "predictions.jsonl"))

# ---- captions: exactly pycocoevalcap on tokenized input -----------------------------------------
cap = json.load(open(os.path.join(V, "captions.json")))["corpora"]["main"]["expected"]
out = score("caption", "--annotations", f"{V}/coco_annotations.json", "--results",
            f"{V}/coco_results.json", "--tokenized")
if out:
    worst = max(abs(out[k] - cap[k]) for k in ["Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr"])
    check(f"score caption equals pycocoevalcap (largest difference {worst:.2g})", worst <= TOL)
    check("score caption says METEOR and SPICE were not computed", "METEOR" in out["not_computed"])

# ---- captions as they are: pycocoevalcap tokenizes them (Java) before scoring -------------------
PV = os.path.join(HERE, "..", "text", "ptb", "vectors")
raw_exp = json.load(open(os.path.join(PV, "coco_raw_expected.json")))
rows_path = os.path.join(tempfile.mkdtemp(), "rows.jsonl")
out = score("caption", "--annotations", f"{PV}/coco_raw_annotations.json", "--results",
            f"{PV}/coco_raw_results.json", "--per-item", rows_path)
if out:
    worst = max(abs(out[k] - raw_exp[k]) for k in ["Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr"])
    check(f"score caption on raw COCO captions equals pycocoevalcap (largest difference {worst:.2g})",
          worst <= TOL)
    check("score caption names its tokenizer", out["tokenizer"].startswith("ptb-3.4.1"), out["tokenizer"])
    rows = [json.loads(line) for line in open(rows_path)]
    worst = 0.0
    for r in rows:
        e = raw_exp["per_image"][r["id"]]
        worst = max([worst, abs(r["ROUGE_L"] - e["ROUGE_L"]), abs(r["CIDEr"] - e["CIDEr"])] +
                    [abs(r[f"Bleu_{k + 1}"] - e["Bleu"][k]) for k in range(4)])
    check(f"... and per image, all {len(rows)} (largest difference {worst:.2g})",
          len(rows) == 1000 and worst <= TOL)
approx = score("caption", "--annotations", f"{PV}/coco_raw_annotations.json", "--results",
               f"{PV}/coco_raw_results.json", "--caption-tokenizer", "ptb-approx-1")
check("--caption-tokenizer ptb-approx-1 is labelled an approximation",
      approx is not None and "approximation" in approx["tokenizer"], approx)
p = run("score", "caption", "--annotations", f"{PV}/coco_raw_annotations.json", "--results",
        f"{PV}/coco_raw_results.json", "--caption-tokenizer", "ptb")
check("--caption-tokenizer with an unknown name is a usage error", p.returncode == 2 and "ptb-3.4.1" in p.stderr,
      p.stderr)

# The external-scorer hook: a stand-in scorer that reports what it was given.
hook_dir = tempfile.mkdtemp()
hook = os.path.join(hook_dir, "hook.py")
with open(hook, "w") as f:
    f.write("import json, sys\n"
            "d = json.load(open(sys.argv[1]))\n"
            "print(json.dumps({'METEOR_standin': len(d['res']), 'refs': sum(map(len, d['gts'].values()))}))\n")
out = score("caption", "--annotations", f"{V}/coco_annotations.json", "--results", f"{V}/coco_results.json",
            "--tokenized", "--external-scorer", f"{sys.executable} {hook}")
n_refs = len(json.load(open(f"{V}/coco_annotations.json"))["annotations"])
check("--external-scorer: its metrics come back under 'external', with the command",
      out is not None and out["external"]["metrics"] == {"METEOR_standin": 240, "refs": n_refs}
      and hook in out["external"]["command"], json.dumps(out)[-300:] if out else "")
p = run("score", "caption", "--annotations", f"{V}/coco_annotations.json", "--results", f"{V}/coco_results.json",
        "--external-scorer", "false")
check("--external-scorer: a failing command is an error naming it", p.returncode == 1 and "'false' failed" in p.stderr, p.stderr)
p = run("score", "caption", "--annotations", f"{V}/coco_annotations.json", "--results", f"{V}/coco_results.json",
        "--external-scorer", "echo not json")
check("--external-scorer: output that is not a JSON object is an error", p.returncode == 1 and "no JSON object" in p.stderr, p.stderr)
shutil.rmtree(hook_dir)

# ---- VQA: both script versions, rounded as reported and unrounded --------------------------------
vqa = json.load(open(os.path.join(V, "vqa.json")))["expected"]
for mode in ("official-2017", "official-2021"):
    out = score("vqa", "--questions", f"{V}/vqa_questions.json", "--annotations",
                f"{V}/vqa_annotations.json", "--results", f"{V}/vqa_results.json", "--normalize", mode)
    if not out:
        continue
    exp = vqa[mode]
    ok = out["overall"] == exp["reported"]["overall"] and close(out["unrounded"]["overall"], exp["unrounded"]["overall"])
    for key in ("perAnswerType", "perQuestionType"):
        ok &= out[key] == exp["reported"][key]
        ok &= all(close(out["unrounded"][key][k], v) for k, v in exp["unrounded"][key].items())
        ok &= set(out[key]) == set(exp["reported"][key])
    check(f"score vqa --normalize {mode} equals vqaEval.py ({out['overall']})", ok, json.dumps(out)[:300])

# ---- MME: the official calculation ------------------------------------------------------------
mme = json.load(open(os.path.join(V, "mme.json")))
out = score("mme", "--dir", f"{V}/mme")
if out:
    ok = all(close(out["subtasks"][k]["score"], v) for k, v in mme["scores"].items())
    ok &= all(close(out[k], v) for k, v in mme["totals"].items())
    check(f"score mme equals calculation.py (Perception {out['Perception']:.4f})", ok, json.dumps(out)[:300])

# ---- Open-VQA: the real files, answered with their own references --------------------------------
PAPER = {
    "images": (302, {"OCR": 53, "Counting": 37, "Reasoning": 31, "Place": 22, "Color": 30,
                     "Spatial": 15, "Action": 20, "Others": 94}),
    "videos": (148, {"Action(Y/N)": 108, "Others": 40}),
}
# ---- POPE: LLaVA's eval_pope.py, per split and per answer -----------------------------------------
pope = json.load(open(os.path.join(V, "pope.json")))
rows_path = os.path.join(tempfile.gettempdir(), f"lx-pope-rows-{os.getpid()}.jsonl")
out = score("pope", "--annotation-dir", f"{V}/pope/coco", "--question-file", f"{V}/pope/llava_pope_test.jsonl",
            "--result-file", f"{V}/pope/answers.jsonl", "--per-item", rows_path)
if out:
    ok, worst = set(out["splits"]) == set(pope["splits"]), 0.0
    for split, want in pope["splits"].items():
        got = out["splits"].get(split, {})
        ok &= all(got.get(k) == want[k] for k in ("TP", "FP", "TN", "FN")) and got.get("answered") == want["samples"]
        for k in ("accuracy", "precision", "recall", "f1", "yes_ratio"):
            worst = max(worst, abs(got.get(k, 1e9) - want[k]))
    check(f"score pope equals eval_pope.py on {sum(s['samples'] for s in pope['splits'].values())} answers "
          f"in 3 splits (largest difference {worst:.2g})", ok and worst <= TOL, json.dumps(out)[:400])
    # each answer's reading, through the question file's ids back to the split files' ids
    qfile = [json.loads(line) for line in open(f"{V}/pope/llava_pope_test.jsonl")]
    per_split = {}
    for q in qfile:
        per_split.setdefault(q["category"], []).append(q["question_id"])
    order = [json.loads(line)["question_id"] for line in open(f"{V}/pope/answers.jsonl")]
    split_of = {q["question_id"]: q["category"] for q in qfile}
    seen, want_read = {}, {}
    for qid in order:  # the k-th answer of a split takes the split file's k-th question
        s = split_of[qid]
        seen[s] = seen.get(s, 0) + 1
        want_read[f"{s}/{seen[s]}"] = pope["answers"][str(qid)]["read"]
    rows = [json.loads(line) for line in open(rows_path)]
    os.remove(rows_path)
    bad = [r["id"] for r in rows if want_read.get(r["id"]) != r["parsed"]]
    check(f"score pope reads each of {len(rows)} answers as eval_pope.py does", len(rows) == len(want_read)
          and not bad, str(bad[:5]))
    check("score pope: F1 averaged over the splits, as LLaVA-1.5 reports POPE",
          close(out["f1_mean_of_splits"], sum(s["f1"] for s in pope["splits"].values()) / 3))

# ---- ScienceQA: LLaVA's eval_science_qa.py and ScienceQA's evaluate_acc.py -----------------------
sqa = json.load(open(os.path.join(V, "science_qa.json")))["expected"]
rows_path = os.path.join(tempfile.gettempdir(), f"lx-sqa-rows-{os.getpid()}.jsonl")
out = score("scienceqa", "--base-dir", f"{V}/science_qa", "--result-file", f"{V}/science_qa/answers.jsonl",
            "--per-item", rows_path)
if out:
    check(f"score scienceqa equals eval_science_qa.py's IMG-Accuracy ({sqa['img_correct']}/{sqa['img_total']})",
          out["correct"] == sqa["img_correct"] and out["total"] == sqa["img_total"]
          and close(out["accuracy"], sqa["img_accuracy"])
          and f"IMG-Accuracy: {out['accuracy_rounded']:.2f}%" in sqa["printed"], json.dumps(out)[:300])
    rows = [json.loads(line) for line in open(rows_path)]
    want = {k: v for k, v in sqa["per_item"].items() if v["answered"] and v["image"]}
    bad = [r["id"] for r in rows if r["id"] not in want or want[r["id"]]["parsed"] != r["parsed"]
           or want[r["id"]]["correct"] != r["correct"]]
    check(f"score scienceqa: each of {len(rows)} image answers read and judged as the script does",
          len(rows) == len(want) and not bad, str(bad[:5]))
os.remove(rows_path) if os.path.exists(rows_path) else None
# every question, every one answered (the unanswered as the script writes them: FAILED)
all_path = os.path.join(tempfile.gettempdir(), f"lx-sqa-all-{os.getpid()}.jsonl")
with open(all_path, "w") as f:
    for k, v in sqa["per_item"].items():
        f.write(json.dumps({"question_id": k, "text": v["text"]}) + "\n")
out = score("scienceqa", "--base-dir", f"{V}/science_qa", "--result-file", all_path, "--all-questions")
os.remove(all_path)
if out:
    table = sqa["evaluate_acc"]
    keys = ["acc_natural", "acc_social", "acc_language", "acc_has_text", "acc_has_image", "acc_no_context",
            "acc_grade_1_6", "acc_grade_7_12", "acc_average"]
    got = {k: out["breakdown"][k] for k in keys}
    wanted = {k: (None if table[k] == -1 else float(table[k])) for k in keys}
    check("score scienceqa --all-questions: accuracy is the script's Accuracy, the breakdown is "
          "evaluate_acc.py's table", close(out["accuracy"], sqa["acc"]) and out["correct"] == sqa["correct"]
          and got == wanted, f"{got} vs {wanted}")

# ---- SEED-Bench: LLaVA's convert_seed_for_submission.py ------------------------------------------
seed = json.load(open(os.path.join(V, "seed_bench.json")))["expected"]
rows_path = os.path.join(tempfile.gettempdir(), f"lx-seed-rows-{os.getpid()}.jsonl")
p = run("score", "seed-bench", "--annotation-file", f"{V}/seed_bench/SEED-Bench.json", "--result-file",
        f"{V}/seed_bench/answers.jsonl", "--per-item", rows_path)
out = json.loads(p.stdout) if p.returncode == 0 else None
if out:
    dims_ok = all(out["dimensions"][n]["correct"] == d["correct"] and out["dimensions"][n]["questions"] == d["questions"]
                  and close(out["dimensions"][n]["accuracy"], d["accuracy"]) for n, d in seed["dimensions"].items())
    check(f"score seed-bench equals the script's image accuracy ({seed['correct']}/{seed['total']}) and its "
          f"{len(seed['dimensions'])} dimensions", out["correct"] == seed["correct"] and out["total"] == seed["total"]
          and close(out["accuracy"], seed["accuracy"]) and dims_ok and len(out["dimensions"]) == len(seed["dimensions"])
          and f"image accuracy: {out['accuracy_rounded']:.2f}%" == seed["printed"], json.dumps(out)[:300])
    rows = {r["id"]: r for r in map(json.loads, open(rows_path))}
    bad = [k for k, v in seed["per_item"].items() if v["answered"] != (k in rows)
           or (k in rows and rows[k]["correct"] != v["correct"])]
    check(f"score seed-bench: {len(rows)} answers found as the script finds them (string ids for numeric "
          "questions are not), each judged as it judges", not bad and "answer no image question" in p.stderr,
          str(bad[:5]) + p.stderr)
else:
    check("score seed-bench", False, p.stderr)
os.remove(rows_path) if os.path.exists(rows_path) else None

# ---- TextVQA: LLaVA's eval_textvqa.py with MMF's evaluator -----------------------------------------
tv = json.load(open(os.path.join(V, "textvqa.json")))
rows_path = os.path.join(tempfile.gettempdir(), f"lx-textvqa-rows-{os.getpid()}.jsonl")
out = score("textvqa", "--annotation-file", f"{V}/textvqa/TextVQA_0.5.1_val.json", "--result-file",
            f"{V}/textvqa/answers.jsonl", "--per-item", rows_path)
if out:
    rows = [json.loads(line) for line in open(rows_path)]
    worst = max([abs(r["accuracy"] - w) for r, w in zip(rows, tv["per_result"])] + [abs(out["accuracy"] - tv["accuracy"])])
    check(f"score textvqa equals eval_textvqa.py on {tv['samples']} results, per result and overall "
          f"(largest difference {worst:.2g})", len(rows) == tv["samples"] and worst <= TOL
          and f"Accuracy: {out['accuracy_rounded']:.2f}%" in tv["printed"], json.dumps(out)[:300])
os.remove(rows_path) if os.path.exists(rows_path) else None

# ---- GQA: LLaVA's convert_gqa_for_eval.py, then GQA's eval.py -------------------------------------
gqa = json.load(open(os.path.join(V, "gqa.json")))
rows_path = os.path.join(tempfile.gettempdir(), f"lx-gqa-rows-{os.getpid()}.jsonl")
gq = ["--questions", f"{V}/gqa/testdev_balanced_questions.json"]
out = score("gqa", *gq, "--result-file", f"{V}/gqa/answers.jsonl", "--per-item", rows_path)
out2 = score("gqa", *gq, "--predictions", f"{V}/gqa/testdev_balanced_predictions.json")
if out and out2:
    ok = all(close(out[k], gqa[k]) for k in ("accuracy", "binary", "open", "distribution"))
    for name, groups in gqa["detailed"].items():
        ok &= set(out[name]) == set(groups) and all(
            close(out[name][t]["accuracy"], v["accuracy"]) and out[name][t]["questions"] == v["questions"]
            for t, v in groups.items())
    check(f"score gqa equals eval.py on LLaVA's answers ({out['questions']:.0f} balanced questions): accuracy, "
          "binary, open, distribution, per structural and semantic type, length and steps", ok, json.dumps(out)[:300])
    check("score gqa: eval.py's own predictions file gives the same scores", out2 == out)
    converted = {p["questionId"]: p["prediction"] for p in json.load(open(f"{V}/gqa/testdev_balanced_predictions.json"))}
    gold = {k: q["answer"] for k, q in json.load(open(f"{V}/gqa/testdev_balanced_questions.json")).items()}
    rows = [json.loads(line) for line in open(rows_path)]
    bad = [r["id"] for r in rows if r["prediction"] != converted[r["id"]] or r["correct"] != (converted[r["id"]] == gold[r["id"]])]
    check(f"score gqa: each of {len(rows)} answers converted as convert_gqa_for_eval.py converts it", not bad, str(bad[:5]))
os.remove(rows_path) if os.path.exists(rows_path) else None

# ---- VizWiz: the VizWiz API's vqaEval.py on upload files -----------------------------------------
vz = json.load(open(os.path.join(V, "vizwiz.json")))
rows_path = os.path.join(tempfile.gettempdir(), f"lx-vizwiz-rows-{os.getpid()}.jsonl")
for name in ("llava", "raw"):
    want = vz[name]
    out = score("vizwiz", "--annotation-file", f"{V}/vizwiz/val.json", "--result-file",
                f"{V}/vizwiz/upload_{name}.json", "--per-item", rows_path)
    if out:
        rows = {r["id"]: r for r in map(json.loads, open(rows_path))}
        worst = max(abs(rows[k]["accuracy"] - v) for k, v in want["per_image"].items())
        check(f"score vizwiz equals vqaEval.py on the {name} upload ({len(rows)} images): overall and per answer "
              f"type as it reports them, each image's score (largest difference {worst:.2g})",
              out["overall"] == want["accuracy"]["overall"] and out["perAnswerType"] == want["accuracy"]["perAnswerType"]
              and len(rows) == len(want["per_image"]) and worst <= TOL
              and (name != "llava" or close(out["unrounded"]["overall"], want["overall_unrounded"])),
              json.dumps(out)[:400])
os.remove(rows_path) if os.path.exists(rows_path) else None

# ---- MMBench: LLaVA's conversion, then eval_mmbench.py's rules and circular evaluation -----------
mmb = json.load(open(os.path.join(V, "mmbench.json")))
rows_path = os.path.join(tempfile.gettempdir(), f"lx-mmbench-rows-{os.getpid()}.jsonl")
p = run("score", "mmbench", "--annotation-file", f"{V}/mmbench/mmbench_dev_en_20231003.tsv", "--result-file",
        f"{V}/mmbench/answers/llava.jsonl", "--per-item", rows_path)
out = json.loads(p.stdout) if p.returncode == 0 else None
if out:
    rows = {r["id"]: (None if r["undecided"] else r["correct"]) for r in map(json.loads, open(rows_path))}
    want = {k: None if v is None else v == 1 for k, v in mmb["verdicts"].items()}
    right = sum(v is True for v in want.values())
    undecided = sum(v is None for v in want.values())
    check(f"score mmbench: each of {len(want) - undecided} decided questions as eval_sub_data decides it, the "
          f"{undecided} it sends to its judge undecided", rows == want and out["undecided"] == undecided
          and out["correct"] == right and out["questions"] == len(want)
          and close(out["accuracy"], 100 * right / len(want))
          and close(out["accuracy_decided"], 100 * right / (len(want) - undecided))
          and "replaced by a later one" in p.stderr, json.dumps(out)[:400])
else:
    check("score mmbench", False, p.stderr)
os.remove(rows_path) if os.path.exists(rows_path) else None

# ---- MMBench's judge step: the script's eval_sub_data with a scripted judge ---------------------
# A run directory holding the vectors' rows as a run writes them; the requests lynxeval makes with
# the stand-in template must be the prompts the script builds with it, and the replies imported
# must decide each question as the script decides it.
NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA",
      "NULL", "NaN", "None", "n/a", "nan", "null"}
judge_tmp = tempfile.mkdtemp()
try:
    with open(f"{V}/mmbench/mmbench_dev_en_20231003.tsv", encoding="utf-8", newline="") as f:
        table = list(csv.reader(f, delimiter="\t"))
    head = table[0]
    os.makedirs(os.path.join(judge_tmp, "run", "mmbench"))
    with open(os.path.join(judge_tmp, "run", "mmbench", "predictions.jsonl"), "w", encoding="utf-8") as f:
        for cells in table[1:]:
            row = dict(zip(head, cells))
            refs = [row["answer"]] + ["" if row[c] in NA else row[c] for c in "ABCD"]
            f.write(json.dumps({"id": row["index"], "answer": mmb["predictions"][row["index"]], "question": "",
                                "references": refs, "category": row["category"], "subcategory": row["l2-category"],
                                "context": row["question"]}, ensure_ascii=False) + "\n")
    template = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mmbench_judge_template.py")
    run_dir = os.path.join(judge_tmp, "run")
    req_path = os.path.join(judge_tmp, "requests.jsonl")
    p = run("judge", "export", "--run", run_dir, "--task", "mmbench", "--template-from", template, "--out", req_path)
    requests = [json.loads(line) for line in open(req_path)] if p.returncode == 0 else []
    mine = {r["id"]: hashlib.sha256(r["messages"][0]["content"].encode()).hexdigest() for r in requests}
    check(f"judge export mmbench: {len(requests)} requests, the copies no rule maps; each of the "
          f"{len(mmb['judge_prompts'])} prompts the script asks, byte for byte",
          requests and all(mine.get(k) == v for k, v in mmb["judge_prompts"].items())
          and all(len(r["messages"]) == 1 and r["messages"][0]["role"] == "user" for r in requests), p.stderr)
    replies = mmb["judge_replies"]
    with open(os.path.join(judge_tmp, "verdicts.jsonl"), "w", encoding="utf-8") as f:
        for r in requests:
            content = r["messages"][0]["content"]
            f.write(json.dumps({"id": r["id"], "verdict": replies[hashlib.sha256(content.encode()).digest()[0]
                                                                   % len(replies)]}) + "\n")
    p = run("judge", "import", "--run", run_dir, "--task", "mmbench", "--template-from", template, "--verdicts",
            os.path.join(judge_tmp, "verdicts.jsonl"), "--judge", "scripted")
    agg = json.loads(p.stdout.splitlines()[-1]) if p.returncode == 0 else {}
    rows_file = os.path.join(run_dir, "mmbench", "judge", "scripted", "scores.jsonl")
    got = ({r["id"]: (None if r["undecided"] else int(r["correct"])) for r in map(json.loads, open(rows_file))}
           if os.path.exists(rows_file) else {})
    want = mmb["judged_verdicts"]
    check(f"judge import mmbench: every question decided as the script decides it with the judge's replies "
          f"({sum(v is not None for v in want.values())} decided, {sum(v is None for v in want.values())} left "
          "undecided where the script would draw a letter at random)",
          got == want and agg.get("undecided") == sum(v is None for v in want.values())
          and agg.get("unparseable", 0) > 0, p.stderr + json.dumps(agg)[:300])
    p = run("judge", "export", "--run", run_dir, "--task", "mmbench", "--out", req_path)
    check("judge export mmbench without --template-from says where the prompt comes from",
          p.returncode == 1 and "--template-from" in p.stderr and "eval_mmbench.py" in p.stderr, p.stderr)
    p = run("judge", "export", "--run", run_dir, "--task", "mmbench", "--template-from",
            f"{V}/mmbench/answers/llava.jsonl", "--out", req_path)
    check("judge export mmbench: a file without the template is refused, named",
          p.returncode == 1 and "llava.jsonl: no \"tmpl = (\"" in p.stderr, p.stderr)
finally:
    shutil.rmtree(judge_tmp)

# ---- Video-ChatGPT's judge (MSVD-QA, MSRVTT-QA): the script run with a scripted judge -----------
vcg = json.load(open(os.path.join(V, "videochatgpt.json")))
judge_tmp = tempfile.mkdtemp()
try:
    preds = json.load(open(f"{V}/videochatgpt/videochatgpt_preds.json"))
    run_dir = os.path.join(judge_tmp, "run")
    os.makedirs(os.path.join(run_dir, "msvd-qa"))
    with open(os.path.join(run_dir, "msvd-qa", "predictions.jsonl"), "w", encoding="utf-8") as f:
        for k, p_ in enumerate(preds):
            f.write(json.dumps({"id": str(k), "answer": p_["pred"], "question": p_["Q"], "references": [p_["A"]],
                                "category": "what"}) + "\n")
    template = os.path.join(os.path.dirname(os.path.abspath(__file__)), "videochatgpt_judge_template.py")
    req_path = os.path.join(judge_tmp, "requests.jsonl")
    p = run("judge", "export", "--run", run_dir, "--task", "msvd-qa", "--template-from", template, "--out", req_path)
    requests = [json.loads(line) for line in open(req_path)] if p.returncode == 0 else []
    user0 = requests[0]["messages"][1]["content"] if requests else ""
    check(f"judge export msvd-qa: {len(requests)} requests, the system and user messages of the script's layout "
          "with the question, answer and prediction filled in and its literal braces kept",
          len(requests) == len(preds) and [m["role"] for m in requests[0]["messages"]] == ["system", "user"]
          and f"Question: {preds[0]['Q']}\nCorrect Answer: {preds[0]['A']}\nPredicted Answer: {preds[0]['pred']}\n\n" in user0
          and "{'pred': 'yes', 'score': 4}" in user0, p.stderr + user0[:300])
    replies = vcg["replies"]
    with open(os.path.join(judge_tmp, "verdicts.jsonl"), "w") as f:
        for k, p_ in enumerate(preds):
            h = hashlib.sha256((p_["Q"] + "\n" + p_["pred"]).encode()).digest()[0]
            f.write(json.dumps({"id": str(k), "verdict": replies[h % len(replies)]}) + "\n")
        f.write("")
    p = run("judge", "import", "--run", run_dir, "--task", "msvd-qa", "--template-from", template, "--verdicts",
            os.path.join(judge_tmp, "verdicts.jsonl"), "--judge", "scripted")
    agg = json.loads(p.stdout.splitlines()[-1]) if p.returncode == 0 else {}
    check(f"judge import msvd-qa: yes {vcg['yes']:.0f}, no {vcg['no']:.0f}, accuracy and average score as "
          "evaluate_activitynet_qa.py computes them from the same replies",
          agg.get("yes") == vcg["yes"] and agg.get("no") == vcg["no"] and close(agg.get("accuracy", -1), vcg["accuracy"])
          and close(agg.get("average_score", -1), vcg["average_score"]) and agg.get("unparseable") == 0,
          p.stderr + json.dumps(agg)[:300])
    p = run("judge", "export", "--run", run_dir, "--task", "msvd-qa", "--out", req_path)
    check("judge export msvd-qa without --template-from says where the messages come from",
          p.returncode == 1 and "evaluate_activitynet_qa.py" in p.stderr, p.stderr)
finally:
    shutil.rmtree(judge_tmp)

# ---- MM-Vet's grader: the script run with a scripted grader (vectors/mm_vet.json) ---------------
mmv = json.load(open(os.path.join(V, "mm_vet.json")))
MMV_PROMPT_FILE = os.path.join(HERE, "mmvet_judge_template.py")
mmv_ns = {}
exec(compile(open(MMV_PROMPT_FILE, encoding="utf-8").read(), MMV_PROMPT_FILE, "exec"), mmv_ns)
MMV_PROMPT = mmv_ns["prompt"]


def mmv_reply(question, run, ask):
    """make_vectors.py's scripted grader, from the replies it recorded."""
    if "(stubborn)" in question:
        return "1.0" if ask == 6 else "Correctness"
    replies = mmv["replies"]
    return replies[hashlib.sha256(f"{question}|{run}|{ask}".encode()).digest()[0] % len(replies)]


class MMVetGrader(http.server.BaseHTTPRequestHandler):
    runs = {}     # question -> first asks seen
    asked = []    # (temperature, max_tokens) of every request

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        content, t = body["messages"][0]["content"], body["temperature"]
        MMVetGrader.asked.append((t, body["max_tokens"]))
        row = content[len(MMV_PROMPT) + 1:]
        retry = row.endswith(mmv["retry_line"])
        ask = (2 + round(t / 0.5)) if retry and t > 0 else (2 if retry else 1)
        question = row.split(" | ")[0]
        if ask == 1:
            MMVetGrader.runs[question] = MMVetGrader.runs.get(question, 0) + 1
        text = mmv_reply(question, MMVetGrader.runs[question], ask)
        send_json(self, 200, {"choices": [{"message": {"role": "assistant", "content": text}}]})

    def log_message(self, *args):
        pass


def by_sorted_caps(table):
    return {",".join(sorted(k.split("_"))): v["score"] for k, v in table.items()}


judge_tmp = tempfile.mkdtemp()
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), MMVetGrader)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions"
try:
    data = json.load(open(os.path.join(V, "mm_vet", "mm-vet.json"), encoding="utf-8"))
    results = json.load(open(os.path.join(V, "mm_vet", "results.json"), encoding="utf-8"))
    run_dir = os.path.join(judge_tmp, "run")
    os.makedirs(os.path.join(run_dir, "mm-vet"))
    with open(os.path.join(run_dir, "mm-vet", "predictions.jsonl"), "w", encoding="utf-8") as f:
        for qid, q in data.items():
            f.write(json.dumps({"id": qid, "answer": results[qid], "question": q["question"],
                                "references": [q["answer"]], "category": ",".join(q["capability"])}) + "\n")
    req_path = os.path.join(judge_tmp, "requests.jsonl")
    p = run("judge", "export", "--run", run_dir, "--task", "mm-vet", "--runs", "3", "--template-from",
            MMV_PROMPT_FILE, "--out", req_path)
    requests = [json.loads(line) for line in open(req_path, encoding="utf-8")] if p.returncode == 0 else []
    # the script's message: args.prompt + "\n" + " | ".join([question, answer spaced, prediction, ""])
    want = [MMV_PROMPT + "\n" + " | ".join([q["question"], q["answer"].replace("<AND>", " <AND> ").replace("<OR>", " <OR> "),
                                           results[qid], ""]) for qid, q in data.items()]
    check(f"judge export mm-vet --runs 3: {len(requests)} first asks, run after run, each the script's message "
          "byte for byte, at temperature 0 and max_tokens 3",
          len(requests) == 3 * len(data) and [r["messages"][0]["content"] for r in requests] == want * 3
          and [r["id"] for r in requests[:2]] == ["v1_0#1", "v1_1#1"] and requests[len(data)]["id"] == "v1_0#2"
          and all(r["temperature"] == 0 and r["max_tokens"] == 3 for r in requests), p.stderr)
    for runs, oracle in sorted(mmv["runs"].items(), key=lambda kv: int(kv[0])):
        MMVetGrader.runs, MMVetGrader.asked = {}, []
        judge = f"scripted-{runs}"
        p = run("judge", "call", "--run", run_dir, "--task", "mm-vet", "--runs", runs, "--template-from",
                MMV_PROMPT_FILE, "--endpoint", url, "--judge-model", "grader", "--judge", judge)
        agg = json.loads(p.stdout.splitlines()[-1]) if p.returncode == 0 and p.stdout.strip() else {}
        caps = {k: v["score"] for k, v in agg.get("per_capability", {}).items()}
        ints = by_sorted_caps(agg.get("per_capability_integration", {}))
        want_caps = {k: v for k, v in oracle["per_capability"].items() if k not in ("total", "std", "runs")}
        want_ints = {k: v for k, v in oracle["per_capability_integration"].items() if k not in ("total", "std", "runs")}
        check(f"judge call mm-vet --runs {runs}: per capability {len(caps)}, per integration {len(ints)}, the total, "
              "each run's total and their std as mm-vet_evaluator.py reports them from the same grader",
              caps == want_caps and ints == want_ints and agg.get("total") == oracle["per_capability"]["total"]
              and agg.get("std") == oracle["per_capability"]["std"]
              and agg.get("run_totals") == oracle["per_capability"]["runs"] and agg.get("missing") == 0,
              p.stderr[-400:] + json.dumps(agg)[:600] + json.dumps(oracle["per_capability"]))
        jdir = os.path.join(run_dir, "mm-vet", "judge", judge)
        grade = json.load(open(os.path.join(jdir, "grade.json"), encoding="utf-8")) if agg else {}
        rows = [json.loads(line) for line in open(os.path.join(jdir, "scores.jsonl"))] if agg else []
        check(f"judge call mm-vet --runs {runs}: grade.json holds the script's grade file (each reply as it keeps "
              "it, each score); scores.jsonl the same scores; the temperatures 0, 0, 0.5, 1.0, 1.5, 2.0 asked",
              {k: {"content": v["content"], "score": v["score"]} for k, v in grade.items()} == oracle["grade"]
              and {r["id"]: r["scores"] for r in rows} == {k: v["score"] for k, v in oracle["grade"].items()}
              and {t for t, _ in MMVetGrader.asked} == {0, 0.5, 1.0, 1.5, 2.0}
              and all(m == 3 for _, m in MMVetGrader.asked), json.dumps(rows[:2]))
        if runs == "3":
            verdicts = [json.loads(line) for line in open(os.path.join(jdir, "verdicts.jsonl"), encoding="utf-8")]
            imported = os.path.join(judge_tmp, "verdicts.jsonl")
            with open(imported, "w", encoding="utf-8") as f:
                for v in verdicts:
                    f.write(json.dumps({"id": v["id"], "verdict": v["verdict"]}) + "\n")
            p = run("judge", "import", "--run", run_dir, "--task", "mm-vet", "--runs", "3", "--template-from",
                    MMV_PROMPT_FILE, "--verdicts", imported, "--judge", "imported")
            again = json.loads(p.stdout.splitlines()[-1]) if p.returncode == 0 else {}
            check(f"judge import mm-vet: the {len(verdicts)} replies of every ask, imported, give the same tables",
                  {k: v for k, v in again.items() if k != "judge"} == {k: v for k, v in agg.items() if k != "judge"},
                  p.stderr[-400:])
            with open(imported, "w", encoding="utf-8") as f:
                for v in verdicts:
                    if "." not in v["id"].rsplit("#", 1)[1]:
                        f.write(json.dumps({"id": v["id"], "verdict": v["verdict"]}) + "\n")
            p = run("judge", "import", "--run", run_dir, "--task", "mm-vet", "--runs", "3", "--template-from",
                    MMV_PROMPT_FILE, "--verdicts", imported, "--judge", "first-asks")
            part = json.loads(p.stdout.splitlines()[-1]) if p.returncode == 0 else {}
            retried = sum(1 for v in verdicts if v["id"].endswith(".2"))
            check(f"judge import mm-vet, first asks only: no tables, the {retried} second asks the script would send "
                  "listed by id",
                  "total" not in part and part.get("missing") == retried
                  and all(m.endswith(".2") for m in part.get("missing_ids", [])), json.dumps(part)[:400])
    # single replies read as the script reads them: a one-question run, the reply imported as the first ask,
    # "0.25" as the second when the script would ask again
    one = os.path.join(judge_tmp, "one")
    os.makedirs(os.path.join(one, "mm-vet"))
    with open(os.path.join(one, "mm-vet", "predictions.jsonl"), "w") as f:
        f.write(json.dumps({"id": "v1_0", "answer": "a", "question": "q?", "references": ["a"], "category": "rec"}) + "\n")
    wrong = []
    for k, case in enumerate(mmv["parse"]):
        path = os.path.join(judge_tmp, f"case{k}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps({"id": "v1_0#1", "verdict": case["reply"]}) + "\n")
        p = run("judge", "import", "--run", one, "--task", "mm-vet", "--template-from", MMV_PROMPT_FILE, "--verdicts",
                path, "--judge", f"case{k}")
        if "\x00" in case["reply"]:  # a file of verdicts cannot hold one (a reply called for is kept raw: unread)
            if p.returncode != 1 or "a NUL character" not in p.stderr:
                wrong.append((case, p.stderr))
            continue
        got = json.loads(p.stdout.splitlines()[-1]) if p.returncode == 0 else {}
        if got.get("missing_ids") == ["v1_0#1.2"]:
            with open(path, "w") as f:
                f.write(json.dumps({"id": "v1_0#1.2", "verdict": "0.25"}) + "\n")
            p = run("judge", "import", "--run", one, "--task", "mm-vet", "--template-from", MMV_PROMPT_FILE,
                    "--verdicts", path, "--judge", f"case{k}")
        grade = json.load(open(os.path.join(one, "mm-vet", "judge", f"case{k}", "grade.json"))).get("v1_0", {})
        got = grade.get("score", [None])[0]
        want_score = case["score"]
        # (JSON keeps no sign on a zero, and no NaN: lynxeval writes null where the script writes NaN)
        ok = (got is None and want_score == "nan") or (isinstance(got, (int, float)) and got == want_score)
        if not ok or grade.get("content") != [case["content"]]:
            wrong.append((case, grade))
    check(f"judge mm-vet: each of {len(mmv['parse'])} single replies read as the script reads them (float() with "
          "blanks, underscores, signs, exponents, inf and nan, Unicode digits; the range check), the text kept as it "
          "keeps it", not wrong, json.dumps(wrong, ensure_ascii=False)[:600])
    p = run("judge", "export", "--run", run_dir, "--task", "mm-vet", "--out", req_path)
    check("judge export mm-vet without --template-from says where the prompt comes from",
          p.returncode == 1 and "mm-vet_evaluator.py" in p.stderr, p.stderr)
    p = run("judge", "export", "--run", run_dir, "--task", "mm-vet", "--template-from",
            os.path.join(HERE, "videochatgpt_judge_template.py"), "--out", req_path)
    check("judge export mm-vet: a file without the prompt is refused, named",
          p.returncode == 1 and "videochatgpt_judge_template.py: no module-level" in p.stderr, p.stderr)
finally:
    server.shutdown()
    shutil.rmtree(judge_tmp)

tmp = tempfile.mkdtemp()
try:
    for kind, (total, classes) in PAPER.items():
        ann = os.path.join(open_vqa_dir, f"Open_VQA_{kind}.jsonl")
        res = os.path.join(tmp, f"{kind}.jsonl")
        with open(ann) as f, open(res, "w") as g:
            for line in f:
                row = json.loads(line)
                g.write(json.dumps({"index": row["index"], "text_output": row["answer"][0]}) + "\n")
        out = score("open-vqa", "--annotations", ann, "--results", res)
        if out:
            per = {k: (v["correct"], v["total"]) for k, v in out["per_class"].items()}
            ok = out["correct"] == total and out["total"] == total
            ok &= per == {k: (n, n) for k, n in classes.items()}
            check(f"score open-vqa on Open_VQA_{kind}: {out['correct']}/{out['total']}", ok, json.dumps(out))

    # ---- malformed inputs -------------------------------------------------------------------------
    def write(name, text):
        p = os.path.join(tmp, name)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        return p

    ann = os.path.join(open_vqa_dir, "Open_VQA_images.jsonl")
    good = os.path.join(tmp, "images.jsonl")
    rows = open(good).read().splitlines()
    expect_error("open-vqa: bad JSON line", "bad.jsonl:3:", "open-vqa", "--annotations", ann,
                 "--results", write("bad.jsonl", "\n".join(rows[:2] + ['{"index": 3, "text_output": '] + rows[3:]) + "\n"))
    expect_error("open-vqa: missing text_output", "nofield.jsonl:2: text_output: required key is missing",
                 "open-vqa", "--annotations", ann, "--results",
                 write("nofield.jsonl", rows[0] + '\n{"index": 33}\n'))
    expect_error("open-vqa: unknown index", "unknown.jsonl:1: id 99999 is not in the annotations",
                 "open-vqa", "--annotations", ann, "--results", write("unknown.jsonl", '{"index": 99999, "text_output": "x"}\n'))
    expect_error("open-vqa: duplicate prediction", "dup.jsonl:2: a second prediction for id 1",
                 "open-vqa", "--annotations", ann, "--results", write("dup.jsonl", rows[0] + "\n" + rows[0] + "\n"))
    expect_error("open-vqa: missing predictions", "301 of 302 items have no prediction",
                 "open-vqa", "--annotations", ann, "--results", write("one.jsonl", rows[0] + "\n"))
    # a run's own predictions.jsonl is accepted as the results; swapped files are named as such
    preds = write("predictions.jsonl", "".join(
        json.dumps({"id": str(json.loads(r)["index"]), "answer": json.loads(r)["text_output"],
                    "question": "q", "references": ["a"]}) + "\n" for r in rows))
    out = score("open-vqa", "--annotations", ann, "--results", preds)
    check("open-vqa: a run's predictions.jsonl scores as the results file does",
          out is not None and out["correct"] == out["total"] == 302, json.dumps(out))
    expect_error("open-vqa: annotations given as results", "were the files swapped? --results takes rows",
                 "open-vqa", "--annotations", ann, "--results", ann)
    expect_error("open-vqa: results given as annotations", "a prediction (index, text_output), not an annotation: "
                 "were the files swapped?", "open-vqa", "--annotations", good, "--results", good)
    expect_error("open-vqa: predictions.jsonl given as annotations", "a prediction (a run's id, answer)",
                 "open-vqa", "--annotations", preds, "--results", good)
    expect_error("open-vqa: empty results", "no results in the file", "open-vqa", "--annotations", ann,
                 "--results", write("empty.jsonl", ""))
    latin1 = os.path.join(tmp, "latin1.jsonl")
    with open(latin1, "wb") as f:
        f.write(b'{"index": 1, "text_output": "caf\xe9"}\n')
    expect_error("open-vqa: not UTF-8", "latin1.jsonl:1:33: not valid UTF-8", "open-vqa",
                 "--annotations", ann, "--results", latin1)
    escape = write("escape.jsonl", '{"dataset": "x", "question": "q?", "answer": ["a"], "index": 1, '
                   '"image": "../../etc/passwd", "class": "Others"}\n')
    expect_error("open-vqa: media path leaves the data directory", "escape.jsonl:1: media path '../../etc/passwd' leaves",
                 "open-vqa", "--annotations", escape, "--results", good)
    absolute = write("absolute.jsonl", '{"dataset": "x", "question": "q?", "answer": ["a"], "index": 1, '
                     '"image": "/etc/passwd", "class": "Others"}\n')
    expect_error("open-vqa: absolute media path", "is absolute", "open-vqa", "--annotations", absolute,
                 "--results", good)
    twice = write("twice.jsonl", open(ann).readline() * 2)
    expect_error("open-vqa: an index twice in the annotations", "twice.jsonl:2: index 1 occurs twice (first at",
                 "open-vqa", "--annotations", twice, "--results", good)
    expect_error("open-vqa: missing file", "nothing.jsonl", "open-vqa", "--annotations", ann,
                 "--results", os.path.join(tmp, "nothing.jsonl"))

    vq, va = f"{V}/vqa_questions.json", f"{V}/vqa_annotations.json"
    expect_error("vqa: results not JSON", "r.json:2:", "vqa", "--questions", vq, "--annotations", va,
                 "--results", write("r.json", '[{"question_id": 1,\n "answer": }]'))
    expect_error("vqa: results entry without answer", "r2.json:3: answer: required key is missing",
                 "vqa", "--questions", vq, "--annotations", va, "--results",
                 write("r2.json", '[{"question_id": 1, "answer": "x"},\n{"question_id": 2, "answer": "y"},\n{"question_id": 3}]'))
    # 200,000 entries, a bad one in the middle: named by line (one entry per line) or by line and
    # column (a file on one line, as the official releases are)
    entries = ['{"question_id": %d, "answer": "x"}' % (i + 1) for i in range(200000)]
    entries[100000] = '{"question_id": 100001}'
    expect_error("vqa: a bad entry in the middle of 200,000, one per line",
                 "big.json:100002: answer: required key is missing", "vqa", "--questions", vq,
                 "--annotations", va, "--results", write("big.json", "[\n" + ",\n".join(entries) + "\n]"))
    col = 2 + sum(len(e) + 2 for e in entries[:100000])
    expect_error("vqa: ... and on one line", f"big1.json:1:{col}: answer: required key is missing", "vqa",
                 "--questions", vq, "--annotations", va, "--results", write("big1.json", "[" + ", ".join(entries) + "]"))
    entries[100000] = '{"question_id": 100001, "answer": "x"} {'
    expect_error("vqa: a syntax error in the middle", "big2.json:100002:40: expected ',' or ']'", "vqa",
                 "--questions", vq, "--annotations", va, "--results", write("big2.json", "[\n" + ",\n".join(entries) + "\n]"))
    expect_error("vqa: empty results file", "r3.json:1:1: not valid JSON (the file is empty)", "vqa",
                 "--questions", vq, "--annotations", va, "--results", write("r3.json", ""))
    expect_error("vqa: incomplete results", "421 of 422 items have no prediction", "vqa", "--questions", vq,
                 "--annotations", va, "--results", write("r4.json", '[{"question_id": 1, "answer": "x"}]'))
    bad_ann = json.load(open(va))
    del bad_ann["annotations"][4]["answer_type"]
    expect_error("vqa: annotation without answer_type", "ann.json:5: answer_type: required key is missing",
                 "vqa", "--questions", vq, "--annotations",
                 write("ann.json", json.dumps(bad_ann, separators=(",", ":")).replace("},{\"question_id\"", "},\n{\"question_id\"")),
                 "--results", f"{V}/vqa_results.json")
    p = run("score", "vqa", "--questions", vq, "--annotations", va, "--results", f"{V}/vqa_results.json",
            "--normalize", "evalai")
    check("vqa: unknown --normalize is a usage error", p.returncode == 2 and "official-2017" in p.stderr, p.stderr)

    cap_ann = f"{V}/coco_annotations.json"
    expect_error("caption: image not in the annotations", "c.json:2: id 5 is not in the annotations",
                 "caption", "--annotations", cap_ann, "--results",
                 write("c.json", '[{"image_id": 1000, "caption": "a"},\n{"image_id": 5, "caption": "b"}]'))
    expect_error("caption: caption is a number", "c2.json:1:2: caption: ", "caption", "--annotations",
                 cap_ann, "--results", write("c2.json", '[{"image_id": 1000, "caption": 7}]'))

    d = os.path.join(tmp, "mme")
    shutil.copytree(f"{V}/mme", d)
    with open(os.path.join(d, "count.txt"), "a") as f:
        f.write("x.jpg\tIs it?\tYes\n")
    expect_error("mme: three columns", "count.txt:7: expected 4 tab-separated columns", "mme", "--dir", d)
    with open(os.path.join(d, "count.txt"), "w") as f:
        f.write("a.jpg\tq1\tYes\tyes\nb.jpg\tq2\tNo\tno\n")
    expect_error("mme: a pair naming two images", "count.txt:2: lines 1 and 2 should be the two questions of one image",
                 "mme", "--dir", d)
    with open(os.path.join(d, "count.txt"), "w") as f:
        f.write("a.jpg\tq1\tMaybe\tyes\na.jpg\tq2\tNo\tno\n")
    expect_error("mme: truth not yes/no", "count.txt:1: the answer column must be Yes or No", "mme", "--dir", d)
    os.remove(os.path.join(d, "count.txt"))
    out = score("mme", "--dir", d)
    check("mme: a missing subtask is listed and voids its category total",
          out is not None and out["missing_subtasks"] == ["count"] and out["Perception"] is None
          and out["Cognition"] is not None, json.dumps(out)[:200] if out else "")
    expect_error("mme: no result files", "none of the 14 MME result files", "mme", "--dir", tmp)

    # POPE: malformed split files and answer files
    pd = os.path.join(tmp, "pope")
    shutil.copytree(f"{V}/pope/coco", pd)
    with open(os.path.join(pd, "coco_pope_random.json"), "a") as f:
        f.write('{"question_id": 99, "image": "x.jpg", "text": "Is there a cat?", "label": "maybe"}\n')
    pope_args = ["--question-file", f"{V}/pope/llava_pope_test.jsonl", "--result-file",
                 f"{V}/pope/answers.jsonl"]
    n_random = sum(1 for _ in open(f"{V}/pope/coco/coco_pope_random.json"))
    expect_error("pope: a label that is not yes/no", f"coco_pope_random.json:{n_random + 1}: label",
                 "pope", "--annotation-dir", pd, *pope_args)
    shutil.copy(f"{V}/pope/coco/coco_pope_random.json", pd)
    with open(os.path.join(pd, "coco_pope_random.json"), "a") as f:
        f.write('{"question_id": 99, "text": "Is there a cat?", "label": "no"}\n')
    expect_error("pope: a question without its image", f"coco_pope_random.json:{n_random + 1}: image",
                 "pope", "--annotation-dir", pd, *pope_args)
    shutil.copy(f"{V}/pope/coco/coco_pope_random.json", pd)
    shutil.copy(f"{V}/pope/coco/coco_pope_random.json", os.path.join(pd, "coco_pope_shuffled.json"))
    expect_error("pope: an unknown split name", "coco_pope_shuffled.json: not a POPE split file",
                 "pope", "--annotation-dir", pd, *pope_args)
    os.remove(os.path.join(pd, "coco_pope_shuffled.json"))
    lines = open(f"{V}/pope/coco/coco_pope_random.json").read().splitlines(True)
    with open(os.path.join(pd, "coco_pope_random.json"), "w") as f:
        f.writelines(lines[:3])
    expect_error("pope: more answers than a split has questions", "split 'random' has more answers",
                 "pope", "--annotation-dir", pd, *pope_args)
    shutil.copy(f"{V}/pope/coco/coco_pope_random.json", pd)
    expect_error("pope: an answer to an unknown question", "a.jsonl:2: question_id 1 is not in",
                 "pope", "--annotation-dir", pd, "--question-file", f"{V}/pope/llava_pope_test.jsonl",
                 "--result-file", write("a.jsonl", '{"question_id": 1000, "text": "yes"}\n'
                                                   '{"question_id": 1, "text": "no"}\n'))

    # ScienceQA: malformed problems and splits
    sd = os.path.join(tmp, "sqa")
    shutil.copytree(f"{V}/science_qa", sd)
    probs = json.load(open(f"{V}/science_qa/problems.json"))
    first_test = json.load(open(f"{V}/science_qa/pid_splits.json"))["test"][0]
    sqa_args = ["--base-dir", sd, "--result-file", f"{V}/science_qa/answers.jsonl"]

    def write_problems(edit):
        p2 = json.loads(json.dumps(probs))
        edit(p2[first_test])
        with open(os.path.join(sd, "problems.json"), "w") as f:
            json.dump(p2, f, indent=2)

    write_problems(lambda p: p.update(answer=len(p["choices"])))
    expect_error("scienceqa: an answer index past the choices", "answer: ",
                 "scienceqa", *sqa_args)
    write_problems(lambda p: p.pop("choices"))
    expect_error("scienceqa: no choices", f"problem {first_test}: 'choices'", "scienceqa", *sqa_args)
    write_problems(lambda p: p.update(choices=list("abcdef")))
    expect_error("scienceqa: six choices (letters past E)", "2 to 5 strings", "scienceqa", *sqa_args)
    write_problems(lambda p: p.update(image=3))
    expect_error("scienceqa: image not a name", "'image' must be a file name or null", "scienceqa", *sqa_args)
    shutil.copy(f"{V}/science_qa/problems.json", sd)
    expect_error("scienceqa: an unknown split", "no split 'tset' (the file has: train, val, test, minitrain)",
                 "scienceqa", *sqa_args, "--split", "tset")
    with open(os.path.join(sd, "pid_splits.json"), "w") as f:
        json.dump({"test": [first_test, "999999"]}, f)
    expect_error("scienceqa: a split id without a problem", "lists problem 999999, which", "scienceqa", *sqa_args)
    p = run("score", "scienceqa", "--base-dir", f"{V}/science_qa", "--result-file",
            f"{V}/science_qa/answers.jsonl", "--all-questions")
    check("scienceqa --all-questions needs every answer", p.returncode == 1 and "has no prediction" in p.stderr
          or "no prediction" in p.stderr, p.stderr)

    # SEED-Bench: malformed questions
    seed_doc = json.load(open(f"{V}/seed_bench/SEED-Bench.json"))

    def write_seed(edit):
        d2 = json.loads(json.dumps(seed_doc))
        edit(d2)
        return write("seed.json", json.dumps(d2, indent=1))
    first_image = next(i for i, q in enumerate(seed_doc["questions"]) if q["data_type"] == "image")
    seed_res = ["--result-file", f"{V}/seed_bench/answers.jsonl"]
    expect_error("seed-bench: an answer letter out of range", "answer is \"E\", not", "seed-bench", "--annotation-file",
                 write_seed(lambda d: d["questions"][first_image].update(answer="E")), *seed_res)
    expect_error("seed-bench: a question without choice_c", "choice_c", "seed-bench", "--annotation-file",
                 write_seed(lambda d: d["questions"][first_image].pop("choice_c")), *seed_res)
    expect_error("seed-bench: an unknown dimension id", "question_type_id 99 is not in the file's", "seed-bench",
                 "--annotation-file", write_seed(lambda d: d["questions"][first_image].update(question_type_id=99)),
                 *seed_res)
    expect_error("seed-bench: no question_type table", "needs \"question_type\"", "seed-bench", "--annotation-file",
                 write_seed(lambda d: d.pop("question_type")), *seed_res)

    # TextVQA: malformed questions and results
    tv_doc = json.load(open(f"{V}/textvqa/TextVQA_0.5.1_val.json"))
    tv_res = ["--result-file", f"{V}/textvqa/answers.jsonl"]
    bad = json.loads(json.dumps(tv_doc))
    bad["data"][5]["answers"] = bad["data"][5]["answers"][:9]
    expect_error("textvqa: nine answers", "'answers' must be a list of 10 strings", "textvqa",
                 "--annotation-file", write("tv.json", json.dumps(bad)), *tv_res)
    bad = json.loads(json.dumps(tv_doc))
    bad["data"][5].pop("image_id")
    expect_error("textvqa: no image_id", "image_id", "textvqa", "--annotation-file", write("tv.json", json.dumps(bad)),
                 *tv_res)
    tv_ann = ["--annotation-file", f"{V}/textvqa/TextVQA_0.5.1_val.json"]
    q0 = tv_doc["data"][0]
    expect_error("textvqa: a prompt of four lines", "r.jsonl:1: the prompt holds no question", "textvqa", *tv_ann,
                 "--result-file", write("r.jsonl", json.dumps({"question_id": q0["image_id"],
                                                               "prompt": "a\nb\nc\nd", "text": "x"}) + "\n"))
    expect_error("textvqa: a question the image does not have", "r.jsonl:1: no question of image", "textvqa",
                 *tv_ann, "--result-file", write("r.jsonl", json.dumps({"question_id": q0["image_id"],
                                                                         "prompt": "Who?\nAnswer.", "text": "x"}) + "\n"))
    two = json.dumps({"question_id": q0["image_id"], "prompt": q0["question"] + "\nAnswer.", "text": "x"}) + "\n"
    expect_error("textvqa: a question answered twice", "r.jsonl:2", "textvqa", *tv_ann, "--result-file",
                 write("r.jsonl", two + two))

    # GQA: malformed questions, a missing answer
    gdoc = json.load(open(f"{V}/gqa/testdev_balanced_questions.json"))
    first = next(iter(gdoc))
    bad = json.loads(json.dumps(gdoc))
    bad[first]["types"].pop("semantic")
    expect_error("gqa: a question without its semantic type", "types.semantic: required key is missing", "gqa", "--questions",
                 write("q.json", json.dumps(bad)), "--result-file", f"{V}/gqa/answers.jsonl")
    balanced = next(k for k, q in gdoc.items() if q["isBalanced"])
    for what, change, needle in (("a program that is not a list", lambda q: q.update(semantic="select"),
                                  "'semantic' must be a list"),
                                 ("a program step without its argument", lambda q: q["semantic"].append({"operation": "x"}),
                                  "'semantic' must be a list"),
                                 ("groups without 'global'", lambda q: q.update(groups={}), "'groups' must be an object")):
        bad = json.loads(json.dumps(gdoc))
        change(bad[balanced])
        expect_error(f"gqa: {what}", needle, "gqa", "--questions", write("q.json", json.dumps(bad)), "--result-file",
                     f"{V}/gqa/answers.jsonl")
    bad = json.loads(json.dumps(gdoc))
    bad[first]["isBalanced"] = "yes"
    expect_error("gqa: isBalanced not a boolean", "'isBalanced' must be true or false", "gqa", "--questions",
                 write("q.json", json.dumps(bad)), "--result-file", f"{V}/gqa/answers.jsonl")
    lines = open(f"{V}/gqa/answers.jsonl").read().splitlines(True)
    expect_error("gqa: a balanced question without an answer", "have no prediction", "gqa", "--questions",
                 f"{V}/gqa/testdev_balanced_questions.json", "--result-file", write("a.jsonl", "".join(lines[5:])))

    # VizWiz: malformed annotations and uploads
    vdoc = json.load(open(f"{V}/vizwiz/val.json"))
    v_res = ["--result-file", f"{V}/vizwiz/upload_llava.json"]
    for what, change, needle in (
            ("no answers", lambda q: q.update(answers=[]), "val.json:1:"),
            ("an answer without its text", lambda q: q["answers"][3].pop("answer"), "'answer' string"),
            ("an unknown answer type", lambda q: q.update(answer_type="color"), "answer_type"),
            ("an image path, not a name", lambda q: q.update(image="../x.jpg"), "must be a file name"),
            ("no question", lambda q: q.pop("question"), "question: required key is missing")):
        bad = json.loads(json.dumps(vdoc))
        change(bad[7])
        d = os.path.join(tmp, "vz")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "val.json"), "w") as f:
            json.dump(bad, f)
        expect_error(f"vizwiz: {what}", needle, "vizwiz", "--annotation-file", os.path.join(d, "val.json"), *v_res)
    up = json.load(open(f"{V}/vizwiz/upload_llava.json"))
    expect_error("vizwiz: an image without an answer", "have no prediction", "vizwiz", "--annotation-file",
                 f"{V}/vizwiz/val.json", "--result-file", write("up.json", json.dumps(up[1:])))
    expect_error("vizwiz: an image answered twice", "up.json", "vizwiz", "--annotation-file",
                 f"{V}/vizwiz/val.json", "--result-file", write("up.json", json.dumps(up + up[:1])))
    expect_error("vizwiz: an answer that is not a string", "answer", "vizwiz", "--annotation-file",
                 f"{V}/vizwiz/val.json", "--result-file",
                 write("up.json", json.dumps([dict(up[0], answer=3)] + up[1:])))
    expect_error("vizwiz: not the release's file name", "<split>.json", "vizwiz", "--annotation-file",
                 write("val.txt", json.dumps(vdoc)), *v_res)

    # MMBench: malformed TSVs
    tsv_lines = open(f"{V}/mmbench/mmbench_dev_en_20231003.tsv", encoding="utf-8").read().split("\n")
    header = tsv_lines[0].split("\t")
    m_res = ["--result-file", f"{V}/mmbench/answers/llava.jsonl"]

    def with_field(col, value, line=3):
        cells = tsv_lines[line - 1].split("\t")
        cells[header.index(col)] = value
        return "\n".join(tsv_lines[:line - 1] + ["\t".join(cells)] + tsv_lines[line:])
    for what, text, needle in (
            ("an answer past the row's options", with_field("answer", "Z"), "t.tsv:3: 'answer' must be the letter"),
            ("an index that is not a number", with_field("index", "12a"), "t.tsv:3: 'index' must be"),
            ("no question", with_field("question", ""), "t.tsv:3: the question is missing"),
            ("no answer column", "\n".join(["\t".join(c if c != "answer" else "gold" for c in header)]
                                           + tsv_lines[1:]), "no 'answer' column"),
            ("a row with a field too many", "\n".join(tsv_lines[:2] + [tsv_lines[2] + "\textra"] + tsv_lines[3:]),
             "t.tsv:3:"),
            ("an index twice", "\n".join(tsv_lines[:2] + [tsv_lines[1]] + tsv_lines[2:]), "occurs twice"),
            ("a quote never closed", "\t".join(header) + "\n" + "\t".join(
                ["7", '"never closed', "", "a", "b", "", "", "A", "c", "x", "s", "l", "", "dev"]) + "\n",
             "t.tsv:2: a quoted field is never closed")):
        expect_error(f"mmbench: {what}", needle, "mmbench", "--annotation-file", write("t.tsv", text), *m_res)
    expect_error("mmbench: an answer for an index the TSV does not have", "a.jsonl:1: question_id 424242",
                 "mmbench", "--annotation-file", f"{V}/mmbench/mmbench_dev_en_20231003.tsv", "--result-file",
                 write("a.jsonl", json.dumps({"question_id": 424242, "text": "A"}) + "\n"))

    p = run("score", "bleu")
    check("unknown benchmark is a usage error", p.returncode == 2 and "unknown benchmark 'bleu'" in p.stderr, p.stderr)
    p = run("score", "caption", "--help")
    check("score caption --help", p.returncode == 0 and "--tokenized" in p.stdout, p.stdout)
finally:
    shutil.rmtree(tmp)

finish()
