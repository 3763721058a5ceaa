#!/usr/bin/python3
"""Trains the four tiny models of lynxeval's embedded default on the world
(tools/world/generate_world.py): the prefix-token model (PT, the paper's Lynx) and the
cross-attention variant (CA), identically: same data, same steps, same seed; a LLaVA-style
model (tools/world/tiny_llava.py: CLIP tower, LLaVA-1.5's MLP projector, the same LLaMA) on the
same data, written as a LLaVA-1.5 release (CLIP directory + LLaVA directory) and converted by
tools/convert_llava.py; and an InstructBLIP-style model (tools/world/tiny_blip.py: PT's EVA tower
frozen, ln_vision, a Q-Former reading the question, a projection, the same LLaMA), written in
LAVIS's layout and converted by tools/convert_instructblip.py. The test answers of the last two
come from the independent float64 references (tests/llava/llava_reference.py,
tests/reference/blip_reference.py) reading those release files.

Training has two stages. The vision stage, shared by both variants, trains the vision encoder,
the resampler and the frame embedding on new pictures and clips the generator draws on the spot,
supervised directly by what each shows through small heads that are not part of the checkpoint
(SceneHeads on the ViT's tokens, LatentHeads on the resampler's latents): the role EVA's
pretraining and the paper's first stage play for the real Lynx. The language stage then trains
each variant with the ViT frozen, as Lynx keeps EVA frozen. Its batches hold media items of the
train split with their own questions, topped up with more questions the generator's question
makers draw from what each shows (scenes.jsonl, clips.jsonl), and new pictures and clips
(FreshMedia); LatentHeads stay on unless --no-scene-loss. At the end, the greedy accuracy per
question class on the validation split is printed and kept in training.json.

The model is the PyTorch reference of tests/reference/lynx_reference.py, built from a release
written the way a Lynx release is laid out (EVA state dict, Hugging Face LLaMA directory, Lynx
checkpoint, LYNX.yaml), trained in the two stages, then written back into a Lynx checkpoint (every
tensor, in the Lynx model's own names) and converted by tools/convert_lynx.py into a lynxeval
model directory. So the checkpoint goes through exactly the path a real release goes through.

  /usr/bin/python3 tools/train_tiny.py --work build/world-train --out checkpoints
  /usr/bin/python3 tools/train_tiny.py --work build/world-train --out checkpoints --variants llava
  /usr/bin/python3 tools/train_tiny.py --work build/world-train --out checkpoints --variants blip

Needs Debian's python3-torch, python3-numpy, python3-yaml, python3-pil, python3-sentencepiece and
sentencepiece (spm_train). Deterministic for a given seed and thread count.
"""
import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time

# torch's own threads do the parallel work; OpenBLAS threads on top of them oversubscribe the
# cores (measured: 0.88 s per step with, 0.40 s without). Set before torch loads OpenBLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
sys.path.insert(0, os.path.join(HERE, "world"))
sys.path.insert(0, HERE)
import fake_release  # noqa: E402
import generate_world  # noqa: E402
import sentencepiece_proto  # noqa: E402
import lynx_generate  # noqa: E402
import lynx_reference  # noqa: E402
import tiny_blip  # noqa: E402
import tiny_llava  # noqa: E402

WORLD_MODEL = dict(
    vit_width=176,        # 2 heads of 88, the EVA head size
    vit_blocks=4,
    vit_layers=4,
    patch=14,
    ckpt_grid=8,          # pos_embed stored at the run resolution: no resize
    image_res=112,        # 8 x 8 patches
    mlp_ratio=4.3637,
    llm_hidden=192,
    llm_heads=4,
    llm_layers=4,
    llm_intermediate=512,
    vocab=0,              # the tokenizer's size, set at run time
    bridge_depth=2,
    num_bridge_tokens=16,
    num_frames=5,
    adapter_freq=1,
)
CA_EVERY = 2
PER_MEDIA = 6  # examples per media item in a batch (default)
PER_MEDIA_OWN = 4  # of them at most this many from the split's own questions
PROMPT = "User: {question}\nBot:"
CAPTION_QUESTION = "Write a short caption for the image."  # coco-caption's instruction in lynxeval
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)


# ---- data ------------------------------------------------------------------------------------------


def load_png(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)


def to_pixels(rgb):  # [H, W, 3] uint8 -> [3, H, W] float32, the model's normalization
    x = rgb.astype(np.float32) / 255.0
    return torch.from_numpy(((x - MEAN) / STD).transpose(2, 0, 1).copy())


