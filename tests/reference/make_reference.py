#!/usr/bin/env python3
"""Makes the fake Lynx release and the golden outputs lynxeval's model tests compare against.

  make_reference.py release --out DIR [--preset tiny|medium]
                                               write the fake release (deterministic); the tests
                                               and goldens use tiny, medium is for measurements
  make_reference.py golden --release DIR --out GOLDEN
                                               run the reference model on it, write golden files
  make_reference.py check --release DIR --golden GOLDEN [--recompute]
                                               check the release is the one GOLDEN was made from;
                                               with --recompute, also recompute every golden output
                                               and compare (reproducibility)

Golden files are raw little-endian float32; GOLDEN/manifest.json lists every case: which model
(pt, pt-bf16, pt-override, ca), which media and token rows, the output file and its shape.
Run it with Debian's python3 (python3-torch, python3-yaml).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_release  # noqa: E402
import lynx_reference  # noqa: E402

SEED = 1234
# Token rows (ids < 320, the fake vocabulary): a longer and a shorter prompt.
PROMPT_A = [1, 263, 310, 296, 266, 13, 300, 301, 283, 63, 77, 13, 302, 300]
PROMPT_B = [1, 299, 305, 13, 302]
NEXT_TOKEN = 311


def pixels(seed, frames, size):
    g = torch.Generator()
    g.manual_seed(seed)
    return torch.randn(frames, 3, size, size, generator=g)


def save(path, t):
    np.asarray(t.detach().contiguous().float().numpy(), dtype="<f4").tofile(path)


def round_to_bf16(model):
    """Rounds every parameter to bf16 (the RoPE tables are computed at run time and stay f32)."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.bfloat16().float())
    return model


def compute(release):
    """Every golden case: (name, tensor, case description)."""
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    pt = lynx_reference.Lynx(release, vit_layers=fake_release.TINY["vit_layers"])
    S = pt.cfg["image_res"]
    img = pixels(7, 1, S)
    vid = pixels(8, fake_release.TINY["num_frames"], S)
    inputs = {"pixels_image.f32": img, "pixels_video.f32": vid}
    vit_img, media_img = pt.media(img)
    vit_vid, media_vid = pt.media(vid)
    cases = []

    def case(name, model, kind, tensor, rows=None, media=None):
        cases.append(({"name": name, "model": model, "kind": kind, "output": name + ".f32",
                       "shape": list(tensor.shape), "rows": rows, "media": media}, tensor))

    case("vit_image", "pt", "vit", vit_img, media="pixels_image.f32")
    case("vit_video", "pt", "vit", vit_vid, media="pixels_video.f32")
    case("resampler_image", "pt", "media", media_img[0], media="pixels_image.f32")
    case("resampler_video", "pt", "media", media_vid[0], media="pixels_video.f32")

    def logits(model, name, model_name, rows_spec, media):
        """media: pixels file name -> that model's resampler output [1, L, D]."""
        rows = [(media[m] if m else None, ids) for m, ids in rows_spec]
        case(name, model_name, "logits", model.logits(rows),
             rows=[{"media": m, "tokens": ids} for m, ids in rows_spec])

    def media_of(model):
        return {"pixels_image.f32": model.media(img)[1], "pixels_video.f32": model.media(vid)[1]}

    pt_media = {"pixels_image.f32": media_img, "pixels_video.f32": media_vid}
    logits(pt, "logits_image_text", "pt", [("pixels_image.f32", PROMPT_A)], pt_media)
    logits(pt, "logits_video_text", "pt", [("pixels_video.f32", PROMPT_A)], pt_media)
    logits(pt, "logits_text", "pt", [(None, PROMPT_A)], pt_media)
    logits(pt, "logits_batch", "pt", [("pixels_image.f32", PROMPT_A), ("pixels_video.f32", PROMPT_B)], pt_media)
    logits(pt, "logits_text_batch", "pt", [(None, PROMPT_A), (None, PROMPT_B)], pt_media)
    logits(pt, "logits_image_text_next", "pt", [("pixels_image.f32", PROMPT_A + [NEXT_TOKEN])], pt_media)

    ca = lynx_reference.Lynx(release, yaml_name="LYNX_CA.yaml", lynx_name="finetune_lynx_ca.pt",
                             vit_layers=fake_release.TINY["vit_layers"])
    ca_media = media_of(ca)
    assert all(torch.equal(ca_media[k], pt_media[k]) for k in pt_media)
    logits(ca, "logits_ca_image_text", "ca", [("pixels_image.f32", PROMPT_A)], ca_media)
    logits(ca, "logits_ca_batch", "ca", [("pixels_image.f32", PROMPT_A), ("pixels_video.f32", PROMPT_B)], ca_media)

    # Lynx tensors overriding the EVA and LLaMA files (vision_encoder.*, LLM.*).
    ov = lynx_reference.Lynx(release, lynx_name="finetune_lynx_override.pt",
                             vit_layers=fake_release.TINY["vit_layers"])
    vit_ov = ov.vit(img)
    assert not torch.allclose(vit_ov, vit_img)
    case("vit_image_override", "pt-override", "vit", vit_ov, media="pixels_image.f32")
    logits(ov, "logits_override_image_text", "pt-override", [("pixels_image.f32", PROMPT_A)], media_of(ov))

    # The same computation with every weight rounded to bf16 first: what a bf16 conversion must
    # reproduce (to float32 rounding), as opposed to the float32 goldens it only approximates.
    bf = round_to_bf16(lynx_reference.Lynx(release, vit_layers=fake_release.TINY["vit_layers"]))
    bf_media = media_of(bf)
    logits(bf, "logits_image_text_bf16", "pt-bf16", [("pixels_image.f32", PROMPT_A)], bf_media)
    logits(bf, "logits_batch_bf16", "pt-bf16", [("pixels_image.f32", PROMPT_A), ("pixels_video.f32", PROMPT_B)], bf_media)
    return inputs, cases


