#!/usr/bin/python3
"""The layering test: every #include "dir/file.h" in the sources names its own layer or one that
docs/architecture.md's layer table allows (or an exception the table names for that one file);
and a model family's folder (model/<family>/) is included only by its own files and by the
family table docs/architecture.md names, so nothing else reads a family's config.

  check_layers.py REPO            check the repository; exit 1 listing every forbidden include
  check_layers.py --self-test REPO
                                  check that a forbidden include is caught (a copy of the table
                                  and a source that breaks it, in a scratch directory)
"""
import os
import re
import shutil
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"(([a-z_]+)/[^"]+)"', re.M)
FAMILY_INCLUDE = re.compile(r'^\s*#\s*include\s+"model/([a-z0-9_]+)/[^"]+"', re.M)
FAMILY_RULE = re.compile(r"family folders .*included only by their own files and `([^`]+)`")
NOT_FAMILIES = {"cuda"}  # model/cuda/ is the CUDA backend, not a family
ROW = re.compile(r"^\|\s*`([a-z_]+)/`\s*\|\s*(.*?)\s*\|\s*$")
EXCEPTION = re.compile(r"^([a-z_]+) in `([^`]+)` only$")
HEADER = re.compile(r"^`([a-z_]+/[a-z_0-9]+\.h)`$")


def read_table(repo):
    """{layer: (allowed layers and headers, {layer: allowed file})} from docs/architecture.md."""
    path = os.path.join(repo, "docs", "architecture.md")
    table = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = ROW.match(line)
            if not m:
                continue
            layer, cell = m.group(1), m.group(2)
            allowed, exceptions = set(), {}
            for part in re.split(r"[,;]", cell):
                part = part.strip()
                e, h = EXCEPTION.match(part), HEADER.match(part)
                if e:
                    exceptions[e.group(1)] = e.group(2)
                elif h:
                    allowed.add(h.group(1))
                elif re.fullmatch(r"[a-z_]+", part):
                    allowed.add(part)
                elif part != "nothing else":
                    sys.exit(f"{path}: cannot read the cell '{part}' of layer {layer}")
            table[layer] = (allowed, exceptions)
    if not table:
        sys.exit(f"{path}: no layer table found")
    return table


def sources(top, repo, skip_dirs=()):
    """(path relative to repo, text) of every C, header and CUDA file under top."""
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in skip_dirs and not d.startswith((".", "build"))]
        for name in sorted(files):
            if name.endswith((".c", ".h", ".cu")):
                path = os.path.join(root, name)
                with open(path, encoding="utf-8") as f:
                    yield os.path.relpath(path, repo), f.read()


def read_family_table_file(repo):
    """The one file outside a family's folder that may include it (the family table)."""
    path = os.path.join(repo, "docs", "architecture.md")
    with open(path, encoding="utf-8") as f:
        m = FAMILY_RULE.search(f.read().replace("\n", " "))
    if not m:
        sys.exit(f"{path}: no rule for family folders found")
    return m.group(1)


def check_families(repo, problems):
    table_file = read_family_table_file(repo)
    model = os.path.join(repo, "model")
    families = {d for d in os.listdir(model)
                if os.path.isdir(os.path.join(model, d)) and d not in NOT_FAMILIES} \
        if os.path.isdir(model) else set()
    for rel, text in sources(repo, repo, skip_dirs=("tests",)):
        for m in FAMILY_INCLUDE.finditer(text):
            fam = m.group(1)
            if fam not in families or rel.startswith(f"model/{fam}/") or rel == table_file:
                continue
            line = text.count("\n", 0, m.start()) + 1
            problems.append(f"{rel}:{line}: only model/{fam}/ and {table_file} may include "
                            f"the {fam} family's headers (docs/architecture.md)")


def check(repo):
    table = read_table(repo)
    problems = []
    check_families(repo, problems)
    for layer in sorted(table):
        allowed, exceptions = table[layer]
        for rel, text in sources(os.path.join(repo, layer), repo):
            for m in INCLUDE.finditer(text):
                header, dep = m.group(1), m.group(2)
                if dep == layer or dep in allowed or header in allowed or dep not in table:
                    continue
                if exceptions.get(dep) == rel:
                    continue
                line = text.count("\n", 0, m.start()) + 1
                problems.append(f"{rel}:{line}: {layer}/ may not include {dep}/ "
                                f"(docs/architecture.md allows: {', '.join(sorted(allowed)) or 'nothing'})")
    return table, problems


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--self-test":
        repo = sys.argv[2]
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "docs"))
            shutil.copy(os.path.join(repo, "docs", "architecture.md"), os.path.join(d, "docs"))
            os.makedirs(os.path.join(d, "media"))
            with open(os.path.join(d, "media", "bad.c"), "w") as f:
                f.write('#include "common/error.h"\n#include "model/model.h"\n')
            _, problems = check(d)
            if len(problems) != 1 or "media/bad.c:2: media/ may not include model/" not in problems[0]:
                sys.exit(f"FAIL the forbidden include was not caught as expected: {problems}")
            print("ok   a forbidden include (media/ -> model/) is caught:", problems[0])
            # a family's header included from outside its folder
            os.remove(os.path.join(d, "media", "bad.c"))
            os.makedirs(os.path.join(d, "model", "lynx"))
            os.makedirs(os.path.join(d, "runs"))
            with open(os.path.join(d, "runs", "bad.c"), "w") as f:
                f.write('#include "model/lynx/lynx_config.h"\n')
            _, problems = check(d)
            if len(problems) != 1 or "runs/bad.c:1: only model/lynx/" not in problems[0]:
                sys.exit(f"FAIL the family include was not caught as expected: {problems}")
            print("ok   a family's header included from outside its folder is caught:", problems[0])
        return
    repo = sys.argv[1]
    table, problems = check(repo)
    for p in problems:
        print(p)
    if problems:
        sys.exit(f"FAIL {len(problems)} include(s) break the layers")
    print(f"ok   {len(table)} layers, every include allowed")


if __name__ == "__main__":
    main()