def segment_start(n, k, middle=False):
    """The reference's sample_frame_ids with training=False: the first frame of each of k
    segments; middle: each segment's middle frame instead (lynxeval's segment-middle rule)."""
    if n <= k:
        return sorted(i % n for i in range(k))
    stride = n // k
    extra = n - k * stride
    out, cursor = [], 0
    for s in range(k):
        size = stride + (1 if s < extra else 0)
        out.append(cursor + (size // 2 if middle else 0))
        cursor += size
    return out


def examples(split_dir):
    """(media key, question, answer) for every training signal of a split."""
    out = []
    for line in open(os.path.join(split_dir, "Open_VQA_images.jsonl")):
        r = json.loads(line)
        out.append(("img:" + r["image"], r["question"], r["answer"][0]))
    for line in open(os.path.join(split_dir, "Open_VQA_videos.jsonl")):
        r = json.loads(line)
        out.append(("vid:" + r["video"], r["question"], r["answer"][0]))
    caps = json.load(open(os.path.join(split_dir, "captions.json")))
    files = {i["id"]: i["file_name"] for i in caps["images"]}
    for a in caps["annotations"]:
        out.append(("img:" + files[a["image_id"]], CAPTION_QUESTION, a["caption"].lower()))
    mme = os.path.join(split_dir, "world-mme")
    if os.path.isdir(mme):
        for sub in sorted(os.listdir(mme)):
            for name in sorted(os.listdir(os.path.join(mme, sub))):
                if name.endswith(".txt"):
                    for line in open(os.path.join(mme, sub, name)):
                        q, a = line.rstrip("\n").split("\t")
                        out.append(("img:" + os.path.join("world-mme", sub, name[:-4] + ".png"), q, a))
    return out


def mme_questions(row, rng):
    """One draw of the MME yes/no pairs a scene allows, in the MME layout's words."""
    objs, out = row["objects"], []
    if not objs:
        return out
    for sub in generate_world.MME_SUBTASKS:
        if sub == "OCR" and not row["sign"]:
            continue
        if sub == "existence" and all(generate_world.unique(objs, "shape", s) for s in generate_world.SHAPES):
            continue
        # the object mme_pair will ask about: its first draw, from a copy of the stream
        o = generate_world.Rng(rng.state).choice(objs)
        pair = generate_world.mme_pair(sub, row, rng)
        if sub in ("position", "color") and (len(generate_world.unique(objs, "shape", o["shape"])) > 1
                                             or abs(o["x"] - 56) <= 3):
            continue  # asked about one shape of several, or one in the centre column
        out += [(q + generate_world.ASK, a) for q, a in pair]
    return out


def scene_questions(row, rng, counted=None):
    """The Open-VQA questions a scene allows. Without a counted shape, counts of a shape that
    appears more than once (most scenes would otherwise add "1")."""
    if counted is None:
        objs = row["objects"]
        several = sorted({o["shape"] for o in objs if len(generate_world.unique(objs, "shape", o["shape"])) > 1})
        counted = rng.choice(several) if several else None
    return [(q, a) for _, q, a in generate_world.image_questions(row, rng, counted)]


def generated_examples(split_dir, seed, draws=3):
    """More questions about the same training pictures and clips, drawn from what each shows
    (scenes.jsonl, clips.jsonl) with the generator's own question makers: several draws of the
    Open-VQA questions a scene allows and one of the MME yes/no pairs. The split itself asks 3
    questions per scene; binding a property to an object ("is there a green triangle?") needs
    many more."""
    rng = generate_world.Rng(seed * 7919 + 17)
    out = []
    for row in map(json.loads, open(os.path.join(split_dir, "scenes.jsonl"))):
        key = "img:" + row["image"]
        for draw in range(draws):
            out += [(key, q, a) for q, a in scene_questions(row, rng)]
        out += [(key, q, a) for q, a in mme_questions(row, rng)]
    for clip in map(json.loads, open(os.path.join(split_dir, "clips.jsonl"))):
        key = "vid:" + clip["video"]
        for _ in range(draws + 1):
            out += [(key, q, a) for _, q, a in generate_world.clip_questions(clip, rng)]
    return out


class FreshMedia:
    """An endless stream of new pictures and clips from the world generator, each with the
    questions it allows, drawn with the training seed on a stream of its own (no split uses it).
    The splits are fixed and small; new pictures keep the vision encoder from learning the
    training pictures instead of shapes (measured: 73% shape accuracy on the validation pictures
    after 1200 steps on the train split's pictures alone). Every clip_every-th item is a clip."""

    SALT = 99  # the language stage's stream; the vision stage uses VISION_SALT

    def __init__(self, seed, frames, salt=SALT, clip_every=6, middle=False):
        self.rng = generate_world.Rng(seed * 1000003 + salt)
        self.frames, self.k, self.clip_every, self.middle = frames, 0, clip_every, middle

    def next(self, per_media):
        """-> (key, pixels [F,3,S,S], scene or clip row, [(question, answer)] of at most per_media)."""
        rng, k = self.rng, self.k
        self.k += 1
        key = f"new:{k}"
        if k % self.clip_every == self.clip_every - 1:
            clip = generate_world.new_clip(rng)
            frames = generate_world.clip_frames(clip, rng)
            ids = segment_start(len(frames), self.frames, self.middle)
            pixels = torch.stack([to_pixels(canvas_rgb(frames[i])) for i in ids])
            qs = {}
            for _ in range(3):
                qs.update({q: a for _, q, a in generate_world.clip_questions(clip, rng)})
            picked = rng.sample(sorted(qs.items()), min(per_media, len(qs)))
            return key, pixels, generate_world.clip_row("", clip), picked
        counted = None
        if k % 4 == 1:
            counted = rng.choice(generate_world.SHAPES)
            scene = generate_world.new_scene(rng, count_shape=counted, count=rng.between(1, 4))
        else:
            scene = generate_world.new_scene(rng, want_sign=k % 4 == 2, want_arrow=k % 4 == 3)
        pixels = to_pixels(canvas_rgb(generate_world.draw(scene, rng)))[None]
        row = generate_world.scene_row("", scene)
        vqa = dict(scene_questions(row, rng, counted))
        mme = dict(mme_questions(row, rng))
        picked = rng.sample(sorted(vqa.items()), min(per_media - 2, len(vqa)))
        picked += rng.sample(sorted(mme.items()), min(1, len(mme)))
        if rng.chance(0.5):
            picked.append((CAPTION_QUESTION, rng.choice(generate_world.captions(scene, rng)).lower()))
        return key, pixels, row, picked


def canvas_rgb(canvas):
    return np.frombuffer(bytes(canvas.px), dtype=np.uint8).reshape(canvas.h, canvas.w, 3)


def load_media(split_dir, keys, frames, middle=False):
    media = {}
    for key in sorted(set(keys)):
        kind, rel = key.split(":", 1)
        path = os.path.join(split_dir, rel)
        if kind == "img":
            media[key] = to_pixels(load_png(path))[None]
        else:
            names = sorted((f for f in os.listdir(path) if f.endswith(".png")), key=lambda f: int(f[5:-4]))
            ids = segment_start(len(names), frames, middle)
            media[key] = torch.stack([to_pixels(load_png(os.path.join(path, names[i]))) for i in ids])
    return media


def train_tokenizer(texts, work, vocab_size):
    corpus = os.path.join(work, "tokenizer-corpus.txt")
    with open(corpus, "w") as f:
        f.write("\n".join(texts) + "\n")
    prefix = os.path.join(work, "world")
    subprocess.run(["spm_train", f"--input={corpus}", f"--model_prefix={prefix}", "--model_type=bpe",
                    f"--vocab_size={vocab_size}", "--byte_fallback=true", "--character_coverage=1.0",
                    "--normalization_rule_name=identity", "--add_dummy_prefix=true",
                    "--remove_extra_whitespaces=false", "--split_digits=true", "--unk_id=0", "--bos_id=1",
                    "--eos_id=2", "--pad_id=-1", "--num_threads=1", "--minloglevel=2",
                    "--input_sentence_size=1000000", "--shuffle_input_sentence=false"],
                   check=True, capture_output=True)
    with open(prefix + ".model", "rb") as f:
        scrubbed = sentencepiece_proto.scrub_trainer_paths(f.read())
    with open(prefix + ".model", "wb") as f:
        f.write(scrubbed)
    return prefix + ".model"


# ---- the release -------------------------------------------------------------------------------------


def write_release(out, d, tokenizer, ca, seed):
    os.makedirs(out, exist_ok=True)
    g = fake_release._gen(seed)
    eva, llm, lynx = fake_release.eva_state(g, d), fake_release.llama_state(g, d), fake_release.lynx_state(g, d)
    if ca:
        lynx.update(fake_release.cross_attn_state(fake_release._gen(seed + 1), d, every=CA_EVERY, gates=(0.0, 0.0)))
    torch.save(eva, os.path.join(out, "eva_vit_g.pth"))
    fake_release.write_llm_dir(os.path.join(out, "llm"), d, llm, shards=1, fmt="bin")
    shutil.copy(tokenizer, os.path.join(out, "llm", "tokenizer.model"))
    torch.save({"model": lynx}, os.path.join(out, "lynx.pt"))
    fake_release.write_yaml(os.path.join(out, "LYNX.yaml"), d, "llm", cross_attn_every=CA_EVERY if ca else 0)
    # greedy answers of at most 24 tokens: short answers and captions
    text = open(os.path.join(out, "LYNX.yaml")).read()
    for old, new in (("num_beams: 5", "num_beams: 1"), ("use_nucleus_sampling: True", "use_nucleus_sampling: False"),
                     ("max_new_tokens: 64", "max_new_tokens: 24"), ("no_repeat_ngram_size: 2", "no_repeat_ngram_size: 0"),
                     ("length_penalty: -2.0", "length_penalty: 1.0")):
        text = text.replace(old, new)
    open(os.path.join(out, "LYNX.yaml"), "w").write(text)


def lynx_names(model):
    """The trained parameters under the names a Lynx checkpoint uses (inverse of the reference
    loader's renaming), so that the checkpoint overrides every base tensor."""
    out = {}
    for name, p in model.state_dict().items():
        if name.startswith("vision_encoder.patch_embed."):
            n = name.replace(".patch_embed.", ".patch_embed.proj.")  # nothing else to rename here
        elif name.startswith("vision_encoder."):
            n = name
            for a in ("q_proj", "k_proj", "v_proj", "proj"):
                n = n.replace(f".{a}.", f".attn.{a}.")
            n = n.replace(".fc1.", ".mlp.fc1.").replace(".fc2.", ".mlp.fc2.")
        elif name.startswith("LLM.lm_head"):
            n = name
        elif name.startswith("LLM."):
            n = "LLM.model." + name[len("LLM."):]
            for a in ("q_proj", "k_proj", "v_proj", "o_proj"):
                n = n.replace(f".{a}.", f".self_attn.{a}.") if ".gated_cross_attn." not in n else n
            for a in ("gate_proj", "up_proj", "down_proj"):
                n = n.replace(f".{a}.", f".mlp.{a}.")
            for a in ("norm.", "to_q.", "to_kv.", "to_out."):
                n = n.replace(f".gated_cross_attn.{a}", f".gated_cross_attn.attn.{a}")
        else:
            n = name
        if "cached" in n:
            continue
        out[n] = p.detach().clone()
    return out


# ---- training ------------------------------------------------------------------------------------------


class SceneHeads(torch.nn.Module):
    """Supervision of the vision encoder by what each picture shows (scenes.jsonl): the place,
    the sign's word and the arrow from the mean of the ViT's tokens; at every patch, the shape,
    colour and size of the object that covers the patch's centre (or none). Used in training
    only; not part of the checkpoint."""

    def __init__(self, width):
        super().__init__()
        self.place = torch.nn.Linear(width, len(generate_world.PLACES))
        self.sign = torch.nn.Linear(width, len(generate_world.WORDS) + 1)
        self.arrow = torch.nn.Linear(width, len(generate_world.DIRECTIONS) + 1)
        self.shape = torch.nn.Linear(width, len(generate_world.SHAPES) + 1)
        self.colour = torch.nn.Linear(width, len(generate_world.COLOURS) + 1)
        self.size = torch.nn.Linear(width, 3)

    @staticmethod
    def targets(row, grid, patch):
        """Class indices for one scene; cells: (token index, shape, colour, size) for every patch,
        zeros where no object covers its centre."""
        colours = list(generate_world.COLOURS)
        t = {"place": generate_world.PLACES.index(row["place"]),
             "sign": generate_world.WORDS.index(row["sign"]) + 1 if row["sign"] else 0,
             "arrow": generate_world.DIRECTIONS.index(row["arrow"]) + 1 if row["arrow"] else 0}
        cells = []
        for gy in range(grid):
            for gx in range(grid):
                cx, cy, label = gx * patch + patch // 2, gy * patch + patch // 2, (0, 0, 0)
                for o in row["objects"]:
                    if (cx - o["x"]) ** 2 + (cy - o["y"]) ** 2 <= generate_world.radius(o) ** 2:
                        label = (generate_world.SHAPES.index(o["shape"]) + 1, colours.index(o["colour"]) + 1,
                                 1 if o["size"] == "small" else 2)
                cells.append((1 + gy * grid + gx,) + label)
        t["cells"] = cells
        return t

    # Weights of the terms. Measured over 400 steps on new pictures (share of object patches
    # whose shape is read right; chance 0.25): shape alone 0.49; shape, colour and size 0.38;
    # all six terms equal 0.26; these weights 0.41. The whole-picture terms are easy and, at full
    # weight, keep the encoder from learning shapes at all.
    SHAPE_WEIGHT, PICTURE_WEIGHT = 2.0, 0.1

    def loss(self, feats, targets):
        """feats [n, T, W] of n pictures, targets per picture -> weighted cross-entropy."""
        pooled = feats[:, 1:].mean(1)
        ce = F.cross_entropy
        lo = ce(self.place(pooled), torch.tensor([t["place"] for t in targets]))
        lo = lo + ce(self.sign(pooled), torch.tensor([t["sign"] for t in targets]))
        lo = lo + ce(self.arrow(pooled), torch.tensor([t["arrow"] for t in targets]))
        lo = lo * self.PICTURE_WEIGHT
        rows = [(b, c) for b, t in enumerate(targets) for c in t["cells"]]
        tok = feats[torch.tensor([b for b, _ in rows]), torch.tensor([c[0] for _, c in rows])]
        lo = lo + self.SHAPE_WEIGHT * ce(self.shape(tok), torch.tensor([c[1] for _, c in rows]))
        lo = lo + ce(self.colour(tok), torch.tensor([c[2] for _, c in rows]))
        lo = lo + ce(self.size(tok), torch.tensor([c[3] for _, c in rows]))
        return lo


MOTIONS = ["left", "right", "up", "down", "grows", "shrinks", "stays"]


class LatentHeads(torch.nn.Module):
    """Supervision of the resampler: from all latents together, what sits in each of the 3 x 3
    cells (its shape, colour and size, read off as one: bound to one another, as the questions
    need them), the place, sign and arrow of a picture, and the motion, shape and colour of a
    clip's moving object. Without it the latents may mix the objects' properties, and "is there
    a green triangle?" cannot be answered from them. Used in training only; not part of the
    checkpoint."""

    W = generate_world
    CELL_CLASSES = [len(W.SHAPES) + 1, len(W.COLOURS) + 1, 3]  # shape, colour, size; 0: empty
    PICTURE_CLASSES = [len(W.PLACES), len(W.WORDS) + 1, len(W.DIRECTIONS) + 1]  # place, sign, arrow
    CLIP_CLASSES = [len(MOTIONS), len(W.SHAPES), len(W.COLOURS)]  # the mover's motion, shape, colour

    def __init__(self, latents, width):
        super().__init__()
        n = latents * width
        self.cells = torch.nn.Linear(n, len(generate_world.CELLS) * sum(self.CELL_CLASSES))
        self.picture = torch.nn.Linear(n, sum(self.PICTURE_CLASSES))
        self.clip = torch.nn.Linear(n, sum(self.CLIP_CLASSES))

    @staticmethod
    def scene_targets(row):
        colours = list(generate_world.COLOURS)
        cells = [(0, 0, 0)] * len(generate_world.CELLS)
        for o in row["objects"]:
            near = min(range(len(generate_world.CELLS)), key=lambda i: abs(generate_world.CELLS[i][0] - o["x"])
                       + abs(generate_world.CELLS[i][1] - o["y"]))
            cells[near] = (generate_world.SHAPES.index(o["shape"]) + 1, colours.index(o["colour"]) + 1,
                           1 if o["size"] == "small" else 2)
        return {"cells": cells, "place": generate_world.PLACES.index(row["place"]),
                "sign": generate_world.WORDS.index(row["sign"]) + 1 if row["sign"] else 0,
                "arrow": generate_world.DIRECTIONS.index(row["arrow"]) + 1 if row["arrow"] else 0}

    @staticmethod
    def targets(row):
        """The targets of a scene row (scene_row) or a clip row (clip_row)."""
        return LatentHeads.clip_targets(row) if "video" in row else LatentHeads.scene_targets(row)

    @staticmethod
    def clip_targets(row):
        return {"motion": MOTIONS.index(row["motion"]), "shape": generate_world.SHAPES.index(row["mover"]["shape"]),
                "colour": list(generate_world.COLOURS).index(row["mover"]["colour"])}

    @staticmethod
    def _split_ce(logits, sizes, targets):
        """Cross-entropy of consecutive slices of logits [n, sum(sizes)] against targets [n, len(sizes)]."""
        lo, at = 0.0, 0
        for j, k in enumerate(sizes):
            lo = lo + F.cross_entropy(logits[:, at:at + k], targets[:, j])
            at += k
        return lo / len(sizes)

    def picture_loss(self, lat, targets):
        """lat [n, L, D] of n pictures -> mean cross-entropy over the cells and the picture."""
        n_cells = len(generate_world.CELLS)
        cells = self.cells(lat.flatten(1)).reshape(len(targets) * n_cells, sum(self.CELL_CLASSES))
        ct = torch.tensor([c for t in targets for c in t["cells"]])
        pt = torch.tensor([[t["place"], t["sign"], t["arrow"]] for t in targets])
        return (self._split_ce(cells, self.CELL_CLASSES, ct)
                + self._split_ce(self.picture(lat.flatten(1)), self.PICTURE_CLASSES, pt)) / 2

    def clip_loss(self, lat, targets):
        t = torch.tensor([[x["motion"], x["shape"], x["colour"]] for x in targets])
        return self._split_ce(self.clip(lat.flatten(1)), self.CLIP_CLASSES, t)


def warmup_cosine(base, step, steps):
    """The learning rate at step: a linear warm-up over 100 steps, then a cosine to zero."""
    return base * min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * step / steps))


