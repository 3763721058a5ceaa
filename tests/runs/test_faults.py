#!/usr/bin/python3
"""Faults in the file layer at every point: through the test seam (common/fault.h), the n-th
write, fsync or rename fails with ENOSPC or EIO, for every n a command makes, over `run` resuming
a run, `report`, `compare --json`, `judge export`, `judge import`, `human export` and
`human import`. After each failure:

  - the command exits 1 and its message names a file and the error;
  - no prediction or verdict already made is lost, and no file that was good before is changed
    or left half written (no temporary file stays behind);
  - the same command run again without the fault finishes, and its results equal the ones of a
    run that never failed, byte for byte where the files hold no clock.

usage: test_faults.py LYNXEVAL MODEL_DIR SOURCE_DIR
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from lxtest import check, finish, small_open_vqa

lynxeval, model, src = sys.argv[1], sys.argv[2], sys.argv[3]
HERE = os.path.join(src, "tests", "runs")
ERRORS = {"ENOSPC": "No space left on device", "EIO": "Input/output error"}
TASKS = ("open-vqa-image", "open-vqa-video")


def lx(*args, fault=None):
    env = dict(os.environ)
    env.pop("LYNXEVAL_TEST_FAULT", None)
    if fault:
        env["LYNXEVAL_TEST_FAULT"] = fault
    return subprocess.run([lynxeval, *args], capture_output=True, text=True, env=env, timeout=300)


def calls(*args):
    """How many writes, fsyncs and renames the command makes, all told."""
    p = lx(*args, fault="count")
    line = [l for l in p.stderr.splitlines() if l.startswith("lynxeval: file calls:")]
    words = line[-1].split() if line else []
    return p.returncode, (int(words[3]) + int(words[5]) + int(words[7])) if words else 0


def read(path):
    with open(path, "rb") as f:
        return f.read()


def tree(root):
    """{relative path: bytes} of every file under root."""
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = read(p)
    return out


def complete_lines(data):
    """The lines before the last newline (a torn last line is what a failed append may leave)."""
    return data[:data.rfind(b"\n") + 1].splitlines(keepends=True) if b"\n" in data else []


def fault_for(n):
    return f"any:{n}:{'ENOSPC' if n % 2 else 'EIO'}"


def failed_cleanly(p, n, names):
    """The command failed naming one of the files (a path fragment) and the injected error."""
    want = ERRORS["ENOSPC" if n % 2 else "EIO"]
    return p.returncode == 1 and want in p.stderr and any(x in p.stderr for x in names)


def no_temporary_files(root):
    return not [p for p in glob.glob(os.path.join(root, "**", "*"), recursive=True)
                if ".tmp." in os.path.basename(p) or ".partial-" in os.path.basename(p)]


tmp = tempfile.mkdtemp()
try:
    data = os.path.join(tmp, "data")
    small_open_vqa(data, src)

    def run_args(out, limit):
        return ["run", ",".join(f"{t}:{t}" for t in TASKS), "--model", model, "--data", data, "--out", out, "--limit", str(limit),
                "--batch", "1", "--threads", "1", "--decode", "greedy", "--max-new-tokens", "6"]

    # the reference: a run that never failed, made in two sessions as the faulty ones are
    ref = os.path.join(tmp, "ref")
    ok = lx(*run_args(ref, 1)).returncode == 0 and lx(*run_args(ref, 3)).returncode == 0
    check("the reference run", ok)
    ref_preds = {t: read(os.path.join(ref, t, "predictions.jsonl")) for t in TASKS}
    ref_scores = {t: read(os.path.join(ref, t, "scores.jsonl")) for t in TASKS}
    first = os.path.join(tmp, "first")  # the first session, resumed by every faulty one
    lx(*run_args(first, 1))
    rc, total = calls(*run_args(shutil.copytree(first, os.path.join(tmp, "counted")), 3))
    check(f"run: the resumed session makes {total} file calls", rc == 0 and total > 20, total)

    # 1. run, resumed, with the n-th call failing
    bad = []
    for n in range(1, total + 1):
        out = os.path.join(tmp, f"run-{n}")
        shutil.copytree(first, out)
        before = tree(out)
        p = lx(*run_args(out, 3), fault=fault_for(n))
        ok = failed_cleanly(p, n, [out])
        after = tree(out)
        for t in TASKS:  # what was predicted stays, in order, and only whole lines count
            kept = complete_lines(before[f"{t}/predictions.jsonl"])
            now = complete_lines(after.get(f"{t}/predictions.jsonl", b""))
            ok = ok and now[:len(kept)] == kept and b"".join(now) == ref_preds[t][:len(b"".join(now))]
        for name, body in after.items():  # every JSON file there is whole
            if name.endswith(".json"):
                try:
                    json.loads(body)
                except ValueError:
                    ok = False
        ok = ok and no_temporary_files(out)
        q = lx(*run_args(out, 3))
        ok = ok and q.returncode == 0 and all(read(os.path.join(out, t, "predictions.jsonl")) == ref_preds[t]
                                             and read(os.path.join(out, t, "scores.jsonl")) == ref_scores[t]
                                             for t in TASKS)
        if not ok:
            bad.append((n, p.returncode, p.stderr[-300:], q.stderr[-300:]))
        shutil.rmtree(out)
    check(f"run: a fault at each of the {total} calls of a resumed session loses nothing, leaves nothing "
          "half written, names the file and the error, and the rerun equals the reference", not bad, bad[:3])

    # 2. writers of one file (the atomic writer): a good file there is never changed by a failure
    def one_file(what, args_for, out_name, names):
        out = os.path.join(tmp, out_name)
        p = lx(*args_for(out))
        good = read(out) if p.returncode == 0 else None
        check(f"{what}: writes {out_name}", good is not None, p.stderr)
        rc, n_calls = calls(*args_for(out))
        bad = []
        for n in range(1, n_calls + 1):
            p = lx(*args_for(out), fault=fault_for(n))
            if not (failed_cleanly(p, n, names) and read(out) == good and no_temporary_files(tmp)):
                bad.append((n, p.returncode, p.stderr[-300:]))
        check(f"{what}: a fault at each of its {n_calls} file calls leaves the good {out_name} as it was", not bad
              and n_calls >= 3, bad[:3])

    one_file("report", lambda o: ["report", ref, "--out", o], "report.html", ["report.html"])
    one_file("report (JSON)", lambda o: ["report", ref, "--out", o], "report.json", ["report.json"])
    one_file("compare --json", lambda o: ["compare", ref, ref, "--json", o], "compare.json", ["compare.json"])
    one_file("judge export", lambda o: ["judge", "export", "--run", ref, "--task", "open-vqa-image", "--out", o],
             "requests.jsonl", ["requests.jsonl"])

    # 3. judge import: the verdict log only grows by whole verdicts, and a rerun completes it
    reqs = [json.loads(l) for l in open(os.path.join(tmp, "requests.jsonl"))]
    vfile = os.path.join(tmp, "verdicts-in.jsonl")
    with open(vfile, "w") as f:
        f.writelines(json.dumps({"id": r["id"], "verdict": "correct" if i % 2 else "wrong"}) + "\n"
                     for i, r in enumerate(reqs))
    judge_dir = os.path.join(tmp, "judged")

    def import_args(d):
        return ["judge", "import", "--run", d, "--task", "open-vqa-image", "--verdicts", vfile, "--judge", "panel"]

    shutil.copytree(ref, judge_dir)
    p = lx(*import_args(judge_dir))
    log = os.path.join("open-vqa-image", "judge", "panel", "verdicts.jsonl")
    ref_log, ref_agg = read(os.path.join(judge_dir, log)), read(os.path.join(judge_dir, os.path.dirname(log), "aggregate.json"))
    shutil.rmtree(judge_dir)
    shutil.copytree(ref, judge_dir)
    rc, n_calls = calls(*import_args(judge_dir))
    bad = []
    for n in range(1, n_calls + 1):
        d = os.path.join(tmp, f"judge-{n}")
        shutil.copytree(ref, d)
        p = lx(*import_args(d), fault=fault_for(n))
        path = os.path.join(d, log)
        now = b"".join(complete_lines(read(path))) if os.path.exists(path) else b""
        ok = failed_cleanly(p, n, [d]) and ref_log.startswith(now) and no_temporary_files(d)
        q = lx(*import_args(d))
        ok = ok and q.returncode == 0 and read(path) == ref_log \
            and read(os.path.join(d, os.path.dirname(log), "aggregate.json")) == ref_agg
        if not ok:
            bad.append((n, p.returncode, p.stderr[-300:], q.stderr[-300:]))
        shutil.rmtree(d)
    check(f"judge import: a fault at each of its {n_calls} file calls keeps only whole verdicts, and the "
          "rerun equals the reference", not bad and n_calls >= 3, bad[:3])

    # 4. human export: a failure leaves neither a package nor a key; human import: the report kept
    def export_args(o):
        return ["human", "export", ref, first, "--task", "open-vqa-image", "--data", data, "--out", o, "--raters", "1"]

    pkg = os.path.join(tmp, "pkg")
    p = lx(*export_args(pkg))
    check("human export: a package", p.returncode == 0, p.stderr)
    shutil.rmtree(pkg)
    os.remove(pkg + ".key.json")
    rc, n_calls = calls(*export_args(pkg))
    package = json.load(open(os.path.join(pkg, "package.json")))
    bad = []
    for n in range(1, n_calls + 1):
        o = os.path.join(tmp, "exports", f"pkg-{n}")
        p = lx(*export_args(o), fault=fault_for(n))
        if not (failed_cleanly(p, n, [o]) and os.listdir(os.path.join(tmp, "exports")) == []):
            bad.append((n, p.returncode, p.stderr[-300:], os.listdir(os.path.join(tmp, "exports"))))
        shutil.rmtree(os.path.join(tmp, "exports"), ignore_errors=True)
        os.makedirs(os.path.join(tmp, "exports"))
    check(f"human export: a fault at each of its {n_calls} file calls leaves no package folder and no key",
          not bad and n_calls >= 3, bad[:3])
    ratings = os.path.join(tmp, "ratings.json")
    with open(ratings, "w") as f:
        json.dump({"format": "lynxeval-ratings-1", "package": package["package"], "rater": "rater-1",
                   "ratings": [{"item": it["item"], "answer": a["answer"], "grade": "ABCD"[k % 4]}
                               for it in package["items"] for k, a in enumerate(it["answers"])]}, f)
    one_file("human import", lambda o: ["human", "import", pkg, ratings, "--out", o], "human.json", ["human.json"])
finally:
    shutil.rmtree(tmp)

finish()
