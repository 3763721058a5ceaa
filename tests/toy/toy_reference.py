"""The toy family (model/toy/toy.h) in PyTorch, written from its description and from the
LLaMA decoder's semantics in Hugging Face transformers (RMSNorm, rotate_half rotary embeddings,
causal attention, SwiGLU), never from lynxeval's C. Also writes a toy model directory.

    make_model(out_dir, tokenizer_from, seed)  a model directory: config.json, model.safetensors
                                               (float32), tokenizer.model copied
    Toy(model_dir)                             the reference: .encode(pixels) -> media,
                                               .logits(media, ids) -> next-token logits
"""
import json
import os
import shutil
import struct

import numpy as np
import torch

HIDDEN, LAYERS, HEADS, MLP, PATCH, SIZE = 64, 2, 4, 128, 8, 32


def make_model(out, tokenizer_from, seed):
    """A toy model directory whose vocabulary and prompt are the model at tokenizer_from's."""
    base = json.load(open(os.path.join(tokenizer_from, "config.json")))
    llm = base["llm"]
    config = {
        "format": "lynxeval-model", "format_version": 1, "family": "toy",
        "projector": {"patch_size": PATCH},
        "llm": {"vocab_size": llm["vocab_size"], "hidden_size": HIDDEN, "num_layers": LAYERS,
                "num_heads": HEADS, "intermediate_size": MLP, "rms_norm_eps": 1e-6,
                "rope_theta": 10000.0, "max_position_embeddings": 512, "adapter_every": 0,
                "bos_token_id": llm["bos_token_id"], "eos_token_id": llm["eos_token_id"],
                "pad_token_id": llm["pad_token_id"], "unk_token_id": llm["unk_token_id"]},
        "preprocess": dict(base["preprocess"], image_size=SIZE),
        "prompt": base["prompt"],
        "decoding": {"strategy": "greedy", "max_new_tokens": 8},
    }
    g = torch.Generator().manual_seed(seed)
    V, D, K = llm["vocab_size"], HIDDEN, 3 * PATCH * PATCH

    def rnd(*shape, scale=None):
        scale = scale if scale is not None else shape[-1] ** -0.5
        return (torch.randn(*shape, generator=g) * scale).float()

    t = {"projector.weight": rnd(D, K), "projector.bias": rnd(D, scale=0.1),
         "llm.embed_tokens.weight": rnd(V, D, scale=1.0), "llm.lm_head.weight": rnd(V, D),
         "llm.norm.weight": 1 + rnd(D, scale=0.1)}
    for i in range(LAYERS):
        p = f"llm.layers.{i}."
        t[p + "input_norm.weight"] = 1 + rnd(D, scale=0.1)
        t[p + "post_attention_norm.weight"] = 1 + rnd(D, scale=0.1)
        for n in "qkvo":
            t[p + f"attn.{n}.weight"] = rnd(D, D)
        t[p + "mlp.gate.weight"] = rnd(MLP, D)
        t[p + "mlp.up.weight"] = rnd(MLP, D)
        t[p + "mlp.down.weight"] = rnd(D, MLP)
    os.makedirs(out, exist_ok=True)
    json.dump(config, open(os.path.join(out, "config.json"), "w"), indent=2)
    write_safetensors(os.path.join(out, "model.safetensors"), t)
    shutil.copy(os.path.join(tokenizer_from, "tokenizer.model"), os.path.join(out, "tokenizer.model"))
    return config


def write_safetensors(path, tensors):
    """The safetensors layout: 8-byte header length, the JSON header, the data (float32)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(raw[8 + n + a:8 + n + b], dtype="<f4").copy()).reshape(h["shape"])
    return out


def rms_norm(x, w, eps):
    x64 = x.double()
    return (x64 * torch.rsqrt(x64.pow(2).mean(-1, keepdim=True) + eps) * w.double())


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Toy:
    """Computed in float64 from the float32 weights."""

    def __init__(self, model_dir):
        self.cfg = json.load(open(os.path.join(model_dir, "config.json")))
        self.w = {k: v.double() for k, v in read_safetensors(os.path.join(model_dir, "model.safetensors")).items()}

    def encode(self, pixels):
        """pixels [F, 3, S, S] -> media [G*G, D]: frames averaged, P x P patches projected."""
        P = self.cfg["projector"]["patch_size"]
        x = torch.as_tensor(pixels).double().mean(0)  # [3, S, S]
        S = x.shape[-1]
        G = S // P
        patches = x.reshape(3, G, P, G, P).permute(1, 3, 0, 2, 4).reshape(G * G, 3 * P * P)
        return patches @ self.w["projector.weight"].T + self.w["projector.bias"]

    def logits(self, media, ids):
        """Next-token logits after the token ids with the media (or None) inserted after the first
        projector.media_after_tokens of them (0, the default: before them all)."""
        l = self.cfg["llm"]
        D, H, eps = l["hidden_size"], l["num_heads"], l["rms_norm_eps"]
        hd = D // H
        h = self.w["llm.embed_tokens.weight"][torch.as_tensor(ids, dtype=torch.long)]
        if media is not None:
            a = min(self.cfg["projector"].get("media_after_tokens", 0), len(ids))
            h = torch.cat([h[:a], media, h[a:]])
        T = h.shape[0]
        inv = 1.0 / (l["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        ang = torch.outer(torch.arange(T, dtype=torch.float64), inv)
        cos, sin = torch.cat([ang.cos(), ang.cos()], -1), torch.cat([ang.sin(), ang.sin()], -1)
        mask = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
        for i in range(l["num_layers"]):
            p = f"llm.layers.{i}."
            x = rms_norm(h, self.w[p + "input_norm.weight"], eps)
            q, k, v = (x @ self.w[p + f"attn.{n}.weight"].T for n in "qkv")
            q, k, v = (t.reshape(T, H, hd).transpose(0, 1) for t in (q, k, v))
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            a = torch.softmax(q @ k.transpose(1, 2) / hd ** 0.5 + mask, -1) @ v
            h = h + a.transpose(0, 1).reshape(T, D) @ self.w[p + "attn.o.weight"].T
            x = rms_norm(h, self.w[p + "post_attention_norm.weight"], eps)
            gate = x @ self.w[p + "mlp.gate.weight"].T
            h = h + (torch.nn.functional.silu(gate) * (x @ self.w[p + "mlp.up.weight"].T)) @ self.w[p + "mlp.down.weight"].T
        h = rms_norm(h, self.w["llm.norm.weight"], eps)
        return h[-1] @ self.w["llm.lm_head.weight"].T