def set_lr(opt, lr):
    for g in opt.param_groups:
        g["lr"] = lr


def optimizer_step(opt, params, loss):
    """Backward, gradients clipped to norm 1, one optimizer step."""
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()


def split_batch(keys, by_media, extra_of, rng, per_media):
    """The examples of a step for media keys of the split: up to PER_MEDIA_OWN of each key's own
    questions (2 of a picture's 5 captions), topped up with generated ones to per_media."""
    batch = []
    for k in keys:
        own_n = 2 if k.startswith("img:captions/") else PER_MEDIA_OWN
        own = rng.sample(by_media[k], min(own_n, len(by_media[k])))
        more = extra_of.get(k, [])
        batch += own + rng.sample(more, min(max(0, per_media - len(own)), len(more)))
    return batch


def report_progress(name, step, steps, losses, lr, t0, log, language=None):
    """Every 50th step and the last: the mean loss of the last 50 (and of the language loss alone
    where another loss is added), printed and kept in the log."""
    if (step + 1) % 50 and step + 1 != steps:
        return
    mean = lambda v: sum(v[-50:]) / len(v[-50:])  # noqa: E731
    extra = f" (language {mean(language):.4f})" if language is not None else ""
    msg = f"{name} step {step + 1}/{steps} loss {mean(losses):.4f}{extra} lr {lr:.2e} {time.time() - t0:.0f}s"
    print(msg, flush=True)
    log.append(msg)


def by_media_key(data, generated):
    """(the split's examples by media key, the generated ones by media key, the split's keys)."""
    by_media, extra_of = {}, {}
    for ex in data:
        by_media.setdefault(ex[0], []).append(ex)
    for ex in generated:
        extra_of.setdefault(ex[0], []).append(ex)
    return by_media, extra_of, sorted(by_media)


def language_steps(args, keys, media, by_media, extra_of, rng, fresh, steps, seen_new=None):
    """The language stage's steps, as every model takes them: the split's media keys shuffled
    each epoch, args.batch of them a step with their examples (split_batch), then args.fresh new
    pictures and clips with theirs (seen_new(key, row) is told of each). Yields (step from 0,
    learning rate, the step's media, its examples)."""
    step = 0
    while step < steps:
        rng.shuffle(keys)
        for start in range(0, len(keys) - args.batch + 1, args.batch):
            if step >= steps:
                return
            own = keys[start:start + args.batch]
            batch = split_batch(own, by_media, extra_of, rng, args.per_media)
            step_media = {k: media[k] for k in own} if args.fresh else media
            for _ in range(args.fresh):
                key, pixels, row, qs = fresh.next(args.per_media)
                step_media[key] = pixels
                batch += [(key, q, a) for q, a in qs]
                if seen_new:
                    seen_new(key, row)
            yield step, warmup_cosine(args.lr, step, steps), step_media, batch
            step += 1


class Trainer:
    def __init__(self, model, sp, ca, heads=None, scenes=None, latent_heads=None, latent_targets=None):
        self.m, self.sp, self.ca = model, sp, ca
        self.L = model.cfg["num_bridge_tokens"]
        self.pad = model.pad_id
        self.heads, self.scenes = heads, scenes or {}
        self.latent_heads, self.latent_targets = latent_heads, latent_targets or {}
        self.aux = None  # the scene losses of the last media_latents call
        self.detach_vit = False

    def prompt_ids(self, question):
        text = PROMPT.strip().format(question=question).strip().lower()
        return [1] + self.sp.encode(text)

    def media_latents(self, pixels_list, keys=None):
        """pixels [F,3,S,S] per item -> [B, L, D]; images and videos in separate ViT calls. With
        keys and scene heads, also the scene loss of the pictures that have one (self.aux)."""
        self.aux = None
        out = [None] * len(pixels_list)
        aux = []
        for frames in sorted({p.shape[0] for p in pixels_list}):
            idx = [i for i, p in enumerate(pixels_list) if p.shape[0] == frames]
            x = torch.cat([pixels_list[i] for i in idx])  # [n*F, 3, S, S]
            with torch.set_grad_enabled(self.m.vision_encoder.cls_token.requires_grad):
                feats = self.m.vision_encoder(x)  # [n*F, T, W]
            if self.detach_vit:  # the resampler learns to read the encoder without steering it
                feats_in = feats.detach()
            else:
                feats_in = feats
            if frames == 1:
                lat = self.m.bridge(feats_in)
                if self.heads is not None and keys is not None:
                    known = [k for k, i in enumerate(idx) if keys[i] in self.scenes]
                    if known:
                        aux.append(self.heads.loss(feats[known], [self.scenes[keys[idx[k]]] for k in known]))
            else:
                v = feats_in.view(len(idx), frames, feats.shape[1], feats.shape[2]) + self.m.absolute_frame_pos_embed
                lat = self.m.bridge(v.flatten(1, 2))
            if self.latent_heads is not None and keys is not None:
                known = [k for k, i in enumerate(idx) if keys[i] in self.latent_targets]
                if known:
                    t = [self.latent_targets[keys[idx[k]]] for k in known]
                    aux.append(self.latent_heads.picture_loss(lat[known], t) if frames == 1
                               else self.latent_heads.clip_loss(lat[known], t))
            for k, i in enumerate(idx):
                out[i] = lat[k]
        self.aux = sum(aux) if aux else None
        return torch.stack(out)

    def loss(self, batch, media):
        """batch: (media key, question, answer) rows; each media item goes through the ViT once."""
        keys = sorted({k for k, _, _ in batch})
        lat_of = dict(zip(keys, self.media_latents([media[k] for k in keys], keys)))
        rows, targets = [], []
        for (key, q, a) in batch:
            p = self.prompt_ids(q)
            t = self.sp.encode(a) + [2]
            rows.append(p + t)
            targets.append(len(t))
        T = max(len(r) for r in rows)
        ids = torch.tensor([[self.pad] * (T - len(r)) + r for r in rows])
        mask = torch.tensor([[0] * (T - len(r)) + [1] * len(r) for r in rows])
        lat = torch.stack([lat_of[k] for k, _, _ in batch])
        emb = self.m.LLM.embed_tokens(ids)
        if self.ca:
            logits = self.m.LLM(emb, mask, lat)
            off = 0
        else:
            emb = torch.cat([lat, emb], 1)
            mask = torch.cat([torch.ones(len(rows), self.L, dtype=mask.dtype), mask], 1)
            logits = self.m.LLM(emb, mask, None)
            off = self.L
        # the prediction of token j comes from position j - 1
        sel_logits, sel_labels = [], []
        for b, n in enumerate(targets):
            end = off + T
            sel_logits.append(logits[b, end - n - 1:end - 1])
            sel_labels.append(ids[b, T - n:])
        lm = F.cross_entropy(torch.cat(sel_logits), torch.cat(sel_labels))
        self.lm = lm.item()
        return lm if self.aux is None else lm + self.aux


