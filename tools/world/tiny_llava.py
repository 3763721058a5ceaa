"""The world's LLaVA-style model, as tools/train_tiny.py trains it: a CLIP vision tower (Hugging
Face CLIPVisionModel semantics: patch conv without bias, CLS, position embeddings, pre-norm,
pre-LN blocks with q/k/v/out biases and QuickGELU), LLaVA-1.5's feature selection (the output of
the second-to-last block, CLS dropped), its mlp2x_gelu projector and a LLaMA, all as functions
over one dict of tensors named as the release files name them (vision_model.*, model.*,
lm_head.weight, model.mm_projector.{0,2}.*), so that training writes the release directly.

Video, which LLaVA-1.5 has no path for, goes as Hugging Face's LlavaNextVideo sends it: every
frame through the tower, each frame's patch grid average-pooled with stride s, frames
concatenated in order, then the projector; with s*s = the number of frames, a clip takes as many
rows as a picture (here 4 frames, 2 x 2 pooling: 4 x 16 = 64 rows, a picture's 8 x 8).

Training only: float32 weights, batched, right-padded sequences (positions 0..L-1 from each
sequence's start). The independent float64 reference that checks lynxeval is
tests/llava/llava_reference.py, which reads the converted-from release files.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "reference"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "llava"))
import fake_release  # noqa: E402
import llava_release  # noqa: E402

MEDIA = -200  # LLaVA's IMAGE_TOKEN_INDEX: where the media rows go among the ids


def shapes(vocab):
    """The world LLaVA's sizes (llava_release.py's keys): the tower as wide as the Lynx models'
    ViT, 5 blocks of which 4 run (select layer -2), and the Lynx models' LLaMA."""
    return dict(clip_width=176, clip_heads=2, clip_layers=5, clip_mlp=704, patch=14, image_size=112,
                select_layer=-2, llm_hidden=192, llm_heads=4, llm_layers=4, llm_intermediate=512,
                vocab=vocab, text_width=32)


def initial_state(d, seed):
    """Random initial weights in the release's names: (clip state, llm + projector state)."""
    g = fake_release._gen(seed)
    clip = llava_release.clip_state(g, d)
    llm = {k: v for k, v in fake_release.llama_state(g, d).items() if not k.endswith("inv_freq")}
    llm.update(llava_release.projector_state(g, d))
    return clip, llm


def blocks_run(d):
    return d["clip_layers"] + 1 + d["select_layer"]  # hidden_states[select_layer]


def layer_norm(x, P, name, eps=1e-5):
    return F.layer_norm(x, (x.shape[-1],), P[name + ".weight"], P[name + ".bias"], eps)


def linear(x, P, name):
    b = P.get(name + ".bias")
    return F.linear(x, P[name + ".weight"], b)


def tower(C, d, pixels):
    """pixels [N, 3, S, S] -> the selected hidden state [N, 1 + G*G, W] (CLS first)."""
    W, H = d["clip_width"], d["clip_heads"]
    hd = W // H
    v = "vision_model."
    x = F.conv2d(pixels, C[v + "embeddings.patch_embedding.weight"], stride=d["patch"]).flatten(2).transpose(1, 2)
    cls = C[v + "embeddings.class_embedding"].expand(x.shape[0], 1, W)
    x = torch.cat([cls, x], 1) + C[v + "embeddings.position_embedding.weight"]
    x = layer_norm(x, C, v + "pre_layrnorm")
    N, T = x.shape[0], x.shape[1]
    for i in range(blocks_run(d)):
        b = v + f"encoder.layers.{i}."
        h = layer_norm(x, C, b + "layer_norm1")
        q = linear(h, C, b + "self_attn.q_proj") * hd ** -0.5
        k, vv = linear(h, C, b + "self_attn.k_proj"), linear(h, C, b + "self_attn.v_proj")
        q, k, vv = (t.view(N, T, H, hd).transpose(1, 2) for t in (q, k, vv))
        a = torch.softmax(q @ k.transpose(-1, -2), dim=-1) @ vv
        x = x + linear(a.transpose(1, 2).reshape(N, T, W), C, b + "self_attn.out_proj")
        h = linear(layer_norm(x, C, b + "layer_norm2"), C, b + "mlp.fc1")
        x = x + linear(h * torch.sigmoid(1.702 * h), C, b + "mlp.fc2")
    return x


