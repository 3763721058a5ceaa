#!/usr/bin/python3
"""`lynxeval score` end to end: each benchmark's output against the oracle values in vectors/
(to 1e-9), raw COCO captions against pycocoevalcap with its Java tokenizer (tests/text/ptb/vectors/,
corpus and per image, to 1e-9), the real Open-VQA files scored with their own answers (302/302,
148/148 with the paper's per-class counts), and malformed inputs refused with the file and line
named.

usage: test_score_cli.py LYNXEVAL OPEN_VQA_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from lxtest import check, finish

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

    p = run("score", "bleu")
    check("unknown benchmark is a usage error", p.returncode == 2 and "unknown benchmark 'bleu'" in p.stderr, p.stderr)
    p = run("score", "caption", "--help")
    check("score caption --help", p.returncode == 0 and "--tokenized" in p.stdout, p.stdout)
finally:
    shutil.rmtree(tmp)

finish()