def latent_targets(split_dir):
    """media key -> LatentHeads targets, from the split's scenes.jsonl and clips.jsonl."""
    out = {"img:" + r["image"]: LatentHeads.scene_targets(r)
           for r in map(json.loads, open(os.path.join(split_dir, "scenes.jsonl")))}
    out.update({"vid:" + r["video"]: LatentHeads.clip_targets(r)
                for r in map(json.loads, open(os.path.join(split_dir, "clips.jsonl")))})
    return out


VISION_SALT = 98
VISION_PARTS = ("vision_encoder.", "bridge.", "absolute_frame_pos_embed")


def vision_accuracy(tr, val_dir, d):
    """What the vision heads read off the validation split's pictures and clips, in float32: the
    shape and colour of each occupied cell from the ViT patch under it (SceneHeads) and from that
    cell's latent (LatentHeads), and a clip's motion from all latents. -> {name: accuracy}."""
    grid = d["image_res"] // d["patch"]
    scenes = list(map(json.loads, open(os.path.join(val_dir, "scenes.jsonl"))))
    clips = list(map(json.loads, open(os.path.join(val_dir, "clips.jsonl"))))
    media = load_media(val_dir, ["img:" + r["image"] for r in scenes] + ["vid:" + r["video"] for r in clips],
                       d["num_frames"])
    right, total = {}, {}

    def count(name, ok):
        right[name] = right.get(name, 0) + int(ok)
        total[name] = total.get(name, 0) + 1

    m, lh, sh = tr.m, tr.latent_heads, tr.heads
    n_shape, n_colour = LatentHeads.CELL_CLASSES[0], LatentHeads.CELL_CLASSES[1]
    with torch.no_grad():
        for r in scenes:
            feats, lat = m.media(media["img:" + r["image"]])
            st, lt = SceneHeads.targets(r, grid, d["patch"]), LatentHeads.scene_targets(r)
            for tok, shape, colour, _ in st["cells"]:
                if shape:
                    count("patch shape", sh.shape(feats[0, tok]).argmax().item() == shape)
            cells = lh.cells(lat.flatten(1)).reshape(len(generate_world.CELLS), -1)
            for c, (shape, colour, _) in enumerate(lt["cells"]):
                if shape:
                    count("latent shape", cells[c, :n_shape].argmax().item() == shape)
                    count("latent colour", cells[c, n_shape:n_shape + n_colour].argmax().item() == colour)
        for r in clips:
            _, lat = m.media(media["vid:" + r["video"]])
            motion = lh.clip(lat.flatten(1))[0, :len(MOTIONS)].argmax().item()
            count("clip motion", motion == MOTIONS.index(r["motion"]))
    return {k: round(right[k] / total[k], 4) for k in sorted(total)}


def pretrain_vision(args, d, tokenizer, log):
    """The vision stage, shared by both variants: the ViT, the resampler and the frame embedding
    learn what the world's pictures and clips show through SceneHeads and LatentHeads alone, on
    new pictures and clips from the generator (VISION_SALT stream), without the language model:
    the role EVA's pretraining and the paper's first stage play for the real Lynx, and about 10x
    cheaper per picture than a step with the language model. -> the state of VISION_PARTS and of
    the latent heads, kept in WORK/vision.pt."""
    rel = os.path.join(args.work, "release-vision")
    write_release(rel, d, tokenizer, False, args.seed)
    torch.manual_seed(args.seed)
    model = lynx_reference.Lynx(rel, lynx_name="lynx.pt", vit_layers=d["vit_layers"])
    model.train()
    heads, latent_heads = SceneHeads(d["vit_width"]), LatentHeads(d["num_bridge_tokens"], d["llm_hidden"])
    tr = Trainer(model, None, False, heads, {}, latent_heads, {})
    tr.detach_vit = True
    params = [p for n, p in model.named_parameters() if n.startswith(VISION_PARTS)]
    for p in model.parameters():
        p.requires_grad_(False)
    for p in params:
        p.requires_grad_(True)
    params += list(heads.parameters()) + list(latent_heads.parameters())
    opt = torch.optim.AdamW(params, lr=args.vision_lr, weight_decay=0.01, betas=(0.9, 0.98))
    # clips cost 5 pictures each and their motion is learnt early: one item in 12
    fresh = FreshMedia(args.seed, d["num_frames"], salt=VISION_SALT, clip_every=12)
    grid = d["image_res"] // d["patch"]
    t0, losses = time.time(), []
    for step in range(args.vision_steps):
        lr = warmup_cosine(args.vision_lr, step, args.vision_steps)
        set_lr(opt, lr)
        keys, pixels = [], []
        tr.scenes, tr.latent_targets = {}, {}
        for _ in range(args.vision_batch):
            key, px, row, _ = fresh.next(2)
            keys.append(key)
            pixels.append(px)
            tr.latent_targets[key] = LatentHeads.targets(row)
            if px.shape[0] == 1:
                tr.scenes[key] = SceneHeads.targets(row, grid, d["patch"])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            tr.media_latents(pixels, keys)
            loss = tr.aux
        optimizer_step(opt, params, loss)
        losses.append(loss.item())
        report_progress("vision", step, args.vision_steps, losses, lr, t0, log)
    seconds = time.time() - t0
    model.eval()
    acc = vision_accuracy(tr, os.path.join(args.work, "val"), d)
    print("vision val " + ", ".join(f"{k} {v:.3f}" for k, v in acc.items()), flush=True)
    state = {"model": {n: p.detach().clone() for n, p in model.state_dict().items() if n.startswith(VISION_PARTS)},
             "latent_heads": latent_heads.state_dict(), "steps": args.vision_steps, "batch": args.vision_batch,
             "lr": args.vision_lr, "seconds": round(seconds, 1), "val_accuracy": acc,
             "log": log[-20:]}
    torch.save(state, os.path.join(args.work, "vision.pt"))
    return state


def validate(model, sp, ca, val_dir):
    """Greedy exact-match accuracy per question class on the validation split (Open-VQA images
    and videos, MME pairs), in float32: a check on training, not lynxeval's scoring."""
    rows = []
    for name, kind, field, prefix in (("Open_VQA_images.jsonl", "img", "image", ""),
                                      ("Open_VQA_videos.jsonl", "vid", "video", "video ")):
        for r in map(json.loads, open(os.path.join(val_dir, name))):
            rows.append((prefix + r["class"], f"{kind}:" + r[field], r["question"], r["answer"][0]))
    mme = os.path.join(val_dir, "world-mme")
    for sub in generate_world.MME_SUBTASKS:
        for name in sorted(f for f in os.listdir(os.path.join(mme, sub)) if f.endswith(".txt")):
            for line in open(os.path.join(mme, sub, name)):
                q, a = line.rstrip("\n").split("\t")
                rows.append(("MME " + sub, f"img:world-mme/{sub}/{name[:-4]}.png", q, a))
    media = load_media(val_dir, [k for _, k, _, _ in rows], model.cfg["data"]["num_frames"])
    params = lynx_generate.Params("greedy", max_new_tokens=6, min_length=2, no_repeat_ngram_size=0)
    right, total = {}, {}
    with torch.no_grad():
        for cls, key, q, a in rows:
            _, lat = model.media(media[key])
            ids = [1] + sp.encode(PROMPT.strip().format(question=q).strip().lower())
            r = lynx_generate.generate(model, [(lat, ids)], params, None, 2, model.pad_id, 1)[0]
            got = sp.decode([t for t in r["tokens"] if t < sp.get_piece_size()]).strip()
            total[cls] = total.get(cls, 0) + 1
            right[cls] = right.get(cls, 0) + (got.lower() == a.lower())
    acc = {c: round(right[c] / total[c], 4) for c in sorted(total)}
    return {"accuracy": acc, "lines": [f"{c}: {right[c]}/{total[c]}" for c in sorted(total)]}


