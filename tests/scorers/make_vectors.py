#!/usr/bin/python3
"""Makes the scorer test vectors by running the reference scorers themselves as oracles.

Nothing here is a re-implementation: the inputs are generated (seeded), and every expected value
is what the reference code returns for them. The oracles are not part of lynxeval; point this
script at local copies:

  --pycocoevalcap DIR   a checkout of github.com/salaniz/pycocoevalcap (bleu/, rouge/, cider/)
  --vqa-2021 FILE       vqaEval.py of github.com/GT-Vision-Lab/VQA at master (2021 fix); it is
                        Python 2, so its print statements are turned into calls when loaded
  --vqa-2017 FILE       lavis/common/vqa_tools/vqa_eval.py of github.com/salesforce/LAVIS, the
                        2017 logic in Python 3
  --mme FILE            the MME benchmark's eval_tool/calculation.py (needs scikit-learn)
  --pope FILE           llava/eval/eval_pope.py of github.com/haotian-liu/LLaVA
  --science-qa FILE     llava/eval/eval_science_qa.py of github.com/haotian-liu/LLaVA
  --science-qa-acc FILE tools/evaluate_acc.py of github.com/lupantech/ScienceQA (needs pandas); its
                        check that the test split has 4241 problems is dropped when it is loaded
  --seed-bench FILE     scripts/convert_seed_for_submission.py of github.com/haotian-liu/LLaVA
  --gqa-convert FILE    scripts/convert_gqa_for_eval.py of github.com/haotian-liu/LLaVA
  --gqa-eval FILE       GQA's eval.py, v1.2 with the test-dev changes LLaVA's guide links (the copy
                        in github.com/SHI-Labs/VCoder commit 4e85ace,
                        playground/data/eval/gqa/data/eval/eval.py); it imports tqdm, which is
                        replaced by a pass-through when missing
  --textvqa DIR         llava/eval/ of github.com/haotian-liu/LLaVA: eval_textvqa.py and the
                        m4c_evaluator.py it imports (MMF's TextVQA evaluator); tqdm, which it
                        imports for a progress bar, is replaced by a pass-through when missing
  --vizwiz-eval FILE    vqaEvaluation/vqaEval.py of the VizWiz API (vizwiz.org, Qing Li's
                        adaptation of VQA's script); its caption metric (pycocoevalcap, Java) is
                        not part of the accuracy and is replaced by a stub, as are scikit-learn
                        and pycocoevalcap where they are not installed (numpy is needed)
  --vizwiz-convert FILE scripts/convert_vizwiz_for_submission.py of github.com/haotian-liu/LLaVA;
                        with --textvqa DIR for the m4c_evaluator.py it imports
  --mmbench-eval FILE   tools/eval_mmbench.py of github.com/open-compass/opencompass (commit
                        6ca2be6, "Add scripts to evaluate MMBench"; needs pandas and openpyxl);
                        its OpenAI judge is replaced by one that stops the question undecided
  --mmbench-convert FILE scripts/convert_mmbench_for_submission.py of github.com/haotian-liu/LLaVA
  --videochatgpt-eval FILE
                        quantitative_evaluation/evaluate_activitynet_qa.py of
                        github.com/mbzuai-oryx/Video-ChatGPT (commit 659e04b), run as a script
                        with its OpenAI client replaced by a scripted judge and its process pool
                        by a serial one
  --mmvet-eval FILE     mm-vet_evaluator.py of github.com/yuweihao/MM-Vet (commit acde843; needs
                        pandas and numpy), run as a script with its OpenAI client replaced by a
                        scripted judge and its prompt by the stand-in
                        tests/scorers/mmvet_judge_template.py (given as its --prompt)

Each oracle is optional: only the vectors of the oracles given are made again.

Writes into tests/scorers/vectors/:
  captions.json         corpora of (hypothesis, references) with pycocoevalcap's BLEU-1..4,
                        ROUGE-L and CIDEr-D, corpus and per item
  coco_annotations.json, coco_results.json
                        the "main" corpus as COCO caption files, for `lynxeval score caption`
  vqa_questions.json, vqa_annotations.json, vqa_results.json
                        VQA-format files; vqa.json holds the cases and both scripts' accuracies
                        (per question unrounded, and the rounded report each script prints)
  mme/                  the 14 MME result files (image, question, truth, response); mme.json
                        holds the scores calculation.py prints
  pope/                 POPE split files (coco_pope_*.json), LLaVA's question file and an answer
                        file; pope.json holds what eval_pope.py prints and how it read each answer
  science_qa/           problems.json, pid_splits.json and an answer file; science_qa.json holds
                        what eval_science_qa.py writes and evaluate_acc.py returns
  seed_bench/           SEED-Bench.json and an answer file; seed_bench.json holds the counts the
                        script's eval_single computes (read from its frame as it returns) and
                        what it prints
  gqa/                  testdev_balanced_questions.json, LLaVA's answer file and the predictions
                        convert_gqa_for_eval.py makes of it; gqa.json holds eval.py's scores
  textvqa/              TextVQA_0.5.1_val.json and an answer file; textvqa.json holds what the
                        EvalAI processor makes of every answer, each question's score, and what
                        eval_textvqa.py computes and prints
  vizwiz/               val.json, LLaVA's question and answer files, the upload file LLaVA's
                        conversion makes of them (upload_llava.json) and one of the answers as
                        they are (upload_raw.json); vizwiz.json holds, for each upload, what
                        vqaEval.py computes per image (unrounded and rounded) and reports
  videochatgpt/         a prediction file in Video-ChatGPT's format; videochatgpt.json holds the
                        scripted judge's replies and what the script computes and prints from them
  mm_vet/               mm-vet.json in the release's layout and a results file; mm_vet.json holds
                        the scripted judge's replies, for 1, 3 and 9 runs the grade file the
                        script writes and its two tables (per capability, per capability
                        integration: keyed by the capabilities sorted, as the script's column names
                        follow Python's set order), and how the script reads single replies
  mmbench/              a TSV in the release's layout with circular copies, LLaVA's answer file and
                        the spreadsheet its conversion makes; mmbench.json holds each row's letter
                        as eval_mmbench.py's prefetch_answer reads it and each question's verdict
                        from its eval_sub_data (right, wrong, or undecided: it asked the judge)
"""
import argparse
import contextlib
import importlib.util
import io
import json
import os
import random
import re
import shutil
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "vectors")


def load_module(name, path, py2=False):
    src = open(path, encoding="utf-8").read()
    if py2:  # print statements -> print() calls; nothing else in vqaEval.py is Python 2 only
        src = re.sub(r"^(\s*)print (.*)$", r"\1print(\2)", src, flags=re.M)
    spec = importlib.util.spec_from_loader(name, loader=None)
    mod = importlib.util.module_from_spec(spec)
    exec(compile(src, path, "exec"), mod.__dict__)
    return mod


def dump(name, obj, compact=True):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        if compact:  # one item per line keeps diffs readable
            f.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
                    .replace("},{", "},\n{").replace("]},\"", "]},\n\""))
        else:
            json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(os.path.join(OUT, name), encoding="utf-8") as f:
        assert json.load(f) == obj, name  # the line breaks went between items only


# ---- captions ----------------------------------------------------------------------------------

WORDS = ("a man woman dog cat sitting standing on the of in with and next to table street "
         "red blue white black large small two group people playing riding bike horse field "
         "grass water beach kitchen pizza plate food train station bus city road tree sky "
         "holding phone looking at window room bed young child ball frisbee").split()


def random_caption(rng, base=None):
    if base and rng.random() < 0.7:  # a variation of another caption: shared n-grams
        words = base.split()
        for _ in range(rng.randint(0, 3)):
            op = rng.random()
            if op < 0.4 and words:
                words[rng.randrange(len(words))] = rng.choice(WORDS)
            elif op < 0.7:
                words.insert(rng.randint(0, len(words)), rng.choice(WORDS))
            elif words:
                del words[rng.randrange(len(words))]
        return " ".join(words)
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 16)))


def main_corpus(rng, n):
    items = []
    for _ in range(n):
        seed = random_caption(rng)
        refs = [random_caption(rng, seed) for _ in range(rng.randint(1, 7))]
        hyp = random_caption(rng, seed) if rng.random() < 0.9 else random_caption(rng)
        items.append({"hyp": hyp, "refs": refs})
    return items


