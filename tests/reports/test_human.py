#!/usr/bin/python3
"""Human evaluation end to end: `lynxeval human export` on small runs of the tiny model, the
annotation pages driven in a real browser (headless chromium, through the DevTools protocol:
radio buttons clicked, the Save button pressed, the downloaded ratings file collected), then
`lynxeval human import` of those files, and the refusal of bad or incomplete rating files.

usage: test_human.py LYNXEVAL MODEL_DIR SOURCE_DIR
"""
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from devtools import WebSocket
from lxtest import check, finish, read_png, runner

lynxeval, model, src = sys.argv[1], sys.argv[2], sys.argv[3]
lx = runner(lynxeval)


def choice_for(rater, unit, values):
    """What a simulated rater picks: a fixed function of the unit; rater 2 agrees on 3 of 4."""
    h = int(hashlib.sha256(unit.encode()).hexdigest(), 16)
    pick = h % len(values)
    if rater == 2 and h % 4 == 0:
        pick = (pick + 1) % len(values)
    return values[pick]


def rate_in_browser(page, downloads, rater, values):
    """Opens an annotation page in headless chromium, rates every unit by clicking, saves."""
    profile = tempfile.mkdtemp()
    chromium = subprocess.Popen([shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu",
                                 "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        for _ in range(600):
            if os.path.exists(port_file) and len(open(port_file).read().split()) >= 2:
                break
            time.sleep(0.05)
        port, browser_path = open(port_file).read().split()[:2]
        browser = WebSocket(f"ws://127.0.0.1:{port}{browser_path}")
        browser.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=downloads)
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        tab = WebSocket([t for t in targets if t["type"] == "page"][0]["webSocketDebuggerUrl"])
        tab.call("Page.enable")
        tab.call("Runtime.enable")
        tab.pending.clear()  # a load event of the page before does not count
        tab.call("Page.navigate", url="file://" + page)
        tab.wait_event("Page.loadEventFired")
        units = tab.call("Runtime.evaluate", returnByValue=True, expression=
                         "Array.from(new Set(Array.from(document.querySelectorAll('input[type=radio]'))"
                         ".map(i => i.name)))")["result"]["value"]
        clicks = {u: choice_for(rater, u, values) for u in units}
        tab.call("Runtime.evaluate", expression=
                 f"const picks = {json.dumps(clicks)};"
                 "for (const [u, v] of Object.entries(picks))"
                 "  document.querySelector(`input[name=\"${u}\"][value=\"${v}\"]`).click();"
                 "document.getElementById('save').click();")
        want = os.path.join(downloads, f"ratings-rater-{rater}.json")
        for _ in range(400):
            if os.path.exists(want) and not os.path.exists(want + ".crdownload"):
                break
            time.sleep(0.05)
        status = tab.call("Runtime.evaluate", returnByValue=True,
                          expression="document.getElementById('status').textContent")["result"]["value"]
        errors = tab.call("Runtime.evaluate", returnByValue=True,
                          expression="document.getElementById('progress').textContent")["result"]["value"]
        return want, clicks, status, errors
    finally:
        chromium.terminate()
        chromium.wait()
        shutil.rmtree(profile, ignore_errors=True)


tmp = tempfile.mkdtemp()
try:
    if not shutil.which("chromium"):
        check("chromium is installed (tools/setup-debian.sh installs it)", False)
        raise SystemExit(1)
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    os.symlink(os.path.join(src, "tests", "image", "inputs"), os.path.join(data, "images"))
    shutil.copy(os.path.join(src, "tests", "runs", "open_vqa_images_small.jsonl"), os.path.join(data, "Open_VQA_images.jsonl"))
    runs = []
    for name, extra in (("plain", []), ("short", ["--prompt-template", "short-answer"]), ("vicuna", ["--prompt-template", "vicuna"])):
        out = os.path.join(tmp, name)
        p = lx("run", "open-vqa-image:open-vqa-image", "--model", model, "--data", data, "--out", out, "--decode", "greedy", *extra)
        check(f"run {name}", p.returncode == 0, p.stderr)
        runs.append(out)

    # grade protocol, two raters, three models
    pkg = os.path.join(tmp, "grades")
    p = lx("human", "export", *runs, "--task", "open-vqa-image", "--data", data, "--out", pkg, "--raters", "2", "--limit", "8")
    package = json.load(open(os.path.join(pkg, "package.json"))) if p.returncode == 0 else {}
    key = json.load(open(pkg + ".key.json")) if p.returncode == 0 else {}
    blob = json.dumps(package)
    check("export: 8 items, 3 answers each, model names hidden, the key beside the package",
          p.returncode == 0 and len(package["items"]) == 8 and all(len(i["answers"]) == 3 for i in package["items"])
          and not any(os.path.basename(r) in blob for r in runs) and set(key["models"]) == {"m1", "m2", "m3"}
          and not os.path.exists(os.path.join(pkg, "key.json")), p.stderr)
    check("export: nothing is left beside the package but its key",
          sorted(os.listdir(tmp)) == sorted(["data", "plain", "short", "vicuna", "grades", "grades.key.json"]),
          os.listdir(tmp))
    p = lx("human", "export", *runs, "--task", "open-vqa-image", "--data", data, "--out", pkg)
    check("export into a package that exists is refused, leaving it as it was",
          p.returncode == 1 and "already exists; a package is written once" in p.stderr
          and json.load(open(os.path.join(pkg, "package.json"))) == package, p.stderr)
    nodata = os.path.join(tmp, "no-data")
    os.makedirs(nodata)
    failed = os.path.join(tmp, "failed", "pkg")
    p = lx("human", "export", *runs, "--task", "open-vqa-image", "--data", nodata, "--out", failed)
    check("a failed export (its images missing) names the image and leaves no package folder or key",
          p.returncode == 1 and "no-data/images/" in p.stderr and os.listdir(os.path.join(tmp, "failed")) == [], p.stderr)
    shutil.rmtree(nodata)
    shutil.rmtree(os.path.join(tmp, "failed"))
    ls = json.load(open(os.path.join(pkg, "labelstudio.json")))
    csv_rows = list(csv.reader(open(os.path.join(pkg, "items.csv"), newline="")))
    check("export: Label Studio tasks, its labelling config and a CSV, one row per answer",
          len(ls) == 24 and ls[0]["data"]["image"].startswith("media/") and len(csv_rows) == 25 and csv_rows[0][-1] == "grade"
          and "<Choice value=\"A\"" in open(os.path.join(pkg, "labelstudio-config.xml")).read())
    pages = [os.path.join(pkg, f"annotate-rater-{r}.html") for r in (1, 2)]
    order = [[u for u in json.loads(open(pg).read().split('id="lx-data">')[1].split("</script>")[0].replace("<\\/", "</"))["items"]] for pg in pages]
    check("each rater gets the items in an order of their own", [i["item"] for i in order[0]] != [i["item"] for i in order[1]])
    check("the pages are self-contained: images inline, nothing fetched",
          all("data:image/png;base64," in open(pg).read() and "http" not in open(pg).read().replace("http://www.w3.org", "") for pg in pages))
    downloads = os.path.join(tmp, "downloads")
    os.makedirs(downloads)
    files, picks = [], {}
    for r in (1, 2):
        f, clicks, status, progress = rate_in_browser(pages[r - 1], downloads, r, ["A", "B", "C", "D"])
        saved = json.load(open(f)) if os.path.exists(f) else {}
        check(f"chromium: rater {r} clicks 24 grades and saves ({status}; {progress})",
              len(clicks) == 24 and len(saved.get("ratings", [])) == 24 and progress == "24 of 24 rated", status)
        files.append(f)
        picks[r] = clicks
    report_path = os.path.join(tmp, "grades-report.json")
    p = lx("human", "import", pkg, *files, "--out", report_path)
    rep = json.load(open(report_path)) if p.returncode == 0 else {}
    per_model = rep.get("models", {})
    total = sum(sum(m["grades"].values()) for m in per_model.values())
    # the expected grade counts, un-blinded by hand from the clicks and the key
    expected = {}
    for r, clicks in picks.items():
        for unit, g in clicks.items():
            code = unit.split("/")[1]
            run = key["models"][code]["run"]
            expected.setdefault(run, {"A": 0, "B": 0, "C": 0, "D": 0})[g] += 1
    check("import un-blinds: grade counts per model equal the clicks",
          p.returncode == 0 and total == 48 and all(per_model[r]["grades"] == expected[r] for r in expected), p.stderr)
    agree = rep.get("agreement", {})
    check("import reports Cohen's weighted kappa, Fleiss' kappa and Krippendorff's alpha",
          len(agree.get("cohen_kappa_linear", [])) == 1 and -1 <= agree.get("fleiss_kappa", 9) <= 1
          and -1 <= agree.get("krippendorff_alpha_ordinal", 9) <= 1, json.dumps(agree))

    # the ratings in the report of the runs, beside each run's numbers
    md = os.path.join(tmp, "with-ratings.md")
    p = lx("report", *runs, "--human", report_path, "--out", md)
    text = open(md).read() if p.returncode == 0 else ""
    rows = {l.split(" | ")[0].lstrip("| "): [c.strip() for c in l.strip().strip("|").split("|")[1:]]
            for l in text[text.find("## open-vqa-image: human ratings (grades)"):].splitlines() if l.startswith("| ")}
    want_mean = [f"{per_model[r]['mean_grade']:.2f}" for r in runs]
    want_a = [f"{per_model[r]['grades']['A']:.0f}" for r in runs]
    check("report --human: a section of the ratings, each run's mean grade and grade counts as imported",
          rows.get("mean grade (A = 4 ... D = 1)") == want_mean and rows.get("A: correct and satisfying") == want_a,
          (rows, want_mean, want_a, p.stderr))
    p = lx("report", *runs, "--human", files[0], "--out", md)
    check("report --human refuses a file that is not an import's report, naming it",
          p.returncode == 1 and "ratings-rater-1.json: not a report of lynxeval human import" in p.stderr, p.stderr)

    # refusals: never a half import
    bad = json.load(open(files[1]))
    bad["ratings"] = bad["ratings"][:-1]
    incomplete = os.path.join(tmp, "incomplete.json")
    json.dump(bad, open(incomplete, "w"))
    before = open(report_path, "rb").read()
    p = lx("human", "import", pkg, files[0], incomplete, "--out", report_path)
    check("an incomplete ratings file is refused, naming it, and the report there is kept",
          p.returncode == 1 and "incomplete.json: incomplete: 1 of 24" in p.stderr
          and open(report_path, "rb").read() == before, p.stderr)
    p = lx("human", "import", pkg, files[0], files[0])
    check("the same rater twice is refused", p.returncode == 1 and "also rated" in p.stderr, p.stderr)
    bad = json.load(open(files[1]))
    bad["package"] = "0123456789abcdef"
    other = os.path.join(tmp, "other.json")
    json.dump(bad, open(other, "w"))
    p = lx("human", "import", pkg, other)
    check("ratings of another package are refused", p.returncode == 1 and "other.json: ratings for package" in p.stderr, p.stderr)
    bad = json.load(open(files[1]))
    bad["ratings"][3]["grade"] = "E"
    wrong = os.path.join(tmp, "wrong.json")
    json.dump(bad, open(wrong, "w"))
    p = lx("human", "import", pkg, wrong)
    check("a grade that is not A-D is refused", p.returncode == 1 and "not one of A, B, C, D" in p.stderr, p.stderr)
    open(os.path.join(tmp, "broken.json"), "w").write('{"format": "lynxeval-ratings-1",\n "ratings": [')
    p = lx("human", "import", pkg, os.path.join(tmp, "broken.json"))
    check("a broken ratings file is refused with its line", p.returncode == 1 and "broken.json:2:" in p.stderr, p.stderr)

    # pairwise protocol: three models, Bradley-Terry
    pkg2 = os.path.join(tmp, "pairs")
    p = lx("human", "export", *runs, "--task", "open-vqa-image", "--data", data, "--out", pkg2, "--protocol", "pairwise",
           "--raters", "2")
    check("pairwise export: 12 items x 3 pairs", p.returncode == 0 and sum(len(i["pairs"]) for i in json.load(open(os.path.join(pkg2, "package.json")))["items"]) == 36, p.stderr)
    downloads2 = os.path.join(tmp, "downloads2")
    os.makedirs(downloads2)
    files2 = []
    for r in (1, 2):
        f, clicks, status, progress = rate_in_browser(os.path.join(pkg2, f"annotate-rater-{r}.html"), downloads2, r,
                                                     ["left", "right", "tie"])
        check(f"chromium: rater {r} chooses in 36 pairs and saves", os.path.exists(f) and progress == "36 of 36 rated", status)
        files2.append(f)
    p = lx("human", "import", pkg2, *files2)
    rep = json.loads(p.stdout) if p.returncode == 0 else {}
    elos = [m.get("elo") for m in rep.get("models", {}).values()]
    check("pairwise import: wins, losses, ties and Bradley-Terry Elo with intervals per model",
          p.returncode == 0 and len(elos) == 3 and all(e is not None for e in elos)
          and all(len(m["elo_interval"]) == 2 for m in rep["models"].values())
          and sum(m["wins"] + m["losses"] + m["ties"] for m in rep["models"].values()) == 144, p.stderr + p.stdout[-300:])

    # videos: the export shows the source frames each prediction recorded, whole and exact
    world = os.path.join(src, "datasets", "world", "test")
    vrun = os.path.join(tmp, "video-run")
    p = lx("run", "open-vqa-video:world-open-vqa-video", "--model", model, "--data", world, "--out", vrun,
           "--decode", "greedy", "--limit", "3", "--frame-rule", "segment-middle")
    check("run on videos", p.returncode == 0, p.stderr)
    vpkg = os.path.join(tmp, "video-pkg")
    p = lx("human", "export", vrun, "--task", "open-vqa-video", "--data", world, "--out", vpkg, "--raters", "1")
    rows = {json.loads(l)["id"]: json.loads(l) for l in open(os.path.join(vrun, "open-vqa-video", "predictions.jsonl"))}
    vkey = json.load(open(vpkg + ".key.json")) if p.returncode == 0 else {}
    vitems = json.load(open(os.path.join(vpkg, "package.json")))["items"] if p.returncode == 0 else []
    same = p.returncode == 0 and len(vitems) == 3
    for item in vitems:
        row = rows[vkey["items"][item["item"]]]
        clip = os.path.join(world, row["media"])
        names = sorted(os.listdir(clip), key=lambda n: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", n)])
        same = same and len(item["media"]) == len(row["frames"])
        for shown, frame in zip(item["media"], row["frames"]):
            same = same and read_png(os.path.join(vpkg, shown)) == read_png(os.path.join(clip, names[frame]))
    check("video export: one picture per recorded frame, each the source frame exactly", same, p.stderr)
finally:
    shutil.rmtree(tmp)

finish()
