#!/usr/bin/python3
"""The README's quick start, run as it is written: its shell blocks in a scratch directory that
holds the repository's checkpoints and datasets and the lynxeval under test as build/lynxeval.
Then: the hand-made run has the embedded default's settings (the same decoding in its fingerprint,
the same answers to the same questions), the comparison and the report of the two checkpoints
exist.

usage: test_readme.py LYNXEVAL SOURCE_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from lxtest import check, finish

lynxeval, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])


def quick_start_blocks(readme):
    """The ```sh blocks of the section "## Quick start...", in order."""
    text = open(readme, encoding="utf-8").read()
    start = text.index("\n## Quick start")
    section = text[start:text.index("\n## ", start + 1)]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


tmp = tempfile.mkdtemp(prefix="lynxeval-readme-")
try:
    for name in ("checkpoints", "datasets"):
        os.symlink(os.path.join(src, name), os.path.join(tmp, name))
    os.makedirs(os.path.join(tmp, "build"))
    os.symlink(lynxeval, os.path.join(tmp, "build", "lynxeval"))
    blocks = quick_start_blocks(os.path.join(src, "README.md"))
    check(f"the quick start has its blocks ({len(blocks)})", len(blocks) == 2, blocks)
    outputs = []
    for k, block in enumerate(blocks):
        p = subprocess.run(["sh", "-e", "-c", block], cwd=tmp, capture_output=True, text=True)
        outputs.append(p.stdout)
        check(f"README quick start, block {k + 1} runs as written", p.returncode == 0
              and "AddressSanitizer" not in p.stderr and "runtime error" not in p.stderr,
              block + p.stdout[-500:] + p.stderr[-1500:])

    # the hand-made run has the embedded default's settings: an embedded run of its first items
    home = os.path.join(tmp, "home")
    os.makedirs(home)
    p = subprocess.run([lynxeval, "run", "--limit", "8"], cwd=home, capture_output=True, text=True,
                       env=dict(os.environ, LYNXEVAL_HOME=src))
    check("the embedded default, its first 8 items a task", p.returncode == 0, p.stderr[-800:])
    embedded = os.path.join(home, "lynxeval-runs", "world-pt", "open-vqa-image")
    by_hand = os.path.join(tmp, "lynxeval-runs", "quick-pt", "open-vqa-image")
    fa, fb = (json.load(open(os.path.join(d, "fingerprint.json"))) for d in (embedded, by_hand))
    da, db = dict(fa["decoding"]), dict(fb["decoding"])
    # the only difference: the embedded default's decoding comes from its suite, not from flags
    flags = (da.pop("model_default"), db.pop("model_default"))
    check("the hand-made run decodes as the embedded default does (greedy, 24 new tokens at most)",
          da == db and db["strategy"] == "greedy" and db["max_new_tokens"] == 24 and flags == (True, False)
          and fa["model"] == fb["model"] and fa["task"] == fb["task"], (da, db, flags))
    answers = [{json.loads(l)["id"]: json.loads(l)["answer"] for l in open(os.path.join(d, "predictions.jsonl"))}
               for d in (embedded, by_hand)]
    check("... and gives the embedded default's answers to the same questions",
          answers[0] and all(answers[1].get(i) == a for i, a in answers[0].items()), answers[0])
    check("the comparison names both runs and its rows",
          "quick-ca" in outputs[1] and "quick-pt" in outputs[1] and "open-vqa-image" in outputs[1], outputs[1][-800:])
    report = os.path.join(tmp, "lynxeval-runs", "quick.html")
    html = open(report, encoding="utf-8").read() if os.path.exists(report) else ""
    check("the report of both runs, with the answers gallery", "quick-pt" in html and "quick-ca" in html
          and 'id="g-data"' in html, report)
finally:
    shutil.rmtree(tmp)

finish()