EDGE = [
    {"hyp": "a dog on a bench", "refs": ["a dog on a bench"]},
    {"hyp": "a a a a a a", "refs": ["a dog and a cat", "a a man"]},       # clipping
    {"hyp": "one two three four five", "refs": ["one two three four", "one two three four five six"]},  # closest tie -> shorter
    {"hyp": "x", "refs": ["x y z", "x"]},
    {"hyp": "", "refs": ["an empty caption scores zero", "nothing"]},
    {"hyp": "a  man  riding", "refs": ["a man riding a horse"]},            # double spaces: ROUGE words
    {"hyp": " leading and trailing ", "refs": ["leading and trailing spaces"]},
    {"hyp": "tab\tand\nnewline", "refs": ["tab and newline"]},
    {"hyp": "no\u00a0break space", "refs": ["no break space"]},              # U+00A0 splits for split()
    {"hyp": "ideographic\u3000space", "refs": ["ideographic space"]},
    {"hyp": "zero\u200bwidth", "refs": ["zero width", "zero\u200bwidth"]},  # U+200B does not
    {"hyp": "café crème brûlée", "refs": ["café crème", "crème brûlée café"]},
    {"hyp": "猫 が 座って いる", "refs": ["猫 が いる", "犬 が 座って いる"]},
    {"hyp": "emoji 🐶 dog", "refs": ["dog 🐶", "a dog"]},
    {"hyp": "the the the the", "refs": ["the", "the the"]},
    {"hyp": "a b c d e f g h i j k l m n o p q r s t", "refs": ["a b c", "t s r q p"]},
    {"hyp": "same", "refs": ["same", "same", "same"]},
    {"hyp": "unrelated words only", "refs": ["nothing in common here"]},
]


def score_captions(pycoco, items):
    gts = {i: it["refs"] for i, it in enumerate(items)}
    res = {i: [it["hyp"]] for i, it in enumerate(items)}
    with contextlib.redirect_stdout(io.StringIO()):
        bleu, bleu_items = pycoco["bleu"].Bleu(4).compute_score(gts, res, verbose=0)
        rouge, rouge_items = pycoco["rouge"].Rouge().compute_score(gts, res)
        cider, cider_items = pycoco["cider"].Cider().compute_score(gts, res)
    exp = {f"Bleu_{k + 1}": float(bleu[k]) for k in range(4)}
    exp.update({"ROUGE_L": float(rouge), "CIDEr": float(cider)})
    exp["per_item"] = {
        "Bleu": [[float(bleu_items[k][i]) for k in range(4)] for i in range(len(items))],
        "ROUGE_L": [float(x) for x in rouge_items],
        "CIDEr": [float(x) for x in cider_items],
    }
    return exp


def make_captions(args):
    sys.path.insert(0, args.pycocoevalcap)  # bleu/, rouge/, cider/ import as packages
    mods = {name: importlib.import_module(f"{name}.{name}") for name in ("bleu", "rouge", "cider")}
    rng = random.Random(20230705)
    main = main_corpus(rng, 240)
    corpora = {"main": main, "subset": main[:60], "single": main[:1], "edge": EDGE}
    out = {"oracle": "pycocoevalcap (salaniz) Bleu(4), Rouge, Cider", "corpora": {}}
    for name, items in corpora.items():
        out["corpora"][name] = {"items": items, "expected": score_captions(mods, items)}
    dump("captions.json", out)
    # COCO caption files for the command line: image ids 1000 + i.
    images = [{"id": 1000 + i, "file_name": f"{1000 + i}.jpg"} for i in range(len(main))]
    anns, k = [], 1
    for i, it in enumerate(main):
        for r in it["refs"]:
            anns.append({"image_id": 1000 + i, "id": k, "caption": r})
            k += 1
    dump("coco_annotations.json", {"images": images, "annotations": anns})
    dump("coco_results.json", [{"image_id": 1000 + i, "caption": it["hyp"]} for i, it in enumerate(main)])


# ---- VQA ---------------------------------------------------------------------------------------

# Answers chosen to hit every normalization rule of vqaEval.py.
ANSWER_POOL = ["red", "Red", "red.", "Red.", "red ", " red", "two", "2", "Two", "none", "0", "ten",
               "10", "yes", "Yes", "yes!", "no", "No.", "the dog", "a dog", "dog", "dogs", "dont",
               "don't", "Dont", "3.5", "3,5", "1,000", "1000", "a/b", "a / b", "x-y", "x - y",
               "(left)", "left", "left side", "mr. smith", "mr smith", "e.g.", "hot dog",
               "hot-dog", "an apple", "apple", "nine o'clock", "oclock", "o'clock",
               "i dont know", "cant", "can't", "youre", "rock & roll", "50%", "$5", "5",
               "tennis\tracket", "tennis racket", "a\nb", "AN Apple", "İstanbul", "istanbul",
               "٣,٤", "٣٤", "é.", "é", "....", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h."]


def make_vqa(args):
    vqa17 = load_module("oracle_vqa2017", args.vqa_2017)
    vqa21 = load_module("oracle_vqa2021", args.vqa_2021, py2=True)
    rng = random.Random(2017)
    cases = []
    qid = 1
    for _ in range(420):
        kind = rng.random()
        if kind < 0.25:  # all ten identical
            refs = [rng.choice(ANSWER_POOL)] * 10
        elif kind < 0.6:  # a few distinct answers
            few = rng.sample(ANSWER_POOL, rng.randint(2, 3))
            refs = [rng.choice(few) for _ in range(10)]
        else:
            refs = [rng.choice(ANSWER_POOL) for _ in range(10)]
        pred = rng.choice(refs + ANSWER_POOL[:20]) if rng.random() < 0.7 else rng.choice(ANSWER_POOL)
        atype = rng.choice(["yes/no", "number", "other"])
        qtype = rng.choice(["what color is the", "how many", "is this", "what is", "none of the above"])
        cases.append({"question_id": qid, "pred": pred, "refs": refs, "answer_type": atype,
                      "question_type": qtype})
        qid += 1
    # Hand-picked: the documented 2017/2021 difference, and the 32-period cap.
    cases.append({"question_id": qid, "pred": "Red.", "refs": ["red"] * 10, "answer_type": "other",
                  "question_type": "what color is the"})
    qid += 1
    many_dots = "a." * 40 + "b"
    cases.append({"question_id": qid, "pred": many_dots, "refs": [many_dots] * 9 + ["c"],
                  "answer_type": "other", "question_type": "what is"})

    class Api:  # the attributes vqaEval.py reads from its VQA objects
        def __init__(self, qa):
            self.qa = qa

        def getQuesIds(self):
            return list(self.qa)

    def run(mod, n):
        gts = Api({c["question_id"]: {
            "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": j + 1}
                        for j, a in enumerate(c["refs"])],
            "question_type": c["question_type"], "answer_type": c["answer_type"]} for c in cases})
        res = Api({c["question_id"]: {"answer": c["pred"]} for c in cases})
        ev = mod.VQAEval(gts, res, n=n)
        with contextlib.redirect_stdout(io.StringIO()):
            ev.evaluate()
        return ev

    expected = {}
    for mode, mod in (("official-2017", vqa17), ("official-2021", vqa21)):
        rounded = run(mod, 2)
        exact = run(mod, 20)  # round(x, 20) leaves a float64 as it is
        expected[mode] = {
            "per_question": {str(q): exact.evalQA[q] / 100 for q in exact.evalQA},
            "unrounded": exact.accuracy,
            "reported": rounded.accuracy,
        }
    dump("vqa.json", {"oracle": "vqaEval.py: LAVIS (official-2017), GT-Vision-Lab master (official-2021)",
                      "cases": cases, "expected": expected})
    dump("vqa_questions.json", {"questions": [{"question_id": c["question_id"], "image_id": c["question_id"] % 7,
                                               "question": f"question {c['question_id']}?"} for c in cases]})
    dump("vqa_annotations.json", {"annotations": [{
        "question_id": c["question_id"], "image_id": c["question_id"] % 7,
        "question_type": c["question_type"], "answer_type": c["answer_type"],
        "multiple_choice_answer": c["refs"][0],
        "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": j + 1} for j, a in enumerate(c["refs"])]}
        for c in cases]})
    dump("vqa_results.json", [{"question_id": c["question_id"], "answer": c["pred"]} for c in cases])


# ---- MME ---------------------------------------------------------------------------------------

RESPONSES = ["Yes", "No", "yes", "no", "Yes.", "No.", "YES", "NO", "Yes, there is a dog.",
             "No, there is not.", "I don't know.", "There is no dog.", "nope", "Not sure", "y",
             "noyes", "yesno", "Ye s", "maybe yes", "n o", "Certainly not", "Nö", "ÝES", ""]


def make_mme(args):
    mme = load_module("oracle_mme", args.mme)
    rng = random.Random(1187)
    d = os.path.join(OUT, "mme")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for task in sum(mme.eval_type_dict.values(), []):
        lines = []
        for img in range(rng.randint(3, 9)):
            for truth in rng.sample(["Yes", "No"], 2):
                resp = rng.choice(RESPONSES) if rng.random() < 0.6 else truth
                lines.append(f"{task}_{img}.jpg\tIs this question {img} about {task}?\t{truth}\t{resp}\n")
        with open(os.path.join(d, task + ".txt"), "w", encoding="utf-8") as f:
            f.writelines(lines)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        mme.calculate_metrics().process_result(d)
    scores, totals, current = {}, {}, None
    for line in buf.getvalue().splitlines():
        m = re.match(r"=+ (\w+) =+", line)
        if m:
            current = m.group(1)
        m = re.match(r"total score: (\S+)", line)
        if m:
            totals[current] = float(m.group(1))
        m = re.match(r"\s+(\w+)\s+score: (\S+)", line)
        if m:
            scores[m.group(1)] = float(m.group(2))
    dump("mme.json", {"oracle": "MME eval_tool/calculation.py", "scores": scores, "totals": totals}, compact=False)


