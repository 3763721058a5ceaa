"""Writes a small random Lynx release in the layout users download (docs/lynx-model.md section 8):

  eva_vit_g.pth                 flat EVA state dict: cls_token, pos_embed [1, 1+g*g, W] at the
                                checkpoint's own resolution, patch_embed.proj.*, blocks.N.* with a
                                fused attn.qkv.weight and separate q_bias / v_bias; one block more
                                than the model uses (the reference builds 39 of 40)
  vicuna-7b/                    Hugging Face LLaMA directory: config.json, tokenizer.model and the
                                weights sharded with an index (.bin or .safetensors shards)
  finetune_lynx.pt              {'model': {...}} with bridge.*, adapters, absolute_frame_pos_embed
                                (variants: _ca with cross-attention blocks, _ca_gate0 with both
                                gates at 0, _override also carrying ViT and LLM tensors)
  LYNX.yaml                     the reference's hyperparameter file

The same seed gives the same tensors. Sizes are tiny, but every structural feature of the real
release is present (heads = width / 88, bicubic position-embedding resize, [PAD] row, ...).
"""
import hashlib
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import sentencepiece_proto  # noqa: E402

# Small dimensions that keep every structural rule of the real model.
TINY = dict(
    vit_width=176,        # 2 heads of 88
    vit_blocks=4,         # in the checkpoint; the model uses 3
    vit_layers=3,
    patch=14,
    ckpt_grid=3,          # pos_embed stored for 42 px
    image_res=70,         # 5 x 5 patches at run time
    mlp_ratio=4.3637,
    llm_hidden=128,
    llm_heads=4,
    llm_layers=4,
    llm_intermediate=344,
    vocab=320,            # + [PAD] = 321
    bridge_depth=2,
    num_bridge_tokens=8,
    num_frames=5,
    adapter_freq=2,
)

# A bigger model for measurements (load memory, forward time); not used by the tests.
MEDIUM = dict(
    vit_width=704,        # 8 heads of 88
    vit_blocks=13,
    vit_layers=12,
    patch=14,
    ckpt_grid=16,         # pos_embed stored for 224 px, like EVA
    image_res=280,        # 20 x 20 patches at run time
    mlp_ratio=4.3637,
    llm_hidden=1024,
    llm_heads=8,
    llm_layers=8,
    llm_intermediate=2816,
    vocab=32000,          # LLaMA's vocabulary size
    bridge_depth=3,
    num_bridge_tokens=32,
    num_frames=5,
    adapter_freq=2,
)

PRESETS = {"tiny": TINY, "medium": MEDIUM}


