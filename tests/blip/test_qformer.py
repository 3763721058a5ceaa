#!/usr/bin/python3
"""The Q-Former block (model/qformer.h) against the float64 PyTorch Q-Former of
tests/reference/qformer_reference.py (written from LAVIS's Qformer.py), on random Q-Formers in
LAVIS's and Hugging Face's names mapped to lynxeval's by tools/blip_common.py: with the
instruction text (InstructBLIP; 1 to 24 tokens) and without (BLIP-2, MiniGPT-4), float32 and
bfloat16 weights.

usage: test_qformer.py QFORMER_PROBE SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
probe, src = sys.argv[1], os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(src, "tools"))
import torch  # noqa: E402
from blip_common import qformer_tensors  # noqa: E402
from convert_common import Plan, write_safetensors  # noqa: E402
from lxtensor import read_f32, rel_err, write_f32  # noqa: E402
from lxtest import check, finish  # noqa: E402
from qformer_reference import fake_qformer, hf_names, qformer  # noqa: E402

TOL, TOL_BF16 = 1e-5, 2e-2  # relative L2 error against the float64 reference
# Small but complete: 3 layers (cross-attention on 0 and 2), 4 heads of 8, image rows wider than
# the Q-Former, and an odd number of image rows.
D, HEADS, LAYERS, FF, Q, WV, VOCAB, POS, EVERY, EPS = 32, 4, 3, 80, 6, 24, 50, 40, 2, 1e-12
N_IMG = 17


def config(text):
    q = {"num_layers": LAYERS, "hidden_size": D, "num_heads": HEADS, "intermediate_size": FF,
         "num_query_tokens": Q, "cross_attention_every": EVERY, "layer_norm_eps": EPS}
    if text:
        q["text"] = {"vocab_size": VOCAB, "max_position_embeddings": POS, "max_length": 32}
    return q


def write_weights(path, sd, naming, text, dtype):
    q = dict(config(text), vision_width=WV)
    plan = Plan()
    for name, shape, src_name, fn in qformer_tensors(naming, q):
        t = sd[src_name]
        plan.add(name, shape, "fake", src_name, (lambda t=t, fn=fn: fn(t) if fn else t))
    write_safetensors(path, plan, dtype, {"format": "lynxeval-model"}, lambda *a: None)


def run(tmp, weights, text, image, ids, precision="f32"):
    cfg = os.path.join(tmp, "config.json")
    with open(cfg, "w") as f:
        json.dump({"qformer": config(text), "vision_width": WV}, f)
    img = os.path.join(tmp, "image.f32")
    write_f32(img, image)
    out = os.path.join(tmp, "out.f32")
    r = subprocess.run([probe, weights, cfg, img, str(N_IMG), out, precision] + [str(i) for i in ids],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr)
        return None
    return read_f32(out)


def main():
    gen = torch.Generator().manual_seed(20261203)
    image = torch.randn(N_IMG, WV, generator=gen)
    cfg = {"layers": LAYERS, "heads": HEADS, "cross_every": EVERY, "eps": EPS}
    cases = [[], [7], [3, 14, 15, 9, 26, 5, 35], list(torch.randint(0, VOCAB, (24,), generator=gen).tolist())]
    with tempfile.TemporaryDirectory() as tmp:
        for text in (True, False):
            sd = fake_qformer(gen, D, HEADS, LAYERS, FF, Q, WV, VOCAB, POS, EVERY, text=text)
            for naming, names in (("lavis", sd), ("hf", hf_names(sd))):
                for dtype in ("f32", "bf16"):
                    weights = os.path.join(tmp, f"{naming}-{dtype}.safetensors")
                    write_weights(weights, names, naming, text, dtype)
                    for ids in (cases if text else [[]]):
                        ref = qformer(sd, image, ids, cfg)
                        got = run(tmp, weights, text, image, ids)
                        tol = TOL if dtype == "f32" else TOL_BF16
                        err = rel_err(got, ref)
                        check(f"{'text' if text else 'no text'} path, {naming} names, {dtype} weights, "
                              f"{len(ids)} text tokens: rel err {err:.2e} <= {tol:g}", err <= tol)
                        if dtype == "bf16" and ids:
                            err = rel_err(run(tmp, weights, text, image, ids, "bf16"), ref)
                            check(f"  ... with --precision bf16 products: rel err {err:.2e} <= {TOL_BF16:g}",
                                  err <= TOL_BF16)
        # The text changes the queries' output (the path is live), and a text-less run of a
        # model with the text path equals the reference without text.
        sd = fake_qformer(gen, D, HEADS, LAYERS, FF, Q, WV, VOCAB, POS, EVERY, text=True)
        weights = os.path.join(tmp, "live.safetensors")
        write_weights(weights, sd, "lavis", True, "f32")
        a, b = run(tmp, weights, True, image, [1, 2, 3]), run(tmp, weights, True, image, [3, 2, 1])
        check("the text reaches the query rows (word order matters)",
              a is not None and b is not None and rel_err(a, b) > 1e-3)
    finish()


if __name__ == "__main__":
    main()