# ---- POPE --------------------------------------------------------------------------------------

# Answers that hit every rule of eval_pope.py's reading: the first sentence only, commas removed,
# split on single spaces, the words No / not / no (exactly; "NO", "Not" and "no\n" are yes).
POPE_ANSWERS = ["Yes", "No", "yes", "no", "Yes.", "No.", "no.", "NO", "Not", "not", "nope",
                "Yes, there is a dog in the image.", "No, there is not.", "No,there is none",
                "There is no dog.", "I do not see one", "I don't see one", "Yes. No.", "Yes.No",
                "no,", ",no", "no\n", "No\tthere", "  no", "no  ", "", ".", "no.yes", "yes no",
                "Yes, but not clearly.", "Nо (Cyrillic o)", "Nein", "nicht", "It is not there.",
                "Unknown", "Ye,s", "n,o", "N,o", "yes\nno", "Yes... no", "The answer is no",
                "是", "不", "No!", "no!", "Sure, not"]


def run_script(path, argv):
    """Runs a script as `python path argv...` does, in this process; returns its printed text and
    its global names."""
    src = open(path, encoding="utf-8").read()
    ns = {"__name__": "__main__", "__file__": path}
    old = sys.argv
    sys.argv = [path] + argv
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(src, path, "exec"), ns)
    finally:
        sys.argv = old
    return buf.getvalue(), ns


