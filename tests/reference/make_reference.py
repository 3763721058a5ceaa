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
import lynx_generate  # noqa: E402
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


# Decoding cases: the shipped settings (top-k 3, top-p 0.9, 2-gram ban, min length 2, length
# penalty -2) with 12 new tokens, each strategy, single prompts and a batch, both variants.
GEN_CASES = [
    # name, model, rows [(media, tokens)], params, seeds
    ("greedy_image", "pt", [("pixels_image.f32", PROMPT_A)], dict(strategy="greedy"), [0]),
    ("beam_image", "pt", [("pixels_image.f32", PROMPT_A)], dict(strategy="beam"), [0]),
    ("beam_video", "pt", [("pixels_video.f32", PROMPT_B)], dict(strategy="beam"), [0]),
    ("beam_sample_image", "pt", [("pixels_image.f32", PROMPT_A)], dict(strategy="beam-sample"), [7]),
    ("beam_sample_video", "pt", [("pixels_video.f32", PROMPT_B)], dict(strategy="beam-sample"), [8]),
    ("sample_image", "pt", [("pixels_image.f32", PROMPT_A)], dict(strategy="sample"), [11]),
    ("beam_batch", "pt", [("pixels_image.f32", PROMPT_A), ("pixels_video.f32", PROMPT_B)],
     dict(strategy="beam"), [0, 0]),
    ("beam_sample_batch", "pt", [("pixels_image.f32", PROMPT_A), ("pixels_video.f32", PROMPT_B)],
     dict(strategy="beam-sample"), [7, 8]),
    ("beam_no_seed_bos", "pt", [("pixels_image.f32", PROMPT_A)], dict(strategy="beam", seed_bos=False), [0]),
    ("beam_3_lp1_text", "pt", [(None, PROMPT_A)], dict(strategy="beam", num_beams=3, length_penalty=1.0,
                                                       max_new_tokens=20, no_repeat_ngram_size=0), [0]),
    ("beam_lp1_image", "pt", [("pixels_image.f32", PROMPT_A)], dict(strategy="beam", length_penalty=1.0,
                                                                   max_new_tokens=24), [0]),
    ("beam_lp0_video", "pt", [("pixels_video.f32", PROMPT_B)], dict(strategy="beam", length_penalty=0.0,
                                                                   max_new_tokens=24), [0]),
    ("beam_lp2_text", "pt", [(None, PROMPT_B)], dict(strategy="beam", length_penalty=2.0, num_beams=4,
                                                     max_new_tokens=24, no_repeat_ngram_size=3), [0]),
    ("beam_early_stop", "pt", [("pixels_image.f32", PROMPT_B)], dict(strategy="beam", length_penalty=1.0,
                                                                    early_stopping=True, max_new_tokens=24), [0]),
    ("beam_sample_lp1", "pt", [("pixels_video.f32", PROMPT_A)], dict(strategy="beam-sample", length_penalty=1.0,
                                                                    max_new_tokens=24, top_k=0, top_p=0.8,
                                                                    temperature=0.7), [3]),
    # Repetition penalty (InstructBLIP decodes with 1.5), on raw logits and on log-probabilities,
    # and a seed id other than the bos id.
    ("greedy_rep15_image", "pt", [("pixels_image.f32", PROMPT_A)],
     dict(strategy="greedy", repetition_penalty=1.5, no_repeat_ngram_size=0), [0]),
    ("beam_rep15_lp0_seed0", "pt", [("pixels_image.f32", PROMPT_B)],
     dict(strategy="beam", repetition_penalty=1.5, length_penalty=0.0, no_repeat_ngram_size=0,
          min_length=4, seed_id=0), [0]),
    ("sample_rep13_video", "pt", [("pixels_video.f32", PROMPT_A)],
     dict(strategy="sample", repetition_penalty=1.3, top_k=0, max_new_tokens=16), [11]),
    ("beam_sample_rep12_batch", "pt", [("pixels_image.f32", PROMPT_B), (None, PROMPT_A)],
     dict(strategy="beam-sample", repetition_penalty=1.2), [5, 6]),
    # Stop id runs (MiniGPT-4's "###" criterion): one of two ids, and one ending the sample early
    ("greedy_stop_ids", "pt", [("pixels_image.f32", PROMPT_A)],
     dict(strategy="greedy", repetition_penalty=1.5, no_repeat_ngram_size=0, stop_ids=[[999], [222, 165]]), [0]),
    ("sample_stop_id", "pt", [("pixels_video.f32", PROMPT_A)],
     dict(strategy="sample", repetition_penalty=1.3, top_k=0, max_new_tokens=16, stop_ids=[[173]]), [11]),
    ("greedy_ca", "ca", [("pixels_image.f32", PROMPT_A)], dict(strategy="greedy"), [0]),
    ("beam_ca", "ca", [("pixels_image.f32", PROMPT_A)], dict(strategy="beam"), [0]),
]
# The command-line case: a real image file and a question, decoded with the model config's
# settings (64 new tokens) by beam search. Its inputs are fixed when the goldens are made (the
# image through Pillow + torchvision, the question through sentencepiece and the Hugging Face
# rules) and stored, so recomputing needs neither.
CLI_IMAGE = "tests/image/inputs/chelsea.png"
CLI_QUESTION = "What is in the image?"
CLI_CASE = ("cli_beam_chelsea", "pt", [("pixels_chelsea.f32", "cli_prompt_ids")],
            dict(strategy="beam", max_new_tokens=64), [0])
