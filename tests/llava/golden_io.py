"""What the golden makers share (make_golden.py, make_oracle.py, make_oracle_v1.py): their
command line and the one file they write, tests/llava/golden.json, whose sections each maker
replaces on its own."""
import argparse
import json


def arguments(doc, *extra):
    """The makers' common flags (--llava-repo, --release, --golden) and `extra` ones."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--llava-repo", required=True, help="a checkout of haotian-liu/LLaVA")
    ap.add_argument("--release", required=True, help="the tiny release (llava_release.py)")
    ap.add_argument("--golden", required=True, help="tests/llava/golden.json")
    for name, help_ in extra:
        ap.add_argument(name, help=help_)
    return ap.parse_args()


def floats(t):
    """A tensor's values as a flat list of Python floats."""
    return [float(x) for x in t.detach().double().flatten()]


def write_sections(path, sections, keep_others=True):
    """Writes `sections` into the golden file, keeping its other sections."""
    golden = {}
    if keep_others:
        try:
            golden = json.load(open(path))
        except FileNotFoundError:
            pass
    golden.update(sections)
    with open(path, "w") as f:
        json.dump(golden, f, indent=1, ensure_ascii=False)
        f.write("\n")
