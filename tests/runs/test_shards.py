#!/usr/bin/python3
"""`lynxeval run --shard` and `lynxeval merge` (docs/scale-out.md): shards of any count give the
files of one process byte for byte; SIGKILLed shards resume at another shard count; two writers of
one log, a shard with other flags or settings, a launcher without --shard, a differing duplicate
and missing items are each refused with a message that says what to do.

usage: test_shards.py LYNXEVAL MODEL_DIR SOURCE_DIR [--full]

With --full, the identity check runs the whole world suite (1136 items) at --batch 1 and 4 for
1 to 4 shards instead of its first items (minutes; for the record in docs/scale-out.md).
"""
import filecmp
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

lynxeval, model, src = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
FULL = "--full" in sys.argv[4:]
HERE = os.path.join(src, "tests", "runs")
WORLD_MODEL = os.path.join(src, "checkpoints", "lynx-world-pt")
WORLD_DATA = os.path.join(src, "datasets", "world", "test")
KILLS = 3  # SIGKILLs that must land mid-run
# the launchers' variables, cleared so that the test's own environment cannot leak in
LAUNCHER_VARS = ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMI_SIZE",
                 "SLURM_PROCID", "SLURM_STEP_NUM_TASKS")
ENV = {k: v for k, v in os.environ.items() if k not in LAUNCHER_VARS}


def world(out, *extra, env=None):
    cmd = [lynxeval, "run", "world", "--model", WORLD_MODEL, "--data", WORLD_DATA, "--out", out,
           "--threads", "1", "--decode", "greedy", "--max-new-tokens", "24", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=env or ENV)


def small(out, *extra, env=None, popen=False, threads="1", batch="3"):
    cmd = [lynxeval, "run", "open-vqa-image:open-vqa-image,open-vqa-video:open-vqa-video", "--model", model, "--data", DATA,
           "--out", out, "--threads", threads, "--batch", batch, *extra]
    if popen:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env or ENV)
    return subprocess.run(cmd, capture_output=True, text=True, env=env or ENV)


def differences(a, b):
    """Files that differ between two run directories (manifest.json and results.json aside: they
    record sessions and paths)."""
    out = []
    cmp = filecmp.dircmp(a, b, ignore=["manifest.json", "results.json", ".lock"])

    def walk(c, rel):
        out.extend(os.path.join(rel, n) for n in c.left_only + c.right_only + c.funny_files)
        for n in c.common_files:
            if not filecmp.cmp(os.path.join(c.left, n), os.path.join(c.right, n), shallow=False):
                out.append(os.path.join(rel, n))
        for n, sub in c.subdirs.items():
            walk(sub, os.path.join(rel, n))
    walk(cmp, "")
    return out


def lines(path):
    with open(path, "rb") as f:
        return f.read().splitlines(keepends=True)


