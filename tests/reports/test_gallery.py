#!/usr/bin/python3
"""The report a newcomer opens: the embedded default's report.html and a report of two shipped
checkpoints, driven in headless chromium through the DevTools protocol.

- the header: the date, lynxeval's version and commit, one row per run named by its directory;
- every task has its section, OwlEval's open-ended answers included;
- the gallery: the pictures render (a screenshot of one is not blank), filtering by category and
  by verdict, paging and searching change what is shown as they should, and the console stays
  free of errors;
- numbers carry their unit and one precision per kind (accuracies "58.3% [52.6, 64.0]",
  differences "+2.50 [-1.25, 6.00]");
- an answer holding markup is shown as text, never run;
- pictures that cannot be found are named with the flag that finds them, never fatal;
- a run of 200,000 items gives a report under 20 MB showing a sample and linking every answer.

usage: test_gallery.py LYNXEVAL SOURCE_DIR OUT_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from devtools import Browser
from lxtest import check, finish, read_png, replicate_run, runner

lynxeval, src, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
lx = runner(lynxeval)
WORLD_TASKS = ["coco-caption", "gqa", "mm-vet", "mmbench", "mme", "msvd-qa", "open-vqa-image", "open-vqa-video",
               "owleval", "pope", "scienceqa-img", "seed-bench-img", "textvqa", "vizwiz"]


def gallery_data(html_path):
    text = open(html_path, encoding="utf-8").read()
    m = re.search(r'<script type="application/json" id="g-data">(.*?)</script>', text, re.S)
    return json.loads(m.group(1)) if m else {}


def select(browser, sel, value):
    """Sets a select element of the page and tells the page, as a person choosing would."""
    browser.eval(f"{{ const s = document.getElementById({json.dumps(sel)}); s.value = {json.dumps(value)};"
                 " s.dispatchEvent(new Event('change')); }")


def picture_not_blank(browser, selector, name):
    """Screenshots the first element matching selector and checks it shows more than one colour."""
    rect = browser.eval(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                        " if (!e) return null; e.scrollIntoView(); const r = e.getBoundingClientRect();"
                        " return {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width,"
                        " height: r.height, loaded: e.complete && e.naturalWidth > 0}; })()")
    if not rect or rect["width"] < 8 or not rect["loaded"]:
        return check(f"{name}: a picture is there and decoded", False, rect)
    shot = os.path.join(out_dir, f"gallery-{name}.png")
    with open(shot, "wb") as f:
        f.write(browser.screenshot(rect))
    _, _, rows = read_png(shot)
    colours = {px for row in rows for px in row}
    return check(f"{name}: the picture renders (screenshot {shot}: {len(colours)} colours)", len(colours) > 4)


tmp = tempfile.mkdtemp(prefix="lynxeval-gallery-")
try:
    home = os.path.join(tmp, "home")
    os.makedirs(home)
    env = dict(os.environ, LYNXEVAL_HOME=src)
    p = subprocess.run([lynxeval, "run", "--limit", "12"], capture_output=True, text=True, cwd=home, env=env)
    pt = os.path.join(home, "lynxeval-runs", "world-pt")
    check("the embedded default (every world task, 12 items each) writes report.html", p.returncode == 0
          and os.path.exists(os.path.join(pt, "report.html")), p.stderr[-600:])
    ca = os.path.join(home, "lynxeval-runs", "world-ca")
    p = subprocess.run([lynxeval, "run", "world", "--model", os.path.join(src, "checkpoints", "lynx-world-ca"),
                        "--data", os.path.join(src, "datasets", "world", "test"), "--out", ca, "--limit", "12"],
                       capture_output=True, text=True, cwd=home)
    check("a second checkpoint on the same items", p.returncode == 0, p.stderr[-600:])
    two = os.path.join(home, "two.html")
    p = lx("report", pt, ca, "--out", two)
    check("report of the two runs as HTML", p.returncode == 0, p.stderr)
    md_path = os.path.join(home, "two.md")
    p = lx("report", pt, ca, "--out", md_path)
    md = open(md_path).read() if p.returncode == 0 else ""

    # the Markdown: names, units, precisions
    check("runs are named by their directories, not A and B",
          "| category | world-pt | world-ca |" in md and "| A |" not in md and "## world-ca - world-pt" in md, md[:600])
    check("the header names the date, version and commit, and each run's model, decoding and template",
          re.search(r"Made \d{4}-\d\d-\d\d \d\d:\d\d UTC by lynxeval \S+ \(commit [0-9a-f]{7,}", md)
          and re.search(r"\| world-pt \| lynx prefix \| [0-9a-f]{12}\.\.\. \| greedy, at most 24 new tokens \| model \| f32 \|", md),
          md[:900])
    mme = md[md.index("## mme"):md.index("##", md.index("## mme") + 3)] if "## mme" in md else ""
    check("MME: subtask scores on 0-200 without a unit, the question accuracy with %",
          "| subtask (score, 0-200) |" in mme and re.search(r"\*\*overall accuracy\*\* \| \d+/\d+ \d+\.\d% \[", mme), mme)
    diffs = [l for l in md.splitlines() if l.startswith("| ") and ("| accuracy |" in l or "| CIDEr |" in l)
             and "[" in l and md.index("## world-ca - world-pt") < md.index(l)]
    acc = [l for l in diffs if "| accuracy |" in l]
    check(f"differences: accuracies in points with two decimals, every bound too ({len(acc)} rows)",
          acc and all(re.search(r"\| [+-]\d+\.\d\d \[-?\d+\.\d\d, -?\d+\.\d\d\] \|", l) for l in acc), acc[:3])
    cider = [l for l in diffs if "| CIDEr |" in l]
    check("differences: CIDEr with four decimals",
          cider and all(re.search(r"\| [+-]\d+\.\d{4} \[-?\d+\.\d{4}, -?\d+\.\d{4}\] \|", l) for l in cider), cider)
    owl = md[md.index("## owleval"):].split("\n## ")[0] if "## owleval" in md else ""
    n_owl = len(open(os.path.join(pt, "owleval", "predictions.jsonl")).read().splitlines())
    check("OwlEval's open-ended answers have a section: counts, lengths, cut-offs",
          f"| answers | {n_owl} | {n_owl} |" in owl and "| words per answer, mean |" in owl
          and "| cut off at the token limit |" in owl, owl)

    # the embedded default's own report, in the browser
    with Browser() as b:
        b.open(os.path.join(pt, "report.html"))
        head = b.eval("document.body.innerText.slice(0, 600)")
        check("chromium: the header shows the date, the version and the commit",
              re.search(r"Made \d{4}-\d\d-\d\d \d\d:\d\d UTC by lynxeval \S+ \(commit [0-9a-f]{7,}", head or ""), head)
        sections = b.eval("Array.from(document.querySelectorAll('h2')).map(h => h.id)")
        check("chromium: every task has its section, OwlEval included",
              all(t in sections for t in WORLD_TASKS) and "answers" in sections, sections)
        tasks = b.eval("Array.from(document.getElementById('g-task').options).map(o => o.text.split(' ')[0])")
        check("chromium: the gallery offers every task", tasks == WORLD_TASKS, tasks)
        picture_not_blank(b, "#g-items img", "embedded")
        select(b, "g-task", str(WORLD_TASKS.index("open-vqa-video")))
        frames = b.eval("document.querySelectorAll('#g-items .g-item')[0].querySelectorAll('img').length")
        check("chromium: a video question shows the frames the model saw (5)", frames == 5, frames)
        picture_not_blank(b, "#g-items img", "video-frame")
        select(b, "g-task", str(WORLD_TASKS.index("owleval")))
        owl = b.eval("Array.from(document.querySelectorAll('#g-items .g-text')).map(e => e.textContent)")
        n_owl = len(open(os.path.join(pt, "owleval", "predictions.jsonl")).read().splitlines())
        check(f"chromium: OwlEval's {n_owl} answers are in the gallery", owl and len(owl) == n_owl and all(owl), owl)
        check("chromium: no console error on the embedded default's report", not b.errors, b.errors)

    # two runs: filter, page, search
    with Browser() as b:
        b.open(two)
        heads = b.eval("Array.from(document.querySelectorAll('th')).map(t => t.textContent)")
        check("chromium: columns are headed by the runs' names", "world-pt" in heads and "world-ca" in heads
              and "A" not in heads, heads)
        swatches = b.eval("document.querySelectorAll('#runs + table i.swatch').length")
        check("chromium: one legend, the runs table with each run's colour", swatches == 2, swatches)

        def cards():
            return b.eval("Array.from(document.querySelectorAll('#g-items .g-item')).map(c => ({id: c.dataset.id,"
                          " disagree: c.classList.contains('g-disagree'), meta: c.querySelector('.g-meta').textContent,"
                          " verdicts: Array.from(c.querySelectorAll('.g-wrong, .g-verdict')).map(v => v.textContent)}))")

        data = gallery_data(two)
        k = WORLD_TASKS.index("open-vqa-image")
        task = data["tasks"][k]
        select(b, "g-task", str(k))
        page1 = cards()
        pages = b.eval("document.getElementById('g-page').textContent")
        check("chromium: 12 items a page, the disagreements first",
              len(page1) == 12 and pages == "page 1 of 1 (12 items)"
              and [c["disagree"] for c in page1] == sorted([c["disagree"] for c in page1], reverse=True)
              and sum(c["disagree"] for c in page1) == task["disagreements"], (pages, page1[:2]))
        select(b, "g-show", "disagree")
        shown = cards()
        check(f"chromium: 'where the runs disagree' shows those {task['disagreements']} only",
              len(shown) == task["disagreements"] and all(c["disagree"] for c in shown), shown)
        select(b, "g-show", "wrong")
        shown = cards()
        check("chromium: 'wrong in some run' shows items with a wrong answer only",
              shown and all(any("wrong" in v for v in c["verdicts"]) for c in shown), shown)
        select(b, "g-show", "all")
        cats = b.eval("Array.from(document.getElementById('g-cat').options).map(o => o.value).filter(v => v)")
        select(b, "g-cat", cats[0])
        shown = cards()
        check(f"chromium: the category filter ({cats[0]}) shows that category only",
              shown and all(c["meta"].endswith("\u00b7 " + cats[0]) for c in shown)
              and len(shown) == sum(it["category"] == cats[0] for it in task["items"]), shown)
        select(b, "g-cat", "")
        k = WORLD_TASKS.index("mme")
        select(b, "g-task", str(k))
        b.eval("{ const q = document.getElementById('g-search'); q.value = %s; q.dispatchEvent(new Event('input')); }"
               % json.dumps(data["tasks"][k]["items"][3]["question"]))
        found = cards()
        check("chromium: searching a question finds it", found and data["tasks"][k]["items"][3]["id"] in [c["id"] for c in found])
        picture_not_blank(b, "#g-items img", "two-runs")
        shot = os.path.join(out_dir, "gallery-page.png")
        with open(shot, "wb") as f:
            f.write(b.screenshot())
        check("chromium: no console error while filtering and paging", not b.errors, b.errors)

    # markup in an answer is text
    evil = os.path.join(tmp, "evil")
    shutil.copytree(pt, evil)
    path = os.path.join(evil, "owleval", "predictions.jsonl")
    rows = [json.loads(l) for l in open(path)]
    rows[0]["answer"] = ("</script><script>window.injected = 1</script><img src=x onerror=window.injected=2>"
                         "<!--<script>window.injected = 3</script>")
    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    evil_html = os.path.join(tmp, "evil.html")
    p = lx("report", evil, "--out", evil_html)
    with Browser() as b:
        b.open(evil_html)
        select(b, "g-task", str(WORLD_TASKS.index("owleval")))
        texts = b.eval("Array.from(document.querySelectorAll('#g-items .g-text')).map(e => e.textContent)")
        check("an answer holding markup is shown as text and never runs",
              p.returncode == 0 and b.eval("window.injected === undefined") and rows[0]["answer"] in (texts or []),
              texts)

    # pictures that cannot be found
    moved = os.path.join(tmp, "moved.html")
    p = lx("report", pt, "--out", moved, "--data", os.path.join(tmp, "nowhere"))
    notes = {t["task"]: t.get("media_note", "") for t in gallery_data(moved).get("tasks", [])}
    check("media not found: the report is still written, each task says so and names --data",
          p.returncode == 0 and notes and all("nowhere" in n and "--data DIR" in n for n in notes.values()),
          p.stderr + json.dumps(notes)[:400])
    p = lx("report", pt, "--out", os.path.join(tmp, "none.html"), "--gallery-items", "0")
    check("--gallery-items 0 leaves the gallery out",
          p.returncode == 0 and 'id="g-data"' not in open(os.path.join(tmp, "none.html")).read(), p.stderr)

    # 200,000 items: a sample, a link to every answer, under 20 MB
    big = os.path.join(tmp, "big")
    n = 200000
    replicate_run(pt, "open-vqa-image", big, n, 160)
    big_html = os.path.join(tmp, "big.html")
    p = lx("report", big, "--out", big_html)
    size = os.path.getsize(big_html) if os.path.exists(big_html) else 0
    data = gallery_data(big_html)
    t = (data.get("tasks") or [{}])[0]
    check(f"a 200,000-item run: the report weighs {size / 1e6:.1f} MB (< 20)", p.returncode == 0 and 0 < size < 20e6,
          p.stderr[-400:])
    check("... it shows a sample of 240 items and links every answer",
          t.get("items_total") == n and t.get("items_shown") == 240
          and t["files"][0]["predictions"].endswith("big/open-vqa-image/predictions.jsonl"), {k: t.get(k) for k in ("items_total", "items_shown", "files")})
    with Browser() as b:
        seconds = b.open(big_html)
        note = b.eval("document.getElementById('g-note').textContent")
        check(f"... and opens in chromium ({seconds:.2f} s to its load event), saying it is a sample",
              "A sample: 240 of 200000 items" in note, note)
        ids = "Array.from(document.querySelectorAll('#g-items .g-item')).map(c => c.dataset.id)"
        first = b.eval(ids)
        b.eval("document.getElementById('g-next').click()")
        second = b.eval(ids)
        pages = b.eval("document.getElementById('g-page').textContent")
        check("chromium: next shows page 2 of 20, other items", pages == "page 2 of 20 (240 items)"
              and len(second) == 12 and not set(first) & set(second), (pages, first, second))
        b.eval("document.getElementById('g-prev').click()")
        check("chromium: previous comes back", b.eval(ids) == first)
        picture_not_blank(b, "#g-items img", "sample")
        check("chromium: no console error on the large report", not b.errors, b.errors)
finally:
    shutil.rmtree(tmp)

finish()
