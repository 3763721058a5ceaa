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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pycocoevalcap", required=True)
    ap.add_argument("--vqa-2021", required=True)
    ap.add_argument("--vqa-2017", required=True)
    ap.add_argument("--mme", required=True)
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    make_captions(args)
    make_vqa(args)
    make_mme(args)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