tmp = tempfile.mkdtemp(prefix="lx-shards-")
try:
    DATA = os.path.join(tmp, "data")
    small_open_vqa(DATA, src)

    # 1. identity: N shards, one after the other, then the last one merges by itself
    limit = [] if FULL else ["--limit", "5"]
    for batch in ("1", "4"):
        ref = os.path.join(tmp, f"world-b{batch}")
        p = world(ref, "--batch", batch, *limit)
        check(f"world, --batch {batch}: a single process", p.returncode == 0, p.stderr[-500:])
        # in CI two counts per batch size (1, 3 and 2, 4); --full runs every count at both
        for n in (1, 2, 3, 4) if FULL else ((1, 3) if batch == "1" else (2, 4)):
            out = os.path.join(tmp, f"world-b{batch}-{n}")
            codes = [world(out, "--batch", batch, *limit, "--shard", f"{i}/{n}") for i in range(n)]
            ok = all(c.returncode == 0 for c in codes)
            diff = differences(ref, out) if ok else ["(a shard failed)"]
            check(f"world, --batch {batch}, {n} shards: predictions, scores, aggregates and exports "
                  f"identical to one process's", ok and not diff,
                  "; ".join(c.stderr[-300:] for c in codes if c.returncode) or diff[:5])
            if n == 2:
                check("... the first shard says what is still missing, the last one merges",
                      "still to be answered by other shards" in codes[0].stderr
                      and "merged 2 shard records" in codes[1].stderr, codes[0].stderr[-300:] + codes[1].stderr[-300:])
                m = json.load(open(os.path.join(out, "manifest.json")))
                s = m["sessions"]
                check("... the manifest holds each shard's session (launcher, shard, host, threads, "
                      "kernels, items, busy, idle and CPU seconds) and the merge",
                      len(s) == 2 and {x["shard"] for x in s} == {"0/2", "1/2"}
                      and all(x["launcher"] == "shard" and x["machine"]["hostname"] and x["threads"] == 1
                              and x["kernels"] and x["items_answered"] > 0 and x["busy_seconds"] > 0
                              and "cpu_seconds" in x and x["finished"] and x["idle_seconds"] >= 0 for x in s)
                      and min(x["idle_seconds"] for x in s) == 0
                      and m["merges"][0]["seconds"] >= 0 and not os.path.exists(os.path.join(out, "shards")),
                      json.dumps(m.get("sessions"))[:400])
                a, b = (json.load(open(os.path.join(d, "results.json"))) for d in (ref, out))
                ea, eb = a["runs"][0].pop("execution"), b["runs"][0].pop("execution")
                for r in (a, b):  # where and when each was made
                    r.pop("generated")
                    for key in ("dir", "name", "label", "started", "finished"):
                        r["runs"][0].pop(key)
                check("... its report equals one process's but for how it ran (2 shard sessions, the merge)",
                      a == b and ea["launcher"] == "single" and eb["launcher"] == "shard"
                      and eb["shard_counts"] == [2] and eb["merge_seconds"] >= 0
                      and "2 shard sessions (of 2)" in eb["text"], (ea, eb))
    # the small set: a short last block (--batch 3, --limit 7), shards started all at once
    ref = os.path.join(tmp, "small")
    p = small(ref, "--limit", "7")
    check("small set, --limit 7: a single process", p.returncode == 0, p.stderr[-500:])
    out = os.path.join(tmp, "small-3")
    procs = [small(out, "--limit", "7", "--shard", f"{i}/3", popen=True) for i in range(3)]
    errs = [pr.communicate()[1].decode() for pr in procs]
    ok = all(pr.returncode == 0 for pr in procs)
    check("3 shards at once: identical to one process's",
          ok and not differences(ref, out) and sum("merged 3 shard records" in e for e in errs) == 1,
          errs if not ok else differences(ref, out))

    # 2. SIGKILL a shard at a random time while it answers (one item per block, each 0.2 s slower,
    # so that a kill lands between rows); the others go on; the run resumed with 2 shards, then
    # merged, equals one process's
    ref = os.path.join(tmp, "kill-ref")
    p = small(ref, batch="1")
    slow = dict(ENV, LYNXEVAL_TEST_SLEEP_MS="200")
    rng = random.Random(20261204)
    landed, rounds, exits, failed, same = 0, 0, [], [], True
    while landed < KILLS and rounds < 3 * KILLS:
        rounds += 1
        out = os.path.join(tmp, f"kill-{rounds}")
        procs = [small(out, "--shard", f"{i}/3", popen=True, env=slow, batch="1") for i in range(3)]
        victim = rng.randrange(3)
        logs = [os.path.join(out, t, "shards", f"{victim}-of-3.jsonl") for t in ("open-vqa-image", "open-vqa-video")]
        deadline = time.monotonic() + 60
        while procs[victim].poll() is None and time.monotonic() < deadline and \
                not any(os.path.exists(x) and os.path.getsize(x) for x in logs):
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.6))  # its share is 5 or 6 items of 0.2 s and more
        if procs[victim].poll() is None:
            procs[victim].send_signal(signal.SIGKILL)
            landed += 1
        for i, pr in enumerate(procs):
            err = pr.communicate()[1].decode()
            exits.append(pr.returncode)
            if pr.returncode and not (i == victim and pr.returncode == -signal.SIGKILL):
                failed.append(err[-300:])
        p = small(out, "--shard", "0/2", batch="1")
        q = small(out, "--shard", "1/2", batch="1")
        if p.returncode or q.returncode:
            failed.append(p.stderr[-300:] + q.stderr[-300:])
        same &= not differences(ref, out)
    check(f"{landed} SIGKILLs landed mid-run in {rounds} rounds of 3 shards (exits {sorted(set(exits))}); the "
          "other shards went on; each run resumed with 2 shards equals one process's",
          landed >= KILLS and not failed and same, failed)

    small_ref = os.path.join(tmp, "small-ref")
    p = small(small_ref)
    check("small set: a single process", p.returncode == 0, p.stderr[-300:])

    # 3. refusals
    out = os.path.join(tmp, "locks")
    slow = subprocess.Popen([lynxeval, "run", "world", "--model", WORLD_MODEL, "--data", WORLD_DATA, "--out", out,
                             "--threads", "1", "--decode", "greedy", "--shard", "0/2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    log = os.path.join(out, "open-vqa-image", "shards", "0-of-2.jsonl")
    deadline = time.monotonic() + 60
    while not (os.path.exists(log) and os.path.getsize(log)) and time.monotonic() < deadline and slow.poll() is None:
        time.sleep(0.05)
    p = subprocess.run([lynxeval, "run", "world", "--model", WORLD_MODEL, "--data", WORLD_DATA, "--out", out,
                        "--threads", "1", "--decode", "greedy", "--shard", "0/2"], capture_output=True, text=True, env=ENV)
    still = slow.poll() is None
    slow.send_signal(signal.SIGKILL)
    slow.communicate()
    check("the same shard started twice: the second is refused, saying what to do",
          still and p.returncode == 1 and "another lynxeval process is writing this file" in p.stderr
          and "0-of-2.jsonl" in p.stderr, p.stderr[-400:])
    # a plain run into a directory another plain run writes
    out = os.path.join(tmp, "locks-plain")
    slow = subprocess.Popen([lynxeval, "run", "world", "--model", WORLD_MODEL, "--data", WORLD_DATA, "--out", out,
                             "--threads", "1", "--decode", "greedy"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    log = os.path.join(out, "open-vqa-image", "predictions.jsonl")
    deadline = time.monotonic() + 60
    while not (os.path.exists(log) and os.path.getsize(log)) and time.monotonic() < deadline and slow.poll() is None:
        time.sleep(0.05)
    p = subprocess.run([lynxeval, "run", "world", "--model", WORLD_MODEL, "--data", WORLD_DATA, "--out", out,
                        "--threads", "1", "--decode", "greedy"], capture_output=True, text=True, env=ENV)
    still = slow.poll() is None
    slow.send_signal(signal.SIGKILL)
    slow.communicate()
    check("two runs into one directory: the second is refused",
          still and p.returncode == 1 and "another lynxeval process is writing this file" in p.stderr, p.stderr[-400:])

    # a launcher that started several plain runs; --shard auto
    for env_vars, name in (({"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "2"}, "mpirun"),
                           ({"PMI_RANK": "1", "PMI_SIZE": "2"}, "mpiexec"),
                           ({"SLURM_PROCID": "1", "SLURM_STEP_NUM_TASKS": "2"}, "srun")):
        out = os.path.join(tmp, f"launcher-{name}")
        p = small(out, env=dict(ENV, **env_vars))
        check(f"{name} started 2 plain runs: refused (usage), saying to add --shard auto",
              p.returncode == 2 and "--shard auto" in p.stderr and not os.path.exists(out), p.stderr[-300:])
        p = small(out, "--shard", "auto", env=dict(ENV, **env_vars))
        rec = json.load(open(os.path.join(out, "shards", "1-of-2.json"))) if p.returncode == 0 else {}
        check("... with --shard auto it is shard 1/2 and says which variables it read",
              p.returncode == 0 and "shard 1/2, from " in p.stderr and rec.get("shard") == "1/2"
              and rec.get("shard_from", "").startswith(next(iter(env_vars))), p.stderr[-300:])
    p = small(os.path.join(tmp, "noauto"), "--shard", "auto")
    check("--shard auto without a launcher is a usage error naming the variables",
          p.returncode == 2 and "OMPI_COMM_WORLD_RANK" in p.stderr, p.stderr)
    for bad in ("2/2", "1", "a/3", "-1/2", "0/0"):
        p = small(os.path.join(tmp, "badshard"), "--shard", bad)
        check(f"--shard {bad}: a usage error", p.returncode == 2 and "--shard" in p.stderr, p.stderr)

    # a shard with other settings (threads, a fingerprint field) or other flags (--limit, the plan)
    out = os.path.join(tmp, "mixed")
    p = small(out, "--shard", "0/2")
    q = small(out, "--shard", "1/2", threads="2")
    check("a shard with another thread count is refused before it answers, naming the field",
          p.returncode == 0 and q.returncode == 1 and "numerics.threads" in q.stderr
          and not os.path.exists(os.path.join(out, "open-vqa-image", "shards", "1-of-2.jsonl")), q.stderr[-400:])
    q = small(out, "--shard", "1/2", "--limit", "4")
    check("a shard with another --limit is refused, naming the record and the difference",
          q.returncode == 1 and "started with other flags" in q.stderr and "0-of-2.json" in q.stderr
          and "items" in q.stderr, q.stderr[-400:])

    # 4. merge: missing items by shard, identical and differing duplicates, torn tails
    out = os.path.join(tmp, "merge")
    p = small(out, "--shard", "0/2")
    m = subprocess.run([lynxeval, "merge", out, "--check"], capture_output=True, text=True)
    check("merge --check of an incomplete run: exit 1, the missing items by task and shard, what to run",
          m.returncode == 1 and "open-vqa-image: 6 of 12 items have no answer" in m.stderr
          and "shard 1/2: 6 items (never started)" in m.stderr and "--shard I/N" in m.stderr, m.stderr)
    m = subprocess.run([lynxeval, "merge", out], capture_output=True, text=True)
    pred = os.path.join(out, "open-vqa-image", "predictions.jsonl")
    check("merge of an incomplete run writes nothing", m.returncode == 1
          and (not os.path.exists(pred) or os.path.getsize(pred) == 0)
          and not os.path.exists(os.path.join(out, "open-vqa-image", "aggregate.json")), m.stderr)
    q = small(out, "--shard", "1/2")
    shard0 = os.path.join(out, "open-vqa-image", "shards")
    check("the second shard completes and merges", q.returncode == 0 and not os.path.exists(shard0)
          and not differences(os.path.join(tmp, "small-ref"), out), q.stderr[-300:])
    m = subprocess.run([lynxeval, "merge", out], capture_output=True, text=True)
    check("merge of a merged run says there is nothing to merge", m.returncode == 1
          and "no shard records" in m.stderr, m.stderr)
    # an identical duplicate: a shard of another shard count answered a block too (two shard sets
    # run at once)
    out = os.path.join(tmp, "dups")
    small(out, "--shard", "0/2")
    d = os.path.join(out, "open-vqa-image", "shards")
    rows = lines(os.path.join(d, "0-of-2.jsonl"))
    with open(os.path.join(d, "0-of-3.jsonl"), "wb") as f:
        f.writelines(rows[:3])
    q = small(out, "--shard", "1/2")
    check("identical duplicates are accepted, counted, and change nothing",
          q.returncode == 0 and "(3 duplicate rows" in q.stderr
          and not differences(os.path.join(tmp, "small-ref"), out), q.stderr[-300:])
    # a differing duplicate
    out = os.path.join(tmp, "dups-differ")
    small(out, "--shard", "0/2")
    d = os.path.join(out, "open-vqa-image", "shards")
    rows = lines(os.path.join(d, "0-of-2.jsonl"))
    changed = json.loads(rows[1])
    changed["answer"] += " (edited)"
    with open(os.path.join(d, "0-of-3.jsonl"), "wb") as f:
        f.write(rows[0] + (json.dumps(changed, separators=(",", ":")) + "\n").encode())
    q = small(out, "--shard", "1/2")
    m = subprocess.run([lynxeval, "merge", out], capture_output=True, text=True)
    check("a differing duplicate is refused by the last shard and by merge, naming both places and "
          "what to do",
          q.returncode == 1 and m.returncode == 1 and "has two different answers" in m.stderr
          and "0-of-2.jsonl:2" in m.stderr and "0-of-3.jsonl:2" in m.stderr
          and "remove the log you do not trust" in m.stderr, q.stderr[-300:] + m.stderr)
    os.remove(os.path.join(d, "0-of-3.jsonl"))
    m = subprocess.run([lynxeval, "merge", out], capture_output=True, text=True)
    check("... with the untrusted log removed, merge completes the run",
          m.returncode == 0 and not differences(os.path.join(tmp, "small-ref"), out), m.stderr)
    # a torn tail in an orphaned shard log: ignored by merge (the item counts as missing), cut and
    # answered again by the shard's rerun
    out = os.path.join(tmp, "torn")
    small(out, "--shard", "0/2")
    log = os.path.join(out, "open-vqa-image", "shards", "0-of-2.jsonl")
    full = lines(log)
    with open(log, "wb") as f:
        f.writelines(full[:-1])
        f.write(full[-1][:20])
    m = subprocess.run([lynxeval, "merge", out, "--check"], capture_output=True, text=True)
    check("a torn last line in a shard log is ignored; its item is named missing",
          m.returncode == 1 and "7 of 12 items have no answer" in m.stderr, m.stderr)
    p = small(out, "--shard", "0/2")
    q = small(out, "--shard", "1/2")
    check("... the shard's rerun cuts it and answers it again; the merge is identical",
          p.returncode == 0 and "torn last line" in p.stderr and q.returncode == 0
          and not differences(os.path.join(tmp, "small-ref"), out), p.stderr[-300:] + q.stderr[-300:])
    # a single process resumes a sharded run
    out = os.path.join(tmp, "single-resume")
    small(out, "--shard", "1/3")
    p = small(out)
    check("a single process resumes a sharded run: identical, the shard's session in the manifest",
          p.returncode == 0 and not differences(os.path.join(tmp, "small-ref"), out), p.stderr[-300:])
finally:
    shutil.rmtree(tmp)

finish()