def pooled_frames(feats, frames):
    """Patch features [F * G*G, W] of F frames (CLS dropped) -> [F * (G/s)^2, W], s*s = F:
    LlavaNextVideo's pooler (average, stride s, on each frame's grid), frames in order."""
    if frames == 1:
        return feats
    s = math.isqrt(frames)
    W = feats.shape[-1]
    G = math.isqrt(feats.shape[0] // frames)
    x = feats.view(frames, G, G, W).permute(0, 3, 1, 2)
    x = F.avg_pool2d(x, kernel_size=s, stride=s)
    return x.flatten(2).transpose(1, 2).reshape(-1, W)


def media_features(C, d, pixels):
    """One picture [1, 3, S, S] or one clip [F, 3, S, S] -> the projector's input [G*G, W]."""
    feats = tower(C, d, pixels)[:, 1:]
    return pooled_frames(feats.reshape(-1, feats.shape[-1]), pixels.shape[0])


def project(L, x):
    """mlp2x_gelu: Linear, exact GELU, Linear."""
    return linear(F.gelu(linear(x, L, "model.mm_projector.0")), L, "model.mm_projector.2")


def rms_norm(x, w, eps=1e-5):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


def llama(L, d, x):
    """input embeddings [B, T, D] (each sequence from position 0; padding after it) -> logits
    [B, T, V], causal."""
    B, T, D = x.shape
    H = d["llm_heads"]
    hd = D // H
    inv = 1.0 / 10000.0 ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd)
    ang = torch.outer(torch.arange(T, dtype=torch.float32), inv)
    ang = torch.cat([ang, ang], -1)
    cos, sin = ang.cos(), ang.sin()
    mask = torch.full((T, T), -math.inf).triu(1)
    for i in range(d["llm_layers"]):
        b = f"model.layers.{i}."
        h = rms_norm(x, L[b + "input_layernorm.weight"])
        q, k, v = (F.linear(h, L[b + f"self_attn.{p}_proj.weight"]).view(B, T, H, hd).transpose(1, 2)
                   for p in "qkv")
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + mask, dim=-1) @ v
        x = x + F.linear(a.transpose(1, 2).reshape(B, T, D), L[b + "self_attn.o_proj.weight"])
        h = rms_norm(x, L[b + "post_attention_layernorm.weight"])
        g = F.linear(h, L[b + "mlp.gate_proj.weight"])
        x = x + F.linear(F.silu(g) * F.linear(h, L[b + "mlp.up_proj.weight"]), L[b + "mlp.down_proj.weight"])
    return F.linear(rms_norm(x, L["model.norm.weight"]), L["lm_head.weight"])


def embed(L, ids, media):
    """ids with one MEDIA -> [len(ids) - 1 + rows, D]: the media rows where MEDIA stands."""
    table = L["model.embed_tokens.weight"]
    at = ids.index(MEDIA)
    before = table[torch.tensor(ids[:at], dtype=torch.long)]
    after = table[torch.tensor(ids[at + 1:], dtype=torch.long)]
    return torch.cat([before, media, after])


def prompt_ids(sp, template, question):
    """LLaVA's tokenizer_image_token over the lowercased filled template: [<s>] + each side of
    the marker tokenized on its own (the slow tokenizer's legacy rules: SentencePiece's encode),
    MEDIA between them."""
    text = template.strip().replace("{question}", question).strip().lower()
    before, after = text.split("<image>")
    return [1] + sp.encode(before) + [MEDIA] + sp.encode(after)


def write_release(out, d, clip, llm, tokenizer, clip_name="clip-vit-world"):
    """The release as LLaVA-1.5 ships (llava_release.py's layouts): the CLIP directory and the
    LLaVA directory. Returns (clip dir, llava dir)."""
    clip_dir, llava_dir = os.path.join(out, clip_name), os.path.join(out, "llava-world")
    llava_release.write_clip_dir(clip_dir, d, clip)
    proj = {k: v for k, v in llm.items() if k.startswith("model.mm_projector.")}
    rest = {k: v for k, v in llm.items() if not k.startswith("model.mm_projector.")}
    llava_release.write_llava15(llava_dir, d, rest, proj, clip_name, tokenizer=tokenizer, legacy=True)
    return clip_dir, llava_dir
