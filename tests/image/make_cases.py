#!/usr/bin/python3
"""Makes the image test data in tests/image/ (run once; outputs are committed).

  /usr/bin/python3 tests/image/make_cases.py --photos DIR

DIR holds real photos extracted from Debian 12 packages (apt-get download + dpkg -x):
  python3-skimage: chelsea.png, rocket.jpg, palette_color.png, palette_gray.png,
                   no_time_for_that_tiny.gif, truncated.jpg
  python-matplotlib-data: grace_hopper.jpg
  libpng-dev: pngtest.png (interlaced)
Needs python3-pil 9.4, python3-torchvision 0.14, python3-numpy and ImageMagick (convert).

inputs/     the images: those photos plus generated ones covering every PNG colour type and bit
            depth (1/2/4/8/16, palette with out-of-range indices, tRNS, interlaced), JPEG variants
            (baseline 4:2:0, 4:2:2, 4:4:4, progressive, grayscale, CMYK, another encoder, odd
            sizes), GIFs (transparency, interlaced, frame offset inside and overflowing the
            logical screen, animated) and sizes from 1x1 to 4000x3000 and 3000x20, plus broken
            files for the error paths
expected.json
            for each image, what the reference computes with Pillow and torchvision:
            Image.open(f).convert("RGB") (size and sha256 of the RGB bytes), then for S in
            (70, 420) transforms.Resize(S, BICUBIC) + CenterCrop(S) (sha256 of the uint8 result
            and a few sample pixels) and, for S = 70, ToTensor + Normalize with Lynx's mean and
            std (sha256 of the float32 bytes); for a broken file, Pillow's error
"""
import argparse
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import zlib

import numpy as np
import torch
from PIL import Image
from torchvision import transforms
from torchvision.transforms import InterpolationMode

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = os.path.join(HERE, "inputs")
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)
SIZES = (70, 420)