def cmd_release(args):
    digest = fake_release.write_release(args.out, seed=SEED, d=fake_release.PRESETS[args.preset])
    with open(os.path.join(args.out, "release.json"), "w") as f:
        json.dump({"seed": SEED, "preset": args.preset, "tensors_sha256": digest}, f, indent=2)
    print(f"fake release written to {args.out} (tensors sha256 {digest[:16]}...)")


def release_digest(release):
    with open(os.path.join(release, "release.json")) as f:
        return json.load(f)["tensors_sha256"]


def cmd_golden(args):
    os.makedirs(args.out, exist_ok=True)
    inputs, cases = compute(args.release)
    for name, t in inputs.items():
        save(os.path.join(args.out, name), t)
    for desc, t in cases:
        save(os.path.join(args.out, desc["output"]), t)
    manifest = {
        "about": "Golden outputs of tests/reference/lynx_reference.py on the fake release of "
                 "tests/reference/fake_release.py; see tests/reference/README.md.",
        "release_tensors_sha256": release_digest(args.release),
        "torch_version": torch.__version__,
        "vit_layers": fake_release.TINY["vit_layers"],
        "inputs": {n: list(t.shape) for n, t in inputs.items()},
        "cases": [d for d, _ in cases],
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"{len(cases)} golden cases written to {args.out}")


def cmd_check(args):
    with open(os.path.join(args.golden, "manifest.json")) as f:
        manifest = json.load(f)
    have, want = release_digest(args.release), manifest["release_tensors_sha256"]
    if have != want:
        print(f"the fake release in {args.release} (tensors {have[:16]}) is not the one the golden "
              f"files were made from ({want[:16]}); torch's random generator may have changed. "
              f"Regenerate: make_reference.py golden --release {args.release} --out {args.golden}",
              file=sys.stderr)
        return 1
    if args.recompute:
        inputs, cases = compute(args.release)
        worst = 0.0
        for desc, t in cases:
            ref = np.fromfile(os.path.join(args.golden, desc["output"]), dtype="<f4")
            new = t.detach().float().numpy().ravel()
            err = float(np.linalg.norm(new - ref) / max(np.linalg.norm(ref), 1e-30))
            worst = max(worst, err)
            if err > 1e-6:
                print(f"{desc['name']}: recomputed output differs from the committed golden file "
                      f"(relative error {err:.3g})", file=sys.stderr)
                return 1
        print(f"{len(cases)} golden cases recomputed; worst relative difference {worst:.3g}")
    print("release matches the golden manifest")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("release")
    p.add_argument("--out", required=True)
    p.add_argument("--preset", choices=sorted(fake_release.PRESETS), default="tiny")
    p = sub.add_parser("golden")
    p.add_argument("--release", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("check")
    p.add_argument("--release", required=True)
    p.add_argument("--golden", required=True)
    p.add_argument("--recompute", action="store_true")
    args = ap.parse_args()
    return {"release": cmd_release, "golden": cmd_golden, "check": cmd_check}[args.cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())
