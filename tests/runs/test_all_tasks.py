#!/usr/bin/python3
"""Every task end to end on the tiny model, with small datasets in each benchmark's own layout:
VQAv2, COCO captions, MME (its release layout, all 14 subtasks), OwlEval, LLaVA-Bench, POPE (its
three split files), ScienceQA (problems.json, pid_splits.json, images/test/<id>/), SEED-Bench
(SEED-Bench.json, SEED-Bench-image/), TextVQA with its OCR tokens (TextVQA_0.5.1_val.json, the
Rosetta OCR file, train_images/), GQA (testdev_balanced_questions.json, images/), VizWiz
(val.json, val/) and MMBench (its TSV, base64 images inside, circular copies), in one
`lynxeval run` over a data root holding a folder per dataset. Each task's export in its
benchmark's results format is scored again with `lynxeval score`, which must give the run's own
aggregate; the report of the run (captions and MME tables, the MME radar) renders in headless
chromium.

usage: test_all_tasks.py LYNXEVAL MODEL_DIR SOURCE_DIR
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from lxtest import check, finish, runner

lynxeval, model, src = sys.argv[1], sys.argv[2], sys.argv[3]
lx = runner(lynxeval)
IMAGES = os.path.join(src, "tests", "image", "inputs")
PICTURES = ["chelsea.png", "rocket.jpg", "grace_hopper.jpg", "palette_color.png", "png-50x30.png",
            "jpeg-gray-211x307.jpg"]
MME_SUBTASKS = ["existence", "count", "position", "color", "posters", "celebrity", "scene", "landmark",
                "artwork", "OCR", "commonsense_reasoning", "numerical_calculation", "text_translation",
                "code_reasoning"]


def link(src_name, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    os.symlink(os.path.join(IMAGES, src_name), dst)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def make_data(root):
    # VQAv2: official file names, images under val2014/
    d = os.path.join(root, "vqav2-val")
    questions, annotations = [], []
    for i in range(8):
        image_id = 100 + i % 4
        link(PICTURES[i % 4], os.path.join(d, "val2014", f"COCO_val2014_{image_id:012d}.jpg")) if i < 4 else None
        questions.append({"question_id": 1000 + i, "image_id": image_id, "question": f"What is shown {i}?"})
        answers = ["cat", "cat", "a cat", "dog", "cat", "cat", "kitten", "cat", "cat", "cat"] if i % 2 else ["2"] * 10
        annotations.append({"question_id": 1000 + i, "image_id": image_id, "question_type": "what is",
                            "answer_type": "other" if i % 2 else "number",
                            "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": k + 1}
                                        for k, a in enumerate(answers)]})
    write(os.path.join(d, "v2_OpenEnded_mscoco_val2014_questions.json"),
          json.dumps({"data_subtype": "val2014", "questions": questions}))
    write(os.path.join(d, "v2_mscoco_val2014_annotations.json"), json.dumps({"annotations": annotations}))
    # COCO captions (Karpathy test file name), images under val2014/
    d = os.path.join(root, "coco-karpathy-test")
    images, anns = [], []
    for i, pic in enumerate(PICTURES):
        name = f"COCO_val2014_{200 + i:012d}.jpg"
        link(pic, os.path.join(d, "val2014", name))
        images.append({"id": 200 + i, "file_name": name})
        for k, cap in enumerate(["a picture of something", "an image with colours", "a photo"]):
            anns.append({"image_id": 200 + i, "id": 10 * i + k, "caption": cap})
    write(os.path.join(d, "coco_karpathy_test_gt.json"), json.dumps({"images": images, "annotations": anns}))
    # MME release layout: two images per subtask, posters split into images/ + questions_answers_YN/
    d = os.path.join(root, "mme")
    for s, sub in enumerate(MME_SUBTASKS):
        split = sub in ("posters", "celebrity", "scene", "landmark", "artwork")
        for k in range(2):
            stem = f"{sub}_{k}"
            link(PICTURES[(s + k) % len(PICTURES)], os.path.join(d, sub, "images" if split else "", stem + ".jpg"))
            write(os.path.join(d, sub, "questions_answers_YN" if split else "", stem + ".txt"),
                  f"Is there a {sub} here? Please answer yes or no.\tYes\nIs there no {sub} here? Please answer yes or no.\tNo\n")
    # OwlEval
    d = os.path.join(root, "owleval")
    rows = []
    for i, pic in enumerate(PICTURES[:3]):
        link(pic, os.path.join(d, "cases", f"{i + 1}.jpg"))
        rows.append({"image": f"{i + 1}.jpg", "question_id": i + 1, "question": "Write a story about this image.", "ability": "G"})
    write(os.path.join(d, "questions.jsonl"), "".join(json.dumps(r) + "\n" for r in rows))
    # LLaVA-Bench (In-the-Wild)
    d = os.path.join(root, "llava-bench-in-the-wild")
    q, a, c = [], [], []
    for i, pic in enumerate(PICTURES[:2]):
        link(pic, os.path.join(d, "images", f"{i:03d}.jpg"))
        q.append({"question_id": i, "image": f"{i:03d}.jpg", "text": "Describe the image in detail.", "category": "detail"})
        a.append({"question_id": i, "text": "A detailed description."})
        c.append({"image": f"{i:03d}.jpg", "caption": "an image"})
    for name, rows in (("questions.jsonl", q), ("answers_gpt4.jsonl", a), ("context.jsonl", c)):
        write(os.path.join(d, name), "".join(json.dumps(r) + "\n" for r in rows))
    # POPE: the three split files of the release, images under val2014/
    d = os.path.join(root, "pope-coco")
    for i in range(2):
        link(PICTURES[i], os.path.join(d, "val2014", f"COCO_val2014_{300 + i:012d}.jpg"))
    for s, split in enumerate(("random", "popular", "adversarial")):
        rows = [{"question_id": k + 1, "image": f"COCO_val2014_{300 + k // 4:012d}.jpg",
                 "text": f"Is there a {['cat', 'dog', 'kite', 'bus'][(k + s) % 4]} in the image?",
                 "label": "yes" if k % 4 < 2 else "no"} for k in range(8)]
        write(os.path.join(d, "coco", f"coco_pope_{split}.json"), "".join(json.dumps(r) + "\n" for r in rows))
    # ScienceQA: problems of three splits, images for those that have one
    d = os.path.join(root, "scienceqa-img-test")
    problems = {}
    for k in range(6):
        pid = str(40 + k)
        problems[pid] = {"question": f"Which is right {k}?", "choices": ["one", "two", "three"][:2 + k % 2],
                         "answer": k % 2, "hint": "A hint." if k % 3 == 0 else "",
                         "image": "image.png" if k != 2 else None, "subject": "natural science",
                         "grade": f"grade{3 + k}", "split": "test" if k < 5 else "train"}
        if problems[pid]["image"]:
            link(PICTURES[k % 4], os.path.join(d, "images", "test", pid, "image.png"))
    write(os.path.join(d, "problems.json"), json.dumps(problems))
    write(os.path.join(d, "pid_splits.json"), json.dumps({"train": ["45"], "val": [], "test": ["44", "40", "41", "42", "43"]}))
    # SEED-Bench: image questions of three dimensions (a radar needs three) and a video question,
    # which is not asked
    d = os.path.join(root, "seed-bench-img")
    qs = []
    for k in range(4):
        link(PICTURES[k], os.path.join(d, "SEED-Bench-image", f"{k}_{k + 7}"))
        qs.append({"answer": "ABCD"[k], "choice_a": "one", "choice_b": "two", "choice_c": "three", "choice_d": "four",
                   "data_id": f"{k}_{k + 7}", "data_type": "image", "question": f"How many things {k}?",
                   "question_id": str(900 + k), "question_type_id": 1 + k % 3})
    qs.append({"answer": "A", "choice_a": "a", "choice_b": "b", "choice_c": "c", "choice_d": "d", "data_id": "x.mp4",
               "data_type": "video", "question": "What happens?", "question_id": "999", "question_type_id": 10})
    write(os.path.join(d, "SEED-Bench.json"), json.dumps({"questions": qs, "question_type": {
        "Scene Understanding": 1, "Instance Identity": 2, "Instance Attributes": 3, "Action Recognition": 10}}))
    # TextVQA with the Rosetta OCR tokens (the dataset textvqa-val-ocr)
    d = os.path.join(root, "textvqa-val-ocr")
    tv, ocr = [], []
    for k in range(3):
        image = f"{k:016x}"
        link(PICTURES[k], os.path.join(d, "train_images", image + ".jpg"))
        tv.append({"question": f"What does sign {k} say?", "image_id": image, "question_id": 50 + k,
                   "answers": ["stop"] * 6 + ["stop sign"] * 4, "set_name": "val"})
        ocr.append({"image_id": image, "ocr_tokens": ["STOP", f"ave{k}"]})
    write(os.path.join(d, "TextVQA_0.5.1_val.json"), json.dumps({"dataset_version": "0.5.1", "data": tv}))
    write(os.path.join(d, "TextVQA_Rosetta_OCR_v0.2_val.json"), json.dumps({"data": ocr}))
    # GQA: balanced questions (one unbalanced, not asked)
    d = os.path.join(root, "gqa-testdev-balanced")
    gq = {}
    for k in range(4):
        link(PICTURES[k], os.path.join(d, "images", f"n{k}.jpg"))
        gq[str(2000 + k)] = {"imageId": f"n{k}", "question": f"Is the thing {k} white?", "answer": "yes",
                             "isBalanced": k != 3, "types": {"structural": "verify" if k % 2 else "query",
                                                             "semantic": "attr", "detailed": "x"},
                             "groups": {"global": None, "local": "x"}, "semantic": [], "entailed": []}
    write(os.path.join(d, "testdev_balanced_questions.json"), json.dumps(gq))
    # VizWiz: val.json, the images in val/
    d = os.path.join(root, "vizwiz-val")
    vz = []
    for k in range(3):
        image = f"VizWiz_val_{k:08d}.jpg"
        link(PICTURES[k + 2], os.path.join(d, "val", image))
        vz.append({"image": image, "question": f"What is this {k}?", "answerable": int(k != 2),
                   "answer_type": ["other", "yes/no", "unanswerable"][k],
                   "answers": [{"answer": a, "answer_confidence": "yes"}
                               for a in ["unanswerable"] * 5 + ["dog"] * 5]})
    write(os.path.join(d, "val.json"), json.dumps(vz))
    # MSVD-QA (questions, youtube_mapping.txt, YouTubeClips/) and MSRVTT-QA (questions, TestVideo/)
    videos = os.path.join(src, "tests", "video", "inputs")
    d = os.path.join(root, "msvd-qa-test")
    os.makedirs(os.path.join(d, "YouTubeClips"))
    os.symlink(os.path.join(videos, "mpeg4-50x36-12f.avi"), os.path.join(d, "YouTubeClips", "-4wsuPCjDBc_5_15.avi"))
    os.symlink(os.path.join(videos, "mjpeg-fullrange-64x48-6f.avi"), os.path.join(d, "YouTubeClips", "0lh_UWF9ZP4_62_69.avi"))
    write(os.path.join(d, "youtube_mapping.txt"), "-4wsuPCjDBc_5_15 vid1\n0lh_UWF9ZP4_62_69 vid2\n")
    write(os.path.join(d, "test_qa.json"), json.dumps([
        {"answer": "man", "id": 30933, "question": "who is walking?", "video_id": 1},
        {"answer": "walk", "id": 30934, "question": "what is the man doing?", "video_id": 1},
        {"answer": "dog", "id": 30935, "question": "What runs?", "video_id": 2}]))
    d = os.path.join(root, "msrvtt-qa-test")
    os.makedirs(os.path.join(d, "TestVideo"))
    os.symlink(os.path.join(videos, "h264-96x64-23f.mp4"), os.path.join(d, "TestVideo", "video7010.mp4"))
    write(os.path.join(d, "test_qa.json"), json.dumps([
        {"answer": "cook", "category_id": 3, "id": 158581, "question": "what is a woman doing?", "video_id": 7010},
        {"answer": "kitchen", "category_id": 3, "id": 158582, "question": "where is the woman?", "video_id": 7010}]))
    # MM-Vet: mm-vet.json (questions by id, with their capabilities), images/
    d = os.path.join(root, "mm-vet")
    mv = {}
    for k, caps in enumerate((["rec"], ["ocr", "math"], ["rec", "know", "gen"])):
        link(PICTURES[k], os.path.join(d, "images", f"v1_{k}.png"))
        mv[f"v1_{k}"] = {"imagename": f"v1_{k}.png", "capability": caps, "question": f"What is in picture {k}?",
                         "answer": "a cat<OR>a kitten" if k else "-1 <AND> -5"}
    write(os.path.join(d, "mm-vet.json"), json.dumps(mv, indent=2))
    # MMBench: the TSV with its images inside as base64, each question with its circular copies
    d = os.path.join(root, "mmbench-dev-en")
    header = ["index", "question", "hint", "A", "B", "C", "D", "answer", "category", "image", "source",
              "l2-category", "comment", "split"]
    lines = ["\t".join(header)]
    # three abilities (a radar needs three)
    for q, (options, answer, l2) in enumerate(((["red", "green", "blue"], 2, "coarse_perception"),
                                               (["yes", "no"], 0, "logic_reasoning"),
                                               (["one", "two"], 1, "relation_reasoning")), start=1):
        picture = base64.b64encode(open(os.path.join(IMAGES, PICTURES[q]), "rb").read()).decode()
        for k in range(len(options)):
            rot = options[k:] + options[:k] + [""] * (4 - len(options))
            letter = "ABCD"[(answer - k) % len(options)]
            lines.append("\t".join([str(q + k * 1000000), f"Which colour is it {q}?", "" if q == 1 else "A hint."]
                                   + rot + [letter, "image_style", picture, "x", l2, "", "dev"]))
    write(os.path.join(d, "mmbench_dev_en_20231003.tsv"), "\n".join(lines) + "\n")


tmp = tempfile.mkdtemp()
try:
    root = os.path.join(tmp, "data")
    make_data(root)
    out = os.path.join(tmp, "run")
    tasks = ("vqav2", "coco-caption", "mme", "owleval", "llava-bench", "pope", "scienceqa-img", "seed-bench-img",
             "gqa", "vizwiz", "mmbench", "msvd-qa", "msrvtt-qa", "mm-vet", "textvqa")
    # each task's registered dataset, named: the fake releases are not the published files, which a
    # task given without its dataset refuses
    dataset = {"vqav2": "vqav2-val", "coco-caption": "coco-karpathy-test", "mme": "mme", "owleval": "owleval",
               "llava-bench": "llava-bench-in-the-wild", "pope": "pope-coco", "scienceqa-img": "scienceqa-img-test",
               "seed-bench-img": "seed-bench-img", "gqa": "gqa-testdev-balanced", "vizwiz": "vizwiz-val",
               "mmbench": "mmbench-dev-en", "msvd-qa": "msvd-qa-test", "msrvtt-qa": "msrvtt-qa-test",
               "mm-vet": "mm-vet", "textvqa": "textvqa-val-ocr"}
    p = lx("run", ",".join(f"{t}:{dataset[t]}" for t in tasks), "--model", model, "--data", root, "--out", out,
           "--max-new-tokens", "6")
    q = lx("run", "pope", "--model", model, "--data", root, "--out", os.path.join(tmp, "unnamed"))
    check("a fake release under a task's default entry is refused unless named",
          q.returncode == 1 and "is not the file of the registered dataset pope-coco" in q.stderr
          and "--dataset pope-coco" in q.stderr, q.stderr)
    check("one run of fifteen tasks over a data root with a folder per dataset", p.returncode == 0, p.stderr[-800:])
    print("    " + "\n    ".join(p.stdout.splitlines()))
    agg = {t: json.load(open(os.path.join(out, t, "aggregate.json"))) for t in tasks
           if os.path.exists(os.path.join(out, t, "aggregate.json"))}
    check("item counts: 3 POPE splits of 8 questions, the 4 ScienceQA test problems with an image, "
          "4 SEED image questions in 3 dimensions",
          all(s["questions"] == 8 for s in agg.get("pope", {}).get("splits", {}).values())
          and len(agg.get("pope", {}).get("splits", {})) == 3 and agg.get("scienceqa-img", {}).get("total") == 4
          and agg.get("seed-bench-img", {}).get("total") == 4
          and len(agg.get("seed-bench-img", {}).get("dimensions", {})) == 3
          and agg.get("textvqa", {}).get("questions") == 3 and agg.get("gqa", {}).get("questions") == 3
          and agg.get("vizwiz", {}).get("questions") == 3 and agg.get("mmbench", {}).get("questions") == 3
          and agg.get("mmbench", {}).get("copies") == 7 and agg.get("msvd-qa", {}).get("total") == 3
          and agg.get("msrvtt-qa", {}).get("total") == 2
          and set(agg.get("msvd-qa", {}).get("per_question_type", {})) == {"who", "what"},
          json.dumps({k: agg.get(k) for k in ("pope", "scienceqa-img")})[:600])
    check("item counts: 8 VQA questions, 6 images, 56 MME questions, 3 + 2 open answers",
          agg.get("vqav2", {}).get("questions") == 8 and agg.get("coco-caption", {}).get("images") == 6
          and sum(s["questions"] for s in agg.get("mme", {}).get("subtasks", {}).values()) == 56
          and agg.get("mme", {}).get("Perception") is not None and agg.get("owleval", {}).get("answers") == 3
          and agg.get("llava-bench", {}).get("answers") == 2, json.dumps(agg)[:500])

    # each export, scored again by lynxeval score, gives the run's own numbers
    vq = os.path.join(root, "vqav2-val")
    p = lx("score", "vqa", "--questions", os.path.join(vq, "v2_OpenEnded_mscoco_val2014_questions.json"),
           "--annotations", os.path.join(vq, "v2_mscoco_val2014_annotations.json"),
           "--results", os.path.join(out, "vqav2", "results.json"))
    check("vqav2: results.json rescored equals the run's aggregate", p.returncode == 0 and json.loads(p.stdout) == agg["vqav2"], p.stderr)
    p = lx("score", "caption", "--annotations", os.path.join(root, "coco-karpathy-test", "coco_karpathy_test_gt.json"),
           "--results", os.path.join(out, "coco-caption", "results.json"))
    check("coco-caption: results.json rescored equals the run's aggregate",
          p.returncode == 0 and json.loads(p.stdout)["CIDEr"] == agg["coco-caption"]["CIDEr"]
          and json.loads(p.stdout)["Bleu_4"] == agg["coco-caption"]["Bleu_4"], p.stderr)
    p = lx("score", "mme", "--dir", os.path.join(out, "mme", "results"))
    check("mme: results/ rescored equals the run's aggregate",
          p.returncode == 0 and json.loads(p.stdout)["Perception"] == agg["mme"]["Perception"]
          and json.loads(p.stdout)["subtasks"] == agg["mme"]["subtasks"], p.stderr)
    pd = os.path.join(root, "pope-coco", "coco")
    p = lx("score", "pope", "--annotation-dir", pd, "--question-file", os.path.join(out, "pope", "questions.jsonl"),
           "--result-file", os.path.join(out, "pope", "answers.jsonl"))
    check("pope: LLaVA's question and answer files, rescored, equal the run's aggregate",
          p.returncode == 0 and json.loads(p.stdout) == agg["pope"], p.stderr + p.stdout[:300])
    p = lx("score", "scienceqa", "--base-dir", os.path.join(root, "scienceqa-img-test"),
           "--result-file", os.path.join(out, "scienceqa-img", "answers.jsonl"))
    check("scienceqa-img: answers.jsonl, rescored, equals the run's aggregate",
          p.returncode == 0 and json.loads(p.stdout) == agg["scienceqa-img"], p.stderr + p.stdout[:300])
    p = lx("score", "seed-bench", "--annotation-file", os.path.join(root, "seed-bench-img", "SEED-Bench.json"),
           "--result-file", os.path.join(out, "seed-bench-img", "answers.jsonl"))
    check("seed-bench-img: answers.jsonl, rescored, equals the run's aggregate",
          p.returncode == 0 and json.loads(p.stdout) == agg["seed-bench-img"], p.stderr + p.stdout[:300])
    p = lx("score", "textvqa", "--annotation-file", os.path.join(root, "textvqa-val-ocr", "TextVQA_0.5.1_val.json"),
           "--result-file", os.path.join(out, "textvqa", "answers.jsonl"))
    first = json.loads(open(os.path.join(out, "textvqa", "predictions.jsonl")).readline())
    check("textvqa: the OCR line in the question, answers.jsonl rescored equals the run's aggregate",
          p.returncode == 0 and json.loads(p.stdout) == agg["textvqa"]
          and first["question"] == "What does sign 0 say?\nReference OCR token: STOP, ave0", p.stderr + p.stdout[:300])
    p = lx("score", "gqa", "--questions", os.path.join(root, "gqa-testdev-balanced", "testdev_balanced_questions.json"),
           "--result-file", os.path.join(out, "gqa", "answers.jsonl"))
    check("gqa: answers.jsonl (string ids), rescored, equals the run's aggregate",
          p.returncode == 0 and json.loads(p.stdout) == agg["gqa"], p.stderr + p.stdout[:300])
    p = lx("score", "vizwiz", "--annotation-file", os.path.join(root, "vizwiz-val", "val.json"),
           "--result-file", os.path.join(out, "vizwiz", "upload.json"))
    rescored = json.loads(p.stdout) if p.returncode == 0 else {}
    check("vizwiz: upload.json (the answers as LLaVA's conversion uploads them), rescored, equals the run's aggregate",
          {k: v for k, v in rescored.items() if k != "answer_processing"}
          == {k: v for k, v in agg["vizwiz"].items() if k != "answer_processing"}, p.stderr + p.stdout[:300])
    p = lx("score", "mmbench", "--annotation-file", os.path.join(root, "mmbench-dev-en", "mmbench_dev_en_20231003.tsv"),
           "--result-file", os.path.join(out, "mmbench", "answers.jsonl"))
    first = json.loads(open(os.path.join(out, "mmbench", "predictions.jsonl")).readline())
    check("mmbench: the images read from the TSV, answers.jsonl rescored equals the run's aggregate",
          p.returncode == 0 and json.loads(p.stdout) == agg["mmbench"] and first.get("media_length", 0) > 100
          and first["question"] == "Which colour is it 1?\nA. red\nB. green\nC. blue", p.stderr + p.stdout[:300])
    vc = json.load(open(os.path.join(out, "msvd-qa", "videochatgpt_preds.json")))
    first = json.loads(open(os.path.join(out, "msvd-qa", "predictions.jsonl")).readline())
    check("msvd-qa: the clip youtube_mapping.txt names, read as a video; Video-ChatGPT's prediction file exported",
          first.get("media") == "YouTubeClips/-4wsuPCjDBc_5_15.avi" and first.get("frames")
          and [v["video_name"] for v in vc] == ["-4wsuPCjDBc_5_15"] * 2 + ["0lh_UWF9ZP4_62_69"]
          and vc[0]["Q"] == "who is walking?" and vc[0]["A"] == "man", json.dumps(vc)[:300] + json.dumps(first)[:300])
    mv_results = json.load(open(os.path.join(out, "mm-vet", "results.json"), encoding="utf-8"))
    mv_preds = [json.loads(l) for l in open(os.path.join(out, "mm-vet", "predictions.jsonl"), encoding="utf-8")]
    check("mm-vet: 3 questions with their capabilities; results.json, the file mm-vet_evaluator.py grades, "
          "holds each answer by id",
          mv_results == {p_["id"]: p_["answer"] for p_ in mv_preds} and list(mv_results) == ["v1_0", "v1_1", "v1_2"]
          and mv_preds[1]["category"] == "ocr,math" and mv_preds[1]["references"] == ["a cat<OR>a kitten"]
          and mv_preds[0]["media"] == "images/v1_0.png", json.dumps(mv_preds[:1])[:300])
    # MM-Vet's grades, imported for two runs of its grading, read by report and compare as a task of their own
    verdicts = os.path.join(tmp, "mmvet-verdicts.jsonl")
    with open(verdicts, "w") as f:
        for run_k, grades in ((1, ("1.0", "0.5", "0.0")), (2, ("1.0", "0.3", "not a number"))):
            for k, g in enumerate(grades):
                f.write(json.dumps({"id": f"v1_{k}#{run_k}", "verdict": g}) + "\n")
        f.write(json.dumps({"id": "v1_2#2.2", "verdict": "0.2"}) + "\n")
    template = os.path.join(src, "tests", "scorers", "mmvet_judge_template.py")
    p = lx("judge", "import", "--run", out, "--task", "mm-vet", "--runs", "2", "--template-from", template,
           "--verdicts", verdicts, "--judge", "grader")
    graded = json.loads(p.stdout.splitlines()[-1]) if p.returncode == 0 else {}
    # run 1: 1.0, 0.5, 0.0; run 2: 1.0, 0.3 and (asked again) 0.2: totals 50.0 and 50.0; rec (v1_0, v1_2) 55.0
    check("mm-vet: graded through the judge (a reply it cannot read asked again), its total and tables",
          graded.get("total") == 50.0 and graded.get("run_totals") == [50.0, 50.0] and graded.get("std") == 0
          and graded.get("per_capability", {}).get("rec", {}).get("score") == 55.0
          and set(graded.get("per_capability_integration", {})) == {"rec", "ocr_math", "rec_know_gen"},
          p.stderr[-300:] + json.dumps(graded)[:400])
    first_run = os.path.join(tmp, "mmvet-run1.jsonl")
    with open(first_run, "w") as f:
        for k, g in enumerate(("1.0", "0.5", "0.0")):
            f.write(json.dumps({"id": f"v1_{k}#1", "verdict": g}) + "\n")
    p = lx("judge", "import", "--run", out, "--task", "mm-vet", "--template-from", template, "--verdicts", first_run,
           "--judge", "grader")
    once = json.loads(p.stdout.splitlines()[-1]) if p.returncode == 0 else {}
    check("mm-vet: with --runs lowered, the tables are of the first runs (the later ones stay in the log)",
          once.get("runs") == 1 and once.get("run_totals") == [50.0] and once.get("missing") == 0,
          p.stderr[-300:] + json.dumps(once)[:300])
    p = lx("judge", "import", "--run", out, "--task", "mm-vet", "--runs", "2", "--template-from", template,
           "--verdicts", first_run, "--judge", "grader")
    check("mm-vet: and with --runs 2 again, both runs", p.returncode == 0
          and json.loads(p.stdout.splitlines()[-1]).get("run_totals") == [50.0, 50.0], p.stderr[-300:])
    md = os.path.join(tmp, "mmvet-report.md")
    p = lx("report", out, "--out", md)
    text = open(md).read() if p.returncode == 0 else ""
    check("report: MM-Vet's grades are a section of their own (per integration, the total with its interval)",
          "## mm-vet@grader" in text and "| rec_know_gen |" in text and "**total (mean score x 100)** | 50.0 [" in text
          and "| capability rec (the script's table) | 55.0 |" in text,
          p.stderr + text[text.find("## mm-vet"):][:400])
    p = lx("compare", out, out)
    check("compare: MM-Vet's grades compared between runs graded by the same judge",
          p.returncode == 0 and "mm-vet@grader" in p.stdout, p.stdout[-300:] + p.stderr)
    # MM-Vet's Bard set (bard_set.json): the subset's questions only; an id it names that is no question refused
    bard = os.path.join(tmp, "bard")
    os.makedirs(bard)
    os.symlink(os.path.join(root, "mm-vet"), os.path.join(bard, "mm-vet-bard"))
    for subset, needle in ((["v1_2", "v1_0"], "mm-vet-bard: complete"), (["v1_9"], "v1_9 is not a question")):
        write(os.path.join(root, "mm-vet", "bard_set.json"), json.dumps(subset))
        p = lx("datasets", "check", "mm-vet-bard", "--data", bard)
        check(f"mm-vet-bard {subset}: {needle}", needle in p.stdout + p.stderr
              and (p.returncode == 0) == (len(subset) == 2), (p.stdout + p.stderr)[-300:])
    write(os.path.join(root, "mm-vet", "bard_set.json"), json.dumps(["v1_2", "v1_0"]))
    p = lx("run", "mm-vet:mm-vet-bard", "--model", model, "--data", bard, "--out", os.path.join(tmp, "bard-run"),
           "--max-new-tokens", "4")
    ids = [json.loads(l)["id"] for l in open(os.path.join(tmp, "bard-run", "mm-vet", "predictions.jsonl"))] \
        if p.returncode == 0 else []
    check("mm-vet-bard: a run asks the subset's questions, in mm-vet.json's order", ids == ["v1_0", "v1_2"],
          p.stderr[-300:])
    # malformed MM-Vet files, named with their line
    for what, entry, needle in (
            ("a question without its answer", {"imagename": "v1_0.png", "capability": ["rec"], "question": "q?"},
             "mm-vet.json:2:9: answer: required key is missing"),
            ("an empty capability list", {"imagename": "v1_0.png", "capability": [], "question": "q?", "answer": "a"},
             "'capability' must be a non-empty list"),
            ("a capability named as one of the script's own columns",
             {"imagename": "v1_0.png", "capability": ["rec", "total"], "question": "q?", "answer": "a"},
             "capability total is not a plain name"),
            ("an image outside images/", {"imagename": "../x.png", "capability": ["rec"], "question": "q?", "answer": "a"},
             "'imagename' must be a file name")):
        bad = os.path.join(tmp, "bad-mmvet")
        shutil.rmtree(bad, ignore_errors=True)
        write(os.path.join(bad, "mm-vet.json"), "{\n\"v1_0\": " + json.dumps(entry) + "}\n")
        p = lx("datasets", "check", "mm-vet", "--data", bad)
        check(f"mm-vet: {what} is refused, named", p.returncode != 0 and needle in p.stdout + p.stderr,
              (p.stdout + p.stderr)[-400:])
    write(os.path.join(bad, "mm-vet.json"), '{"v1_0": {"imagename": "a.png", "capability": ["rec"], "question": "q", '
          '"answer": "a"},\n"v1_0": {"imagename": "a.png", "capability": ["rec"], "question": "q", "answer": "a"}}')
    p = lx("datasets", "check", "mm-vet", "--data", bad)
    check("mm-vet: an id given twice is refused, named", p.returncode != 0 and "occurs twice" in p.stdout + p.stderr,
          (p.stdout + p.stderr)[-400:])
    answers = [json.loads(l) for l in open(os.path.join(out, "llava-bench", "answers.jsonl"))]
    check("llava-bench: answers.jsonl in LLaVA's answer format", len(answers) == 2 and {"question_id", "text"} <= set(answers[0]))

    # the run directory itself, scored again: every scored task equals the run's aggregate
    p = lx("score", out, "--data", root)
    again = json.loads(p.stdout) if p.returncode == 0 else {}
    check("score RUNDIR: every automatically scored task scored again equals the run's aggregate",
          set(again) == {"vqav2", "coco-caption", "mme", "pope", "scienceqa-img", "seed-bench-img", "textvqa", "gqa",
                         "vizwiz", "mmbench", "msvd-qa", "msrvtt-qa"}
          and all(v["matches_run"] for v in again.values())
          and all(again[t]["aggregate"] == agg[t] for t in again), p.stderr + p.stdout[:300])
    p = lx("score", out, "--data", root, "--task", "vqav2", "--normalize", "always")
    check("score RUNDIR --task --normalize: one task, other options, told apart from the run",
          p.returncode == 0 and list(json.loads(p.stdout)) == ["vqav2"], p.stderr)
    ann = os.path.join(root, "vqav2-val", "v2_mscoco_val2014_annotations.json")
    keep = open(ann, "rb").read()
    open(ann, "wb").write(keep + b"\n")
    p = lx("score", out, "--data", root, "--task", "vqav2")
    open(ann, "wb").write(keep)
    check("score RUNDIR: other annotations than the run's are refused, named",
          p.returncode == 1 and "v2_mscoco_val2014_annotations.json: not the annotations task vqav2 was run on" in p.stderr,
          p.stderr)
    # malformed MSVD-QA files, named with their line
    for what, qa, mapping, needle in (
            ("a question without its answer", [{"id": 1, "question": "who?", "video_id": 1}], "c vid1\n",
             "test_qa.json:2: answer: required key is missing"),
            ("a video_id the mapping lacks", [{"answer": "x", "id": 1, "question": "who?", "video_id": 9}],
             "c vid1\n", "video_id 9 is not in youtube_mapping.txt"),
            ("a mapping line that is not '<clip> vid<N>'", [{"answer": "x", "id": 1, "question": "who?",
                                                            "video_id": 1}], "c vid1\nc2 video2\n",
             "youtube_mapping.txt:2: 'video2' is not vid<N>"),
            ("an id twice", [{"answer": "x", "id": 1, "question": "who?", "video_id": 1}] * 2, "c vid1\n",
             "occurs twice")):
        bad = os.path.join(tmp, "bad-msvd")
        shutil.rmtree(bad, ignore_errors=True)
        write(os.path.join(bad, "test_qa.json"), json.dumps(qa, indent=1))
        write(os.path.join(bad, "youtube_mapping.txt"), mapping)
        p = lx("datasets", "check", "msvd-qa-test", "--data", bad)
        check(f"msvd-qa: {what} is refused, named", p.returncode != 0 and needle in p.stdout + p.stderr,
              (p.stdout + p.stderr)[-400:])
    # --limit on MMBench takes whole questions: the first one with all three of its circular copies
    p = lx("run", "mmbench:mmbench-dev-en", "--model", model, "--data", root, "--out", os.path.join(tmp, "mmb-limit"), "--limit", "1",
           "--max-new-tokens", "4")
    lim = json.load(open(os.path.join(tmp, "mmb-limit", "mmbench", "aggregate.json"))) if p.returncode == 0 else {}
    check("mmbench --limit 1: one question with all its circular copies",
          lim.get("questions") == 1 and lim.get("copies") == 3, p.stderr[-300:] + json.dumps(lim)[:300])
    # an MMBench row whose image is not base64 is refused before anything is run
    bad_root = os.path.join(tmp, "bad-mmbench")
    tsv = open(os.path.join(root, "mmbench-dev-en", "mmbench_dev_en_20231003.tsv")).read().split("\n")
    cells = tsv[2].split("\t")
    cells[9] = "not*base64!"
    write(os.path.join(bad_root, "mmbench-dev-en", "mmbench_dev_en_20231003.tsv"),
          "\n".join(tsv[:2] + ["\t".join(cells)] + tsv[3:]))
    p = lx("run", "mmbench:mmbench-dev-en", "--model", model, "--data", bad_root, "--out", os.path.join(tmp, "bad-run"))
    check("mmbench: a row whose image is not base64 is refused, naming file and line",
          p.returncode != 0 and "mmbench_dev_en_20231003.tsv:3: the image field is not valid base64" in p.stderr
          and not os.path.exists(os.path.join(tmp, "bad-run", "mmbench", "predictions.jsonl")), p.stderr[-400:])
    p = lx("score", out)
    check("score RUNDIR without --data is a usage error", p.returncode == 2 and "--data is required" in p.stderr, p.stderr)

    # the report: caption and MME tables, the radar, rendered by chromium
    html = os.path.join(tmp, "report.html")
    p = lx("report", out, "--out", html)
    md = lx("report", out, "--out", os.path.join(tmp, "report.md"))
    text = open(os.path.join(tmp, "report.md")).read() if md.returncode == 0 else ""
    check("report: caption metrics with intervals, MME subtask scores and totals",
          p.returncode == 0 and "| Bleu_4 |" in text and "| CIDEr |" in text and "| existence |" in text
          and "**Perception / Cognition**" in text, p.stderr + text[:300])
    check("report: POPE per split and ScienceQA per subject",
          "## pope" in text and "| adversarial |" in text and "## scienceqa-img" in text
          and "| natural science |" in text, text[-1500:])
    chromium = shutil.which("chromium")
    if chromium:
        dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + html],
                             capture_output=True, text=True, timeout=120).stdout
        check("report: the MME radar renders (14 axes)", dom.count("<svg") >= 2 and "MME subtask scores" in dom)
        check("report: the SEED-Bench radar renders", "SEED-Bench dimensions: accuracy" in dom)
        check("report: the MMBench radar renders, and the questions its rules leave undecided are shown",
              "MMBench abilities (L2): circular accuracy" in dom
              and "undecided by the rules (counted wrong; a judge settles them)" in dom)
finally:
    shutil.rmtree(tmp)

finish()