def make_pope(args):
    rng = random.Random(3007)
    d = os.path.join(OUT, "pope")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "coco"))
    questions, answers, qid = [], {}, 1000
    for split in ("adversarial", "popular", "random"):
        lines = []
        for k in range(rng.randint(40, 70)):
            image = f"COCO_val2014_{rng.randint(1, 99999):012d}.jpg"
            label = rng.choice(["yes", "no"])
            lines.append({"question_id": k + 1, "image": image,
                          "text": f"Is there a thing {k} in the image?", "label": label})
            # LLaVA's question file numbers the questions of all splits together
            questions.append({"question_id": qid, "image": image, "text": lines[-1]["text"],
                              "category": split})
            pick = rng.random()
            answers[qid] = (rng.choice(POPE_ANSWERS) if pick < 0.5 else
                            label.capitalize() if pick < 0.8 else rng.choice(["Yes", "No"]))
            qid += 1
        with open(os.path.join(d, "coco", f"coco_pope_{split}.json"), "w", encoding="utf-8") as f:
            f.writelines(json.dumps(x) + "\n" for x in lines)
    # the answers of different splits interleaved, each split's in its own order
    order, queues = [], {s: [q for q in questions if q["category"] == s]
                         for s in ("adversarial", "popular", "random")}
    while any(queues.values()):
        s = rng.choice([s for s in queues if queues[s]])
        order.append(queues[s].pop(0))
    with open(os.path.join(d, "llava_pope_test.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(json.dumps(q) + "\n" for q in questions)
    with open(os.path.join(d, "answers.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(json.dumps({"question_id": q["question_id"], "prompt": q["text"],
                                 "text": answers[q["question_id"]]}, ensure_ascii=False) + "\n"
                     for q in order)
    printed, ns = run_script(args.pope, ["--annotation-dir", os.path.join(d, "coco"),
                                         "--question-file", os.path.join(d, "llava_pope_test.jsonl"),
                                         "--result-file", os.path.join(d, "answers.jsonl")])
    splits, current = {}, None
    for line in printed.splitlines():
        m = re.match(r"Category: (\w+), # samples: (\d+)", line)
        if m:
            current = splits.setdefault(m.group(1), {"samples": int(m.group(2))})
        m = re.match(r"(\d+)\t(\d+)\t(\d+)\t(\d+)$", line)
        if m:
            current.update(zip(("TP", "FP", "TN", "FN"), map(int, m.groups())))
        for key, name in (("Accuracy", "accuracy"), ("Precision", "precision"), ("Recall", "recall"),
                          ("F1 score", "f1"), ("Yes ratio", "yes_ratio")):
            m = re.match(key + r": (\S+)$", line)
            if m:
                current[name] = float(m.group(1))  # repr() of a float reads back exactly
    # how the script read each answer: it rewrites answer["text"] in place
    read = {a["question_id"]: a["text"] for a in ns["answers"]}
    dump("pope.json", {"oracle": "LLaVA llava/eval/eval_pope.py", "splits": splits,
                       "answers": {str(q): {"text": answers[q], "read": read[q]} for q in answers}},
         compact=False)


# ---- ScienceQA ---------------------------------------------------------------------------------

# Answers for eval_science_qa.py's reading: a bare letter A-E, "X. ...", "The answer is X." once
# (the '.' any character but a newline; findall does not overlap), else FAILED.
SQA_ANSWERS = ["A", "B", "C", "D", "E", "F", "Z", "a", "A.", "A. ", "B. because", "C.because",
               "D.  two spaces", "(A)", "A)", " A", "A ", "", "Answer: A", "The answer is A.",
               "The answer is B", "The answer is C!", "The answer is c.", "The answer is D.\n",
               "The answer is E\n", "The answer is B\nmore", "The answer is Bé", "The answer is Z.",
               "The answer is A. The answer is B.", "The answer is AThe answer is B.",
               "The answer is A. The answer is A.", "the answer is A.", "The answer is  A.",
               "I think the answer is C. Yes.", "Ｂ", "B. The answer is C.", "E. ", "A\n",
               "LECTURE: x\nThe answer is B.", "The answer is 🙂.", "The answer is A🙂"]
SUBJECTS = ["natural science", "social science", "language science"]


def make_science_qa(args):
    rng = random.Random(4241)
    d = os.path.join(OUT, "science_qa")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    problems, splits = {}, {"train": [], "val": [], "test": [], "minitrain": []}
    for k in range(260):
        pid = str(3 * k + rng.randint(1, 3) + 1000)
        split = "test" if rng.random() < 0.8 else rng.choice(["train", "val"])
        n = rng.randint(2, 5)
        problems[pid] = {
            "question": f"Which choice is right for problem {pid}?",
            "choices": [rng.choice(["cat", "dog", "shiny", "rough", "Asia", "Ohio", "café", "2 m"])
                        + f" {j}" for j in range(n)],
            "answer": rng.randrange(n),
            "hint": rng.choice(["", "", "Read the passage.", "Figure: a map.\nLook at it."]),
            "image": "image.png" if rng.random() < 0.6 else None,
            "task": "closed choice", "grade": f"grade{rng.randint(1, 12)}",
            "subject": rng.choice(SUBJECTS), "topic": "t", "category": "c", "skill": "s",
            "lecture": "", "solution": "", "split": split}
        splits[split].append(pid)
    rng.shuffle(splits["test"])  # the split's order is pid_splits.json's, not the problems'
    with open(os.path.join(d, "problems.json"), "w", encoding="utf-8") as f:
        json.dump(problems, f, indent=2, ensure_ascii=False)
    with open(os.path.join(d, "pid_splits.json"), "w", encoding="utf-8") as f:
        json.dump(splits, f)
    answers = []
    for pid in splits["test"] + splits["train"][:3]:  # answers outside the split are ignored
        if rng.random() < 0.08:
            continue  # unanswered
        p = problems[pid]
        pick = rng.random()
        text = (rng.choice(SQA_ANSWERS) if pick < 0.55 else "ABCDE"[p["answer"]] if pick < 0.8
                else rng.choice("ABCDE"[:len(p["choices"])]))
        prompt = ("<image>\n" if p["image"] else "") + p["question"]
        answers.append({"question_id": pid, "prompt": prompt, "text": text})
    rng.shuffle(answers)
    with open(os.path.join(d, "answers.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(json.dumps(a, ensure_ascii=False) + "\n" for a in answers)
    out_file, out_result = os.path.join(d, "_output.json"), os.path.join(d, "_result.json")
    printed, _ = run_script(args.science_qa, ["--base-dir", d, "--result-file",
                                              os.path.join(d, "answers.jsonl"),
                                              "--output-file", out_file, "--output-result", out_result])
    output, result = json.load(open(out_file)), json.load(open(out_result))
    os.remove(out_file)
    os.remove(out_result)
    mm_correct = len([x for x in output["correct"] if x["is_multimodal"]])
    mm_total = mm_correct + len([x for x in output["incorrect"] if x["is_multimodal"]])
    text = {a["question_id"]: a["text"] for a in answers}
    per_item = {x["question_id"]: {"text": x["pred"], "answered": x["question_id"] in text,
                                   "image": x["is_multimodal"], "parsed": x["parsed_ans"],
                                   "correct": verdict}
                for verdict in (True, False)
                for x in output["correct" if verdict else "incorrect"]}
    expected = {"printed": printed.strip(), "acc": result["acc"], "correct": result["correct"],
                "count": result["count"], "img_correct": mm_correct, "img_total": mm_total,
                # the script prints IMG-Accuracy with two decimals; its unrounded value is its
                # expression on its own counts
                "img_accuracy": mm_correct / mm_total * 100, "per_item": per_item}
    # ScienceQA's evaluate_acc.py on what eval_science_qa.py wrote, over the test split
    src = open(args.science_qa_acc, encoding="utf-8").read().replace("assert num == 4241", "pass")
    acc_mod = types.ModuleType("oracle_sqa_acc")
    exec(compile(src, args.science_qa_acc, "exec"), acc_mod.__dict__)
    res_file = os.path.join(d, "_results.json")
    with open(res_file, "w") as f:
        json.dump({"results": result["results"]}, f)
    expected["evaluate_acc"] = acc_mod.get_scores(res_file, os.path.join(d, "problems.json"))
    os.remove(res_file)
    dump("science_qa.json", {"oracle": "LLaVA llava/eval/eval_science_qa.py; ScienceQA tools/evaluate_acc.py",
                             "expected": expected})


# ---- SEED-Bench --------------------------------------------------------------------------------

SEED_DIMENSIONS = ["Scene Understanding", "Instance Identity", "Instance Attributes", "Instance Location",
                   "Instances Counting", "Spatial Relation", "Instance Interaction", "Visual Reasoning",
                   "Text Understanding", "Action Recognition", "Action Prediction", "Procedure Understanding"]
# exact text only: every other form of the right letter is wrong
SEED_ANSWERS = ["A", "B", "C", "D", "a", "A.", " A", "A ", "(A)", "A\n", "", "E", "The answer is A.",
                "Ａ", "AB", "B. a cat", "答案是A"]


def locals_at_return(fn, *args):
    """Calls fn and returns (its result, its local variables as it returns)."""
    seen = {}

    def tracer(frame, event, arg):
        if frame.f_code is fn.__code__:
            if event == "return":
                seen.update(frame.f_locals)
            return tracer
        return None
    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = fn(*args)
    finally:
        sys.settrace(old)
    return result, seen


def make_seed_bench(args):
    rng = random.Random(14233)
    d = os.path.join(OUT, "seed_bench")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    questions, answers = [], []
    for k in range(230):
        dim = rng.randrange(len(SEED_DIMENSIONS)) + 1
        video = dim >= 10
        q = {"answer": rng.choice("ABCD"), "choice_a": "one", "choice_b": "two", "choice_c": "a café",
             "choice_d": "四", "data_id": f"{rng.randint(1, 9999999)}_{k}" + (".mp4" if video else ""),
             "data_type": "video" if video else "image", "question": f"Question {k} about dimension {dim}?",
             "question_id": str(100000 + 7 * k), "question_type_id": dim}
        if video:
            q["segment"] = [0, 8]
        questions.append(q)
        pick = rng.random()
        text = rng.choice(SEED_ANSWERS) if pick < 0.5 else q["answer"] if pick < 0.8 else rng.choice("ABCD")
        qid = int(q["question_id"]) if rng.random() < 0.5 else q["question_id"]  # both forms occur
        answers.append({"question_id": qid, "prompt": q["question"], "text": text})
    rng.shuffle(answers)
    data = {"question_type": {n: i + 1 for i, n in enumerate(SEED_DIMENSIONS)}, "questions": questions}
    with open(os.path.join(d, "SEED-Bench.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
    with open(os.path.join(d, "answers.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(json.dumps(a, ensure_ascii=False) + "\n" for a in answers)
    # the script's own functions on its own globals (data, ques_type_id_to_name), as its main sets them
    src = open(args.seed_bench, encoding="utf-8").read()
    mod = types.ModuleType("oracle_seed")
    exec(compile(src, args.seed_bench, "exec"), mod.__dict__)
    mod.data = json.load(open(os.path.join(d, "SEED-Bench.json")))
    mod.ques_type_id_to_name = {i: n for n, i in mod.data["question_type"].items()}
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        _, frame = locals_at_return(mod.eval_single, os.path.join(d, "answers.jsonl"), "image")
    counts, correct = frame["type_counts"], frame["correct_counts"]
    expected = {"printed": buf.getvalue().strip(),
                "total": frame["total_count"], "correct": frame["total_correct"],
                "accuracy": frame["total_accuracy"],
                "dimensions": {mod.ques_type_id_to_name[t]: {
                    "question_type_id": t, "questions": counts[t], "correct": correct[t],
                    "accuracy": correct[t] / counts[t] * 100} for t in sorted(counts)}}
    # each image question's verdict: the script keeps none, so its own results dict is looked up
    # with its own two steps (int() of the id, then the dict), and its comparison
    results, per_item = frame["results"], {}
    for q in questions:
        if q["data_type"] == "image":
            row = results.get(int(q["question_id"]))
            per_item[q["question_id"]] = {"answered": row is not None,
                                          "correct": row is not None and row["text"] == q["answer"]}
    expected["per_item"] = per_item
    dump("seed_bench.json", {"oracle": "LLaVA scripts/convert_seed_for_submission.py (eval_single, image)",
                             "expected": expected})


# ---- TextVQA -----------------------------------------------------------------------------------

# answers for the EvalAI processor: ',' and '?' gone before the punctuation rule, "'s" split off,
# case, Unicode spaces, newlines and tabs, periods before digits, numbers and articles, contractions
TEXTVQA_POOL = ["coca cola", "Coca-Cola", "coca-cola", "COCA COLA", "coca, cola", "cola?", "cola",
                "mcdonald's", "McDonald's", "mcdonalds", "mcdonald 's", "it's", "its", "1,000", "1000",
                "1 000", "3.5", "3,5", "3. 5", "v.1", "v1", "ten", "10", "one", "a sign", "the sign",
                "sign", "an apple", "dont", "don't", "do not", "yes", "Yes.", "no", "NO!", "stop",
                "STOP", "stop sign", "(stop)", "stop\n", "stop\tsign", "\u00a0stop", "stop\u3000",
                "e.g.", "eg", "a/b", "a / b", "x-ray", "x - ray", "50%", "$5", "5", "İstanbul",
                "istanbul", "é.", "é", "....", "", "2:30", "2 30", "www.google.com", "google.com",
                "#1", "1", "you're", "youre", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h."]


def tqdm_if_missing():
    """The oracles import tqdm for a progress bar only: a pass-through when it is not installed."""
    if "tqdm" not in sys.modules and importlib.util.find_spec("tqdm") is None:
        stub = types.ModuleType("tqdm")
        stub.tqdm = lambda x, *a, **k: x
        sys.modules["tqdm"] = stub


def install_m4c(llava_eval_dir):
    """LLaVA's llava/eval/m4c_evaluator.py, importable as the package its scripts import it from."""
    m4c = types.ModuleType("llava.eval.m4c_evaluator")
    path = os.path.join(llava_eval_dir, "m4c_evaluator.py")
    exec(compile(open(path, encoding="utf-8").read(), path, "exec"), m4c.__dict__)
    for name in ("llava", "llava.eval"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["llava.eval.m4c_evaluator"] = m4c
    sys.modules["llava.eval"].m4c_evaluator = m4c
    return m4c


def make_textvqa(args):
    tqdm_if_missing()
    m4c = install_m4c(args.textvqa)
    ev = m4c.TextVQAAccuracyEvaluator()
    rng = random.Random(5000)
    d = os.path.join(OUT, "textvqa")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    data, results = [], []
    for k in range(300):
        kind = rng.random()
        if kind < 0.3:
            few = rng.sample(TEXTVQA_POOL, 2)
            answers = [rng.choice(few) for _ in range(10)]
        else:
            answers = [rng.choice(TEXTVQA_POOL) for _ in range(10)]
        image = data[-1]["image_id"] if k % 10 == 9 else f"{rng.randrange(16 ** 8):08x}{k % 97:08x}"
        question = rng.choice(["What does the sign say?", "what brand is this?", "Which number is shown?",
                               "WHAT IS WRITTEN HERE?"]) + f" ({k})"
        data.append({"question": question, "image_id": image, "image_classes": ["Sign"], "answers": answers,
                     "question_tokens": question.split(), "question_id": 34000 + k, "set_name": "val"})
        pred = rng.choice(answers + TEXTVQA_POOL[:30]) if rng.random() < 0.7 else rng.choice(TEXTVQA_POOL)
        ocr = ", ".join(rng.sample(["coca", "cola", "stop", "1000", "ave"], 2))
        prompt = rng.choice([
            f"{question}\nAnswer the question using a single word or phrase.",
            f"{question}\nReference OCR token: {ocr}\nAnswer the question using a single word or phrase.",
            f"Reference OCR token: {ocr}\n{question}\nAnswer the question using a single word or phrase.",
            f"OCR tokens: {ocr}. Question: {question} Short answer:"])
        if rng.random() < 0.1:  # the script lowercases the question it reads from the prompt
            prompt = prompt.replace(question, question.upper())
        results.append({"question_id": image, "prompt": prompt, "text": pred})
    # a question asked twice of one image (the script's dict keeps the later), answered once
    data.append(dict(data[3], question_id=34999, answers=["later"] * 10))
    rng.shuffle(results)
    with open(os.path.join(d, "TextVQA_0.5.1_val.json"), "w", encoding="utf-8") as f:
        json.dump({"dataset_type": "val", "dataset_name": "textvqa", "dataset_version": "0.5.1", "data": data}, f,
                  ensure_ascii=False)
    with open(os.path.join(d, "answers.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
    processed = {a: ev.answer_processor(a) for a in TEXTVQA_POOL}
    script = os.path.join(args.textvqa, "eval_textvqa.py")
    src = open(script, encoding="utf-8").read()
    mod = types.ModuleType("oracle_textvqa")
    exec(compile(src, script, "exec"), mod.__dict__)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        _, frame = locals_at_return(mod.eval_single, os.path.join(d, "TextVQA_0.5.1_val.json"),
                                    os.path.join(d, "answers.jsonl"))
    # the script's own pred_list (its matching), scored by its own evaluator, entry by entry too
    pred_list, evaluator = frame["pred_list"], frame["evaluator"]
    per_result = [evaluator._compute_answer_scores(e["gt_answers"]).get(
        evaluator.answer_processor(e["pred_answer"]), 0.0) for e in pred_list]
    dump("textvqa.json", {"oracle": "LLaVA llava/eval/eval_textvqa.py with m4c_evaluator.py (MMF)",
                          "processed": processed, "printed": buf.getvalue().strip(),
                          "accuracy": 100. * evaluator.eval_pred_list(pred_list),
                          "per_result": per_result, "samples": len(pred_list)})


# ---- GQA ---------------------------------------------------------------------------------------

GQA_ANSWERS = ["yes", "no", "Yes", "Yes.", "yes..", "no.", "NO", "left", "Left.", "right", "white", "White",
               "gray", "grey", "the table", "table", "tables", "İ", "i̇", "ÉCOLE", "école", "", ".", "...",
               "yes. ", "man", "men", "woman", "The man."]
GQA_STRUCTURAL = ["query", "verify", "logical", "choose", "compare"]
GQA_SEMANTIC = ["obj", "attr", "rel", "cat", "global"]


def make_gqa(args):
    rng = random.Random(12578)
    d = os.path.join(OUT, "gqa")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    questions, answers = {}, []
    for k in range(260):
        qid = str(20000000 + 13 * k)
        structural = rng.choice(GQA_STRUCTURAL)
        gold = rng.choice(["yes", "no"]) if structural != "query" else rng.choice(
            ["left", "right", "white", "gray", "table", "man", "woman", "i̇", "école"])
        words = rng.randint(3, 9)
        question = " ".join(rng.choice(["Is", "the", "table", "left", "of", "man?", "What", "color"])
                            for _ in range(words))
        if k % 17 == 0:
            question = question.replace(" ", "\u00a0", 1)  # split() splits on Unicode spaces too
        semantic_ops = [{"operation": rng.choice(["select", "relate", "filter color", "exist", "query"]),
                         "argument": rng.choice(["table", "name", "_", "left"]), "dependencies": []}
                        for _ in range(rng.randint(1, 4))]
        questions[qid] = {"semantic": semantic_ops, "entailed": [], "equivalent": [qid],
                          "question": question, "imageId": f"n{rng.randint(1, 99999)}", "isBalanced": k % 11 != 5,
                          "groups": {"global": rng.choice([None, "color", "place"]), "local": "10c-x"},
                          "answer": gold, "semanticStr": "", "annotations": {"answer": {}, "question": {},
                                                                             "fullAnswer": {}},
                          "types": {"structural": structural, "semantic": rng.choice(GQA_SEMANTIC),
                                    "detailed": "x"}, "fullAnswer": gold}
        pick = rng.random()
        text = rng.choice(GQA_ANSWERS) if pick < 0.5 else gold if pick < 0.7 else gold.capitalize() + "."
        answers.append({"question_id": qid, "prompt": question, "text": text})
    rng.shuffle(answers)
    answers.append(dict(answers[0], text="a later answer"))  # the later one counts, in both scripts
    with open(os.path.join(d, "testdev_balanced_questions.json"), "w", encoding="utf-8") as f:
        json.dump(questions, f, ensure_ascii=False)
    with open(os.path.join(d, "answers.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(json.dumps(a, ensure_ascii=False) + "\n" for a in answers)
    tqdm_if_missing()
    # LLaVA's conversion, then GQA's eval.py, each run as a script from the data folder, as
    # LLaVA's gqa.sh runs them
    pred = os.path.join(d, "testdev_balanced_predictions.json")
    run_script(args.gqa_convert, ["--src", os.path.join(d, "answers.jsonl"), "--dst", pred])
    cwd = os.getcwd()
    os.chdir(d)
    try:
        printed, ns = run_script(args.gqa_eval, ["--tier", "testdev_balanced"])
    finally:
        os.chdir(cwd)
    scores = ns["scores"]
    detailed = {k: {str(t): {"accuracy": v[0], "questions": v[1]} for t, v in scores[k].items()}
                for k in ("accuracyPerStructuralType", "accuracyPerSemanticType", "accuracyPerLength",
                          "accuracyPerSteps")}
    dump("gqa.json", {"oracle": "LLaVA convert_gqa_for_eval.py, GQA eval.py (v1.2 with the test-dev changes)",
                      "accuracy": scores["accuracy"], "binary": scores["binary"], "open": scores["open"],
                      "distribution": scores["distribution"],
                      "detailed": detailed, "printed": printed.strip().splitlines()[-40:]}, compact=False)


# ---- VizWiz ------------------------------------------------------------------------------------

# references as annotators type them (compared raw by the evaluation) and predictions as models
# write them: articles, number words, punctuation, periods, contractions with and without
# apostrophes (ASCII and typographic), capitals, blanks, non-ASCII
VIZWIZ_REFS = ["unanswerable", "Unanswerable", "unsuitable", "unanswerable ", "yes", "no", "2", "two", "10",
               "coca cola", "coca-cola", "lid", "the lid", "dont know", "don't", "don’t", "don’t know", "it’ll",
               "we've", "weve", "wasn’t", "3.5", "blue", "dark blue", "Blue", "dog", "a dog", "école", "ÉCOLE",
               "", "100", "2,000", "2000", "i’m", "keyboard"]
VIZWIZ_PREDS = ["Unanswerable.", "unanswerable\n", " unanswerable", "Yes.", "No!", "yes", "Two", "ten", "2",
                "Coca-Cola.", "coca cola", "The lid", "the  lid.", "dont know", "Don't", "dont", "itll", "it'll",
                "Weve", "we’ve", "wasnt", "3.5", "3.5.", "Blue", "\tblue\t", "dark-blue", "A dog.", "a/b dog",
                "École", "", "...", "100%", "2,000", "2000.", "im", "I'm", "keyboard (black)", "it's a dog",
                "the dog's bowl", "none", "zero", "Unanswerable, sorry", "x - y"]
VIZWIZ_TYPES = ["other", "yes/no", "number", "unanswerable"]


def make_vizwiz(args):
    rng = random.Random(31337)
    d = os.path.join(OUT, "vizwiz")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    annotations, questions, answers = [], [], []
    for k in range(240):
        image = f"VizWiz_val_{k * 7 + 3:08d}.jpg"
        kind = rng.random()
        if kind < 0.3:  # agreeing annotators
            few = rng.sample(VIZWIZ_REFS, 2)
            refs = [rng.choice(few) for _ in range(10)]
        else:
            refs = [rng.choice(VIZWIZ_REFS) for _ in range(10)]
        atype = rng.choice(VIZWIZ_TYPES)
        question = rng.choice(["What is this?", "what color is this shirt?", "Can you read this?",
                               "How much is it?", "¿Qué es esto?"])
        annotations.append({"image": image, "question": question,
                            "answers": [{"answer": a, "answer_confidence": rng.choice(["yes", "maybe", "no"])}
                                        for a in refs],
                            "answer_type": atype, "answerable": 0 if atype == "unanswerable" else 1})
        questions.append({"question_id": k, "image": image, "text": question + "\nWhen the provided information "
                          "is insufficient, respond with 'Unanswerable'.\nAnswer the question using a single word "
                          "or phrase.", "category": "default"})
        pick = rng.random()
        text = rng.choice(refs) if pick < 0.35 else rng.choice(VIZWIZ_PREDS)
        answers.append({"question_id": k, "prompt": questions[-1]["text"], "text": text,
                        "answer_id": f"a{k}", "model_id": "llava-v1.5", "metadata": {}})
    rng.shuffle(answers)  # the conversion looks answers up by question_id
    with open(os.path.join(d, "val.json"), "w", encoding="utf-8") as f:
        json.dump(annotations, f, ensure_ascii=False)
    with open(os.path.join(d, "llava_val.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(json.dumps(q, ensure_ascii=False) + "\n" for q in questions)
    with open(os.path.join(d, "answers.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(json.dumps(a, ensure_ascii=False) + "\n" for a in answers)
    # LLaVA's conversion, with the EvalAI processor from its llava/eval/m4c_evaluator.py
    install_m4c(args.textvqa)
    upload_llava = os.path.join(d, "upload_llava.json")
    run_script(args.vizwiz_convert, ["--annotation-file", os.path.join(d, "llava_val.jsonl"),
                                     "--result-file", os.path.join(d, "answers.jsonl"),
                                     "--result-upload-file", upload_llava])
    raw = {a["question_id"]: a["text"] for a in answers}
    upload_raw = os.path.join(d, "upload_raw.json")
    with open(upload_raw, "w", encoding="utf-8") as f:
        json.dump([{"image": q["image"], "answer": raw[q["question_id"]]} for q in questions], f,
                  ensure_ascii=False)
    # the evaluation, as the API's demo runs it: VQA(annotations), VQA(results), VQAEval(...)
    if "sklearn" not in sys.modules and importlib.util.find_spec("sklearn") is None:
        for name in ("sklearn", "sklearn.metrics"):
            stub = types.ModuleType(name)
            stub.average_precision_score = stub.f1_score = None
            sys.modules[name] = stub
    if "pycocoevalcap" not in sys.modules and importlib.util.find_spec("pycocoevalcap") is None:
        for name, attr in (("pycocoevalcap", None), ("pycocoevalcap.tokenizer", None),
                           ("pycocoevalcap.tokenizer.ptbtokenizer", "PTBTokenizer"),
                           ("pycocoevalcap.bleu", None), ("pycocoevalcap.bleu.bleu", "Bleu"),
                           ("pycocoevalcap.meteor", None), ("pycocoevalcap.meteor.meteor", "Meteor"),
                           ("pycocoevalcap.rouge", None), ("pycocoevalcap.rouge.rouge", "Rouge"),
                           ("pycocoevalcap.cider", None), ("pycocoevalcap.cider.cider", "Cider")):
            m = types.ModuleType(name)
            if attr:
                setattr(m, attr, None)
            sys.modules[name] = m
    ev_mod = load_module("vizwiz_vqaEval", args.vizwiz_eval)

    class NoCaptionMetric:  # the caption metric is not part of the accuracy
        def __init__(self, *a):
            self.eval = {}

        def evaluate(self):
            pass
    ev_mod.COCOEvalCap = NoCaptionMetric

    class VQA:  # the API's VQA class: a list of {"image", ...}, keyed by image
        def __init__(self, path):
            self.dataset = json.load(open(path, encoding="utf-8"))
            self.imgToQA = {x["image"]: x for x in self.dataset}

        def getImgs(self):
            return list(self.imgToQA.keys())

    out = {"oracle": "VizWiz API vqaEvaluation/vqaEval.py (accuracy); LLaVA convert_vizwiz_for_submission.py "
                     "with m4c_evaluator.py (MMF's EvalAI answer processor)"}
    for name, upload in (("llava", upload_llava), ("raw", upload_raw)):
        ev = ev_mod.VQAEval(VQA(os.path.join(d, "val.json")), VQA(upload), n=2)
        unrounded, seen = {}, {}
        set_eval = ev.setEvalQA

        def record(img, acc, set_eval=set_eval, unrounded=unrounded):
            unrounded[img] = acc  # the score before setEvalQA rounds it
            set_eval(img, acc)
        ev.setEvalQA = record
        with contextlib.redirect_stdout(io.StringIO()):
            ev.evaluate()
        res = VQA(upload)
        for img in ev.params["images"]:  # what the evaluation compares, from its own methods
            a = res.imgToQA[img]["answer"].replace("\n", " ").replace("\t", " ").strip()
            seen[img] = ev.processDigitArticle(ev.processPunctuation(a))
        out[name] = {"accuracy": ev.accuracy, "per_image": unrounded, "per_image_rounded": ev.evalQA,
                     "compared": seen, "uploaded": {x["image"]: x["answer"] for x in res.dataset}}
        if name == "llava":
            acc = list(unrounded.values())
            out[name]["overall_unrounded"] = 100 * float(sum(acc)) / len(acc)
    dump("vizwiz.json", out, compact=False)


# ---- MMBench -----------------------------------------------------------------------------------

MMB_OPTIONS = ["cat", "dog", "a red car", "Car", "2", "two", "the sky is blue", "blue", "不是", "是的",
               "Option A", "E", "none of them", "yes", "no", "cats", "A", "(B)", "tree", "trees"]
MMB_L2 = {"coarse_perception": ["image_scene", "image_style"], "finegrained_perception (instance-level)":
          ["object_localization", "attribute_recognition"], "logic_reasoning": ["structuralized_imagetext_understanding"],
          "relation_reasoning": ["social_relation", "physical_relation"]}


def mmb_answer(rng, letter, options):
    """An answer in one of the forms models write, right, wrong or neither."""
    other = rng.choice(sorted(options))
    target = letter if rng.random() < 0.55 else other
    text = options[target]
    forms = [f"{target}", f"{target}.", f"({target})", f"{target})", f"The answer is {target}.",
             f"The answer is ({target}).", f":{target}", f"{target}:", f"{target},", f"Answer: {target}",
             f"{target}. {text}", text, f"I think it is {text.upper()} here", f"A {target} B", "A B",
             f"{target} {target}", "E", "E.", "", "   ", "I cannot tell from the image.", "A man is sitting on a bench",
             f"It is {target}", "Failed to obtain answer via API", f"{target}\n", f"\t{target}",
             f"option {target}", "请直接回答选项字母", f"（{target}）", "nan", "None", f"{target}).", f"({target}).",
             f":{target}).", f":{target},"]
    return rng.choice(forms)


def make_mmbench(args):
    import pandas as pd
    rng = random.Random(20231003)
    d = os.path.join(OUT, "mmbench")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    rows, answers = [], []
    image = base64_of(b"not an image: scoring never decodes it")
    for q in range(1, 121):
        n_opt = rng.choice([2, 3, 4, 4])
        options = rng.sample(MMB_OPTIONS, n_opt)
        answer = rng.randrange(n_opt)
        l2 = rng.choice(sorted(MMB_L2))
        cat = rng.choice(MMB_L2[l2])
        hint = rng.choice([None, "Look at the picture.", "A hint\nwith two lines.", "nan", "NONE",
                           '"Quoted" hint', "tab\tinside"])
        question = rng.choice(["What is shown?", 'Which word, "x" or "y", fits?', "Which one is it?",
                               "这是什么？", "Which option is right?\n(two lines)"]) + f" #{q}"
        copies = n_opt if q % 9 else 1  # a few questions without circular copies
        for k in range(copies):
            rot = options[k:] + options[:k]
            letter = "ABCD"[(answer - k) % n_opt]
            row = {"index": q + k * 1000000, "question": question, "hint": hint,
                   "A": None, "B": None, "C": None, "D": None, "answer": letter, "category": cat,
                   "image": image, "source": "generated", "l2-category": l2, "comment": None, "split": "dev"}
            for i, o in enumerate(rot):
                row["ABCD"[i]] = o
            rows.append(row)
            opts = {c: row[c] for c in "ABCD" if row[c] is not None}
            if rng.random() < 0.95:  # some rows unanswered: "nan" after the spreadsheet
                answers.append({"question_id": row["index"], "round_id": 0, "prompt": question,
                                "text": mmb_answer(rng, letter, opts), "options": list(opts.values()),
                                "option_char": list(opts), "answer_id": f"a{len(answers)}", "model_id": "llava-v1.5",
                                "metadata": {}})
    rng.shuffle(rows)  # the scripts sort by index
    answers.append(dict(answers[5], text="a later answer, which the conversion keeps"))
    df = pd.DataFrame(rows, columns=["index", "question", "hint", "A", "B", "C", "D", "answer", "category", "image",
                                     "source", "l2-category", "comment", "split"])
    tsv = os.path.join(d, "mmbench_dev_en_20231003.tsv")
    df.to_csv(tsv, sep="\t", index=False)
    os.makedirs(os.path.join(d, "answers"), exist_ok=True)
    with open(os.path.join(d, "answers", "llava.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(json.dumps(a, ensure_ascii=False) + "\n" for a in answers)
    run_script(args.mmbench_convert, ["--annotation-file", tsv, "--result-dir", os.path.join(d, "answers"),
                                      "--upload-dir", d, "--experiment", "llava"])
    # eval_mmbench.py: its own load, prefetch_answer and eval_sub_data, with a judge that stops
    # the question (what it would ask gpt-3.5-turbo is not decided by the rules)
    class JudgeNeeded(Exception):
        pass

    class NoJudge:
        def __init__(self, *a, **k):
            pass

        def generate(self, prompts):
            raise JudgeNeeded()
    om = types.ModuleType("opencompass.models")
    om.OpenAI = NoJudge
    sys.modules.setdefault("opencompass", types.ModuleType("opencompass"))
    sys.modules["opencompass.models"] = om
    tqdm_if_missing()
    ev = load_module("eval_mmbench", args.mmbench_eval)
    # the data preparation of its eval_result, line by line
    data = ev.load(os.path.join(d, "llava.xlsx"))
    data = data.sort_values(by="index")
    data["prediction"] = [str(x) for x in data["prediction"]]
    for k in data.keys():
        data[k.lower() if k not in "ABCD" else k] = data.pop(k)
    meta = ev.load(tsv)
    data_main = data[data["index"] < int(1e6)]
    answer_map = {i: c for i, c in zip(meta["index"], meta["answer"])}
    prefetch, verdicts = {}, {}
    with contextlib.redirect_stdout(io.StringIO()):  # its notes on "A" as a quantifier
        for i in range(len(data)):
            item = data.iloc[i]
            prefetch[str(int(item["index"]))] = ev.prefetch_answer(item) or None
        for i in range(len(data_main)):
            idx = data_main.iloc[i]["index"]
            sub = data[data["index"] % int(1e6) == idx]
            try:
                verdicts[str(int(idx))] = ev.eval_sub_data(NoJudge(), sub, answer_map)
            except JudgeNeeded:
                verdicts[str(int(idx))] = None
    predictions = {str(int(data.iloc[i]["index"])): data.iloc[i]["prediction"] for i in range(len(data))}
    judged, asked = mmbench_with_judge(ev, data, data_main, answer_map)
    os.remove(os.path.join(d, "llava.xlsx"))  # the spreadsheet is the scripts' go-between only
    dump("mmbench.json", {"oracle": "OpenCompass tools/eval_mmbench.py (6ca2be6): prefetch_answer, eval_sub_data; "
                                    "LLaVA convert_mmbench_for_submission.py",
                          "prefetch": prefetch, "verdicts": verdicts, "predictions": predictions,
                          "judge_replies": MMB_JUDGE_REPLIES, "judged_verdicts": judged, "judge_prompts": asked},
         compact=False)


# What the scripted judge replies: chosen by the first byte of the prompt's sha256, so that the
# test, given lynxeval's requests, replies alike
MMB_JUDGE_REPLIES = ["A", "B", "C.", "(D)", "E", "The answer is B.", "I cannot decide.", "A or B",
                     "Failed to obtain answer via API", "cat", "C"]


def mmb_reply(prompt):
    import hashlib
    return MMB_JUDGE_REPLIES[hashlib.sha256(prompt.encode()).digest()[0] % len(MMB_JUDGE_REPLIES)]


def mmbench_with_judge(ev, data, data_main, answer_map):
    """The script's eval_sub_data with a judge that replies by mmb_reply, its prompt built by the
    stand-in template (tests/scorers/mmbench_judge_template.py). A reply no rule reads makes the script
    retry and then draw a random letter: run twice, the draw always "E" (wrong) and always the
    answer, and a question whose verdict differs between the two is undecided."""
    import hashlib
    synth = {}
    path = os.path.join(HERE, "mmbench_judge_template.py")
    exec(compile(open(path, encoding="utf-8").read(), path, "exec"), synth)
    ev.build_prompt = synth["build_prompt"]
    asked = {}

    class ScriptedJudge:
        def __init__(self, *a, **k):
            pass

        def generate(self, prompts):
            return [mmb_reply(prompts[0])]
    real_extract = ev.extract_answer_from_item

    def recording(model, item):
        prompt = ev.build_prompt(item["question"], ev.build_option_str(ev.extract_options(item)), item["prediction"])
        asked[str(int(item["index"]))] = hashlib.sha256(prompt.encode()).hexdigest()
        return real_extract(model, item)

    def draw_right(model, item):
        ret, raw = recording(model, item)
        return (item["answer"], raw) if raw.startswith("Failed to predict") else (ret, raw)
    outcomes = []
    for extract, draw in ((recording, lambda a, b: b), (draw_right, lambda a, b: b)):
        ev.extract_answer_from_item = extract
        ev.rd.randint = draw  # the last of ABCD[:n] + "E": always "E"
        got = {}
        with contextlib.redirect_stdout(io.StringIO()):
            for i in range(len(data_main)):
                idx = data_main.iloc[i]["index"]
                got[str(int(idx))] = ev.eval_sub_data(ScriptedJudge(), data[data["index"] % int(1e6) == idx],
                                                      answer_map)
        outcomes.append(got)
    ev.extract_answer_from_item = real_extract
    judged = {k: (v if outcomes[1][k] == v else None) for k, v in outcomes[0].items()}
    return judged, asked


# ---- Video-ChatGPT's judge (MSVD-QA, MSRVTT-QA) ------------------------------------------------

# replies ast.literal_eval reads (the script asks again, forever, for one it cannot read)
VCG_REPLIES = ["{'pred': 'yes', 'score': 4}", "{'pred': 'no', 'score': 0}", "{'pred': 'yes', 'score': 4.8}",
               "{'pred': 'Yes', 'score': '5'}", '{"pred": "no", "score": 1}', "{'pred': 'not sure', 'score': 2}",
               "{'pred': 'maybe', 'score': 3}", "{'score': 2, 'pred': 'YES.'}", " {'pred': 'no', 'score': 1.9} ",
               "{'pred': 'yes', 'score': 3, 'reason': 'close'}", "{'pred': 'No', 'score': -0.5,}"]


def vcg_reply(question, pred):
    import hashlib
    return VCG_REPLIES[hashlib.sha256((question + "\n" + pred).encode()).digest()[0] % len(VCG_REPLIES)]


def make_videochatgpt(args):
    rng = random.Random(659)
    d = os.path.join(OUT, "videochatgpt")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    preds = []
    for k in range(90):
        video = f"vid{rng.randrange(30)}" if k % 3 else "-4wsuPCjDBc_5_15"  # videos asked several times
        q = rng.choice(["who is walking?", "what is the man doing?", "what runs?", "where is the woman?",
                        "how many dogs are there?"]) + f" #{k}"
        a = rng.choice(["man", "walk", "dog", "kitchen", "two"])
        pred = rng.choice([a, a.capitalize() + ".", "a " + a, "nothing", "two dogs", "", "the man is walking"])
        preds.append({"video_name": video, "Q": q, "A": a, "pred": pred})
    with open(os.path.join(d, "videochatgpt_preds.json"), "w") as f:
        json.dump(preds, f)

    class ChatCompletion:
        @staticmethod
        def create(model, messages):
            user = messages[1]["content"]
            q = re.search(r"Question: (.*)\nCorrect Answer: ", user).group(1)
            p = re.search(r"Predicted Answer: (.*)\n\n", user).group(1)
            return {"choices": [{"message": {"content": vcg_reply(q, p)}}]}
    fake = types.ModuleType("openai")
    fake.ChatCompletion = ChatCompletion
    sys.modules["openai"] = fake

    class SerialPool:  # the script's worker pool, one process (its workers only divide the files)
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def starmap(self, fn, args_list):
            return [fn(*a) for a in args_list]
    pool = types.ModuleType("multiprocessing.pool")
    pool.Pool = SerialPool
    real_pool = sys.modules.get("multiprocessing.pool")
    sys.modules["multiprocessing.pool"] = pool
    work = os.path.join(d, "annotations")
    try:
        printed, _ = run_script(args.videochatgpt_eval, ["--pred_path", os.path.join(d, "videochatgpt_preds.json"),
                                                         "--output_dir", work, "--output_json",
                                                         os.path.join(d, "combined.json"), "--api_key", "none",
                                                         "--num_tasks", "3"])
    finally:
        if real_pool is not None:
            sys.modules["multiprocessing.pool"] = real_pool
    combined = json.load(open(os.path.join(d, "combined.json")))
    shutil.rmtree(work)
    os.remove(os.path.join(d, "combined.json"))
    values = {}
    for line in printed.splitlines():
        for key in ("Yes count", "No count", "Accuracy", "Average score"):
            if line.startswith(key + ":"):
                values[key] = float(line.split(":", 1)[1])
    dump("videochatgpt.json", {"oracle": "Video-ChatGPT quantitative_evaluation/evaluate_activitynet_qa.py (659e04b)",
                               "replies": VCG_REPLIES, "yes": values["Yes count"], "no": values["No count"],
                               "accuracy": values["Accuracy"], "average_score": values["Average score"],
                               "results": {k: v[0] for k, v in sorted(combined.items())}}, compact=False)


# ---- MM-Vet's grader ----------------------------------------------------------------------------

# What the scripted grader replies, chosen by the first byte of sha256("question|run|ask"): read
# by float() or not, in range or not, with blanks the script's split and strip do and do not remove
MMVET_REPLIES = ["0.0", "1.0", "0.5", "0.3", "0.7", "0.9", "0.2", "0.1", "0.6\n", "0.8 ", "0.4 because it is close",
                 " 0.5", "Correct", "1.5", "-0.1", "0.5.", "", "1e-1", "+.5", "0_5", "0.2_5", "\uff11.0",
                 "\u0660.\u0667", "\u00a00.4", "inf", "1.0\n\nThe", "0.", ".7", "0.3\u2003", "-0", "0.25"]
MMVET_RETRY_LINE = "\nPredict the correctness of the answer (digit): "
# single replies, each read by the script on a one-question set (a later ask answers "0.25")
MMVET_PARSE_CASES = MMVET_REPLIES + ["nan", "NaN", "-nan", "Infinity", "1_0", "0._5", "0.5_", "_0.5", "0.1e0_0",
                                     "\u0661", "0.\u0665\u0665", "0x0", "1/2", "\u00bd", "0,5", "\t0.4\t", "1.00000000000000001",
                                     "1e-400", "0.0e+0", "5e-1 ", "\x1c0.5", "0.5\x1c", "0.5\x00"]


def mmvet_reply(question, run, ask):
    if "(stubborn)" in question:  # read by none of the five asks; the sixth, never read, would be
        return "1.0" if ask == 6 else "Correctness"
    import hashlib
    return MMVET_REPLIES[hashlib.sha256(f"{question}|{run}|{ask}".encode()).digest()[0] % len(MMVET_REPLIES)]


class MMVetGrader:
    """The script's OpenAI client: replies by mmvet_reply, the run counted per question by its first asks
    (or, for the one-question sets, the first reply given and "0.25" after it)."""

    def __init__(self, prompt, first=None):
        self.prompt, self.first, self.runs = prompt, first, {}
        outer = self

        class Completions:
            @staticmethod
            def create(model, max_tokens, temperature, messages):
                return outer.reply(messages[0]["content"], temperature)
        self.chat = types.SimpleNamespace(completions=Completions())

    def reply(self, content, temperature):
        row = content[len(self.prompt) + 1:]
        retry = row.endswith(MMVET_RETRY_LINE)
        ask = (2 + round(temperature / 0.5)) if retry and temperature > 0 else (2 if retry else 1)
        question = row.split(" | ")[0]
        if ask == 1:
            self.runs[question] = self.runs.get(question, 0) + 1
        if self.first is not None:
            text = self.first if ask == 1 else "0.25"
        else:
            text = mmvet_reply(question, self.runs[question], ask)
        return types.SimpleNamespace(model="scripted", choices=[types.SimpleNamespace(
            message=types.SimpleNamespace(content=text))])


def mmvet_fake_openai(grader):
    fake = types.ModuleType("openai")
    fake.OpenAI = lambda api_key=None: grader
    exc = types.ModuleType("openai._exceptions")

    class RateLimitError(Exception):
        pass
    exc.RateLimitError = RateLimitError
    sys.modules["openai"], sys.modules["openai._exceptions"] = fake, exc


def mmvet_table(path):
    """A table the script writes: its columns keyed by their capabilities sorted ("math,ocr"); total,
    std and runs as they are."""
    import csv
    rows = list(csv.reader(open(path)))
    out = {}
    for name, value in zip(rows[0][1:], rows[1][1:]):
        if name == "runs":
            out[name] = [float(x) for x in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", value.replace("np.float64", ""))]
        elif name in ("total", "std"):
            out[name] = float(value)
        else:
            out[",".join(sorted(name.split("_")))] = float(value)
    return out


def make_mm_vet(args):
    rng = random.Random(2308)
    d = os.path.join(OUT, "mm_vet")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    synth = {}
    tmpl_path = os.path.join(HERE, "mmvet_judge_template.py")
    exec(compile(open(tmpl_path, encoding="utf-8").read(), tmpl_path, "exec"), synth)
    prompt = synth["prompt"]
    # capability lists: one set listed in two orders, a name listed twice, counts that tie
    cap_lists = [["rec"], ["ocr"], ["ocr", "math"], ["math", "ocr"], ["rec", "know", "gen"], ["rec", "spat"],
                 ["ocr", "spat", "math"], ["rec", "ocr", "ocr"], ["know"], ["gen", "rec", "know"], ["spat", "rec"],
                 ["ocr", "know", "spat", "gen"]]
    answers = ["2", "-1<AND>-5", "red <AND> blue", "apple<OR>pear", "<AND><OR>", "a|b", "café", "Ünïcode <OR> 文字",
               "The meme is about <AND>irony", "0.5"]
    preds = ["two", "", "x = -1 or x = -5", "a pear\nand an apple", "red | blue", "café au lait", "文字",
             "I cannot tell.", "0.5", "  spaced  "]
    data, results = {}, {}
    for k in range(48):
        qid = f"v1_{k}"
        stubborn = " (stubborn)" if k in (7, 31) else ""
        data[qid] = {"imagename": f"v1_{k}.png", "capability": rng.choice(cap_lists) if k >= len(cap_lists) else cap_lists[k],
                     "question": f"q{k}{stubborn}: {rng.choice(['What is x?', 'Which colours?', 'Explain the joke.', 'Read the sign.'])}",
                     "answer": rng.choice(answers)}
        results[qid] = rng.choice(preds)
    with open(os.path.join(d, "mm-vet.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
    with open(os.path.join(d, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)
    tqdm_if_missing()
    configs = {}
    work = os.path.join(d, "grading")
    for num_run in (1, 3, 9):
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        mmvet_fake_openai(MMVetGrader(prompt))
        run_script(args.mmvet_eval, ["--mmvet_path", d, "--result_file", os.path.join(d, "results.json"),
                                     "--result_path", work, "--prompt", prompt, "--num_run", str(num_run),
                                     "--openai_api_key", "none"])
        grade = json.load(open(os.path.join(work, f"results_gpt-4-0613-grade-{num_run}runs.json")))
        configs[str(num_run)] = {
            "grade": {k: {"content": v["content"], "score": v["score"]} for k, v in grade.items()},
            "per_capability": mmvet_table(os.path.join(work, f"results_gpt-4-0613-cap-score-{num_run}runs.csv")),
            "per_capability_integration": mmvet_table(os.path.join(work, f"results_gpt-4-0613-cap-int-score-{num_run}runs.csv"))}
    parse = []
    one = os.path.join(d, "one")
    for reply in MMVET_PARSE_CASES:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(one, ignore_errors=True)
        os.makedirs(work)
        os.makedirs(one)
        json.dump({"v1_0": {"imagename": "v1_0.png", "capability": ["rec"], "question": "q?", "answer": "a"}},
                  open(os.path.join(one, "mm-vet.json"), "w"))
        json.dump({"v1_0": "a"}, open(os.path.join(one, "results.json"), "w"))
        mmvet_fake_openai(MMVetGrader(prompt, first=reply))
        run_script(args.mmvet_eval, ["--mmvet_path", one, "--result_file", os.path.join(one, "results.json"),
                                     "--result_path", work, "--prompt", prompt, "--openai_api_key", "none"])
        g = json.load(open(os.path.join(work, "results_gpt-4-0613-grade-1runs.json")))["v1_0"]
        score = g["score"][0]
        parse.append({"reply": reply, "score": "nan" if score != score else score, "content": g["content"][0]})
    shutil.rmtree(work)
    shutil.rmtree(one)
    dump("mm_vet.json", {"oracle": "MM-Vet mm-vet_evaluator.py (acde843)", "replies": MMVET_REPLIES,
                         "retry_line": MMVET_RETRY_LINE, "runs": configs, "parse": parse}, compact=False)


def base64_of(b):
    import base64
    return base64.b64encode(b).decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pycocoevalcap")
    ap.add_argument("--vqa-2021")
    ap.add_argument("--vqa-2017")
    ap.add_argument("--mme")
    ap.add_argument("--pope")
    ap.add_argument("--science-qa")
    ap.add_argument("--science-qa-acc")
    ap.add_argument("--seed-bench")
    ap.add_argument("--textvqa")
    ap.add_argument("--gqa-convert")
    ap.add_argument("--gqa-eval")
    ap.add_argument("--vizwiz-eval")
    ap.add_argument("--vizwiz-convert")
    ap.add_argument("--mmbench-eval")
    ap.add_argument("--mmbench-convert")
    ap.add_argument("--videochatgpt-eval")
    ap.add_argument("--mmvet-eval")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    # each family of vectors, made when its oracles are given
    families = [("captions", ["pycocoevalcap"], make_captions), ("vqa", ["vqa_2021", "vqa_2017"], make_vqa),
                ("mme", ["mme"], make_mme), ("pope", ["pope"], make_pope),
                ("science_qa", ["science_qa", "science_qa_acc"], make_science_qa),
                ("seed_bench", ["seed_bench"], make_seed_bench), ("textvqa", ["textvqa"], make_textvqa),
                ("gqa", ["gqa_convert", "gqa_eval"], make_gqa),
                ("vizwiz", ["vizwiz_eval", "vizwiz_convert", "textvqa"], make_vizwiz),
                ("mmbench", ["mmbench_eval", "mmbench_convert"], make_mmbench),
                ("videochatgpt", ["videochatgpt_eval"], make_videochatgpt),
                ("mm_vet", ["mmvet_eval"], make_mm_vet)]
    made = []
    for name, needs, make in families:
        if all(getattr(args, n) for n in needs):
            make(args)
            made.append(name)
    if not made:
        ap.error("no oracle given: nothing to make (see --help)")
    print("wrote", ", ".join(made), "into", OUT)


if __name__ == "__main__":
    main()