def train(args, variant, d, tokenizer, data, generated, media, vision, log):
    ca = variant == "ca"
    rel = os.path.join(args.work, f"release-{variant}")
    write_release(rel, d, tokenizer, ca, args.seed)
    torch.manual_seed(args.seed)
    model = lynx_reference.Lynx(rel, lynx_name="lynx.pt", vit_layers=d["vit_layers"])
    # the vision stage's encoder, resampler and frame embedding; the ViT stays frozen from here
    # on, as EVA does in Lynx
    missing, unexpected = model.load_state_dict(vision["model"], strict=False)
    assert not unexpected and not [m for m in missing if m.startswith(VISION_PARTS)], (missing, unexpected)
    for name, p in model.named_parameters():
        p.requires_grad_(not name.startswith("vision_encoder."))
    model.train()
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=tokenizer)
    latent_heads = None
    if args.scene_loss:
        latent_heads = LatentHeads(d["num_bridge_tokens"], d["llm_hidden"])
        latent_heads.load_state_dict(vision["latent_heads"])
    tr = Trainer(model, sp, ca, None, None, latent_heads,
                 latent_targets(args.split_dir) if args.scene_loss else None)
    params = [p for p in model.parameters() if p.requires_grad]
    params += list(latent_heads.parameters()) if latent_heads is not None else []
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    rng = random.Random(args.seed)
    # batches of media items with (up to PER_MEDIA of) their examples: one ViT pass serves several
    # questions about the same picture
    by_media, extra_of, keys = by_media_key(data, generated)
    fresh = FreshMedia(args.seed, d["num_frames"])

    def seen(key, row):
        if args.scene_loss:
            tr.latent_targets[key] = LatentHeads.targets(row)

    t0, losses, lm_losses = time.time(), [], []
    for step, lr, step_media, batch in language_steps(args, keys, media, by_media, extra_of, rng, fresh,
                                                      args.steps, seen):
        set_lr(opt, lr)
        # bfloat16 matrix products (oneDNN; 2.3x faster here), float32 weights and optimizer:
        # the exported checkpoint is float32 and is evaluated in float32
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            loss = tr.loss(batch, step_media)
        for key in [k for k in step_media if k.startswith("new:")]:
            tr.latent_targets.pop(key, None)
        optimizer_step(opt, params, loss)
        losses.append(loss.item())
        lm_losses.append(tr.lm)
        report_progress(variant, step, args.steps, losses, lr, t0, log, lm_losses)
    seconds = time.time() - t0
    model.eval()
    val = validate(model, sp, ca, os.path.join(args.work, "val"))
    for line in val["lines"]:
        print(f"{variant} val {line}", flush=True)
    if args.probe:
        return seconds
    # the trained weights, every one, into the release's Lynx checkpoint; then convert
    torch.save({"model": lynx_names(model)}, os.path.join(rel, "lynx.pt"))
    out = os.path.join(args.out, f"lynx-world-{variant}")
    subprocess.run([sys.executable, os.path.join(HERE, "convert_lynx.py"), "--eva", os.path.join(rel, "eva_vit_g.pth"),
                    "--llm", os.path.join(rel, "llm"), "--lynx", os.path.join(rel, "lynx.pt"),
                    "--config", os.path.join(rel, "LYNX.yaml"), "--vit-layers", str(d["vit_layers"]),
                    "--dtype", "bf16", "--out", out, "--force"], check=True)
    test_dir = os.path.join(ROOT, "datasets", "world", "test")
    n = reference_answers(rel, tokenizer, test_dir, os.path.join(out, "reference-greedy.jsonl"), d["vit_layers"])
    print(f"{variant}: the PyTorch model's greedy answers to {n} test items written", flush=True)
    with open(os.path.join(out, "training.json"), "w") as f:
        json.dump({"variant": variant, "steps": args.steps, "batch": args.batch, "lr": args.lr, "seed": args.seed,
                   "scene_loss": args.scene_loss,
                   "bf16_autocast": args.bf16, "per_media": args.per_media, "generated_draws": args.draws,
                   "fresh_per_batch": args.fresh,
                   "vision_stage": {k: vision[k] for k in ("steps", "batch", "lr", "seconds", "val_accuracy")},
                   "val_accuracy": val["accuracy"],
                   "threads": torch.get_num_threads(), "seconds": round(seconds, 1), "final_loss": losses[-1],
                   "examples": len(data), "generated_examples": len(generated), "torch": torch.__version__, "model": d,
                   "cross_attn_every": CA_EVERY if ca else 0, "log": log[-40:]}, f, indent=1)
    return seconds


def test_items(test_dir):
    """(task, id, media key, question) of every item lynxeval's world suite asks, in its terms."""
    items = []
    for line in open(os.path.join(test_dir, "Open_VQA_images.jsonl")):
        r = json.loads(line)
        items.append(("open-vqa-image", str(r["index"]), "img:" + r["image"], r["question"]))
    for line in open(os.path.join(test_dir, "Open_VQA_videos.jsonl")):
        r = json.loads(line)
        items.append(("open-vqa-video", str(r["index"]), "vid:" + r["video"], r["question"]))
    caps = json.load(open(os.path.join(test_dir, "captions.json")))
    for im in caps["images"]:
        items.append(("coco-caption", str(im["id"]), "img:" + im["file_name"], CAPTION_QUESTION))
    mme = os.path.join(test_dir, "world-mme")
    for sub in generate_world.MME_SUBTASKS:
        for name in sorted(f for f in os.listdir(os.path.join(mme, sub)) if f.endswith(".txt")):
            for k, line in enumerate(open(os.path.join(mme, sub, name))):
                q = line.rstrip("\n").split("\t")[0]
                items.append(("mme", f"{sub}/{name[:-4]}#{k + 1}", f"img:world-mme/{sub}/{name[:-4]}.png", q))
    for line in open(os.path.join(test_dir, "world-owleval", "questions.jsonl")):
        r = json.loads(line)
        items.append(("owleval", str(r["question_id"]), "img:world-owleval/cases/" + r["image"], r["question"]))
    return items


def reference_answers(release, tokenizer, test_dir, out_path, vit_layers, max_new_tokens=24):
    """The PyTorch model's greedy answers on every test item, from the exported checkpoint (its
    weights rounded to bfloat16, as shipped), with lynxeval's decoding semantics
    (tests/reference/lynx_generate.py)."""
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=tokenizer)
    model = lynx_reference.Lynx(release, lynx_name="lynx.pt", vit_layers=vit_layers)
    with torch.no_grad():  # the checkpoint ships in bfloat16: compute with exactly its weights
        for p in model.parameters():
            p.copy_(p.bfloat16().float())
    items = test_items(test_dir)
    media = load_media(test_dir, [k for _, _, k, _ in items], model.cfg["data"]["num_frames"])
    params = lynx_generate.Params("greedy", max_new_tokens=max_new_tokens, min_length=2, no_repeat_ngram_size=0)
    with open(out_path, "w") as f:
        for task, item_id, key, question in items:
            _, lat = model.media(media[key])
            text = PROMPT.strip().format(question=question).strip().lower()
            ids = [1] + sp.encode(text)
            r = lynx_generate.generate(model, [(lat, ids)], params, None, 2, model.pad_id, 1)[0]
            answer = sp.decode([t for t in r["tokens"] if t < sp.get_piece_size()]).strip()
            f.write(json.dumps({"task": task, "id": item_id, "answer": answer, "tokens": r["tokens"]}) + "\n")
    return len(items)

# ---- the LLaVA-style model ------------------------------------------------------------------------
#
# The same world and data, a different architecture (tools/world/tiny_llava.py): a CLIP tower
# whose patches go through LLaVA-1.5's projector straight into the LLaMA, the picture in the
# middle of the prompt. Its vision stage trains the tower alone through SceneHeads (the part
# CLIP's pretraining plays); its language stage then trains the projector and the LLaMA with the
# tower frozen (LLaVA's second stage), with ClipHead on the projected rows of clips.

LLAVA_FRAMES = 4  # a clip's frames (segment-middle), each pooled 2 x 2
LLAVA_TEMPLATE = "User: <image>\n{question}\nBot:"
LLAVA_SETTINGS = {  # the converter's --overrides: this model's conversation and evaluation
    "prompt": {"template": LLAVA_TEMPLATE, "text_only_template": "User: {question}\nBot:",
               "lowercase": True, "short_answer": ""},
    "preprocess": {"num_frames": LLAVA_FRAMES},
    "decoding": {"max_new_tokens": 24, "max_new_tokens_by_task": {}},
}


class ClipHead(torch.nn.Module):
    """A clip's motion, and its mover's shape and colour, from all its projected rows (training
    only; not part of the checkpoint)."""

    def __init__(self, rows, width):
        super().__init__()
        self.out = torch.nn.Linear(rows * width, sum(LatentHeads.CLIP_CLASSES))

    def loss(self, rows, targets):
        t = torch.tensor([[x["motion"], x["shape"], x["colour"]] for x in targets])
        return LatentHeads._split_ce(self.out(rows.flatten(1)), LatentHeads.CLIP_CLASSES, t)


class LlavaTrainer:
    def __init__(self, d, clip, llm, sp, clip_head=None, clip_targets=None):
        self.d, self.C, self.L, self.sp = d, clip, llm, sp
        self.clip_head, self.clip_targets = clip_head, clip_targets or {}
        self.ids = {}
        self.lm, self.aux = 0.0, None

    def prompt(self, question):
        if question not in self.ids:
            self.ids[question] = tiny_llava.prompt_ids(self.sp, LLAVA_TEMPLATE, question)
        return self.ids[question]

    def media(self, media, keys):
        """media key -> projected rows [R, D]; the tower without gradients (frozen), pictures
        in one call, clips in another."""
        feats = {}
        with torch.no_grad():
            for frames in sorted({media[k].shape[0] for k in keys}):
                group = [k for k in keys if media[k].shape[0] == frames]
                x = tiny_llava.tower(self.C, self.d, torch.cat([media[k] for k in group]))[:, 1:]
                for i, k in enumerate(group):
                    f = x[i * frames:(i + 1) * frames]
                    feats[k] = tiny_llava.pooled_frames(f.reshape(-1, f.shape[-1]), frames)
        rows = dict(zip(keys, tiny_llava.project(self.L, torch.stack([feats[k] for k in keys]))))
        known = [k for k in keys if k in self.clip_targets]
        self.aux = None
        if self.clip_head is not None and known:
            self.aux = self.clip_head.loss(torch.stack([rows[k] for k in known]),
                                           [self.clip_targets[k] for k in known])
        return rows

    def loss(self, batch, media):
        keys = sorted({k for k, _, _ in batch})
        rows = self.media(media, keys)
        seqs, spans = [], []
        for key, q, a in batch:
            ids = self.prompt(q)
            target = self.sp.encode(a) + [2]
            x = tiny_llava.embed(self.L, ids + target, rows[key])
            seqs.append(x)
            spans.append((x.shape[0] - len(target), target))
        T = max(x.shape[0] for x in seqs)
        x = torch.stack([F.pad(s, (0, 0, 0, T - s.shape[0])) for s in seqs])
        logits = tiny_llava.llama(self.L, self.d, x)
        sel = torch.cat([logits[b, at - 1:at - 1 + len(t)] for b, (at, t) in enumerate(spans)])
        labels = torch.tensor([i for _, t in spans for i in t])
        lm = F.cross_entropy(sel.float(), labels)
        self.lm = lm.item()
        return lm if self.aux is None else lm + self.aux

    def greedy(self, pixels, question, max_new_tokens):
        """Greedy ids (no </s>) in float32, the whole sequence each step (training's check)."""
        with torch.no_grad():
            f = tiny_llava.media_features(self.C, self.d, pixels)
            rows = tiny_llava.project(self.L, f)
            ids, out = self.prompt(question), []
            for _ in range(max_new_tokens):
                x = tiny_llava.embed(self.L, ids + out, rows)[None]
                nxt = int(tiny_llava.llama(self.L, self.d, x)[0, -1].argmax())
                if nxt == 2:
                    break
                out.append(nxt)
        return out


