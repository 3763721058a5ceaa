#!/usr/bin/python3
"""Makes the video test data in tests/video/ (run once; outputs are committed).

  /usr/bin/python3 tests/video/make_cases.py

Needs Debian's ffmpeg (the command), python3-pil 9.4, python3-torchvision 0.14, python3-numpy.

inputs/      small videos made with ffmpeg (H.264 in MP4, MPEG-4 in AVI, VP9 in WebM, full-range
             MJPEG, a BT.709-tagged stream, a 3-frame clip), a directory of frame images, the
             reference's JSON list of base64 frames, and broken inputs (audio only, a text file,
             a truncated MP4, an empty list, bad base64, a single image instead of a list)
expected.json
  decoded    for each video file, the SHA-256 of every frame as `ffmpeg -i F -f rawvideo
             -pix_fmt rgb24` gives it
  sources    for each source and deterministic frame rule: the frames chosen (the reference's
             sample_frame_ids with training=False for segment-start; the middle of each segment for
             segment-middle) and the SHA-256 of the float32 tensor [5, 3, 70, 70] the reference's
             video_transform (Resize, CenterCrop, ToTensor, Normalize) gives those frames
  errors     for each broken input, a phrase lynxeval's message must contain
  rules      the frames both deterministic rules choose for 1..60 source frames
  by_arch    for other processors, "decoded" and "sources" again as that processor's ffmpeg
             gives them: libswscale converts YUV to RGB with code of its own per processor, and
             the last bit of a pixel differs between them (lynxeval matches the ffmpeg of the
             machine it runs on). Added without touching the inputs or the rest:

  /usr/bin/python3 tests/video/make_cases.py --arch aarch64 --ffmpeg-prefix "qemu-aarch64 -L /" \
      --ffmpeg-dir DIR      (DIR holding Debian 12's arm64 ffmpeg and ffprobe, e.g. unpacked from
                             the packages with the libraries they need on LD_LIBRARY_PATH)
"""
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess

import numpy as np
import torch
from PIL import Image
from torchvision import transforms
from torchvision.transforms import InterpolationMode

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = os.path.join(HERE, "inputs")
S, K = 70, 5
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


