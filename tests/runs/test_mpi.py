#!/usr/bin/python3
"""`lynxeval-mpi run` under mpirun (docs/scale-out.md): the files equal a single process's byte for
byte at 1 to 4 ranks; a SIGKILLed rank ends the job within seconds, nothing fsynced is lost, and
the run resumes with another number of ranks; ranks with other numerics are refused before any
work; a slow rank gets fewer blocks; a rank waiting for work uses almost no CPU; a stuck block ends
the job naming the rank. Exits 77 (skipped) where lynxeval-mpi was not built or mpirun is absent.

usage: test_mpi.py LYNXEVAL LYNXEVAL_MPI|none SOURCE_DIR [--full] [--mpiexec PATH]

With --full, the identity check runs the whole world suite at --batch 1 and 4 (for the record in
docs/scale-out.md) instead of its first items. With --mpiexec, ranks are started by that launcher
in MPICH's (hydra's) syntax instead of Open MPI's mpirun (tools/mpich-check.sh).
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
from lxtest import check, finish

lynxeval, lynxeval_mpi, src = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
FULL = "--full" in sys.argv[4:]
HYDRA = sys.argv[sys.argv.index("--mpiexec") + 1] if "--mpiexec" in sys.argv else None
MPIRUN = HYDRA or shutil.which("mpirun")
if lynxeval_mpi == "none" or not os.path.exists(lynxeval_mpi) or not MPIRUN:
    print("SKIP: lynxeval-mpi was not built (no MPI found by CMake) or mpirun is absent")
    sys.exit(77)

WORLD_MODEL = os.path.join(src, "checkpoints", "lynx-world-pt")
WORLD_DATA = os.path.join(src, "datasets", "world", "test")
HERE = os.path.join(src, "tests", "runs")
KILLS = 3
LAUNCHER_VARS = ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMI_SIZE",
                 "SLURM_PROCID", "SLURM_STEP_NUM_TASKS")
ENV = {k: v for k, v in os.environ.items() if k not in LAUNCHER_VARS}
# mpirun as root (CI), and a sanitizer build's leak checker told about Open MPI's own allocations
ENV.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_mca_base_component_disable_dlclose="1",
           ASAN_OPTIONS="fast_unwind_on_malloc=0:" + os.environ.get("ASAN_OPTIONS", ""),
           LSAN_OPTIONS="suppressions=" + os.path.join(HERE, "lsan_mpi.supp"))
PASS_ENV = ["ASAN_OPTIONS", "LSAN_OPTIONS", "LYNXEVAL_TEST_SLEEP_MS"]


def run_args(out, *extra, limit=None, batch="4"):
    args = ["run", "world", "--model", WORLD_MODEL, "--data", WORLD_DATA, "--out", out, "--threads", "1",
            "--decode", "greedy", "--max-new-tokens", "24", "--batch", batch, *extra]
    return args + (["--limit", limit] if limit else [])


def mpirun(n, args, env=None, popen=False, per_rank=None):
    """mpirun -n n lynxeval-mpi args; per_rank {rank: {VAR: value}} gives some ranks their own
    environment (MPMD: one app context per rank)."""
    cmd = [MPIRUN]
    if not HYDRA:  # hydra passes the whole environment and runs any number of ranks
        cmd.append("--oversubscribe")
        for v in PASS_ENV:
            cmd += ["-x", v]
    if per_rank:
        for r in range(n):
            if r:
                cmd.append(":")
            extra = [f"{k}={v}" for k, v in per_rank.get(r, {}).items()]
            cmd += ["-n", "1"] + (["env", *extra] if extra else []) + [lynxeval_mpi, *args]
    else:
        cmd += ["-n", str(n), lynxeval_mpi, *args]
    e = dict(env or ENV)
    if popen:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=e,
                                start_new_session=True)
    return subprocess.run(cmd, capture_output=True, text=True, env=e)


def files(d):
    """{relative path: bytes} of a run directory's files, manifest.json and results.json aside."""
    out = {}
    for root, _, names in os.walk(d):
        for name in names:
            if name in ("manifest.json", "results.json", ".lock"):
                continue
            p = os.path.join(root, name)
            with open(p, "rb") as f:
                out[os.path.relpath(p, d)] = f.read()
    return out