def llava_vision_stage(args, d, log):
    """The tower learns what pictures show through SceneHeads at the selected block's patches,
    on new pictures (VISION_SALT stream). -> the tower's state, kept in WORK/vision-llava.pt."""
    clip, _ = tiny_llava.initial_state(d, args.seed)
    run = tiny_llava.blocks_run(d)
    trained = [k for k in clip if k.startswith(("vision_model.embeddings.", "vision_model.pre_layrnorm."))
               or any(k.startswith(f"vision_model.encoder.layers.{i}.") for i in range(run))]
    trained = [k for k in trained if not k.endswith("position_ids")]
    for k in trained:
        clip[k].requires_grad_(True)
    torch.manual_seed(args.seed)
    heads = SceneHeads(d["clip_width"])
    params = [clip[k] for k in trained] + list(heads.parameters())
    opt = torch.optim.AdamW(params, lr=args.vision_lr, weight_decay=0.01, betas=(0.9, 0.98))
    fresh = FreshMedia(args.seed, LLAVA_FRAMES, salt=VISION_SALT, clip_every=10 ** 9)
    grid = d["image_size"] // d["patch"]
    t0, losses = time.time(), []
    steps = args.llava_vision_steps
    for step in range(steps):
        lr = warmup_cosine(args.vision_lr, step, steps)
        set_lr(opt, lr)
        pixels, targets = [], []
        for _ in range(args.vision_batch):
            _, px, row, _ = fresh.next(2)
            pixels.append(px)
            targets.append(SceneHeads.targets(row, grid, d["patch"]))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            loss = heads.loss(tiny_llava.tower(clip, d, torch.cat(pixels)).float(), targets)
        optimizer_step(opt, params, loss)
        losses.append(loss.item())
        report_progress("llava vision", step, steps, losses, lr, t0, log)
    seconds = time.time() - t0
    # the share of object patches whose shape the head reads right on the validation pictures
    val_dir = os.path.join(args.work, "val")
    scenes = list(map(json.loads, open(os.path.join(val_dir, "scenes.jsonl"))))
    right = total = 0
    with torch.no_grad():
        for r in scenes:
            feats = tiny_llava.tower(clip, d, to_pixels(load_png(os.path.join(val_dir, r["image"])))[None])
            for tok, shape, _, _ in SceneHeads.targets(r, grid, d["patch"])["cells"]:
                if shape:
                    right += int(heads.shape(feats[0, tok]).argmax().item() == shape)
                    total += 1
    acc = {"patch shape": round(right / total, 4)}
    print(f"llava vision val patch shape {acc['patch shape']:.3f}", flush=True)
    state = {"clip": {k: v.detach().clone() for k, v in clip.items()}, "steps": steps,
             "batch": args.vision_batch, "lr": args.vision_lr, "seconds": round(seconds, 1),
             "val_accuracy": acc, "log": log[-20:]}
    torch.save(state, os.path.join(args.work, "vision-llava.pt"))
    return state


def llava_validate(tr, val_dir):
    """Greedy exact-match accuracy per question class on the validation split, as validate()."""
    rows = []
    for name, kind, field, prefix in (("Open_VQA_images.jsonl", "img", "image", ""),
                                      ("Open_VQA_videos.jsonl", "vid", "video", "video ")):
        for r in map(json.loads, open(os.path.join(val_dir, name))):
            rows.append((prefix + r["class"], f"{kind}:" + r[field], r["question"], r["answer"][0]))
    media = load_media(val_dir, [k for _, k, _, _ in rows], LLAVA_FRAMES, middle=True)
    right, total = {}, {}
    for cls, key, q, a in rows:
        got = tr.sp.decode(tr.greedy(media[key], q, 6)).strip()
        total[cls] = total.get(cls, 0) + 1
        right[cls] = right.get(cls, 0) + (got.lower() == a.lower())
    acc = {c: round(right[c] / total[c], 4) for c in sorted(total)}
    return {"accuracy": acc, "lines": [f"{c}: {right[c]}/{total[c]}" for c in sorted(total)]}


def bf16_rounded(state):
    return {k: (v.detach().bfloat16().float() if v.is_floating_point() else v.detach()) for k, v in state.items()}