# The ffmpeg and ffprobe commands: the machine's own, or another processor's (--arch).
FFMPEG, FFPROBE = ["ffmpeg"], ["ffprobe"]


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def decode_rgb(path):
    info = subprocess.run(FFPROBE + ["-v", "error", "-select_streams", "v:0", "-show_entries",
                           "stream=width,height", "-of", "csv=p=0", path],
                          capture_output=True, text=True, check=True).stdout.strip().split(",")
    w, h = int(info[0]), int(info[1])
    raw = subprocess.run(FFMPEG + ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    n = len(raw) // (w * h * 3)
    return [np.frombuffer(raw[i * w * h * 3:(i + 1) * w * h * 3], np.uint8).reshape(h, w, 3) for i in range(n)]


def sample_frame_ids(nf, ns):
    """The reference's dataset/utils.py sample_frame_ids with training=False."""
    if nf <= ns:
        return sorted(idx % nf for idx in range(ns))
    stride = nf // ns
    strides = np.array([stride] * ns) + np.array([1] * (nf - ns * stride) + [0] * (ns * (stride + 1) - nf))
    out, cursor = [], 0
    for s in strides:
        out.append(cursor)
        cursor += int(s)
    return out


def middle_ids(nf, ns):
    if nf <= ns:
        return sample_frame_ids(nf, ns)
    stride = nf // ns
    strides = [stride + (1 if i < nf - ns * stride else 0) for i in range(ns)]
    out, cursor = [], 0
    for s in strides:
        out.append(cursor + s // 2)
        cursor += s
    return out


video_transform = transforms.Compose([
    transforms.Resize(size=S, interpolation=InterpolationMode.BICUBIC, max_size=None, antialias=None),
    transforms.CenterCrop(size=(S, S)), transforms.ToTensor(), transforms.Normalize(MEAN, STD)])


def tensor_sha(images):
    t = torch.stack([video_transform(im.convert("RGB")) for im in images])
    return hashlib.sha256(t.numpy().astype("<f4").tobytes()).hexdigest()


def main():
    torch.set_num_threads(1)
    if os.path.isdir(INPUTS):
        shutil.rmtree(INPUTS)
    os.makedirs(INPUTS)
    p = lambda n: os.path.join(INPUTS, n)
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10", "-frames:v", "23", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-bf", "2", p("h264-96x64-23f.mp4"))
    ffmpeg("-f", "lavfi", "-i", "mandelbrot=size=50x36:rate=8", "-frames:v", "12", "-c:v", "mpeg4",
           "-q:v", "4", p("mpeg4-50x36-12f.avi"))
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=40x30:rate=5", "-frames:v", "9", "-c:v", "libvpx-vp9",
           "-b:v", "100k", p("vp9-40x30-9f.webm"))
    ffmpeg("-f", "lavfi", "-i", "smptebars=size=64x48:rate=5", "-frames:v", "6", "-c:v", "mjpeg",
           "-pix_fmt", "yuvj422p", p("mjpeg-fullrange-64x48-6f.avi"))
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=80x60:rate=10", "-frames:v", "11", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
           p("h264-bt709-80x60-11f.mp4"))
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64:rate=10", "-frames:v", "3", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", p("h264-3f.mp4"))
    # Broken inputs.
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=0.5", "-c:a", "aac", p("broken-audio-only.m4a"))
    with open(p("broken-text.mp4"), "w") as f:
        f.write("not a video\n")
    with open(p("h264-96x64-23f.mp4"), "rb") as f:
        data = f.read()
    with open(p("broken-truncated.mp4"), "wb") as f:
        f.write(data[: len(data) // 3])
    # A frame directory (names that sort differently as text and as numbers) and the reference's
    # JSON list of base64 frames.
    frames = decode_rgb(p("mpeg4-50x36-12f.avi"))
    os.makedirs(p("frames-dir"))
    for i, fr in enumerate(frames):
        Image.fromarray(fr).save(p(f"frames-dir/frame{i + 1}.{'png' if i % 2 else 'jpg'}"), quality=90)
    with open(p("frames-dir/notes.txt"), "w") as f:
        f.write("not a frame\n")
    frames_b64 = []
    for fr in decode_rgb(p("vp9-40x30-9f.webm")):
        buf = io.BytesIO()
        Image.fromarray(fr).save(buf, format="JPEG", quality=90)
        frames_b64.append(base64.b64encode(buf.getvalue()).decode())
    with open(p("frames.json"), "w") as f:
        json.dump(frames_b64, f)
    with open(p("broken-single-image.json"), "w") as f:
        json.dump(frames_b64[0], f)
    with open(p("broken-empty.json"), "w") as f:
        json.dump([], f)
    with open(p("broken-bad-base64.json"), "w") as f:
        json.dump(["!!!not base64!!!", frames_b64[1]], f)

    decoded, sources = {}, {}
    for name in sorted(os.listdir(INPUTS)):
        if name.startswith(("broken", "frames")):
            continue
        frs = decode_rgb(p(name))
        decoded[name] = [hashlib.sha256(fr.tobytes()).hexdigest() for fr in frs]
        images = [Image.fromarray(fr) for fr in frs]
        sources[name] = rule_entries(images)
    # The directory, in natural order: frame1, frame2, ..., frame12.
    names = sorted(os.listdir(p("frames-dir")))
    names = sorted((n for n in names if n != "notes.txt"), key=lambda n: int(n[5:].split(".")[0]))
    sources["frames-dir"] = rule_entries([Image.open(p("frames-dir/" + n)) for n in names])
    sources["frames.json"] = rule_entries([Image.open(io.BytesIO(base64.b64decode(b))) for b in frames_b64])
    errors = {
        "broken-audio-only.m4a": "no video stream",
        "broken-text.mp4": "not a video file",
        "broken-truncated.mp4": "",
        "broken-single-image.json": "not a list of video frames",
        "broken-empty.json": "the frame list is empty",
        "broken-bad-base64.json": "frame 0",
    }
    rules = {str(n): {"segment-start": sample_frame_ids(n, K), "segment-middle": middle_ids(n, K)}
             for n in range(1, 61)}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump({"size": S, "frames": K, "mean": MEAN, "std": STD, "decoded": decoded,
                   "sources": sources, "errors": errors, "rules": rules}, f, indent=1)
    print(f"{len(decoded)} video files, {len(sources)} sources, {len(errors)} broken inputs")


def rule_entries(images):
    n = len(images)
    out = {"source_frames": n}
    for rule, ids in (("segment-start", sample_frame_ids(n, K)), ("segment-middle", middle_ids(n, K))):
        out[rule] = {"frame_ids": ids, "tensor_sha256": tensor_sha([images[i] for i in ids])}
    return out


def add_arch(arch):
    """expected.json's by_arch[arch]: the video files' frames and tensors as FFMPEG decodes them."""
    path = os.path.join(HERE, "expected.json")
    with open(path) as f:
        expected = json.load(f)
    decoded, sources = {}, {}
    for name in sorted(expected["decoded"]):
        frs = decode_rgb(os.path.join(INPUTS, name))
        decoded[name] = [hashlib.sha256(fr.tobytes()).hexdigest() for fr in frs]
        sources[name] = rule_entries([Image.fromarray(fr) for fr in frs])
    differ = sum(decoded[n] != expected["decoded"][n] for n in decoded)
    expected.setdefault("by_arch", {})[arch] = {"decoded": decoded, "sources": sources}
    with open(path, "w") as f:
        json.dump(expected, f, indent=1)
    print(f"{arch}: {len(decoded)} video files, {differ} decoded differently than on this machine")


if __name__ == "__main__":
    import argparse
    import shlex
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", help="add by_arch[ARCH] from another processor's ffmpeg")
    ap.add_argument("--ffmpeg-prefix", default="", help="command that runs it (an emulator)")
    ap.add_argument("--ffmpeg-dir", help="the folder holding that ffmpeg and ffprobe")
    a = ap.parse_args()
    if a.arch:
        prefix = shlex.split(a.ffmpeg_prefix)
        FFMPEG[:] = prefix + [os.path.join(a.ffmpeg_dir, "ffmpeg")]
        FFPROBE[:] = prefix + [os.path.join(a.ffmpeg_dir, "ffprobe")]
        add_arch(a.arch)
    else:
        main()
