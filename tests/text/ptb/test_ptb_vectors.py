#!/usr/bin/python3
"""lynxeval's PTB tokenizer against the real one: every vector batch in vectors/ (made by
make_vectors.py from pycocoevalcap's PTBTokenizer and the Java tokenizer it runs) through
`lynxeval tokenize --captions`, both what pycocoevalcap returns ("coco") and the Java output
with every token ("java", --keep-punctuation). Every caption must match exactly, and every rule
of the lexer must have matched somewhere (--rule-counts).

  test_ptb_vectors.py LYNXEVAL [VECTOR_DIR]
"""
import glob
import gzip
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


import re

RULE_LINE = re.compile(r"^rule +(\d+) +(\d+)  (.*)$")


def tokenize(lynxeval, captions, keep_punctuation, hits=None):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "captions.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(captions, f, ensure_ascii=False)
        cmd = [lynxeval, "tokenize", "--captions", path]
        if keep_punctuation:
            cmd.append("--keep-punctuation")
        if hits is not None:
            cmd.append("--rule-counts")
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            sys.exit(f"FAIL {' '.join(cmd)}: exit {p.returncode}: {p.stderr.decode()[:500]}")
        for line in p.stderr.decode().splitlines():
            m = RULE_LINE.match(line)
            if m and hits is not None:
                r = int(m.group(1))
                hits[r] = (hits.get(r, (0, m.group(3)))[0] + int(m.group(2)), m.group(3))
        return json.loads(p.stdout)


def main():
    lynxeval = sys.argv[1]
    vector_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "vectors")
    files = sorted(glob.glob(os.path.join(vector_dir, "*.json.gz")))
    if not files:
        sys.exit(f"FAIL no vectors in {vector_dir}")
    total = failures = 0
    hits = {}
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            batches = json.load(f)
        n = bad = 0
        for b in batches:
            for key, keep in (("java", True), ("coco", False)):
                got = tokenize(lynxeval, b["captions"], keep, None if keep else hits)
                want = b[key]
                if len(got) != len(want):
                    sys.exit(f"FAIL {path}: {len(got)} lines for {len(want)} captions")
                for i, (g, w) in enumerate(zip(got, want)):
                    if g != w:
                        bad += 1
                        if bad <= 10:
                            print(f"  {os.path.basename(path)} [{key}] caption {i}: {b['captions'][i]!r}\n"
                                  f"    want {w!r}\n    got  {g!r}")
            n += len(b["captions"])
        print(f"{os.path.basename(path)}: {n} captions, {bad} differences")
        total += n
        failures += bad
    print(f"{total} captions in {len(files)} files, {failures} differences")
    unused = [f"rule {r}: {text}" for r, (n, text) in sorted(hits.items()) if n == 0]
    if not hits:
        sys.exit("FAIL --rule-counts printed no rules")
    print(f"{len(hits) - len(unused)} of {len(hits)} lexer rules matched at least once")
    for u in unused:
        print("  never matched:", u)
    if failures or unused:
        sys.exit(1)


if __name__ == "__main__":
    main()