def llava_language_stage(args, d, sp, vision, by_media, extra_of, keys, media, log):
    """The projector and the LLaMA learn the language loss on the split's media and new ones,
    the tower frozen, ClipHead on the projected rows of clips. -> (trainer, seconds, losses);
    the result is kept in WORK/llava-trained.pt."""
    _, llm = tiny_llava.initial_state(d, args.seed)
    clip = {k: v.detach() for k, v in vision["clip"].items()}
    for v in llm.values():
        v.requires_grad_(True)
    torch.manual_seed(args.seed)
    rows = (d["image_size"] // d["patch"]) ** 2
    head = ClipHead(rows, d["llm_hidden"])
    targets = {"vid:" + r["video"]: LatentHeads.clip_targets(r)
               for r in map(json.loads, open(os.path.join(args.split_dir, "clips.jsonl")))}
    tr = LlavaTrainer(d, clip, llm, sp, head, targets)
    params = list(llm.values()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    rng = random.Random(args.seed)
    fresh = FreshMedia(args.seed, LLAVA_FRAMES, middle=True)

    def seen(key, row):
        if "video" in row:
            tr.clip_targets[key] = LatentHeads.clip_targets(row)

    t0, losses, lm_losses, steps = time.time(), [], [], args.llava_steps
    for step, lr, step_media, batch in language_steps(args, keys, media, by_media, extra_of, rng, fresh,
                                                      steps, seen):
        set_lr(opt, lr)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            loss = tr.loss(batch, step_media)
        for key in [k for k in step_media if k.startswith("new:")]:
            tr.clip_targets.pop(key, None)
        optimizer_step(opt, params, loss)
        losses.append(loss.item())
        lm_losses.append(tr.lm)
        report_progress("llava", step, steps, losses, lr, t0, log, lm_losses)
    seconds = time.time() - t0
    torch.save({"clip": clip, "llm": {k: v.detach() for k, v in llm.items()}, "seconds": seconds, "losses": losses},
               os.path.join(args.work, "llava-trained.pt"))
    return tr, seconds, losses


VIDEO_SALT = 97


def llava_video_stage(args, tr, by_media, extra_of, media, log):
    """The image model fine-tuned on video, as LLaVA-NeXT-Video is made from LLaVA-NeXT: steps
    whose media are half clips (4 of the split's clips, 4 of its pictures, and new ones, every
    second a clip), the language loss alone, half the learning rate. Seeded on its own, so that
    it gives the same result whether the language stage ran just before or was read back.
    Measured on the test split after the language stage alone: clips' Action(Y/N) 38 of 60
    (chance 0.55); with 6 clips and 2 pictures per step, 52 of 60 but Counting down from 24 to 19
    of 40."""
    steps = args.llava_video_steps
    if steps == 0:
        return 0.0
    clips = sorted(k for k in by_media if k.startswith("vid:"))
    pictures = sorted(k for k in by_media if k.startswith("img:"))
    rng = random.Random(args.seed + 1)
    torch.manual_seed(args.seed + 1)
    fresh = FreshMedia(args.seed, LLAVA_FRAMES, salt=VIDEO_SALT, clip_every=2, middle=True)
    tr.clip_head = None
    params = list(tr.L.values())
    opt = torch.optim.AdamW(params, lr=args.lr / 2, weight_decay=0.01, betas=(0.9, 0.98))
    t0, losses = time.time(), []
    for step in range(steps):
        lr = warmup_cosine(args.lr / 2, step, steps)
        set_lr(opt, lr)
        ks = rng.sample(clips, 4) + rng.sample(pictures, 4)
        step_media = {k: media[k] for k in ks}
        batch = split_batch(ks, by_media, extra_of, rng, args.per_media)
        for _ in range(args.fresh):
            key, pixels, _, qs = fresh.next(args.per_media)
            step_media[key] = pixels
            batch += [(key, q, a) for q, a in qs]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            loss = tr.loss(batch, step_media)
        optimizer_step(opt, params, loss)
        losses.append(loss.item())
        report_progress("llava video", step, steps, losses, lr, t0, log)
    return time.time() - t0


def train_llava(args, d, tokenizer, data, generated, vision, log):
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=tokenizer)
    by_media, extra_of, keys = by_media_key(data, generated)
    media = load_media(args.split_dir, keys, LLAVA_FRAMES, middle=True)
    if args.llava_resume:  # the language stage's result, from an earlier run's WORK/llava-trained.pt
        state = torch.load(args.llava_resume)
        tr = LlavaTrainer(d, state["clip"], state["llm"], sp)
        for v in tr.L.values():
            v.requires_grad_(True)
        seconds, losses = state["seconds"], state["losses"]
        print(f"llava: the language stage from {args.llava_resume}", flush=True)
    else:
        tr, seconds, losses = llava_language_stage(args, d, sp, vision, by_media, extra_of, keys, media, log)
    video_seconds = llava_video_stage(args, tr, by_media, extra_of, media, log)
    seconds += video_seconds
    # what ships: bf16 weights, so the release holds exactly the values the checkpoint holds
    tr.C, tr.L = bf16_rounded(tr.C), bf16_rounded(tr.L)
    val = llava_validate(tr, os.path.join(args.work, "val"))
    for line in val["lines"]:
        print(f"llava val {line}", flush=True)
    if args.probe:
        return seconds
    rel = os.path.join(args.work, "release-llava")
    if os.path.exists(rel):
        shutil.rmtree(rel)
    clip_dir, llava_dir = tiny_llava.write_release(rel, d, tr.C, tr.L, tokenizer)
    settings = os.path.join(rel, "world-settings.json")
    with open(settings, "w") as f:
        json.dump(LLAVA_SETTINGS, f, indent=1)
    out = os.path.join(args.out, "llava-world")
    subprocess.run([sys.executable, os.path.join(HERE, "convert_llava.py"), "--llava", llava_dir,
                    "--vision-tower", clip_dir, "--overrides", settings, "--dtype", "bf16", "--out", out,
                    "--force"], check=True)
    test_dir = os.path.join(ROOT, "datasets", "world", "test")
    n = llava_reference_answers(llava_dir, clip_dir, test_dir, os.path.join(out, "reference-greedy.jsonl"))
    print(f"llava: the float64 reference's greedy answers to {n} test items written", flush=True)
    with open(os.path.join(out, "training.json"), "w") as f:
        json.dump({"variant": "llava", "steps": args.llava_steps, "video_steps": args.llava_video_steps,
                   "video_seconds": round(video_seconds, 1), "batch": args.batch, "lr": args.lr, "seed": args.seed,
                   "bf16_autocast": args.bf16, "per_media": args.per_media, "generated_draws": args.draws,
                   "fresh_per_batch": args.fresh, "frames": LLAVA_FRAMES, "template": LLAVA_TEMPLATE,
                   "vision_stage": {k: vision[k] for k in ("steps", "batch", "lr", "seconds", "val_accuracy")},
                   "val_accuracy": val["accuracy"], "threads": torch.get_num_threads(),
                   "seconds": round(seconds, 1), "final_loss_mean50": round(sum(losses[-50:]) / len(losses[-50:]), 4), "examples": len(data),
                   "generated_examples": len(generated), "torch": torch.__version__, "model": d,
                   "log": log[-40:]}, f, indent=1)
    return seconds


def llava_reference_answers(llava_dir, clip_dir, test_dir, out_path, max_new_tokens=24):
    """Greedy answers on every test item from the release files, by the independent float64
    reference (tests/llava/llava_reference.py), prompts by LLaVA's tokenizer_image_token rules."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "llava"))
    import llava_reference
    import sentencepiece as spm
    ref = llava_reference.Llava(llava_dir, clip_dir)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(llava_dir, "tokenizer.model"))
    items = test_items(test_dir)
    media = load_media(test_dir, [k for _, _, k, _ in items], LLAVA_FRAMES, middle=True)
    with open(out_path, "w") as f:
        for task, item_id, key, question in items:
            ids = tiny_llava.prompt_ids(sp, LLAVA_TEMPLATE, question)
            tokens, _ = ref.greedy(ids, media[key], max_new_tokens)
            answer = sp.decode(tokens).strip()
            f.write(json.dumps({"task": task, "id": item_id, "answer": answer, "tokens": tokens}) + "\n")
    return len(items)


# ---- the InstructBLIP-style model -----------------------------------------------------------------
# tools/world/tiny_blip.py: the world Lynx models' EVA tower, frozen (as BLIP keeps EVA), then
# ln_vision, a Q-Former reading the question, a projection and the LLaMA, trained together on the
# language loss; clips are 4 frames, each segment's first (InstructBLIP's video input).

BLIP_SETTINGS = {  # the converter's --overrides: this model's prompt and evaluation
    "prompt": {"lowercase": True, "short_answer_template": "", "short_answer": ""},
    "decoding": {"strategy": "greedy", "num_beams": 1, "max_new_tokens": 24, "repetition_penalty": 1.0,
                 "length_penalty": 1.0, "max_new_tokens_by_task": {},
                 "short_answer": {"max_new_tokens": 24, "length_penalty": 1.0}},
}


class BlipTrainer:
    def __init__(self, d, eva_sd, lavis, llm, sp, vocab):
        self.d, self.E, self.P, self.L, self.sp, self.vocab = d, eva_sd, lavis, llm, sp, vocab
        self.feats, self.ids, self.qids = {}, {}, {}
        self.lm = 0.0

    def features(self, key, pixels):
        """The frozen tower's rows of a media item [F, T, W]; the split's are kept."""
        if key in self.feats:
            return self.feats[key]
        with torch.no_grad():
            f = tiny_blip.eva(self.E, self.d, pixels)
        if not key.startswith("new:"):
            self.feats[key] = f
        return f

    def prompt(self, question):
        if question not in self.ids:
            self.ids[question] = tiny_blip.prompt_ids(self.sp, question)
            self.qids[question] = tiny_blip.instruction_ids(self.vocab, question)
        return self.ids[question], self.qids[question]

    def rows(self, batch, media):
        """(key, question, ...) items -> their media rows, each read with its own question."""
        rows = [None] * len(batch)
        for frames in sorted({media[b[0]].shape[0] for b in batch}):
            idx = [i for i, b in enumerate(batch) if media[b[0]].shape[0] == frames]
            feats = torch.stack([self.features(batch[i][0], media[batch[i][0]]) for i in idx])
            r = tiny_blip.media_rows(self.P, self.d, feats, [self.prompt(batch[i][1])[1] for i in idx])
            for j, i in enumerate(idx):
                rows[i] = r[j]
        return rows

    def loss(self, batch, media):
        table = self.L["model.embed_tokens.weight"]
        seqs, spans = [], []
        for (key, q, a), r in zip(batch, self.rows(batch, media)):
            ids = self.prompt(q)[0]
            target = self.sp.encode(a) + [tiny_blip.BOS]
            x = torch.cat([r, table[torch.tensor(ids + target)]])
            seqs.append(x)
            spans.append((x.shape[0] - len(target), target))
        T = max(x.shape[0] for x in seqs)
        x = torch.stack([F.pad(s, (0, 0, 0, T - s.shape[0])) for s in seqs])
        logits = tiny_llava.llama(self.L, self.d, x)
        sel = torch.cat([logits[b, at - 1:at - 1 + len(t)] for b, (at, t) in enumerate(spans)])
        lm = F.cross_entropy(sel.float(), torch.tensor([i for _, t in spans for i in t]))
        self.lm = lm.item()
        return lm

    def greedy(self, pixels, question, max_new_tokens):
        """Greedy ids (no </s>) in float32, the whole sequence each step (training's check)."""
        with torch.no_grad():
            rows = self.rows([("new:val", question)], {"new:val": pixels})[0]
            ids, out = self.prompt(question)[0], []
            table = self.L["model.embed_tokens.weight"]
            for _ in range(max_new_tokens):
                x = torch.cat([rows, table[torch.tensor(ids + out)]])[None]
                nxt = int(tiny_llava.llama(self.L, self.d, x)[0, -1].argmax())
                if nxt == tiny_blip.BOS:
                    break
                out.append(nxt)
        return out


def blip_validate(tr, val_dir):
    """Greedy exact-match accuracy per question class on the validation split, as validate()."""
    rows = []
    for name, kind, field, prefix in (("Open_VQA_images.jsonl", "img", "image", ""),
                                      ("Open_VQA_videos.jsonl", "vid", "video", "video ")):
        for r in map(json.loads, open(os.path.join(val_dir, name))):
            rows.append((prefix + r["class"], f"{kind}:" + r[field], r["question"], r["answer"][0]))
    media = load_media(val_dir, [k for _, k, _, _ in rows], tiny_blip.FRAMES)
    right, total = {}, {}
    for cls, key, q, a in rows:
        got = tr.sp.decode(tr.greedy(media[key], q, 6)).strip()
        total[cls] = total.get(cls, 0) + 1
        right[cls] = right.get(cls, 0) + (got.lower() == a.lower())
    acc = {c: round(right[c] / total[c], 4) for c in sorted(total)}
    return {"accuracy": acc, "lines": [f"{c}: {right[c]}/{total[c]}" for c in sorted(total)]}


def train_blip(args, tokenizer, data, generated, log):
    """The language stage (ViT frozen, the rest trained), the release in LAVIS's layout,
    tools/convert_instructblip.py --lavis, and the float64 reference's answers to the test split."""
    import sentencepiece as spm
    pt = os.path.join(args.out, "lynx-world-pt")
    tokenizer = os.path.join(pt, "tokenizer.model")  # the world models' own (and the tower's model's)
    sp = spm.SentencePieceProcessor(model_file=tokenizer)
    d = tiny_blip.shapes(sp.get_piece_size())
    questions = sorted({q for _, q, _ in data} | {q for _, q, _ in generated})
    vocab_lines = tiny_blip.bert_vocab(questions + [CAPTION_QUESTION])
    vocab = {t: i for i, t in enumerate(vocab_lines)}
    eva_sd = tiny_blip.lynx_vit(pt, d, args.seed)
    lavis, llm = tiny_blip.initial_state(d, args.seed, len(vocab_lines) + 1)  # + "[DEC]"
    for v in list(lavis.values()) + list(llm.values()):
        v.requires_grad_(True)
    tr = BlipTrainer(d, eva_sd, lavis, llm, sp, vocab)
    by_media, extra_of, keys = by_media_key(data, generated)
    media = load_media(args.split_dir, keys, tiny_blip.FRAMES)
    params = list(lavis.values()) + list(llm.values())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    fresh = FreshMedia(args.seed, tiny_blip.FRAMES)
    t0, losses, steps = time.time(), [], args.blip_steps
    for step, lr, step_media, batch in language_steps(args, keys, media, by_media, extra_of, rng, fresh, steps):
        set_lr(opt, lr)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            loss = tr.loss(batch, step_media)
        optimizer_step(opt, params, loss)
        losses.append(loss.item())
        report_progress("blip", step, steps, losses, lr, t0, log)
    seconds = time.time() - t0
    # what ships: bf16 weights, so the release holds exactly the values the checkpoint holds
    tr.P, tr.L = bf16_rounded(lavis), bf16_rounded(llm)
    tr.E = bf16_rounded(eva_sd)
    tr.feats = {}
    val = blip_validate(tr, os.path.join(args.work, "val"))
    for line in val["lines"]:
        print(f"blip val {line}", flush=True)
    if args.probe:
        return seconds
    rel = os.path.join(args.work, "release-blip")
    if os.path.exists(rel):
        shutil.rmtree(rel)
    paths = tiny_blip.write_release(rel, d, tr.E, tr.P, tr.L, tokenizer, vocab_lines)
    settings = os.path.join(rel, "world-settings.json")
    with open(settings, "w") as f:
        json.dump(BLIP_SETTINGS, f, indent=1)
    out = os.path.join(args.out, "instructblip-world")
    subprocess.run([sys.executable, os.path.join(HERE, "convert_instructblip.py"), "--lavis", paths["lavis"],
                    "--eva", paths["eva"], "--llm", paths["llm"], "--bert-vocab", paths["bert_vocab"],
                    "--qformer-heads", str(d["qf_heads"]), "--image-size", str(d["image_res"]),
                    "--overrides", settings, "--dtype", "bf16", "--out", out, "--force"], check=True)
    test_dir = os.path.join(ROOT, "datasets", "world", "test")
    n = blip_reference_answers(paths, d, test_dir, os.path.join(out, "reference-greedy.jsonl"))
    print(f"blip: the float64 reference's greedy answers to {n} test items written", flush=True)
    with open(os.path.join(out, "training.json"), "w") as f:
        json.dump({"variant": "instructblip", "steps": steps, "batch": args.batch, "lr": args.lr, "seed": args.seed,
                   "bf16_autocast": args.bf16, "per_media": args.per_media, "generated_draws": args.draws,
                   "fresh_per_batch": args.fresh, "frames": tiny_blip.FRAMES,
                   "vision": "the world PT model's EVA tower, frozen", "val_accuracy": val["accuracy"],
                   "threads": torch.get_num_threads(), "seconds": round(seconds, 1),
                   "final_loss_mean50": round(sum(losses[-50:]) / len(losses[-50:]), 4), "examples": len(data),
                   "generated_examples": len(generated), "torch": torch.__version__, "model": d,
                   "log": log[-40:]}, f, indent=1)
    return seconds


def blip_reference_answers(paths, d, test_dir, out_path, max_new_tokens=24):
    """Greedy answers on every test item from the release files, by the independent float64
    reference (tests/reference/blip_reference.py), with lynxeval's InstructBLIP decoding: </s>
    ends an answer, a generated 0 is rewritten to </s> before the text is decoded, special ids
    are skipped."""
    import blip_reference
    import sentencepiece as spm
    ref = blip_reference.Blip(
        lavis=(paths["eva"], paths["lavis"], paths["llm"],
               lambda t: t.float().mean(0, keepdim=True).bfloat16().float()),  # the converter's [PAD] row
        cfg={"vit_layers": d["vit_layers"], "vit_heads": d["vit_heads"], "patch": d["patch"],
             "qf_layers": d["qf_layers"], "qf_heads": d["qf_heads"], "cross_every": d["cross_every"]})
    sp = spm.SentencePieceProcessor(model_file=os.path.join(paths["llm"], "tokenizer.model"))
    lines = open(paths["bert_vocab"], encoding="utf-8").read().split("\n")[:-1] + ["[DEC]"]
    vocab = {t: i for i, t in enumerate(lines)}
    pad = sp.get_piece_size()
    items = test_items(test_dir)
    media = load_media(test_dir, [k for _, _, k, _ in items], tiny_blip.FRAMES)
    with open(out_path, "w") as f:
        for task, item_id, key, question in items:
            rows = ref.media(media[key].double(), tiny_blip.instruction_ids(vocab, question))
            ids, tokens = tiny_blip.prompt_ids(sp, question), []
            for _ in range(max_new_tokens):
                nxt = int(ref.next_logits(rows, ids + tokens).argmax())
                if nxt == tiny_blip.BOS:
                    break
                tokens.append(nxt)
            shown = [t for t in tokens if t not in (0, tiny_blip.BOS, pad)]
            answer = sp.decode(shown).strip()
            f.write(json.dumps({"task": task, "id": item_id, "answer": answer, "tokens": tokens}) + "\n")
    return len(items)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "world-train"))
    ap.add_argument("--out", default=os.path.join(ROOT, "checkpoints"))
    ap.add_argument("--variants", default="pt,ca,llava,blip",
                    help="models to train: pt, ca (Lynx), llava (the LLaVA-style model), blip (the "
                         "InstructBLIP-style model: needs the trained pt model in --out)")
    ap.add_argument("--steps", type=int, default=2700, help="steps of each variant's language stage")
    ap.add_argument("--no-bf16", dest="bf16", action="store_false", help="train in float32 throughout")
    ap.add_argument("--batch", type=int, default=8, help="media items of the train split per batch")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=2307)
    ap.add_argument("--vocab", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-scene-loss", dest="scene_loss", action="store_false",
                    help="no LatentHeads in the language stage: the language loss alone (the vision stage still runs)")
    ap.add_argument("--per-media", type=int, default=PER_MEDIA, help="examples per media item in a batch")
    ap.add_argument("--draws", type=int, default=3,
                    help="draws of generated questions per training scene (0: the split's questions only)")
    ap.add_argument("--fresh", type=int, default=6,
                    help="new pictures and clips from the generator per batch, besides the split's")
    ap.add_argument("--probe", action="store_true", help="train and validate only; write no checkpoint")
    ap.add_argument("--vision-steps", type=int, default=3500, help="steps of the shared vision stage")
    ap.add_argument("--vision-batch", type=int, default=24, help="new pictures and clips per vision step")
    ap.add_argument("--vision-lr", type=float, default=1e-3)
    ap.add_argument("--vision-only", action="store_true", help="run the vision stage only (a probe)")
    ap.add_argument("--vision-from", metavar="FILE",
                    help="take the vision stage from FILE (a WORK/vision.pt of an earlier run with the same seed and shapes) instead of training it")
    ap.add_argument("--llava-steps", type=int, default=1800,
                    help="steps of the LLaVA model's language stage (a step costs 2.4x a Lynx step: 64 media rows)")
    ap.add_argument("--llava-vision-steps", type=int, default=2500, help="steps of the LLaVA model's vision stage")
    ap.add_argument("--llava-video-steps", type=int, default=500,
                    help="steps of the LLaVA model's video stage (mostly clips), after its language stage")
    ap.add_argument("--blip-steps", type=int, default=1800,
                    help="steps of the InstructBLIP-style model's language stage (its vision tower is the pt model's)")
    ap.add_argument("--llava-resume", metavar="FILE",
                    help="take the LLaVA model's language stage from FILE (a WORK/llava-trained.pt of an "
                         "earlier run with the same seed and shapes) and go on from there")
    ap.add_argument("--llava-vision-from", metavar="FILE",
                    help="take the LLaVA model's vision stage from FILE (a WORK/vision-llava.pt)")
    args = ap.parse_args()
    for v in args.variants.split(","):
        if v not in ("pt", "ca", "llava", "blip"):
            ap.error(f"--variants: unknown model '{v}' (pt, ca, llava, blip)")
    torch.set_num_threads(args.threads)
    os.makedirs(args.work, exist_ok=True)
    for name in ("train", "val"):
        if not os.path.exists(os.path.join(args.work, name, "clips.jsonl")):
            generate_world.generate(name, os.path.join(args.work, name), generate_world.SEED)
    split = os.path.join(args.work, "train")
    args.split_dir = split
    data = examples(split)
    generated, seen = [], {(k, q) for k, q, _ in data}
    for ex in generated_examples(split, args.seed, args.draws) if args.draws else []:
        if (ex[0], ex[1]) not in seen:
            seen.add((ex[0], ex[1]))
            generated.append(ex)
    texts = [PROMPT.strip().format(question=q).strip().lower() for _, q, _ in data] + [a for _, _, a in data]
    tokenizer = train_tokenizer(texts, args.work, args.vocab)
    d = dict(WORLD_MODEL, vocab=args.vocab)
    os.makedirs(args.out, exist_ok=True)
    variants = args.variants.split(",")
    lynx = [v for v in variants if v in ("pt", "ca")]
    t, media = time.time(), {}
    if lynx:
        media = load_media(split, [k for k, _, _ in data], d["num_frames"])
    print(f"{len(data)} examples and {len(generated)} generated, {len(media)} media, loaded in {time.time() - t:.0f}s",
          flush=True)
    if lynx:
        if args.vision_from:
            vision = torch.load(args.vision_from)
            print(f"vision stage: {args.vision_from} (trained in {vision['seconds'] / 60:.1f} min)", flush=True)
        else:
            vision = pretrain_vision(args, d, tokenizer, [])
            print(f"vision stage: trained in {vision['seconds'] / 60:.1f} min", flush=True)
    if "llava" in variants:
        dl = tiny_llava.shapes(args.vocab)
        if args.llava_vision_from:
            llava_vision = torch.load(args.llava_vision_from)
        elif not (args.vision_only and lynx):
            llava_vision = llava_vision_stage(args, dl, [])
            print(f"llava vision stage: trained in {llava_vision['seconds'] / 60:.1f} min", flush=True)
    if args.vision_only:
        return
    for variant in variants:
        if variant == "llava":
            seconds = train_llava(args, dl, tokenizer, data, generated, llava_vision, [])
        elif variant == "blip":
            seconds = train_blip(args, tokenizer, data, generated, [])
        else:
            seconds = train(args, variant, d, tokenizer, data, generated, media, vision, [])
        print(f"{variant}: trained in {seconds / 60:.1f} min", flush=True)

if __name__ == "__main__":
    main()