def content(w, h, seed, channels=3):
    """Smooth, varied content (gradients, waves, a little noise) that compresses well."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    out = []
    for c in range(channels):
        fx, fy = rng.uniform(0.5, 6.0, 2) * 2 * np.pi
        # Noise in 8x8 blocks: sharp edges for the resampler, few bytes for the file.
        blocks = rng.normal(0, 8, (h // 8 + 1, w // 8 + 1))
        noise = np.kron(blocks, np.ones((8, 8)))[:h, :w]
        v = (127.5 + 90 * np.sin(fx * x / max(w, 1) + c) * np.cos(fy * y / max(h, 1))
             + 40 * (x / max(w, 1) - 0.5) + noise)
        out.append(np.clip(v, 0, 255).astype(np.uint8))
    return np.stack(out, axis=-1) if channels > 1 else out[0]


def save_pil(name, im, **kw):
    im.save(os.path.join(INPUTS, name), **kw)


def magick(name, *args):
    subprocess.run(["convert", *args, os.path.join(INPUTS, name)], check=True)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_palette_out_of_range(name):
    """8-bit palette PNG with a 4-entry PLTE and indices up to 250 (Pillow maps them through its
    grey ramp)."""
    w, h = 40, 30
    idx = (np.arange(w * h).reshape(h, w) * 7 % 251).astype(np.uint8)
    raw = b"".join(b"\x00" + idx[y].tobytes() for y in range(h))
    data = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
            + png_chunk(b"PLTE", bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]))
            + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))
    with open(os.path.join(INPUTS, name), "wb") as f:
        f.write(data)


def gif_with_offset(name, frame_size, offset, screen):
    """A single-frame GIF whose frame sits at `offset` on a logical screen of `screen` (patched
    into Pillow's output)."""
    im = Image.fromarray(content(*frame_size, seed=31)).convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    buf = io.BytesIO()
    im.save(buf, format="GIF", transparency=5)
    b = bytearray(buf.getvalue())
    b[6:10] = struct.pack("<HH", *screen)
    # Walk to the image descriptor: header 13 bytes + global table, then extensions.
    pos = 13 + (3 << ((b[10] & 7) + 1) if b[10] & 0x80 else 0)
    while b[pos] == 0x21:
        pos += 2
        while b[pos]:
            pos += b[pos] + 1
        pos += 1
    assert b[pos] == 0x2C
    b[pos + 1:pos + 5] = struct.pack("<HH", *offset)
    with open(os.path.join(INPUTS, name), "wb") as f:
        f.write(bytes(b))


def make_inputs(photos):
    if os.path.isdir(INPUTS):
        shutil.rmtree(INPUTS)
    os.makedirs(INPUTS)
    for f in ("chelsea.png", "rocket.jpg", "palette_color.png", "palette_gray.png",
              "no_time_for_that_tiny.gif", "truncated.jpg", "grace_hopper.jpg", "pngtest.png"):
        shutil.copy(os.path.join(photos, f), os.path.join(INPUTS, f))
    rgb = lambda w, h, s=1: Image.fromarray(content(w, h, s))
    # PNG: every colour type and bit depth.
    save_pil("png-rgb8-421x419.png", rgb(421, 419))
    save_pil("png-rgba8-300x200.png", Image.fromarray(np.dstack([content(300, 200, 2), content(300, 200, 3, 1)])))
    save_pil("png-gray8-123x457.png", Image.fromarray(content(123, 457, 4, 1)))
    save_pil("png-graya8-64x48.png", Image.fromarray(np.dstack([content(64, 48, 5, 1), content(64, 48, 6, 1)]), "LA"))
    save_pil("png-gray1-97x61.png", Image.fromarray(content(97, 61, 7, 1)).convert("1"))
    save_pil("png-gray16-80x60.png", Image.fromarray((content(80, 60, 8, 1).astype(np.uint16) * 5), "I;16"))
    save_pil("png-p8-200x150.png", rgb(200, 150, 9).convert("P", palette=Image.Palette.ADAPTIVE, colors=200))
    save_pil("png-p4-50x50.png", rgb(50, 50, 10).convert("P", palette=Image.Palette.ADAPTIVE, colors=16), bits=4)
    save_pil("png-p1-33x17.png", rgb(33, 17, 11).convert("P", palette=Image.Palette.ADAPTIVE, colors=2), bits=1)
    save_pil("png-p-trns-60x40.png", rgb(60, 40, 12).convert("P", palette=Image.Palette.ADAPTIVE, colors=32), transparency=3)
    save_pil("png-rgb-trns-60x40.png", rgb(60, 40, 13), transparency=(10, 20, 30))
    png_palette_out_of_range("png-p-out-of-range-40x30.png")
    base = os.path.join(INPUTS, "png-rgb8-421x419.png")
    magick("png-rgb16-421x419.png", base, "-depth", "16", "-define", "png:color-type=2")
    magick("png-rgba16-300x200.png", os.path.join(INPUTS, "png-rgba8-300x200.png"), "-depth", "16",
           "-define", "png:color-type=6")
    magick("png-graya16-64x48.png", os.path.join(INPUTS, "png-graya8-64x48.png"), "-depth", "16",
           "-define", "png:color-type=4")
    magick("png-gray2-90x70.png", os.path.join(INPUTS, "png-gray8-123x457.png"), "-resize", "90x70!",
           "-define", "png:color-type=0", "-define", "png:bit-depth=2")
    magick("png-gray4-90x70.png", os.path.join(INPUTS, "png-gray8-123x457.png"), "-resize", "90x70!",
           "-define", "png:color-type=0", "-define", "png:bit-depth=4")
    magick("png-interlaced-257x129.png", base, "-resize", "257x129!", "-interlace", "PNG")
    # Sizes: tiny, thin, exactly the target, huge upscale and downscale, very wide.
    save_pil("png-1x1.png", rgb(1, 1, 14))
    save_pil("png-2x3.png", rgb(2, 3, 15))
    save_pil("png-1x300.png", rgb(1, 300, 16))
    save_pil("png-300x1.png", rgb(300, 1, 17))
    save_pil("png-420x600.png", rgb(420, 600, 18))
    save_pil("png-700x420.png", rgb(700, 420, 19))
    save_pil("png-50x30.png", rgb(50, 30, 20))
    save_pil("jpeg-3000x20.jpg", rgb(3000, 20, 21), quality=85)
    save_pil("jpeg-4000x3000.jpg", rgb(4000, 3000, 22), quality=60)
    # JPEG variants.
    save_pil("jpeg-420-q90-1001x667.jpg", rgb(1001, 667, 23), quality=90, subsampling=2)
    save_pil("jpeg-422-333x250.jpg", rgb(333, 250, 24), quality=90, subsampling=1)
    save_pil("jpeg-444-333x250.jpg", rgb(333, 250, 25), quality=95, subsampling=0)
    save_pil("jpeg-progressive-640x480.jpg", rgb(640, 480, 26), quality=80, progressive=True)
    save_pil("jpeg-gray-211x307.jpg", Image.fromarray(content(211, 307, 27, 1)), quality=85)
    save_pil("jpeg-cmyk-150x100.jpg", rgb(150, 100, 28).convert("CMYK"), quality=90)
    save_pil("jpeg-1x1.jpg", rgb(1, 1, 29), quality=90)
    save_pil("jpeg-17x17.jpg", rgb(17, 17, 30), quality=90)
    magick("jpeg-magick-251x199.jpg", base, "-resize", "251x199!", "-quality", "85", "-sampling-factor", "4:2:0")
    magick("jpeg-magick-restart-300x300.jpg", base, "-resize", "300x300!", "-define", "jpeg:restart-interval=3")
    # GIF.
    save_pil("gif-p-120x90.gif", rgb(120, 90, 32).convert("P", palette=Image.Palette.ADAPTIVE, colors=128))
    save_pil("gif-gray-77x55.gif", Image.fromarray(content(77, 55, 33, 1)))
    magick("gif-interlaced-130x70.gif", base, "-resize", "130x70!", "-interlace", "GIF")
    gif_with_offset("gif-offset-inside.gif", (30, 20), (5, 3), (50, 40))
    gif_with_offset("gif-offset-overflow.gif", (30, 20), (25, 30), (40, 35))
    frames = [rgb(64, 48, s).convert("P", palette=Image.Palette.ADAPTIVE, colors=64) for s in (34, 35, 36)]
    frames[0].save(os.path.join(INPUTS, "gif-animated-64x48.gif"), save_all=True, append_images=frames[1:])
    # Broken files.
    with open(os.path.join(INPUTS, "jpeg-progressive-640x480.jpg"), "rb") as f:
        data = f.read()
    with open(os.path.join(INPUTS, "broken-truncated.jpg"), "wb") as f:
        f.write(data[: len(data) // 3])
    with open(os.path.join(INPUTS, "png-p8-200x150.png"), "rb") as f:
        data = f.read()
    with open(os.path.join(INPUTS, "broken-truncated.png"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(INPUTS, "gif-p-120x90.gif"), "rb") as f:
        data = f.read()
    with open(os.path.join(INPUTS, "broken-truncated.gif"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(INPUTS, "broken-not-an-image.jpg"), "wb") as f:
        f.write(b"this is a text file pretending to be a JPEG\n")
    with open(os.path.join(INPUTS, "broken-empty.png"), "wb") as f:
        pass
    Image.fromarray(content(20, 20, 37)).save(os.path.join(INPUTS, "unsupported.bmp"))


def sha(b):
    return hashlib.sha256(b).hexdigest()


def expected_for(path):
    if path.endswith(".bmp"):
        return {"unsupported": "BMP"}  # Pillow reads it; lynxeval refuses formats beyond PNG/JPEG/GIF
    try:
        im = Image.open(path).convert("RGB")
    except Exception as e:  # what Pillow says about a broken file
        # the message names the file; keep only its base name so the record holds no local paths
        msg = str(e).replace(path, os.path.basename(path))
        return {"error": f"{type(e).__name__}: {msg}"}
    arr = np.asarray(im)
    entry = {"width": im.width, "height": im.height, "rgb_sha256": sha(arr.tobytes()), "sizes": {}}
    for S in SIZES:
        resize_crop = transforms.Compose([
            transforms.Resize(size=S, interpolation=InterpolationMode.BICUBIC, max_size=None, antialias=None),
            transforms.CenterCrop(size=(S, S))])
        out = np.asarray(resize_crop(im))
        pts = [(0, 0), (S // 2, S // 3), (S - 1, S - 1), (S // 5, S - 2), (S - 3, 1)]
        item = {"crop_sha256": sha(out.tobytes()),
                "samples": [[y, x] + [int(v) for v in out[y, x]] for y, x in pts]}
        if S == 70:
            t = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])(Image.fromarray(out))
            item["tensor_sha256"] = sha(t.numpy().astype("<f4").tobytes())
        entry["sizes"][str(S)] = item
    return entry


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    make_inputs(args.photos)
    cases = {}
    for name in sorted(os.listdir(INPUTS)):
        cases[name] = expected_for(os.path.join(INPUTS, name))
    import PIL
    import torchvision
    doc = {"pillow": PIL.__version__, "torchvision": torchvision.__version__, "torch": torch.__version__,
           "mean": MEAN, "std": STD, "sizes": SIZES, "images": cases}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(doc, f, indent=1)
    ok = sum(1 for c in cases.values() if "error" not in c)
    print(f"{len(cases)} images ({ok} decodable, {len(cases) - ok} broken)")


if __name__ == "__main__":
    main()