def _gen(seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def _randn(g, *shape, std=1.0):
    return torch.randn(*shape, generator=g) * std


def _linear(g, out_f, in_f):
    return _randn(g, out_f, in_f, std=1.0 / in_f ** 0.5)


def _norm_w(g, n):
    return 1.0 + _randn(g, n, std=0.1)


def eva_state(g, d):
    W, P = d["vit_width"], d["patch"]
    mlp = int(W * d["mlp_ratio"])
    sd = {
        "cls_token": _randn(g, 1, 1, W, std=0.5),
        "pos_embed": _randn(g, 1, 1 + d["ckpt_grid"] ** 2, W, std=0.5),
        "patch_embed.proj.weight": _randn(g, W, 3, P, P, std=1.0 / (3 * P * P) ** 0.5),
        "patch_embed.proj.bias": _randn(g, W, std=0.1),
    }
    for i in range(d["vit_blocks"]):
        b = f"blocks.{i}."
        sd[b + "norm1.weight"] = _norm_w(g, W)
        sd[b + "norm1.bias"] = _randn(g, W, std=0.1)
        sd[b + "attn.qkv.weight"] = _linear(g, 3 * W, W)
        sd[b + "attn.q_bias"] = _randn(g, W, std=0.1)
        sd[b + "attn.v_bias"] = _randn(g, W, std=0.1)
        sd[b + "attn.proj.weight"] = _linear(g, W, W)
        sd[b + "attn.proj.bias"] = _randn(g, W, std=0.1)
        sd[b + "norm2.weight"] = _norm_w(g, W)
        sd[b + "norm2.bias"] = _randn(g, W, std=0.1)
        sd[b + "mlp.fc1.weight"] = _linear(g, mlp, W)
        sd[b + "mlp.fc1.bias"] = _randn(g, mlp, std=0.1)
        sd[b + "mlp.fc2.weight"] = _linear(g, W, mlp)
        sd[b + "mlp.fc2.bias"] = _randn(g, W, std=0.1)
    return sd


def llama_state(g, d):
    D, I, V = d["llm_hidden"], d["llm_intermediate"], d["vocab"]
    sd = {"model.embed_tokens.weight": _randn(g, V, D)}
    for i in range(d["llm_layers"]):
        b = f"model.layers.{i}."
        for p in ("q", "k", "v", "o"):
            sd[b + f"self_attn.{p}_proj.weight"] = _linear(g, D, D)
        sd[b + "mlp.gate_proj.weight"] = _linear(g, I, D)
        sd[b + "mlp.up_proj.weight"] = _linear(g, I, D)
        sd[b + "mlp.down_proj.weight"] = _linear(g, D, I)
        sd[b + "input_layernorm.weight"] = _norm_w(g, D)
        sd[b + "post_attention_layernorm.weight"] = _norm_w(g, D)
        # Old Hugging Face LLaMA checkpoints carry this buffer; converters must ignore it.
        hd = D // d["llm_heads"]
        sd[b + "self_attn.rotary_emb.inv_freq"] = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
    sd["model.norm.weight"] = _norm_w(g, D)
    sd["lm_head.weight"] = _linear(g, V, D)
    # A stronger </s> row, so that answers end within a few tokens and decoding's end-of-sequence
    # bookkeeping (finished hypotheses, length penalty) is exercised.
    sd["lm_head.weight"][2] *= 2.2
    return sd


def lynx_state(g, d):
    W, D = d["vit_width"], d["llm_hidden"]
    inner = 512  # the reference resampler: 8 heads of 64
    sd = {"bridge.latents": _randn(g, d["num_bridge_tokens"], D)}
    for i in range(d["bridge_depth"]):
        b = f"bridge.layers.{i}."
        sd[b + "0.norm_media.weight"] = _norm_w(g, W)
        sd[b + "0.norm_media.bias"] = _randn(g, W, std=0.1)
        sd[b + "0.norm_latents.weight"] = _norm_w(g, D)
        sd[b + "0.norm_latents.bias"] = _randn(g, D, std=0.1)
        sd[b + "0.to_q.weight"] = _linear(g, inner, D)
        sd[b + "0.to_kv.weight"] = _linear(g, 2 * inner, W)
        sd[b + "0.to_out.weight"] = _linear(g, D, inner)
        sd[b + "1.0.weight"] = _norm_w(g, D)
        sd[b + "1.0.bias"] = _randn(g, D, std=0.1)
        sd[b + "1.1.weight"] = _linear(g, 4 * D, D)
        sd[b + "1.3.weight"] = _linear(g, D, 4 * D)
    sd["bridge.norm.weight"] = _norm_w(g, D)
    sd["bridge.norm.bias"] = _randn(g, D, std=0.1)
    sd["absolute_frame_pos_embed"] = _randn(g, 1, d["num_frames"], 1, W, std=0.5)
    for i in range(0, d["llm_layers"], d["adapter_freq"]):
        b = f"LLM.model.layers.{i}.output_adapter."
        sd[b + "adapter_norm_before.weight"] = _norm_w(g, D)
        sd[b + "adapter_norm_before.bias"] = _randn(g, D, std=0.1)
        sd[b + "adapter_down.weight"] = _linear(g, D // 2, D)
        sd[b + "adapter_down.bias"] = _randn(g, D // 2, std=0.1)
        sd[b + "adapter_up.weight"] = _linear(g, D, D // 2)
        sd[b + "adapter_up.bias"] = _randn(g, D, std=0.1)
        sd[b + "scaling"] = 0.5 + torch.rand(1, generator=g)
    return sd


def cross_attn_state(g, d, every, gates):
    """Flamingo-style gated cross-attention blocks (flamingo-pytorch's names) before layers
    i % every == 0. The media are the resampler's tokens, in the LLM's width."""
    D, inner = d["llm_hidden"], 512
    sd = {}
    for i in range(0, d["llm_layers"], every):
        b = f"LLM.model.layers.{i}.gated_cross_attn."
        sd[b + "attn.norm.weight"] = _norm_w(g, D)
        sd[b + "attn.norm.bias"] = _randn(g, D, std=0.1)
        sd[b + "attn.to_q.weight"] = _linear(g, inner, D)
        sd[b + "attn.to_kv.weight"] = _linear(g, 2 * inner, D)
        sd[b + "attn.to_out.weight"] = _linear(g, D, inner)
        sd[b + "attn_gate"] = torch.tensor([gates[0]])
        sd[b + "ff.0.weight"] = _norm_w(g, D)
        sd[b + "ff.0.bias"] = _randn(g, D, std=0.1)
        sd[b + "ff.1.weight"] = _linear(g, 4 * D, D)
        sd[b + "ff.3.weight"] = _linear(g, D, 4 * D)
        sd[b + "ff_gate"] = torch.tensor([gates[1]])
    return sd


def override_state(g, d, lynx):
    """A Lynx checkpoint that also carries ViT and LLM tensors (in the Lynx model's own names:
    StableAttention q_proj/k_proj/v_proj, a pos_embed already at the run resolution, embeddings
    with the [PAD] row). The reference loads them over the base files; so must a converter."""
    W, D, I, V = d["vit_width"], d["llm_hidden"], d["llm_intermediate"], d["vocab"] + 1
    T = 1 + (d["image_res"] // d["patch"]) ** 2
    sd = dict(lynx)
    sd["vision_encoder.pos_embed"] = _randn(g, 1, T, W, std=0.5)
    sd["vision_encoder.blocks.1.attn.q_proj.weight"] = _linear(g, W, W)
    sd["vision_encoder.blocks.1.attn.q_proj.bias"] = _randn(g, W, std=0.1)
    sd["vision_encoder.blocks.2.attn.v_proj.weight"] = _linear(g, W, W)
    sd["vision_encoder.blocks.0.mlp.fc2.weight"] = _linear(g, W, int(W * d["mlp_ratio"]))
    sd["LLM.model.embed_tokens.weight"] = _randn(g, V, D)
    sd["LLM.lm_head.weight"] = _linear(g, V, D)
    sd["LLM.model.layers.1.mlp.up_proj.weight"] = _linear(g, I, D)
    sd["LLM.model.layers.3.self_attn.k_proj.weight"] = _linear(g, D, D)
    sd["LLM.model.norm.weight"] = _norm_w(g, D)
    return sd


def tokenizer_model(vocab):
    """A valid BPE sentencepiece model: <unk> <s> </s>, 256 byte pieces, then merged pieces."""
    pieces = [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("</s>", 0.0, 3)]
    pieces += [(f"<0x{b:02X}>", 0.0, 6) for b in range(256)]
    words = ["\u2581", "e", "t", "a", "o", "i", "n", "s", "h", "r", "\u2581t", "he", "\u2581a",
             "in", "\u2581the", "er", "on", "\u2581w", "at", "\u2581s", "en", "it", "is", "\u2581o",
             "or", "es", "\u2581c", "ed", "\u2581f", "an", "\u2581is", "\u2581b", "ar", "\u2581p",
             "\u2581m", "ou", "le", "\u2581in", "\u2581d", "ing", "\u2581what", "\u2581image",
             "\u2581user", ":", "\u2581bot", "?", "\u2581of", "\u2581color", "\u2581how",
             "\u2581many", "\u2581yes", "\u2581no", "\u2581red", "\u2581blue", "\u2581green",
             "\u2581video", "\u2581doing", "\u2581person", "\u2581there", "\u2581are", "\u2581this"]
    words += [f"\u2581w{n}" for n in range(max(0, vocab - len(pieces) - len(words)))]
    score = -1.0
    for w in words:
        if len(pieces) >= vocab:
            break
        pieces.append((w, score, 1))
        score -= 1.0
    assert len(pieces) == vocab, (len(pieces), vocab)
    return sentencepiece_proto.model_bytes(pieces)


# ---- writers -----------------------------------------------------------------------------------

def _write_safetensors(path, tensors, metadata=None):
    names = list(tensors)
    header, off, blobs = ({"__metadata__": metadata} if metadata else {}), 0, []
    for n in names:
        t = tensors[n].contiguous().float()
        b = t.numpy().tobytes()
        header[n] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def write_llm_dir(path, d, state, shards=2, fmt="bin"):
    os.makedirs(path, exist_ok=True)
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": d["llm_hidden"], "intermediate_size": d["llm_intermediate"],
        "num_attention_heads": d["llm_heads"], "num_hidden_layers": d["llm_layers"],
        "rms_norm_eps": 1e-6, "vocab_size": d["vocab"], "max_position_embeddings": 2048,
        "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0,
        "tie_word_embeddings": False, "torch_dtype": "float32",
    }
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(path, "tokenizer.model"), "wb") as f:
        f.write(tokenizer_model(d["vocab"]))
    write_shards(path, state, fmt, shards)


def write_shards(path, state, fmt, shards=2, metadata=None):
    """state split into `shards` files with their index, as Hugging Face saves a model:
    pytorch_model-*.bin or model-*.safetensors (with `metadata` in their header)."""
    names = list(state)
    per = (len(names) + shards - 1) // shards
    weight_map = {}
    for s in range(shards):
        part = {n: state[n] for n in names[s * per:(s + 1) * per]}
        if fmt == "bin":
            fname = f"pytorch_model-{s + 1:05d}-of-{shards:05d}.bin"
            torch.save(part, os.path.join(path, fname))
        else:
            fname = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            _write_safetensors(os.path.join(path, fname), part, metadata)
        weight_map.update({n: fname for n in part})
    index = "pytorch_model.bin.index.json" if fmt == "bin" else "model.safetensors.index.json"
    with open(os.path.join(path, index), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=2)


def write_yaml(path, d, llm_name, cross_attn_every=0):
    lines = [
        'prompt: "User: {question}\\nBot:"',
        "data: {", f"  num_frames: {d['num_frames']},", "}",
        "vision_encoder: 'eva_vit_1b'", "video_encoding: 'concate'", "add_frame_pos: True",
        f"LLM: '{llm_name}'", "use_flash_attn: False", "use_adapter: True",
        f"adapter_freq: {d['adapter_freq']}", "bridge: 'resampler'",
        f"bridge_depth: {d['bridge_depth']}", f"num_bridge_tokens: {d['num_bridge_tokens']}",
        "use_left_pad: True", "lower_text: True", "freeze_vit: True", "freeze_llm: True",
        f"image_res: {d['image_res']}",
        "image_mean: [ 0.48145466, 0.4578275, 0.40821073 ]",
        "image_std: [ 0.26862954, 0.26130258, 0.27577711 ]",
        "max_input_tokens: 40", "batch_size_test: 16", "max_new_tokens: 64", "min_length: 2",
        "num_beams: 5", "length_penalty: -2.0", "top_p: 0.9", "top_k: 3",
        "no_repeat_ngram_size: 2", "apply_lemmatizer: False", "use_nucleus_sampling: True",
    ]
    if cross_attn_every:
        lines.append(f"cross_attn_every: {cross_attn_every}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def tensors_digest(*states):
    """One sha256 over every tensor's name and float32 bytes, in name order."""
    h = hashlib.sha256()
    for sd in states:
        for k in sorted(sd):
            h.update(k.encode())
            h.update(sd[k].contiguous().float().numpy().tobytes())
    return h.hexdigest()


def write_release(out, seed=1234, d=TINY, llm_format="bin"):
    """Writes the release and returns a digest of all its tensors."""
    os.makedirs(out, exist_ok=True)
    g = _gen(seed)
    eva = eva_state(g, d)
    llm = llama_state(g, d)
    lynx = lynx_state(g, d)
    # The CA variant: the same weights plus gated cross-attention blocks, so that with both gates
    # at 0 it must give exactly the prefix model's text-only logits.
    lynx_ca = dict(lynx, **cross_attn_state(_gen(seed + 1), d, every=2, gates=(0.7, -0.4)))
    lynx_ca0 = {k: (torch.zeros_like(v) if k.endswith(("attn_gate", "ff_gate")) else v)
                for k, v in lynx_ca.items()}
    lynx_override = override_state(_gen(seed + 2), d, lynx)
    torch.save(eva, os.path.join(out, "eva_vit_g.pth"))
    write_llm_dir(os.path.join(out, "vicuna-7b"), d, llm, fmt="bin")
    write_llm_dir(os.path.join(out, "vicuna-7b-st"), d, llm, fmt="safetensors")
    torch.save({"model": lynx}, os.path.join(out, "finetune_lynx.pt"))
    torch.save(lynx_ca, os.path.join(out, "finetune_lynx_ca.pt"))  # unwrapped on purpose
    torch.save({"model": lynx_ca0}, os.path.join(out, "finetune_lynx_ca_gate0.pt"))
    torch.save({"model": lynx_override}, os.path.join(out, "finetune_lynx_override.pt"))
    write_yaml(os.path.join(out, "LYNX.yaml"), d, "vicuna-7b")
    write_yaml(os.path.join(out, "LYNX_st.yaml"), d, "vicuna-7b-st")
    write_yaml(os.path.join(out, "LYNX_CA.yaml"), d, "vicuna-7b", cross_attn_every=2)
    return tensors_digest(eva, llm, lynx, lynx_ca, lynx_override)