def same(a, b):
    fa, fb = files(a), files(b)
    return [k for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)]


def rows(d):
    n = 0
    for root, _, names in os.walk(d):
        for name in names:
            if name == "predictions.jsonl":
                with open(os.path.join(root, name), "rb") as f:
                    n += f.read().count(b"\n")
    return n


tmp = tempfile.mkdtemp(prefix="lx-mpi-")
try:
    limit = None if FULL else "5"
    # 1. identity at 1 to 4 ranks, and as a singleton (no mpirun)
    for batch in ("1", "4"):
        ref = os.path.join(tmp, f"ref-b{batch}")
        p = subprocess.run([lynxeval, *run_args(ref, limit=limit, batch=batch)], capture_output=True, text=True, env=ENV)
        check(f"--batch {batch}: a single lynxeval process", p.returncode == 0, p.stderr[-400:])
        if FULL or batch == "1":
            out = os.path.join(tmp, f"single-b{batch}")
            p = subprocess.run([lynxeval_mpi, *run_args(out, limit=limit, batch=batch)], capture_output=True,
                               text=True, env=ENV)
            diff = same(ref, out) if p.returncode == 0 else ["(failed)"]
            check(f"--batch {batch}: lynxeval-mpi without mpirun equals it", not diff, p.stderr[-400:] or diff[:5])
        # in CI two world sizes per batch size (1, 3 and 2, 4); --full runs every size at both
        for n in (1, 2, 3, 4) if FULL else ((1, 3) if batch == "1" else (2, 4)):
            out = os.path.join(tmp, f"mpi-b{batch}-{n}")
            p = mpirun(n, run_args(out, limit=limit, batch=batch))
            diff = same(ref, out) if p.returncode == 0 else ["(failed)"]
            check(f"--batch {batch}: {os.path.basename(MPIRUN)} -n {n}: predictions, scores, aggregates and exports identical",
                  not diff, p.stderr[-600:] or diff[:5])
            if n == 2 and batch == "4" and not diff:
                s = json.load(open(os.path.join(out, "manifest.json")))["sessions"][-1]
                ranks = s.get("ranks", [])
                check("... the session records launcher mpi, world size, dynamic dispatch and each rank's "
                      "host, device, threads, kernels, items, busy, idle and CPU seconds",
                      s.get("launcher") == "mpi" and s.get("world_size") == 2 and s.get("dispatch") == "dynamic"
                      and [r["rank"] for r in ranks] == [0, 1]
                      and sum(r["items"] for r in ranks) == s["items_answered"]
                      and all(r["host"] and r["device"] and r["threads"] == 1 and r["kernels"] and r["busy_seconds"] >= 0
                              and r["idle_seconds"] >= 0 and r["cpu_seconds"] > 0 for r in ranks), s)
                res = json.load(open(os.path.join(out, "results.json")))
                ex = res["runs"][0].get("execution", {})
                check("... and the report says it", ex.get("launcher") == "mpi"
                      and "MPI job of 2 ranks" in ex.get("text", ""), ex)

    # 2. SIGKILL a random rank at random times; the job ends within 5 s; resume with fewer ranks
    ref = os.path.join(tmp, "kill-ref")
    subprocess.run([lynxeval, *run_args(ref, limit="10", batch="1")], capture_output=True, env=ENV)
    slow = dict(ENV, LYNXEVAL_TEST_SLEEP_MS="100")
    rng = random.Random(20261204)
    landed, attempts, slow_ends, lost, outs = 0, 0, [], [], []
    out = None
    while landed < KILLS and attempts < 6 * KILLS:
        attempts += 1
        if out is None or rows(out) >= 160:
            out = os.path.join(tmp, f"kill-{attempts}")
            outs.append(out)
        job = mpirun(4, run_args(out, limit="10", batch="1"), env=slow, popen=True)
        deadline = time.monotonic() + 120
        start = rows(out)
        while job.poll() is None and rows(out) <= start and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.6))
        pids = [q for q in subprocess.run(["pgrep", "-f", f"lynxeval-mpi run world .*--out {out} "],
                                          capture_output=True, text=True).stdout.split()
                if open(f"/proc/{q}/comm").read().strip() == "lynxeval-mpi"]
        if job.poll() is not None or not pids:
            job.communicate()
            continue
        before = rows(out)
        t0 = time.monotonic()
        os.kill(int(rng.choice(pids)), signal.SIGKILL)
        try:
            job.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(job.pid, signal.SIGKILL)
            job.communicate()
        took = time.monotonic() - t0
        landed += 1
        slow_ends.append(round(took, 2))
        if job.returncode == 0 or took > 5:
            lost.append(f"exit {job.returncode} after {took:.1f} s")
        if rows(out) < before:
            lost.append(f"{before} rows before the kill, {rows(out)} after")
    ok = True
    for i, d in enumerate(outs):
        for n in (3, 2):
            p = mpirun(n, run_args(d, limit="10", batch="1"))
            ok &= p.returncode == 0
        ok &= not same(ref, d)
    check(f"{landed} SIGKILLs of a random rank mid-run (jobs ended {slow_ends} s after each, non-zero; no row lost); "
          "resumed with 3 then 2 ranks: identical to one process's", landed >= KILLS and not lost and ok, lost)

    # 3. a rank with other numerics: refused before any work, naming the rank and the field
    out = os.path.join(tmp, "mixed")
    p = mpirun(2, run_args(out, limit="2"), per_rank={1: {"LYNXEVAL_CPU": "portable"}})
    check("a rank with another kernel family is refused before any work, naming it and the field",
          p.returncode != 0 and "rank 1 on host" in p.stderr and "numerics.kernels" in p.stderr
          and not os.path.exists(out), p.stderr[-600:])
    done_dir = os.path.join(tmp, "mpi-b4-2")
    t0 = time.monotonic()
    p = mpirun(2, run_args(done_dir, "--seed", "5", limit=limit))
    check("a directory made with other settings: rank 0 refuses, releases the other ranks, exit 1",
          p.returncode == 1 and "cannot be resumed: seed" in p.stderr and time.monotonic() - t0 < 60,
          p.stderr[-400:])
    p = mpirun(2, run_args(out, "--shard", "0/2", limit="2"))
    check("--shard with lynxeval-mpi is a usage error", p.returncode != 0 and "--shard" in p.stderr
          and "drop it" in p.stderr, p.stderr[-400:])

    # 4. a slow rank gets fewer blocks; 5. a waiting rank does not spin
    ref = os.path.join(tmp, "uneven-ref")
    subprocess.run([lynxeval, *run_args(ref, limit="3", batch="1")], capture_output=True, env=ENV)
    out = os.path.join(tmp, "uneven")
    # rank 1 takes 6 s per item: rank 0 answers the rest meanwhile (well under 6 s, sanitizers
    # included) and then waits seconds for rank 1's last block
    p = mpirun(2, run_args(out, limit="3", batch="1"), per_rank={1: {"LYNXEVAL_TEST_SLEEP_MS": "6000"}})
    s = json.load(open(os.path.join(out, "manifest.json")))["sessions"][-1] if p.returncode == 0 else {}
    ranks = s.get("ranks", [{}, {}])
    check("a rank 6 s slower per item gets fewer blocks, and some; identical bytes",
          p.returncode == 0 and 0 < ranks[1].get("blocks", 0) < ranks[0].get("blocks", 0)
          and not same(ref, out), (p.stderr[-300:], ranks))
    check("rank 0 waiting for the slow rank's last block used < 0.3 s of CPU (quiet waits)",
          p.returncode == 0 and ranks[0].get("wait_cpu_seconds", 1) < 0.3 and ranks[0].get("idle_seconds", 0) > 1,
          ranks[0])

    # 6. a stuck block ends the job, naming the rank
    out = os.path.join(tmp, "stuck")
    t0 = time.monotonic()
    p = mpirun(2, run_args(out, "--block-timeout", "2", limit="2", batch="1"),
               per_rank={1: {"LYNXEVAL_TEST_SLEEP_MS": "20000"}})
    took = time.monotonic() - t0
    check(f"a block held past --block-timeout ends the job ({took:.1f} s), naming the rank",
          p.returncode != 0 and "rank 1 on host" in p.stderr and "block timeout" in p.stderr and took < 15,
          p.stderr[-500:])
finally:
    shutil.rmtree(tmp)

finish()