GEN_DEFAULTS = dict(num_beams=5, max_new_tokens=12, min_length=2, no_repeat_ngram_size=2, top_k=3,
                    top_p=0.9, temperature=1.0, length_penalty=-2.0, early_stopping=False, seed_bos=True)


def make_cli_inputs(release, out):
    """Preprocesses the command-line case's image and question as the reference does."""
    from PIL import Image
    from torchvision import transforms
    from torchvision.transforms import InterpolationMode
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tokenizer"))
    import make_cases
    import sentencepiece as spm
    import yaml
    with open(os.path.join(release, "LYNX.yaml")) as f:
        cfg = yaml.safe_load(f)
    S = cfg["image_res"]
    t = transforms.Compose([
        transforms.Resize(size=S, interpolation=InterpolationMode.BICUBIC, max_size=None, antialias=None),
        transforms.CenterCrop(size=(S, S)), transforms.ToTensor(),
        transforms.Normalize(cfg["image_mean"], cfg["image_std"])])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    img = Image.open(os.path.join(root, CLI_IMAGE)).convert("RGB")
    save(os.path.join(out, "pixels_chelsea.f32"), t(img).unsqueeze(0))
    sp = spm.SentencePieceProcessor(model_file=os.path.join(release, "vicuna-7b", "tokenizer.model"))
    text = cfg["prompt"].strip().format_map({"question": CLI_QUESTION}).strip().lower()
    specials = {"<s>": (1, False), "</s>": (2, False), "<unk>": (0, False), "[PAD]": (fake_release.TINY["vocab"], True)}
    return ([1] + make_cases.hf_tokenize(sp, text, specials))[-cfg["max_input_tokens"]:]


def compute_generation(release, golden_dir, cli_ids):
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    models = {"pt": lynx_reference.Lynx(release, vit_layers=fake_release.TINY["vit_layers"]),
              "ca": lynx_reference.Lynx(release, yaml_name="LYNX_CA.yaml", lynx_name="finetune_lynx_ca.pt",
                                        vit_layers=fake_release.TINY["vit_layers"])}
    S = models["pt"].cfg["image_res"]
    px = {"pixels_image.f32": pixels(7, 1, S), "pixels_video.f32": pixels(8, fake_release.TINY["num_frames"], S),
          "pixels_chelsea.f32": torch.from_numpy(
              np.fromfile(os.path.join(golden_dir, "pixels_chelsea.f32"), dtype="<f4").reshape(1, 3, S, S))}
    vocab = fake_release.TINY["vocab"]
    cases = []
    for name, model_name, rows, params, seeds in GEN_CASES + [CLI_CASE]:
        model = models[model_name]
        rows = [(m, cli_ids if ids == "cli_prompt_ids" else ids) for m, ids in rows]
        prompts = [(model.media(px[m])[1] if m else None, ids) for m, ids in rows]
        full = dict(GEN_DEFAULTS, **params)
        out = lynx_generate.generate(model, prompts, lynx_generate.Params(**full), seeds,
                                     eos_id=2, pad_id=vocab, bos_id=1)
        cases.append({"name": name, "model": model_name, "rows": [{"media": m, "tokens": ids} for m, ids in rows],
                      "params": full, "seeds": seeds, "expected": out})
    return cases


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
    cli_ids = make_cli_inputs(args.release, args.out)
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
        "cli": {"image": CLI_IMAGE, "question": CLI_QUESTION, "prompt_ids": cli_ids},
        "generation": compute_generation(args.release, args.out, cli_ids),
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
        gen = compute_generation(args.release, args.golden, manifest["cli"]["prompt_ids"])
        if [c["name"] for c in gen] != [c["name"] for c in manifest["generation"]]:
            print("the decoding cases are not the ones in the manifest: regenerate the goldens", file=sys.stderr)
            return 1
        for new, old in zip(gen, manifest["generation"]):
            for a, b in zip(new["expected"], old["expected"]):
                if a["tokens"] != b["tokens"] or abs(a["score"] - b["score"]) > 1e-4 * max(1.0, abs(b["score"])):
                    print(f"{new['name']}: recomputed decoding differs from the committed one", file=sys.stderr)
                    return 1
        print(f"{len(gen)} decoding cases recomputed identically")
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
