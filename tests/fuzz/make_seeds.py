#!/usr/bin/python3
"""Makes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) and fixtures
(tests/fuzz/fixtures/) from the project's own valid files: the world's annotations and
checkpoints, the test inputs of the image, video, tokenizer and scorer suites, and a real run and
human-rating package of the tiny world model made with the lynxeval binary given.

A target that reads several files takes the input's first byte to choose which (fuzz.h,
fz_pick); its seeds carry that byte. Seeds are small (at most 64 KiB), so that mutation stays
fast. Findings are added by hand (see docs/testing.md), not by this script, which leaves files
it did not make alone.

usage: make_seeds.py LYNXEVAL
"""
import base64
import glob
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
HERE = os.path.join(ROOT, "tests", "fuzz")
MAX_SEED = 64 << 10


def src(*parts):
    return os.path.join(ROOT, *parts)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def seed(target, name, data, pick=None):
    """Writes one seed; pick is the selector byte of a multi-file target."""
    if pick is not None:
        data = bytes([pick]) + data
    if len(data) > MAX_SEED:
        return
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def fixture(rel, data):
    path = os.path.join(HERE, "fixtures", rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def shard_seeds(predictions):
    """shard_logs: a task's 8 items q0..q7 split between predictions.jsonl and a shard's log (a
    NUL between them), with an identical duplicate, a differing one and a torn tail; and --shard
    specifications."""
    template, rows = json.loads(predictions.splitlines()[0]), []
    for k in range(8):
        row = dict(template, id=f"q{k}", answer=f"{template['answer']} {k}")
        rows.append(json.dumps(row, separators=(",", ":")).encode() + b"\n")
    seed("shard_logs", "split", b"".join(rows[:4]) + b"\0" + b"".join(rows[4:]), pick=0)
    seed("shard_logs", "duplicate", b"".join(rows[:5]) + b"\0" + b"".join(rows[4:]), pick=0)
    other = json.loads(rows[5])
    other["answer"] += " (other)"
    seed("shard_logs", "differing", b"".join(rows[:6]) + b"\0" +
         json.dumps(other, separators=(",", ":")).encode() + b"\n", pick=0)
    seed("shard_logs", "torn", b"".join(rows[:3]) + b"\0" + b"".join(rows[3:7]) + rows[7][:20], pick=0)
    for name, spec in (("explicit", b"3/64"), ("auto", b"auto"), ("bad", b"64/64")):
        seed("shard_logs", "spec-" + name, spec, pick=1)


def lines(path, n):
    with open(path, "rb") as f:
        return b"".join(f.readlines()[:n])


def small_safetensors(path, keep):
    """The first `keep` tensors of a safetensors file, as a valid file of their own."""
    data = read(path)
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", None)
    names = sorted(header, key=lambda k: header[k]["data_offsets"][0])
    out, body, offset = {}, b"", 0
    for name in names:
        t = header[name]
        a, b = t["data_offsets"]
        if b - a > 4096:
            continue
        chunk = data[8 + n + a:8 + n + b]
        out[name] = {"dtype": t["dtype"], "shape": t["shape"], "data_offsets": [offset, offset + len(chunk)]}
        body += chunk
        offset += len(chunk)
        if len(out) == keep:
            break
    if meta is not None:
        out["__metadata__"] = meta
    text = json.dumps(out, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + body


def main():
    lynxeval = os.path.abspath(sys.argv[1])
    for d in ("corpus", "fixtures"):
        for old in glob.glob(os.path.join(HERE, d, "**", "seed-*"), recursive=True):
            os.remove(old)
    shutil.rmtree(os.path.join(HERE, "fixtures"), ignore_errors=True)

    # model files
    for ck in ("lynx-world-pt", "lynx-world-ca"):
        seed("safetensors", ck + "-2", small_safetensors(src("checkpoints", ck, "model.safetensors"), 2))
        seed("safetensors", ck + "-6", small_safetensors(src("checkpoints", ck, "model.safetensors"), 6))
        seed("config", ck, read(src("checkpoints", ck, "config.json")))
    seed("tokenizer_model", "world", read(src("checkpoints", "lynx-world-pt", "tokenizer.model")))
    for m in ("bpe-identity-400", "bpe-nobytes-600", "bpe-user-800", "bpe-identity-1000"):
        seed("tokenizer_model", m, read(src("tests", "tokenizer", "models", m + ".model")))
    norm = {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                                                {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]}
    for name, byte_fallback in (("small", False), ("bytes", True)):
        vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
        if byte_fallback:
            for b in range(256):
                vocab[f"<0x{b:02X}>"] = len(vocab)
        for piece in ("\u2581", "a", "c", "t", "\u2581c", "at", "\u2581cat", "\u2581a", "s"):
            vocab[piece] = len(vocab)
        tok = {"version": "1.0", "added_tokens": [
            {"id": 0, "content": "<unk>", "special": True}, {"id": 1, "content": "<s>", "special": True},
            {"id": 2, "content": "</s>", "special": True}],
            "normalizer": norm, "pre_tokenizer": None,
            "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": byte_fallback, "fuse_unk": True,
                      "vocab": vocab, "merges": ["\u2581 c", "a t", "\u2581c at", "\u2581 a"]}}
        seed("tokenizer_json", name, json.dumps(tok, ensure_ascii=False).encode())
    texts = json.load(open(src("tests", "tokenizer", "corpus.json")))
    texts = texts if isinstance(texts, list) else list(texts.values())
    for i, t in enumerate(texts[:24]):
        seed("tokenizer_text", f"{i:02d}", (t if isinstance(t, str) else json.dumps(t)).encode())
    wp = json.load(open(src("tests", "tokenizer", "wordpiece", "expected.json")))["cases"]
    for i, case in enumerate(wp[::12]):
        seed("wordpiece_text", f"{i:02d}", case["text"].encode())
    vocab = read(src("tests", "tokenizer", "wordpiece", "vocab.txt"))
    seed("wordpiece_vocab", "full", vocab)
    seed("wordpiece_vocab", "head", b"".join(vocab.splitlines(keepends=True)[:160]))
    seed("wordpiece_vocab", "crlf", vocab[:3000].replace(b"\n", b"\r\n"))

    # media
    for path in sorted(glob.glob(src("tests", "image", "inputs", "*"))):
        base = os.path.basename(path)
        kind = {".png": "image_png", ".jpg": "image_jpeg", ".gif": "image_gif"}.get(os.path.splitext(base)[1])
        if kind:
            seed(kind, base, read(path))
    for path in sorted(glob.glob(src("tests", "video", "inputs", "*.json"))):
        seed("frames_json", os.path.basename(path), read(path))
    frames = [base64.b64encode(read(src("tests", "image", "inputs", n))).decode()
              for n in ("png-2x3.png", "jpeg-1x1.jpg", "gif-offset-inside.gif", "png-1x1.png")]
    seed("frames_json", "mixed.json", json.dumps(frames).encode())

    # JSON as the readers take it, and the task files
    world = src("datasets", "world", "test")
    seed("json", "config", read(src("checkpoints", "lynx-world-pt", "config.json")), pick=0)
    seed("json", "captions", read(os.path.join(world, "captions.json"))[:MAX_SEED - 1], pick=0)
    seed("json", "jsonl", lines(os.path.join(world, "Open_VQA_images.jsonl"), 6), pick=1)
    seed("json", "coco", read(os.path.join(world, "captions.json"))[:MAX_SEED - 1], pick=2)
    seed("json", "array", json.dumps([{"image_id": 1, "caption": "a cat"}, {"image_id": 2, "caption": "x"}]).encode(), pick=3)
    seed("open_vqa", "images", lines(os.path.join(world, "Open_VQA_images.jsonl"), 8), pick=0)
    seed("open_vqa", "videos", lines(os.path.join(world, "Open_VQA_videos.jsonl"), 8), pick=0)
    seed("open_vqa", "real", lines(src("datasets", "open-vqa", "Open_VQA_images.jsonl"), 8), pick=0)
    seed("open_vqa", "results", b'{"index": 1, "answer": "cross"}\n{"index": 2, "answer": "yes"}\n', pick=1)
    coco = json.load(open(os.path.join(world, "captions.json")))
    ids = [im["id"] for im in coco["images"][:4]]
    small = {"images": coco["images"][:4], "annotations": [a for a in coco["annotations"] if a["image_id"] in ids]}
    seed("coco", "world", json.dumps(small).encode(), pick=0)
    seed("coco", "results", json.dumps([{"image_id": i, "caption": "a red square"} for i in ids]).encode(), pick=1)
    questions = {"data_subtype": "val2014", "questions": [
        {"question_id": 1000, "image_id": 42, "question": "What color is the cat?"},
        {"question_id": 1001, "image_id": 42, "question": "Is it raining?"}]}
    annotations = {"annotations": [
        {"question_id": 1000, "image_id": 42, "question_type": "what color", "answer_type": "other",
         "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": k + 1}
                     for k, a in enumerate(["black"] * 7 + ["dark grey"] * 3)]},
        {"question_id": 1001, "image_id": 42, "question_type": "is it", "answer_type": "yes/no",
         "answers": [{"answer": "no", "answer_confidence": "yes", "answer_id": k + 1} for k in range(10)]}]}
    fixture("vqav2/questions.json", json.dumps(questions).encode())
    fixture("vqav2/annotations.json", json.dumps(annotations).encode())
    seed("vqav2", "questions", json.dumps(questions).encode(), pick=0)
    seed("vqav2", "annotations", json.dumps(annotations).encode(), pick=1)
    seed("vqav2", "results", json.dumps([{"question_id": 1000, "answer": "black"}]).encode(), pick=2)
    for sub in sorted(os.listdir(os.path.join(world, "world-mme")))[:3]:
        for txt in sorted(glob.glob(os.path.join(world, "world-mme", sub, "**", "*.txt"), recursive=True))[:1]:
            seed("mme", sub, read(txt), pick=0)
    seed("mme", "results", b"000000006040.jpg\tIs there a cat?\tYes\tYes, there is.\n"
                           b"000000006040.jpg\tIs there a dog?\tNo\tno\n", pick=1)
    seed("owleval", "world", lines(os.path.join(world, "world-owleval", "questions.jsonl"), 6))
    llava = {
        "questions.jsonl": b'{"question_id": 0, "image": "001.jpg", "text": "What is unusual here?", "category": "complex"}\n'
                           b'{"question_id": 1, "image": "001.jpg", "text": "Describe it.", "category": "detail"}\n',
        "answers_gpt4.jsonl": b'{"question_id": 0, "text": "A man irons on a taxi."}\n'
                              b'{"question_id": 1, "text": "A yellow taxi in a street."}\n',
        "context.jsonl": b'{"image": "001.jpg", "caption": "A man ironing clothes on the back of a taxi."}\n',
    }
    for k, (name, data) in enumerate(llava.items()):
        fixture("llava-bench/" + name, data)
        seed("llava_bench", name, data, pick=k)
    pope_world = os.path.join(world, "world-pope")
    split_file = lines(os.path.join(pope_world, "world_pope_random.json"), 6)
    qfile = b"".join(json.dumps({"question_id": k + 1, "image": "pope_001.png", "text": "Is there a red circle?",
                                 "category": "random"}).encode() + b"\n" for k in range(6))
    answers = b"".join(json.dumps({"question_id": k + 1, "text": t}).encode() + b"\n"
                       for k, t in enumerate(["Yes", "No, there is not.", "yes", "no", "", "Nope"]))
    for k, (name, data) in enumerate((("coco/coco_pope_random.json", split_file),
                                      ("llava_pope_test.jsonl", qfile), ("answers.jsonl", answers))):
        fixture("pope/" + name, data)
        seed("pope", os.path.basename(name), data, pick=k)
    problems = {"11": {"question": "Which is a mammal?", "choices": ["cat", "trout"], "answer": 0, "hint": "",
                       "image": "image.png", "subject": "natural science", "grade": "grade3", "split": "test"},
                "12": {"question": "Which word is a verb?", "choices": ["run", "blue", "dog"], "answer": 0,
                       "hint": "Read.\nThen answer.", "image": None, "subject": "language science",
                       "grade": "grade8", "split": "test"}}
    splits = {"train": [], "val": [], "test": ["12", "11"]}
    for k, (name, data) in enumerate((("problems.json", json.dumps(problems).encode()),
                                      ("pid_splits.json", json.dumps(splits).encode()))):
        fixture("science_qa/" + name, data)
        seed("science_qa", name, data, pick=k)
    seed_doc = {"question_type": {"Scene Understanding": 1, "Instances Counting": 5, "Action Recognition": 10},
                "questions": [{"answer": "B", "choice_a": "One", "choice_b": "Two", "choice_c": "Three",
                               "choice_d": "Four", "data_id": "1454426_2591111986", "data_type": "image",
                               "question": "How many towels are in the image?", "question_id": "101669",
                               "question_type_id": 5},
                              {"answer": "A", "choice_a": "Outdoors", "choice_b": "Kitchen", "choice_c": "Shop",
                               "choice_d": "Field", "data_id": "1_2", "data_type": "image",
                               "question": "Where is this?", "question_id": "101670", "question_type_id": 1},
                              {"answer": "C", "choice_a": "a", "choice_b": "b", "choice_c": "c", "choice_d": "d",
                               "data_id": "v.mp4", "data_type": "video", "question": "What happens?",
                               "question_id": "1", "question_type_id": 10, "segment": [0, 4]}]}
    seed_answers = b'{"question_id": 101669, "text": "B"}\n{"question_id": "101670", "text": "A."}\n'
    for k, (name, data) in enumerate((("SEED-Bench.json", json.dumps(seed_doc).encode()),
                                      ("answers.jsonl", seed_answers))):
        fixture("seed_bench/" + name, data)
        seed("seed_bench", name, data, pick=k)
    tv = {"dataset_type": "val", "dataset_version": "0.5.1", "data": [
        {"question": "what brand is this?", "image_id": "003a8ae2ef43b901", "answers": ["nokia"] * 9 + ["Nokia."],
         "question_id": 34602, "set_name": "val"},
        {"question": "What does it say?", "image_id": "00685bc495504d61", "answers": ["stop", "stop sign"] * 5,
         "question_id": 34603, "set_name": "val"}]}
    tv_ocr = {"data": [{"image_id": "003a8ae2ef43b901", "ocr_tokens": ["NOKIA", "menu"]},
                       {"image_id": "00685bc495504d61", "ocr_tokens": []}]}
    tv_answers = (json.dumps({"question_id": "003a8ae2ef43b901", "prompt": "what brand is this?\nReference OCR token: "
                              "NOKIA, menu\nAnswer the question using a single word or phrase.", "text": "Nokia"})
                  + "\n" + json.dumps({"question_id": "00685bc495504d61", "prompt": "OCR tokens: . Question: What does "
                                        "it say? Short answer:", "text": "stop"}) + "\n").encode()
    for k, (name, data) in enumerate((("TextVQA_0.5.1_val.json", json.dumps(tv).encode()),
                                      ("TextVQA_Rosetta_OCR_v0.2_val.json", json.dumps(tv_ocr).encode()),
                                      ("answers.jsonl", tv_answers))):
        fixture("textvqa/" + name, data)
        seed("textvqa", name, data, pick=k)
    gqa_q = {"20968379": {"imageId": "n336443", "question": "Is the table to the left of the man?", "answer": "yes",
                          "isBalanced": True, "types": {"structural": "verify", "semantic": "rel", "detailed": "x"},
                          "groups": {"global": None, "local": "13-table_man"}, "semantic": [], "entailed": []},
             "20968380": {"imageId": "n336443", "question": "What color is the table?", "answer": "white",
                          "isBalanced": False, "types": {"structural": "query", "semantic": "attr", "detailed": "y"},
                          "groups": {"global": "color", "local": "10q-table"}, "semantic": [], "entailed": []}}
    gqa_answers = b'{"question_id": "20968379", "text": "Yes."}\n{"question_id": "20968380", "text": "white"}\n'
    gqa_pred = json.dumps([{"questionId": "20968379", "prediction": "yes"}]).encode()
    for k, (name, data) in enumerate((("testdev_balanced_questions.json", json.dumps(gqa_q).encode()),
                                      ("answers.jsonl", gqa_answers),
                                      ("testdev_balanced_predictions.json", gqa_pred))):
        fixture("gqa/" + name, data)
        seed("gqa", name, data, pick=k)
    vz = [{"image": "VizWiz_val_00000000.jpg", "question": "What is this?", "answer_type": "other", "answerable": 1,
           "answers": [{"answer": a, "answer_confidence": "yes"} for a in ["soup", "soup can", "don’t know"] * 3
                       + ["unanswerable"]]},
          {"image": "VizWiz_val_00000001.jpg", "question": "Is it on?", "answer_type": "unanswerable",
           "answerable": 0, "answers": [{"answer": "unanswerable", "answer_confidence": "maybe"}] * 10}]
    vz_upload = json.dumps([{"image": "VizWiz_val_00000000.jpg", "answer": "dont know"},
                            {"image": "VizWiz_val_00000001.jpg", "answer": "Unanswerable."}]).encode()
    for k, (name, data) in enumerate((("val.json", json.dumps(vz, ensure_ascii=False).encode()),
                                      ("upload.json", vz_upload))):
        fixture("vizwiz/" + name, data)
        seed("vizwiz", name, data, pick=k)
    vqa_qs = json.dumps([{"answer": "man", "id": 30933, "question": "who is walking?", "video_id": 1},
                         {"answer": "dog", "id": 30935, "question": "What runs?", "video_id": 2}]).encode()
    vqa_map = b"-4wsuPCjDBc_5_15 vid1\n0lh_UWF9ZP4_62_69 vid2\n"
    for k, (name, data) in enumerate((("test_qa.json", vqa_qs), ("youtube_mapping.txt", vqa_map))):
        fixture("video_qa/" + name, data)
        seed("video_qa", name, data, pick=k)
    for name in ("mmbench_judge_template.py", "videochatgpt_judge_template.py"):  # the judges' scripts
        seed("judge_replies", name.replace("_judge", ""), read(src(os.path.join("tests", "scorers", name))))
    seed("judge_replies", "mmvet_template.py", read(src("tests", "scorers", "mmvet_judge_template.py")))
    seed("judge_replies", "score_reply", "\u00a0\u0660.\u0667_5 because".encode())
    seed("mm_vet", "mm-vet.json", read(src("tests", "scorers", "vectors", "mm_vet", "mm-vet.json"))[:4000]
         .rsplit(b"},", 1)[0] + b"}}")
    seed("judge_replies", "dict_reply", b"{'pred': 'yes', 'score': 4.8}")
    seed("judge_replies", "letter_reply", b"The answer is (B).")
    img = base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
                                         "0000000c4944415408d763f8ffff3f0005fe02fea7d6a5f80000000049454e44ae426082")).decode()
    head = "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\tsource\tl2-category\tcomment\tsplit\n"
    mmb_rows = [["1", '"Which one, ""x""?"', "nan", "cat", "dog", "", "", "A", "image_style", img, "s",
                 "coarse_perception", "", "dev"],
                ["1000001", '"Which one, ""x""?"', "nan", "dog", "cat", "", "", "B", "image_style", img, "s",
                 "coarse_perception", "", "dev"],
                ["2", "How many?", '"two\nlines"', "1", "2", "3", "None", "C", "attribute_recognition", img, "s",
                 "finegrained_perception (instance-level)", "", "dev"]]
    mmb_tsv = (head + "".join("\t".join(r) + "\n" for r in mmb_rows)).encode()
    mmb_answers = (json.dumps({"question_id": 1, "round_id": 0, "text": "A"}) + "\n"
                   + json.dumps({"question_id": 1000001, "text": "The answer is (B)."}) + "\n"
                   + json.dumps({"question_id": 2, "text": "3"}) + "\n").encode()
    for k, (name, data) in enumerate((("mmbench_dev_en_20231003.tsv", mmb_tsv), ("answers.jsonl", mmb_answers))):
        fixture("mmbench/" + name, data)
        seed("mmbench", name, data, pick=k)
    reg = read(src("datasets.txt"))
    seed("registry", "datasets.txt", reg[:MAX_SEED])

    # runs, judges, people, benchmarks: a real run of the world model, and what it leads to
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LYNXEVAL_HOME=ROOT)
        subprocess.run([lynxeval, "run", "--limit", "2", "--threads", "1"], cwd=tmp, env=env, check=True,
                       capture_output=True)
        run = os.path.join(tmp, "lynxeval-runs", "world-pt")
        for path in sorted(glob.glob(os.path.join(run, "**", "*"), recursive=True)):
            rel = os.path.relpath(path, run)
            if os.path.isfile(path) and not rel.endswith(".html"):
                fixture("run/" + rel, read(path))
        files = ["manifest.json", "open-vqa-image/fingerprint.json", "open-vqa-image/predictions.jsonl",
                 "open-vqa-image/scores.jsonl", "open-vqa-image/aggregate.json", "coco-caption/scores.jsonl",
                 "coco-caption/aggregate.json", "mme/scores.jsonl", "mme/aggregate.json"]
        for k, rel in enumerate(files):  # the order of run_dir.c's FILES
            seed("run_dir", rel.replace("/", "-"), read(os.path.join(run, rel)), pick=k)
        seed("manifest", "world", read(os.path.join(run, "manifest.json")))
        for task in ("open-vqa-image", "coco-caption", "mme", "owleval"):
            seed("predictions", task, read(os.path.join(run, task, "predictions.jsonl")), pick=0)
        verdicts = b"".join(json.dumps({"id": json.loads(l)["id"], "verdict": v}).encode() + b"\n"
                            for l, v in zip(read(os.path.join(run, "open-vqa-image", "predictions.jsonl")).splitlines(),
                                            ("correct", "I cannot tell")))
        seed("judge_verdicts", "two", verdicts)
        shard_seeds(read(os.path.join(run, "open-vqa-image", "predictions.jsonl")))
        seed("predictions", "verdicts", b"".join(
            json.dumps({"id": json.loads(l)["id"], "judge": "j", "verdict": "correct"}).encode() + b"\n"
            for l in verdicts.splitlines()), pick=1)
        pkg = os.path.join(tmp, "pkg")
        subprocess.run([lynxeval, "human", "export", run, run, "--task", "owleval", "--data",
                        os.path.join(world, "world-owleval"), "--out", pkg, "--raters", "1", "--limit", "2"],
                       check=True, capture_output=True)
        package = json.load(open(os.path.join(pkg, "package.json")))
        ratings = {"format": "lynxeval-ratings-1", "package": package["package"], "rater": "rater-1",
                   "ratings": [{"item": it["item"], "answer": a["answer"], "grade": "ABCD"[k % 4]}
                               for it in package["items"] for k, a in enumerate(it["answers"])]}
        key = read(pkg + ".key.json").replace(tmp.encode(), b"/runs")
        fixture("human/pkg/package.json", read(os.path.join(pkg, "package.json")))
        fixture("human/pkg.key.json", key)
        fixture("human/ratings-rater-1.json", json.dumps(ratings).encode())
        seed("human_ratings", "ratings", json.dumps(ratings).encode(), pick=0)
        seed("human_ratings", "package", read(os.path.join(pkg, "package.json")), pick=1)
        seed("human_ratings", "key", key, pick=2)
    for path in sorted(glob.glob(src("bench", "results", "kernels-*.json")))[:2]:
        seed("bench_json", os.path.basename(path), read(path))
    caps = [a["caption"] for a in coco["annotations"][:40]]
    seed("ptb", "world", "\n".join(caps).encode())
    seed("ptb", "rules", "Dr. Smith's cat -- isn't it?  He said \"hi\" (at 3:30 p.m.) & left...\n"
                          "U.S.A. $5.00 ca. 1990\u2026 A\u00a0B\nI.\nThe end.".encode())


if __name__ == "__main__":
    main()
