#!/usr/bin/python3
"""`lynxeval run` end to end on the tiny test model: the run directory, resumption after SIGKILL at
random points (the predictions must equal an uninterrupted run's, byte for byte), refusal to
resume under other settings, a torn last line, --limit extension, and bad inputs.

usage: test_run.py LYNXEVAL MODEL_DIR SOURCE_DIR
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from lxtest import check, finish, small_open_vqa

lynxeval, model, src = sys.argv[1], sys.argv[2], sys.argv[3]
HERE = os.path.join(src, "tests", "runs")
KILLS = 6  # SIGKILLs that must land mid-run (after the first prediction, before the last)


def run(out, *extra, data=None):
    cmd = [lynxeval, "run", "open-vqa-image:open-vqa-image,open-vqa-video:open-vqa-video", "--model", model, "--data", data or DATA,
           "--out", out, *extra]
    return subprocess.run(cmd, capture_output=True, text=True)


def read(path):
    with open(path, "rb") as f:
        return f.read()


tmp = tempfile.mkdtemp()
try:
    DATA = os.path.join(tmp, "data")
    small_open_vqa(DATA, src)

    # 1. an uninterrupted run
    r1 = os.path.join(tmp, "r1")
    t0 = time.monotonic()
    p = run(r1, "--batch", "3")
    full_seconds = time.monotonic() - t0
    check("uninterrupted run", p.returncode == 0, p.stderr)
    for task, n in (("open-vqa-image", 12), ("open-vqa-video", 4)):
        d = os.path.join(r1, task)
        rows = [json.loads(l) for l in open(os.path.join(d, "predictions.jsonl"))]
        agg = json.load(open(os.path.join(d, "aggregate.json")))
        exported = [json.loads(l) for l in open(os.path.join(d, "results.jsonl"))]
        check(f"{task}: {n} predictions, scored and exported",
              len(rows) == n and agg["total"] == n and len(exported) == n
              and all(isinstance(e["index"], int) for e in exported), json.dumps(agg)[:200])
    m = json.load(open(os.path.join(r1, "manifest.json")))
    fp = m["tasks"]["open-vqa-video"]["fingerprint"]
    check("manifest records model hash, config, decoding, template, frame rule, versions, machine, times",
          len(fp["model"]["safetensors_sha256"]) == 64 and "llm" in json.dumps(fp["model"]["config"])
          and fp["decoding"]["strategy"] and fp["prompt_template"]["name"] == "model"
          and fp["frame_rule"] == "segment-start" and fp["task"]["version"] >= 1
          and m["sessions"][0]["machine"]["cores"] >= 1 and m["sessions"][0]["finished"]
          and m["sessions"][0]["lynxeval_version"], json.dumps(m)[:300])
    check("annotations that are not the published files are flagged",
          "is not the published open-vqa-image" in p.stderr
          and m["tasks"]["open-vqa-image"]["annotations_match_registry"] is False, p.stderr)
    res = json.load(open(os.path.join(r1, "results.json")))
    unc = res["runs"][0]["tasks"]["open-vqa-image"]["uncertainty"]
    check("results.json at the run's root: each task's aggregate with its intervals",
          res["resamples"] == 2000 and unc and all(len(u["interval"]) == 2 for u in unc)
          and "Results: " in p.stdout, json.dumps(res)[:300])
    video_rows = [json.loads(l) for l in open(os.path.join(r1, "open-vqa-video", "predictions.jsonl"))]
    check("video predictions say which frames were used", all(len(r["frames"]) == 5 for r in video_rows))

    # 2. SIGKILL at random points, resume until done; rounds until enough kills landed mid-run
    rng = random.Random(20231121)
    at_kill, rounds, sessions, all_same = [], 0, 0, True
    span = full_seconds  # how long a session runs; adapted below, as the machine's load moves
    while sum(1 for n in at_kill if 0 < n < 16) < KILLS and rounds < 3 * KILLS:
        rounds += 1
        r2 = os.path.join(tmp, f"r2-{rounds}")
        while True:
            sessions += 1
            proc = subprocess.Popen([lynxeval, "run", "open-vqa-image:open-vqa-image,open-vqa-video:open-vqa-video", "--model", model,
                                     "--data", DATA, "--out", r2, "--batch", "3"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(rng.uniform(0.2, 1.0) * span)  # anywhere from start-up to the end
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                at_kill.append(sum(read(os.path.join(r2, t, "predictions.jsonl")).count(b"\n")
                                   for t in ("open-vqa-image", "open-vqa-video")
                                   if os.path.exists(os.path.join(r2, t, "predictions.jsonl"))))
                if at_kill[-1] == 0:
                    span *= 1.2  # killed before the first prediction: sessions take longer now
                continue
            span *= 0.7  # finished before the kill: sessions run faster than the first one did
            err = proc.communicate()[1].decode()
            if proc.returncode != 0:
                check("a resumed session succeeds", False, err)
            break
        all_same &= all(read(os.path.join(r1, t, "predictions.jsonl")) == read(os.path.join(r2, t, "predictions.jsonl"))
                        and read(os.path.join(r1, t, "aggregate.json")) == read(os.path.join(r2, t, "aggregate.json"))
                        for t in ("open-vqa-image", "open-vqa-video"))
    mid_run = sum(1 for n in at_kill if 0 < n < 16)
    check(f"{len(at_kill)} SIGKILLs in {rounds} runs of {sessions} sessions (predictions on disk at each: "
          f"{at_kill}): every run's predictions identical to the uninterrupted run's", all_same and mid_run >= KILLS,
          f"{mid_run} kills mid-run")
    m2 = json.load(open(os.path.join(r2, "manifest.json")))
    check("every session is in the manifest", len(m2["sessions"]) >= 1 and m2["sessions"][-1]["finished"])

    # 3. other settings refuse to resume
    p = run(r1, "--decode", "greedy")
    check("another decoding refuses to resume", p.returncode == 1 and "cannot be resumed: decoding.strategy" in p.stderr, p.stderr)
    p = run(r1, "--prompt-template", "short-answer")
    check("another prompt template refuses to resume", p.returncode == 1 and "prompt_template" in p.stderr, p.stderr)
    p = run(r1, "--seed", "7")
    check("another seed refuses to resume", p.returncode == 1 and "seed" in p.stderr, p.stderr)
    p = subprocess.run([lynxeval, "run", "open-vqa-image:open-vqa-image,open-vqa-video:open-vqa-video", "--model",
                        os.path.join(os.path.dirname(model), "ca"), "--data", DATA, "--out", r1, "--batch", "3"],
                       capture_output=True, text=True)
    check("another model refuses to resume", p.returncode == 1 and "model.safetensors_sha256" in p.stderr, p.stderr)
    p = run(r1, "--batch", "2")
    check("another batch size refuses to resume", p.returncode == 1 and "numerics.batch" in p.stderr, p.stderr)
    p = run(r1, "--batch", "3", "--precision", "bf16")
    check("another matmul precision refuses to resume", p.returncode == 1 and "numerics.precision" in p.stderr, p.stderr)
    p = run(r1, "--precision", "f16")
    check("an unknown precision is refused", p.returncode == 2 and "--precision must be f32 or bf16" in p.stderr, p.stderr)

    # 4. a torn last line is cut and its item predicted again
    log = os.path.join(r1, "open-vqa-image", "predictions.jsonl")
    full = read(log)
    lines = full.splitlines(keepends=True)
    with open(log, "wb") as f:
        f.write(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    p = run(r1, "--batch", "3")
    check("a torn last line is cut and redone", p.returncode == 0 and "torn last line" in p.stderr and read(log) == full, p.stderr)

    # 5. a line that is not a prediction stops the run, naming it
    with open(log, "ab") as f:
        f.write(b'{"note": "edited by hand"}\n')
    p = run(r1, "--batch", "3")
    check("an edited predictions file is refused", p.returncode == 1 and "predictions.jsonl:13: not a prediction" in p.stderr, p.stderr)
    with open(log, "wb") as f:
        f.write(full)

    # 6. --limit, then the full run extends it
    r3 = os.path.join(tmp, "r3")
    p = run(r3, "--limit", "5", "--batch", "3")
    agg = json.load(open(os.path.join(r3, "open-vqa-image", "aggregate.json")))
    check("--limit 5 predicts and scores 5 items", p.returncode == 0 and agg["total"] == 5, p.stderr)
    p = run(r3, "--batch", "3")
    check("the full run keeps them and adds the rest",
          p.returncode == 0 and "resuming, 5 of 12" in p.stderr
          and read(os.path.join(r3, "open-vqa-image", "predictions.jsonl")) == full, p.stderr)

    # 7. bad inputs
    bad = os.path.join(tmp, "bad")
    shutil.copytree(DATA, bad, symlinks=True)
    with open(os.path.join(bad, "not-an-image.jpg"), "w") as f:
        f.write("text, not a JPEG\n")
    with open(os.path.join(bad, "Open_VQA_images.jsonl"), "a") as f:
        f.write(json.dumps({"dataset": "x", "question": "q?", "answer": ["a"], "index": 999,
                            "image": "not-an-image.jpg", "origin_dataset": "x", "class": "Others"}) + "\n")
    p = run(os.path.join(tmp, "r4"), data=bad)
    check("an image that does not decode stops the run, naming it and its line",
          p.returncode == 1 and "not-an-image.jpg" in p.stderr and "Open_VQA_images.jsonl:13" in p.stderr, p.stderr)
    check("... keeping the predictions made before it",
          len(open(os.path.join(tmp, "r4", "open-vqa-image", "predictions.jsonl")).read().splitlines()) == 12)
    bad2 = os.path.join(tmp, "bad2")
    shutil.copytree(DATA, bad2, symlinks=True)
    os.remove(os.path.join(bad2, "Open_VQA_videos.jsonl"))
    p = run(os.path.join(tmp, "r5"), data=bad2)
    check("a missing annotation file is named with the dataset",
          p.returncode == 1 and "Open_VQA_videos.jsonl is missing (dataset open-vqa-video" in p.stderr, p.stderr)
    check("... before anything is written: no run directory", not os.path.exists(os.path.join(tmp, "r5")))
    p = subprocess.run([lynxeval, "run", "open-vqa", "--model", model, "--data", DATA, "--out", os.path.join(tmp, "r6")],
                       capture_output=True, text=True)
    check("an unknown task is a usage error", p.returncode == 2 and "unknown task 'open-vqa'" in p.stderr, p.stderr)
    p = run(os.path.join(tmp, "r7"), "--prompt-template", "chatty")
    check("an unknown template is a usage error, listing the task's", p.returncode == 2 and "short-answer" in p.stderr, p.stderr)
    p = run(os.path.join(tmp, "r8"), "--frame-rule", "uniform")
    check("an unknown frame rule is a usage error", p.returncode == 2, p.stderr)

    # 8. what a run checks before it writes anything, and what it records
    m = json.load(open(os.path.join(r1, "manifest.json")))
    cmd = m["sessions"][0]["command"]
    check("the manifest records the command as given, task list included",
          cmd.startswith("run open-vqa-image:open-vqa-image,open-vqa-video:open-vqa-video --model ") and cmd.endswith("--batch 3"), cmd)
    p = subprocess.run([lynxeval, "run", "open-vqa-image", "--model", os.path.join(tmp, "no-model"), "--data", DATA,
                        "--out", os.path.join(tmp, "r9")], capture_output=True, text=True)
    check("a bad --model is an error naming it, and leaves no run directory",
          p.returncode == 1 and "no-model" in p.stderr and not os.path.exists(os.path.join(tmp, "r9")), p.stderr)
    t0 = time.monotonic()
    p = run(os.path.join(tmp, "r10"), "--normalize", "offical-2017")
    check("a typo in --normalize is a usage error before any prediction, leaving nothing",
          p.returncode == 2 and "--normalize: 'offical-2017'" in p.stderr and not os.path.exists(os.path.join(tmp, "r10"))
          and time.monotonic() - t0 < full_seconds, p.stderr)
    p = run(os.path.join(tmp, "r11"), "--decode", "beamy")
    check("a bad --decode is a usage error, leaving nothing",
          p.returncode == 2 and "--decode" in p.stderr and not os.path.exists(os.path.join(tmp, "r11")), p.stderr)
    # media are looked for before anything is written, up to the end of the last block decoded
    bad = os.path.join(tmp, "bad-media")
    os.makedirs(bad)
    rows = [json.loads(l) for l in open(os.path.join(DATA, "Open_VQA_images.jsonl"))]
    for case, media in (("missing", "images/no-such.png"), ("fifo", "images/pipe.png")):
        rows[2]["image"] = media
        d = os.path.join(bad, case)
        os.makedirs(d)
        with open(os.path.join(d, "Open_VQA_images.jsonl"), "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
        shutil.copy(os.path.join(DATA, "Open_VQA_videos.jsonl"), d)
        os.makedirs(os.path.join(d, "images"))
        for name in os.listdir(os.path.join(DATA, "images")):
            os.symlink(os.path.join(DATA, "images", name), os.path.join(d, "images", name))
        os.symlink(os.path.join(DATA, "videos"), os.path.join(d, "videos"))
        if case == "fifo":
            os.mkfifo(os.path.join(d, media))
        out = os.path.join(bad, case + "-run")
        # --limit 2 --batch 3: the third item is decoded with the first block, so it is needed
        p = subprocess.run([lynxeval, "run", "open-vqa-image:open-vqa-image", "--model", model, "--data", d, "--out", out,
                            "--limit", "2", "--batch", "3"], capture_output=True, text=True, timeout=60)
        want = "No such file or directory" if case == "missing" else "not a regular file (a FIFO)"
        check(f"a {case} image is refused before anything is written, naming the item's line",
              p.returncode == 1 and want in p.stderr and "Open_VQA_images.jsonl:3)" in p.stderr
              and not os.path.exists(out), p.stderr)
    p = subprocess.run([lynxeval, "run", "--model", model], capture_output=True, text=True)
    check("a partial command names what is missing",
          p.returncode == 2 and "missing TASK[,TASK...], --data DIR, --out RUNDIR" in p.stderr, p.stderr)
    # the embedded default takes the run flags; the world suite brings its own decoding
    home = os.path.join(tmp, "home")
    os.makedirs(home)
    env = dict(os.environ, LYNXEVAL_HOME=src)
    p = subprocess.run([lynxeval, "run", "--limit", "2", "--threads", "1"], capture_output=True, text=True,
                       cwd=home, env=env)
    world = os.path.join(home, "lynxeval-runs", "world-pt")
    ok = p.returncode == 0 and os.path.exists(os.path.join(world, "report.html"))
    for task in ("open-vqa-image", "open-vqa-video", "coco-caption", "mme", "owleval"):
        path = os.path.join(world, task, "predictions.jsonl")
        ok = ok and os.path.exists(path) and len(open(path).read().splitlines()) == 2
    check("the embedded default takes --limit 2 --threads 1", ok, p.stderr[-500:])
    fp = json.load(open(os.path.join(world, "coco-caption", "fingerprint.json"))) if ok else {}
    dec = fp.get("decoding", {})
    check("the world suite decodes greedily, 24 tokens at most",
          dec.get("strategy") == "greedy" and dec.get("max_new_tokens") == 24, dec)
    md = os.path.join(home, "r.md")
    q = subprocess.run([lynxeval, "report", world, "--out", md], capture_output=True, text=True)
    check("run's report and report use the same number of resamples (2000)",
          "2000 bootstrap resamples" in p.stdout and q.returncode == 0
          and "2000 bootstrap resamples" in open(md).read(), p.stdout[-300:] + q.stderr)
finally:
    shutil.rmtree(tmp)

finish()
