#!/usr/bin/python3
"""The LLM-judge path on small runs of the tiny model: export, import, and calls to an
OpenAI-compatible endpoint served here on the loopback address (with an API key, a transient
503, replies that do not parse, and an endpoint that fails midway and is resumed).

usage: test_judge.py LYNXEVAL MODEL_DIR SOURCE_DIR
"""
import hashlib
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from lxtest import check, finish, runner, send_json

lynxeval, model, src = sys.argv[1], sys.argv[2], sys.argv[3]
lx = runner(lynxeval)


def reply_for(user_text, kind):
    """The fake judge: a fixed function of the prompt, so the test knows every verdict."""
    h = int(hashlib.sha256(user_text.encode()).hexdigest(), 16)
    if kind == "correctness":
        return ["correct", "Incorrect.", "I cannot tell from this."][h % 3]
    return ["8 6\nAssistant 1 is more detailed.", "7 7", "Assistant 1: 9, assistant 2: 5"][h % 3]


class Judge(http.server.BaseHTTPRequestHandler):
    calls = 0
    fail_after = None   # answer 400 from this call on
    first_503 = True    # one transient error, to be retried
    seen_keys = set()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Judge.seen_keys.add(self.headers.get("Authorization"))
        Judge.calls += 1
        if Judge.first_503:
            Judge.first_503 = False
            return self.send(503, {"error": "busy"})
        if Judge.fail_after is not None and Judge.calls > Judge.fail_after:
            return self.send(400, {"error": {"message": "quota exceeded"}})
        user = body["messages"][1]["content"]
        kind = "pair" if "Assistant 2" in user else "correctness"
        self.send(200, {"choices": [{"message": {"role": "assistant", "content": reply_for(user, kind)}}],
                        "model": body["model"]})

    def send(self, status, obj):
        send_json(self, status, obj)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Judge)
threading.Thread(target=server.serve_forever, daemon=True).start()
URL = f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions"

