#!/usr/bin/python3
"""How long a large run's HTML report takes to make and to open: a run of N items (default
200,000; the world's Open-VQA answers repeated over its 160 images) reported by `lynxeval report
--out big.html`, then opened in headless chromium REPEATS times: the seconds to the page's load
event and until the gallery has drawn its first page, with the file's size. The gallery shows a
sample, so both stay flat as N grows; the report's making reads every row.

usage: bench/report_open.py LYNXEVAL [--items N] [--repeats 5] [--out FILE.json]
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
sys.path.insert(0, os.path.join(SRC, "tests", "pylib"))
from devtools import Browser  # noqa: E402
from lxtest import replicate_run  # noqa: E402

args = sys.argv[1:]
if not args:
    sys.exit(__doc__)
lynxeval = os.path.abspath(args[0])
n = int(args[args.index("--items") + 1]) if "--items" in args else 200000
repeats = int(args[args.index("--repeats") + 1]) if "--repeats" in args else 5
out_json = args[args.index("--out") + 1] if "--out" in args else None

tmp = tempfile.mkdtemp(prefix="lynxeval-report-open-")
try:
    small = os.path.join(tmp, "small")
    subprocess.run([lynxeval, "run", "open-vqa-image:world-open-vqa-image", "--model",
                    os.path.join(SRC, "checkpoints", "lynx-world-pt"), "--data",
                    os.path.join(SRC, "datasets", "world", "test"), "--out", small],
                   check=True, capture_output=True)
    big = os.path.join(tmp, "big")
    replicate_run(small, "open-vqa-image", big, n, 160)
    html = os.path.join(tmp, "big.html")
    t0 = time.time()
    subprocess.run([lynxeval, "report", big, "--out", html], check=True, capture_output=True)
    make = time.time() - t0
    loads, drawn = [], []
    for _ in range(repeats):
        with Browser() as b:
            t0 = time.time()
            b.open(html)
            loads.append(time.time() - t0)
            while not b.eval("document.querySelectorAll('#g-items .g-item').length"):
                time.sleep(0.01)
            drawn.append(time.time() - t0)
            if b.errors:
                sys.exit(f"console errors: {b.errors}")
    result = {"items": n, "report_bytes": os.path.getsize(html), "make_seconds": make,
              "load_seconds": loads, "first_page_seconds": drawn,
              "load_median": statistics.median(loads), "first_page_median": statistics.median(drawn),
              "chromium": subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.strip(),
              "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")}
    print(f"{n} items: report {result['report_bytes'] / 1e6:.2f} MB, made in {make:.2f} s; opened "
          f"{repeats} times: load event median {result['load_median']:.3f} s, first gallery page "
          f"median {result['first_page_median']:.3f} s (max {max(drawn):.3f} s)")
    if out_json:
        with open(out_json, "w") as f:
            json.dump(result, f, indent=1)
finally:
    shutil.rmtree(tmp)
