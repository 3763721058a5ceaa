"""Helpers shared by lynxeval's Python test scripts: checks that print and count, running the
binary, and reading the PNG files lynxeval writes and the tests ship (no third-party modules:
the tests run on Debian's python3 alone).

A script imports it with
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
    from lxtest import check, finish
and ends with finish(), which exits 1 if any check failed.
"""
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

failures = 0


def check(name, ok, detail=""):
    """Prints "ok   name" or "FAIL name: detail" and counts the failure."""
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    failures += not ok
    return ok


def finish():
    """Prints the number of failures and exits with 1 if there were any."""
    print(f"{failures} failures")
    sys.exit(1 if failures else 0)


def small_open_vqa(data, src):
    """Lays out the small Open-VQA set (12 image and 4 video questions over the test images and
    videos) in the folder data, as the open-vqa-image and open-vqa-video datasets expect it."""
    import os
    os.makedirs(data, exist_ok=True)
    here = os.path.join(src, "tests", "runs")
    shutil.copy(os.path.join(here, "open_vqa_images_small.jsonl"), os.path.join(data, "Open_VQA_images.jsonl"))
    shutil.copy(os.path.join(here, "open_vqa_videos_small.jsonl"), os.path.join(data, "Open_VQA_videos.jsonl"))
    os.symlink(os.path.join(src, "tests", "image", "inputs"), os.path.join(data, "images"))
    os.symlink(os.path.join(src, "tests", "video", "inputs"), os.path.join(data, "videos"))


def replicate_run(run_dir, task, out, n, n_images):
    """A run directory `out` holding only `task`, with n items made from the run's own: its rows
    repeated with new ids (1..n), asking about n_images images of the world in turn
    (images/scene_00001.png, ...). For reports of runs far larger than the tests can answer."""
    import os
    os.makedirs(os.path.join(out, task))
    for name in ("fingerprint.json", "aggregate.json"):
        shutil.copy(os.path.join(run_dir, task, name), os.path.join(out, task, name))
    manifest = json.load(open(os.path.join(run_dir, "manifest.json")))
    manifest["tasks"] = {task: manifest["tasks"][task]}
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    preds = [json.loads(l) for l in open(os.path.join(run_dir, task, "predictions.jsonl"))]
    scores = [json.loads(l) for l in open(os.path.join(run_dir, task, "scores.jsonl"))]
    with open(os.path.join(out, task, "predictions.jsonl"), "w") as fp, \
            open(os.path.join(out, task, "scores.jsonl"), "w") as fs:
        for i in range(n):
            pr, sc = dict(preds[i % len(preds)]), dict(scores[i % len(scores)])
            pr["id"] = sc["id"] = str(i + 1)
            pr["media"] = f"images/scene_{i % n_images + 1:05d}.png"
            fp.write(json.dumps(pr) + "\n")
            fs.write(json.dumps(sc) + "\n")


def send_json(handler, status, obj):
    """Answers an http.server request with obj as JSON (the tests' fake judge endpoints)."""
    data = json.dumps(obj).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def run_in_tmpdir(run, prefix):
    """run(a new temporary directory), the directory removed afterwards whatever happens; then
    finish()."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


def runner(binary):
    """A function running `binary ARGS...` and returning the completed process (text output)."""
    def lx(*args, env=None):
        return subprocess.run([binary, *args], capture_output=True, text=True, env=env)
    return lx


def read_png(path):
    """(width, height, rows) of an 8-bit RGB or RGBA PNG, rows as lists of (r, g, b) tuples."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG file")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or color not in (2, 6) or interlace:
                raise ValueError(f"{path}: only 8-bit RGB or RGBA, not interlaced")
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * channels:x * channels + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def preprocess_mismatches(lx, model_dir, config, cases, image_dir, tmp, copy=()):
    """Writes `config` (a config.json dict) into a fresh directory under tmp (with the files named
    in copy taken from model_dir), runs `lynxeval preprocess` with it on each case's image and
    compares the output's sha256 with the case's. Returns (cases run, mismatch descriptions)."""
    import hashlib
    import json
    import os
    import shutil
    import tempfile
    d = tempfile.mkdtemp(prefix="pp-", dir=tmp)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f)
    for name in copy:
        shutil.copy(os.path.join(model_dir, name), d)
    bad, out = [], os.path.join(d, "pixels.f32")
    for case in cases:
        q = lx("preprocess", "--model", d, "--image", os.path.join(image_dir, case["image"]), "--out", out)
        h = hashlib.sha256(open(out, "rb").read()).hexdigest() if q.returncode == 0 else q.stderr
        if h != case["sha256"]:
            bad.append(f"{case['image']} at {case['size']}: {h[:80]}")
    return len(cases), bad