tmp = tempfile.mkdtemp()
try:
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    shutil.copy(os.path.join(src, "tests", "runs", "open_vqa_images_small.jsonl"), os.path.join(data, "Open_VQA_images.jsonl"))
    os.symlink(os.path.join(src, "tests", "image", "inputs"), os.path.join(data, "images"))
    with open(os.path.join(data, "questions.jsonl"), "w") as f:
        for i, (im, q, cat) in enumerate([("chelsea.png", "Describe the cat.", "detail"),
                                          ("rocket.jpg", "What is launching?", "conv"),
                                          ("grace_hopper.jpg", "Who might this be?", "complex")]):
            f.write(json.dumps({"question_id": i, "image": im, "text": q, "category": cat}) + "\n")
    with open(os.path.join(data, "answers_gpt4.jsonl"), "w") as f:
        for i, a in enumerate(["A tabby cat lies on a blanket.", "A rocket.", "A naval officer."]):
            f.write(json.dumps({"question_id": i, "text": a}) + "\n")
    with open(os.path.join(data, "context.jsonl"), "w") as f:
        for im, c in [("chelsea.png", "a cat"), ("rocket.jpg", "a rocket launch"), ("grace_hopper.jpg", "a portrait")]:
            f.write(json.dumps({"image": im, "caption": c}) + "\n")
    run = os.path.join(tmp, "run")
    p = lx("run", "open-vqa-image:open-vqa-image", "--model", model, "--data", data, "--out", run, "--batch", "4")
    check("a run to judge", p.returncode == 0, p.stderr)
    # llava-bench reads images under images/ (the registry's media_root): the symlink serves it
    p = lx("run", "llava-bench", "--model", model, "--data", data, "--out", run, "--batch", "4", "--max-new-tokens", "8")
    check("a llava-bench run to judge", p.returncode == 0, p.stderr)

    # export
    req_path = os.path.join(tmp, "requests.jsonl")
    p = lx("judge", "export", "--run", run, "--task", "open-vqa-image", "--out", req_path)
    reqs = [json.loads(l) for l in open(req_path)] if p.returncode == 0 else []
    check("export writes one request per prediction, with template and prompt hash",
          len(reqs) == 12 and all(r["template"] == "open-vqa-correct-1" and len(r["prompt_sha256"]) == 64
                                  and r["messages"][0]["role"] == "system" for r in reqs), p.stderr)
    expect = {r["id"]: reply_for(r["messages"][1]["content"], "correctness") for r in reqs}

    def counts(replies):
        correct = sum(1 for v in replies.values() if v == "correct")
        wrong = sum(1 for v in replies.values() if v == "Incorrect.")
        return correct, wrong, len(replies) - correct - wrong

    # call, with a key; the endpoint fails after 5 verdicts, then the call is resumed
    env = dict(os.environ, JUDGE_KEY="test-key-123")
    Judge.fail_after = 6  # the 503 is call 1, then 5 verdicts
    p = lx("judge", "call", "--run", run, "--task", "open-vqa-image", "--endpoint", URL,
           "--judge-model", "fake-judge-1", "--api-key-env", "JUDGE_KEY", env=env)
    check("a failing endpoint stops the call, naming the status", p.returncode == 1 and "HTTP 400" in p.stderr
          and "quota exceeded" in p.stderr, p.stderr)
    judge_dir = os.path.join(run, "open-vqa-image", "judge")
    vpath = os.path.join(judge_dir, os.listdir(judge_dir)[0], "verdicts.jsonl")
    check("the verdicts before the failure are kept", len(open(vpath).readlines()) == 5)
    Judge.fail_after = None
    p = lx("judge", "call", "--run", run, "--task", "open-vqa-image", "--endpoint", URL,
           "--judge-model", "fake-judge-1", "--api-key-env", "JUDGE_KEY", env=env)
    agg = json.loads(p.stdout) if p.returncode == 0 else {}
    c, w, u = counts(expect)
    check(f"the resumed call completes: {c} correct, {w} incorrect, {u} unparseable",
          agg.get("correct") == c and agg.get("judged") == c + w and agg.get("unparseable") == u
          and agg.get("missing") == 0 and abs(agg.get("accuracy", -1) - 100 * c / (c + w)) < 1e-9, p.stderr + p.stdout)
    rows = [json.loads(l) for l in open(vpath)]
    check("each verdict is stored raw with judge, template and prompt hash, once per item",
          len(rows) == 12 and len({r["id"] for r in rows}) == 12
          and all(r["judge"] == f"fake-judge-1@{URL}" and r["verdict"] == expect[r["id"]] for r in rows))
    check("the API key went in the Authorization header and nowhere else",
          Judge.seen_keys == {"Bearer test-key-123"} and "test-key-123" not in open(vpath).read()
          and "test-key-123" not in open(os.path.join(run, "manifest.json")).read())
    check("unparseable replies are listed, not averaged",
          sorted(agg.get("unparseable_ids", [])) == sorted(i for i, v in expect.items() if v.startswith("I cannot")))

    # import verdicts from elsewhere (a subset: the rest are missing)
    vfile = os.path.join(tmp, "verdicts.jsonl")
    with open(vfile, "w") as f:
        for r in reqs[:7]:
            f.write(json.dumps({"id": r["id"], "verdict": "correct"}) + "\n")
    p = lx("judge", "import", "--run", run, "--task", "open-vqa-image", "--verdicts", vfile, "--judge", "human-panel")
    agg = json.loads(p.stdout) if p.returncode == 0 else {}
    check("import scores what it has and lists the missing", agg.get("correct") == 7 and agg.get("missing") == 5, p.stderr)
    vlog = os.path.join(run, "open-vqa-image", "judge", "human-panel", "verdicts.jsonl")
    stored = open(vlog, "rb").read()
    p = lx("judge", "import", "--run", run, "--task", "open-vqa-image", "--verdicts", vfile, "--judge", "human-panel")
    check("the same import again adds nothing and changes nothing",
          p.returncode == 0 and "0 verdicts imported (7 already there)" in p.stderr and open(vlog, "rb").read() == stored,
          p.stderr)
    # a whole file is checked before any of it is stored
    new8, new9 = reqs[8]["id"], reqs[9]["id"]
    bad_files = {
        "an id the run does not have": ([(new8, "correct"), ("4242", "x")], "verdicts.jsonl:2: id 4242 has no prediction"),
        "an id twice in the file": ([(new8, "correct"), (new9, "wrong"), (new9, "correct")],
                                    f"verdicts.jsonl:3: verdict for id {new9} occurs twice (first at "),
        "a verdict that differs from the stored one": ([(new8, "correct"), (reqs[0]["id"], "wrong")],
                                                       "verdicts.jsonl:2: id %s already has a different verdict" % reqs[0]["id"]),
    }
    for what, (rows, want) in bad_files.items():
        with open(vfile, "w") as f:
            f.writelines(json.dumps({"id": i, "verdict": v}) + "\n" for i, v in rows)
        p = lx("judge", "import", "--run", run, "--task", "open-vqa-image", "--verdicts", vfile, "--judge", "human-panel")
        check(f"import refuses {what}, storing none of the file",
              p.returncode == 1 and want in p.stderr and open(vlog, "rb").read() == stored, p.stderr)
    with open(vfile, "w") as f:
        f.write(json.dumps({"id": new8, "verdict": "correct"}) + "\n")
    p = lx("judge", "import", "--run", run, "--task", "open-vqa-image", "--verdicts", vfile, "--judge", "human-panel")
    check("... and the judge directory still takes a good import", p.returncode == 0 and "1 verdicts imported" in p.stderr, p.stderr)
    with open(vfile, "w") as f:
        f.write('{"id": "1", "verdict": }\n')
    p = lx("judge", "import", "--run", run, "--task", "open-vqa-image", "--verdicts", vfile, "--judge", "human-panel")
    check("import refuses bad JSON with file and line", p.returncode == 1 and "verdicts.jsonl:1:" in p.stderr, p.stderr)

    # llava-bench: pairs of scores, relative score
    p = lx("judge", "export", "--run", run, "--task", "llava-bench", "--out", req_path)
    lreqs = [json.loads(l) for l in open(req_path)]
    p = lx("judge", "call", "--run", run, "--task", "llava-bench", "--endpoint", URL, "--judge-model", "fake-judge-1")
    agg = json.loads(p.stdout) if p.returncode == 0 else {}
    pairs = [reply_for(r["messages"][1]["content"], "pair").split("\n")[0].split() for r in lreqs]
    good = [(float(a), float(b)) for a, b, *rest in [x + [None] for x in pairs] if a.replace(".", "").isdigit() and b.replace(".", "").isdigit() and not rest[0]]
    ref = sum(a for a, _ in good) / len(good) if good else 0
    mod = sum(b for _, b in good) / len(good) if good else 0
    check(f"llava-bench: relative score {agg.get('relative_score')} = mean(model)/mean(reference) x 100",
          agg.get("judged") == len(good) and abs(agg.get("relative_score", -1) - (100 * mod / ref if ref else 0)) < 1e-9
          and agg.get("unparseable") == 3 - len(good) and "context" not in json.dumps(agg), p.stderr + p.stdout)
    check("the judge is told the image's caption", "a rocket launch" in json.dumps(lreqs))

    p = lx("judge", "export", "--run", run, "--task", "mme", "--out", req_path)
    check("a task without a judge is refused", p.returncode == 1 and "has no judge" in p.stderr, p.stderr)
    p = lx("judge", "call", "--run", run, "--task", "open-vqa-image", "--endpoint", URL, "--judge-model", "x",
           "--api-key-env", "NO_SUCH_VARIABLE_SET")
    check("a missing API key variable is a usage error", p.returncode == 2 and "NO_SUCH_VARIABLE_SET" in p.stderr, p.stderr)
    p = lx("judge", "call", "--run", run, "--task", "open-vqa-video", "--endpoint", URL, "--judge-model", "x")
    check("a task that was not run is named", p.returncode == 1 and "no predictions" in p.stderr, p.stderr)
    p = lx("judge", "call", "--run", run, "--task", "llava-bench", "--endpoint", "http://127.0.0.1:1/v1/chat/completions",
           "--judge-model", "other", "--timeout", "2")
    check("an unreachable endpoint is an error, after retries", p.returncode == 1 and "127.0.0.1:1" in p.stderr, p.stderr)
finally:
    server.shutdown()
    shutil.rmtree(tmp)

finish()
