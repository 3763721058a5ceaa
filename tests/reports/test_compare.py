#!/usr/bin/python3
"""`lynxeval compare`, `lynxeval report` and `lynxeval power` end to end on the tiny model.

A self-consistent benchmark: Open-VQA questions on the test images whose reference answers are
the tiny model's own answers. Two runs of the model (different batch sizes) must show no
significant difference, and `compare --fail-on-regression` exits 0; a degraded copy of the model
(its adapters' up-projections zeroed) must be reported as a significant drop, exit status 1.
The report of the two runs is written as Markdown, JSON and HTML; the HTML is rendered by
headless chromium (a screenshot is left in OUT_DIR) and must produce no console error.

usage: test_compare.py LYNXEVAL MODEL_DIR SOURCE_DIR OUT_DIR
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from lxtest import check, finish, runner

lynxeval, model, src, out_dir = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
lx = runner(lynxeval)


def degrade(src_dir, dst_dir, needle):
    """A copy of a model with every F32 tensor whose name contains `needle` set to zero."""
    shutil.copytree(src_dir, dst_dir)
    path = os.path.join(dst_dir, "model.safetensors")
    with open(path, "r+b") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        zeroed = 0
        for name, t in header.items():
            if name == "__metadata__" or needle not in name:
                continue
            begin, end = t["data_offsets"]
            f.seek(8 + n + begin)
            f.write(b"\0" * (end - begin))
            zeroed += 1
    return zeroed


tmp = tempfile.mkdtemp()
try:
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    os.symlink(os.path.join(src, "tests", "image", "inputs"), os.path.join(data, "images"))
    real = [json.loads(l) for l in open(os.path.join(src, "datasets", "open-vqa", "Open_VQA_images.jsonl"))]
    images = ["chelsea.png", "grace_hopper.jpg", "rocket.jpg", "palette_color.png", "png-50x30.png",
              "jpeg-gray-211x307.jpg", "png-rgba8-300x200.png", "jpeg-cmyk-150x100.jpg", "gif-p-120x90.gif",
              "jpeg-progressive-640x480.jpg", "png-420x600.png", "jpeg-444-333x250.jpg"]
    rows = []
    for k, r in enumerate(real[:96]):
        r = dict(r)
        r["image"] = "images/" + images[k % len(images)]
        rows.append(r)
    ann = os.path.join(data, "Open_VQA_images.jsonl")
    with open(ann, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    # the model's own answers become the references
    first = os.path.join(tmp, "first")
    p = lx("run", "open-vqa-image:open-vqa-image", "--model", model, "--data", data, "--out", first, "--decode", "greedy")
    check("a first run to make the references", p.returncode == 0, p.stderr)
    answers = {json.loads(l)["id"]: json.loads(l)["answer"] for l in open(os.path.join(first, "open-vqa-image", "predictions.jsonl"))}
    with open(ann, "w") as f:
        for r in rows:
            r["answer"] = [answers[str(r["index"])]]
            f.write(json.dumps(r) + "\n")

    a, a2, b = (os.path.join(tmp, x) for x in ("a", "a2", "b"))
    p1 = lx("run", "open-vqa-image:open-vqa-image", "--model", model, "--data", data, "--out", a, "--decode", "greedy", "--batch", "4")
    p2 = lx("run", "open-vqa-image:open-vqa-image", "--model", model, "--data", data, "--out", a2, "--decode", "greedy", "--batch", "2")
    degraded = os.path.join(tmp, "degraded")
    zeroed = degrade(model, degraded, "adapter.up.weight")
    p3 = lx("run", "open-vqa-image:open-vqa-image", "--model", degraded, "--data", data, "--out", b, "--decode", "greedy", "--batch", "4")
    check(f"runs of the model, again, and with {zeroed} adapter up-projections zeroed",
          p1.returncode == p2.returncode == p3.returncode == 0 and zeroed > 0, p1.stderr + p2.stderr + p3.stderr)
    acc = {n: json.load(open(os.path.join(d, "open-vqa-image", "aggregate.json")))["accuracy"] for n, d in (("a", a), ("a2", a2), ("b", b))}
    print(f"    accuracy: model {acc['a']:.1f}, model again {acc['a2']:.1f}, degraded {acc['b']:.1f}")

    js = os.path.join(tmp, "same.json")
    p = lx("compare", a, a2, "--fail-on-regression", "--json", js)
    same = json.load(open(js)) if p.returncode == 0 else {}
    rows_same = [r for t in same.get("tasks", []) for r in t["rows"]]
    check("two runs of the same model: no significant difference, exit 0",
          p.returncode == 0 and same.get("regressions") == 0 and rows_same
          and not any(r["significant"] for r in rows_same), p.stdout + p.stderr)

    jd = os.path.join(tmp, "drop.json")
    p = lx("compare", a, b, "--fail-on-regression", "--json", jd)
    drop = json.load(open(jd)) if os.path.exists(jd) else {}
    overall = [r for t in drop.get("tasks", []) for r in t["rows"] if r["category"] == ""]
    check("the degraded model: a significant drop, exit 1",
          p.returncode == 3 and overall and overall[0]["regression"] and overall[0]["diff"] < 0
          and overall[0]["test"] == "exact McNemar" and overall[0]["p_holm"] < 0.05
          and overall[0]["interval"][1] < 0, p.stdout + p.stderr)
    print("    " + "\n    ".join(p.stdout.splitlines()[:4]))
    p = lx("compare", a, b)
    check("without --fail-on-regression a drop still exits 0", p.returncode == 0 and "REGRESSION" in p.stdout, p.stderr)

    # the report of the two runs
    for ext in ("md", "json", "html"):
        p = lx("report", a, b, "--out", os.path.join(tmp, "report." + ext))
        check(f"report --out report.{ext}", p.returncode == 0, p.stderr)
    md = open(os.path.join(tmp, "report.md")).read()
    model_json = json.load(open(os.path.join(tmp, "report.json")))
    overall = [r for r in model_json["runs"][0]["tasks"]["open-vqa-image"]["uncertainty"] if r["category"] == ""][0]
    check("the report has the paper-style table: correct/total per class, overall with an interval",
          "| Place |" in md and "**overall accuracy**" in md and f"{overall['correct']:.0f}/96" in md
          and len(overall["interval"]) == 2 and overall["clustered_se"] >= 0, md[:400])
    check("the report has the differences b - a (named by their directories) with the drop marked",
          "## b - a" in md and "**drop**" in md, md[-800:])
    html = os.path.join(tmp, "report.html")
    shot = os.path.join(out_dir, "report-screenshot.png")
    chromium = shutil.which("chromium")
    if not chromium:
        check("headless chromium is installed (tools/setup-debian.sh installs it)", False)
    else:
        p = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            "--enable-logging=stderr", "--v=0", f"--screenshot={shot}", "--window-size=1100,2600",
                            "file://" + html], capture_output=True, text=True, timeout=120)
        console_errors = [l for l in p.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
        check(f"the HTML report renders in headless chromium without errors (screenshot: {shot})",
              p.returncode == 0 and os.path.getsize(shot) > 20000 and not console_errors,
              "\n".join(console_errors) or p.stderr[-500:])
        dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + html],
                             capture_output=True, text=True, timeout=120).stdout
        check("... with its charts and tables in the DOM, and nothing fetched from elsewhere",
              dom.count("<svg") >= 2 and dom.count("<table") >= 2 and "<script src" not in dom
              and "http" not in dom.replace("http://www.w3.org/2000/svg", ""))

    # refusals
    c = os.path.join(tmp, "c")
    lx("run", "open-vqa-image:open-vqa-image", "--model", model, "--data", data, "--out", c, "--decode", "greedy", "--limit", "40")
    p = lx("compare", a, c)
    check("runs on different items are refused, saying how", p.returncode == 1 and "56 only in A" in p.stderr, p.stderr)
    d = os.path.join(tmp, "d")
    lx("run", "open-vqa-image:open-vqa-image", "--model", model, "--data", data, "--out", d, "--decode", "greedy", "--prompt-template", "plain")
    p = lx("compare", a, d)
    check("runs with other settings are refused, naming the difference", p.returncode == 1 and "prompt_template" in p.stderr, p.stderr)
    p = lx("compare", a, d, "--allow-different-settings")
    check("... unless allowed", p.returncode == 0, p.stderr)
    p = lx("compare", a, os.path.join(tmp, "nothing"))
    check("a missing run directory is named", p.returncode == 1 and "nothing" in p.stderr, p.stderr)

    # power
    p = lx("power", "--delta", "0.03")
    check("power --delta 0.03: 2181 items", p.returncode == 0 and "2181" in p.stdout, p.stdout + p.stderr)
    p = lx("power", "--items", "302")
    check("power --items 302: the smallest detectable difference", p.returncode == 0 and "0.080606" in p.stdout, p.stdout)
    p = lx("power", "--delta", "0.03", "--items", "10")
    check("power with both --delta and --items is a usage error", p.returncode == 2, p.stderr)
finally:
    shutil.rmtree(tmp)

finish()
