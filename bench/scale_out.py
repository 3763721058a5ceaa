#!/usr/bin/python3
"""How a run scales out on this machine: the world suite (1,136 items) answered by one process,
by 2 shards started together (`run --shard I/2`), and by `mpirun -n 2 lynxeval-mpi`, each rank
with --threads 1. Per rank it reports items, busy and CPU seconds, items per CPU-second and the
idle fraction (the part of the job's wall time a rank had no work: waiting for the dispatcher, or
done before the others); per job the wall time, the merge (the fold into item order and the
scoring) and the efficiency, aggregate items/s over (ranks x the single process's items/s). Wall
times on a shared host measure the neighbours too; CPU-seconds per item do not, so the model of
cluster throughput in docs/scale-out.md rests on those.

usage: bench/scale_out.py LYNXEVAL LYNXEVAL_MPI [--repeats 3] [--out FILE.json]
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
args = sys.argv[1:]
if len(args) < 2:
    sys.exit(__doc__)
lynxeval, lynxeval_mpi = args[0], args[1]
repeats = int(args[args.index("--repeats") + 1]) if "--repeats" in args else 3
out_json = args[args.index("--out") + 1] if "--out" in args else None
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
for v in ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMI_SIZE", "SLURM_PROCID",
          "SLURM_STEP_NUM_TASKS"):
    ENV.pop(v, None)


def run_args(out, *extra):
    return ["run", "world", "--model", os.path.join(SRC, "checkpoints", "lynx-world-pt"), "--data",
            os.path.join(SRC, "datasets", "world", "test"), "--out", out, "--threads", "1",
            "--decode", "greedy", "--max-new-tokens", "24", *extra]


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


def measure(kind, tmp):
    out = os.path.join(tmp, kind)
    t0 = time.monotonic()
    if kind == "single":
        procs = [subprocess.Popen([lynxeval, *run_args(out)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env=ENV)]
    elif kind == "shards-2":
        procs = [subprocess.Popen([lynxeval, *run_args(out, "--shard", f"{i}/2")], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env=ENV) for i in range(2)]
    else:
        procs = [subprocess.Popen(["mpirun", "-n", "2", lynxeval_mpi, *run_args(out)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env=ENV)]
    codes = [p.wait() for p in procs]
    wall = time.monotonic() - t0
    if any(codes):
        sys.exit(f"{kind}: a process failed ({codes})")
    m = json.load(open(os.path.join(out, "manifest.json")))
    sessions = m["sessions"]
    if kind == "mpi-2":
        s = sessions[-1]
        ranks = [{"items": r["items"], "busy": r["busy_seconds"], "cpu": r["cpu_seconds"],
                  "idle": r["idle_seconds"]} for r in s["ranks"]]
        merge = s.get("merge_seconds", 0)
    else:
        ranks = [{"items": s["items_answered"], "busy": s["busy_seconds"], "cpu": s["cpu_seconds"]}
                 for s in sessions]
        merge = sum(x["seconds"] for x in m.get("merges", []))
    for r in ranks:
        r["items_per_cpu_s"] = r["items"] / r["cpu"] if r["cpu"] else 0
        if "idle" not in r:
            r["idle"] = max(0.0, wall - r["busy"])
        r["idle_fraction"] = r["idle"] / wall
    items = sum(r["items"] for r in ranks)
    shutil.rmtree(out)
    return {"wall": wall, "items": items, "items_per_s": items / wall, "merge_s": merge, "ranks": ranks,
            "load_average": os.getloadavg()[0]}


tmp = tempfile.mkdtemp(prefix="lx-scale-")
try:
    results = {k: [] for k in ("single", "shards-2", "mpi-2")}
    for rep in range(repeats):
        for kind in results:
            results[kind].append(measure(kind, tmp))
finally:
    shutil.rmtree(tmp)

commit = subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
print(f"scale-out on the world suite (1,136 items, --threads 1 per rank), {repeats} repeats, medians")
print(f"machine: {cpu_model()}, {os.cpu_count()} cores; commit {commit}")
single_rate = statistics.median(r["items_per_s"] for r in results["single"])
summary = {"cpu": cpu_model(), "cores": os.cpu_count(), "commit": commit, "repeats": repeats, "jobs": {}}
for kind, runs in results.items():
    n = len(runs[0]["ranks"])
    med = lambda f: statistics.median(f(r) for r in runs)  # noqa: E731
    rate = med(lambda r: r["items_per_s"])
    eff = rate / (n * single_rate) if kind != "single" else 1.0
    print(f"\n{kind}: wall {med(lambda r: r['wall']):.2f} s (spread {min(r['wall'] for r in runs):.2f}-"
          f"{max(r['wall'] for r in runs):.2f}), {rate:.1f} items/s, efficiency {eff:.2f}, "
          f"merge {med(lambda r: r['merge_s']):.3f} s, load average {med(lambda r: r['load_average']):.1f}")
    ranks = []
    for i in range(n):
        g = lambda k: statistics.median(r["ranks"][i][k] for r in runs)  # noqa: E731
        ranks.append({k: g(k) for k in ("items", "busy", "cpu", "items_per_cpu_s", "idle_fraction")})
        print(f"  rank {i}: {ranks[-1]['items']:.0f} items, busy {ranks[-1]['busy']:.2f} s, CPU {ranks[-1]['cpu']:.2f} s, "
              f"{ranks[-1]['items_per_cpu_s']:.1f} items per CPU-second, idle {100 * ranks[-1]['idle_fraction']:.1f}%")
    summary["jobs"][kind] = {"wall_s": med(lambda r: r["wall"]), "items_per_s": rate, "efficiency": eff,
                             "merge_s": med(lambda r: r["merge_s"]), "ranks": ranks, "runs": runs}
if out_json:
    with open(out_json, "w") as f:
        json.dump(summary, f, indent=1)
