"""An independent PyTorch InstructBLIP / BLIP-2-style model, written from the semantics of LAVIS's
code (lavis/models/eva_vit.py, blip2.py, Qformer.py, blip2_vicuna_instruct.py at 506965b) and of
Hugging Face's InstructBlip port, not from lynxeval's C code or its converter. It reads the
release files themselves, in float64:

  LAVIS    eva_vit_g.pth (a flat EVA state dict: fused qkv with q_bias and v_bias, the k third of
           the bias zero; pre-norm blocks, LayerNorm eps 1e-6, exact GELU, no final norm; the
           first `vit_layers` blocks run, as create_eva_vit_g builds 39 of the checkpoint's 40),
           the trimmed InstructBLIP checkpoint ({"model": ln_vision.*, query_tokens,
           Qformer.bert.*, llm_proj.*}) and a Hugging Face LLaMA directory whose vocabulary
           LAVIS grows by one "[PAD]" row (resize_token_embeddings; its values are chosen by the
           caller here: LAVIS leaves them random)
  HF port  one directory: vision_model.* (qkv.weight fused, qkv.bias whole), query_tokens,
           qformer.*, language_projection.*, language_model.*
  ln_vision  LayerNorm(Wv) with torch's default eps 1e-5 (LAVIS's; the HF port's config says
           1e-6 for it, a drift from the model it was converted from)
  MiniGPT-4  (minigpt4/models/mini_gpt4.py at 22d8888) the EVA file, BLIP-2's checkpoint
           ({"model": ln_vision.*, query_tokens, Qformer.bert.*}: the Q-Former without its text
           parts) and MiniGPT-4's ({"model": llama_proj.*}), applied in that order, a later file's
           tensor replacing an earlier one's (load_state_dict(strict=False)), and the Vicuna
           directory as it is (its 32001 rows stored)
  Q-Former qformer_reference.qformer on the instruction's WordPiece ids (MiniGPT-4: none)
  media    per frame: llm_proj(Q-Former(ln_vision(ViT(frame)), text)), frames concatenated
  LLM      inputs_embeds = media ++ embed(ids) (InstructBLIP) or embed(ids before) ++ media ++
           embed(ids after) (MiniGPT-4's get_context_emb), positions 0..L-1, LlamaForCausalLM
"""
import json
import os
import re
import sys
from types import SimpleNamespace

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "llava"))
from llava_reference import Llava  # noqa: E402  (its LLaMA forward)
from lynx_reference import load_hf_llama_state  # noqa: E402
from qformer_reference import qformer  # noqa: E402

F64 = torch.float64


def layer_norm(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def eva(sd, pixels, layers, heads, patch):
    """LAVIS's EVA VisionTransformer.forward_features on one frame [3, S, S] -> [T, W]."""
    x = torch.nn.functional.conv2d(pixels.to(F64)[None], sd["patch_embed.proj.weight"],
                                   sd["patch_embed.proj.bias"], stride=patch)
    x = torch.cat([sd["cls_token"][0], x.flatten(2)[0].T]) + sd["pos_embed"][0]
    W = x.shape[1]
    hd = W // heads
    for i in range(layers):
        b = f"blocks.{i}."
        h = layer_norm(x, sd[b + "norm1.weight"], sd[b + "norm1.bias"], 1e-6)
        bias = torch.cat([sd[b + "attn.q_bias"], torch.zeros_like(sd[b + "attn.v_bias"]), sd[b + "attn.v_bias"]])
        q, k, v = (h @ sd[b + "attn.qkv.weight"].T + bias).split(W, dim=-1)
        q, k, v = (t.reshape(-1, heads, hd).transpose(0, 1) for t in (q, k, v))
        a = torch.softmax((q * hd ** -0.5) @ k.transpose(1, 2), dim=-1) @ v
        x = x + a.transpose(0, 1).reshape(-1, W) @ sd[b + "attn.proj.weight"].T + sd[b + "attn.proj.bias"]
        h = layer_norm(x, sd[b + "norm2.weight"], sd[b + "norm2.bias"], 1e-6)
        h = torch.nn.functional.gelu(h @ sd[b + "mlp.fc1.weight"].T + sd[b + "mlp.fc1.bias"])
        x = x + h @ sd[b + "mlp.fc2.weight"].T + sd[b + "mlp.fc2.bias"]
    return x


def _from_hf_vision(v):
    """The HF port's vision_model.* as LAVIS EVA names (the port fused q_bias, 0, v_bias)."""
    out = {"cls_token": v["embeddings.class_embedding"], "pos_embed": v["embeddings.position_embedding"],
           "patch_embed.proj.weight": v["embeddings.patch_embedding.weight"],
           "patch_embed.proj.bias": v["embeddings.patch_embedding.bias"]}
    i = 0
    while f"encoder.layers.{i}.layer_norm1.weight" in v:
        h, b = f"encoder.layers.{i}.", f"blocks.{i}."
        W = v[h + "layer_norm1.weight"].shape[0]
        for ours, theirs in (("norm1", "layer_norm1"), ("norm2", "layer_norm2"), ("attn.proj", "self_attn.projection"),
                             ("mlp.fc1", "mlp.fc1"), ("mlp.fc2", "mlp.fc2")):
            out[b + ours + ".weight"] = v[h + theirs + ".weight"]
            out[b + ours + ".bias"] = v[h + theirs + ".bias"]
        out[b + "attn.qkv.weight"] = v[h + "self_attn.qkv.weight"]
        out[b + "attn.q_bias"] = v[h + "self_attn.qkv.bias"][:W]
        out[b + "attn.v_bias"] = v[h + "self_attn.qkv.bias"][2 * W:]
        i += 1
    return out, i


def _from_hf_qformer(st):
    """The HF port's qformer.* and query_tokens as LAVIS names (inverse of hf_names)."""
    out = {"query_tokens": st["query_tokens"]}
    for k, t in st.items():
        if not k.startswith("qformer."):
            continue
        k = "Qformer.bert." + k[len("qformer."):]
        k = k.replace("embeddings.layernorm", "embeddings.LayerNorm")
        k = k.replace("attention.attention.", "attention.self.")
        out[k] = t
    return out


class Blip:
    """lavis=(eva_path, trimmed_path, llm_dir, pad_rows), hf=dir or minigpt4=(eva_path,
    blip2_path, minigpt4_path, llm_dir); cfg: vit_layers, vit_heads, patch, qformer
    layers/heads/cross_every (LAVIS, MiniGPT-4) -- the HF port's come from its config.json."""

    def __init__(self, lavis=None, hf=None, cfg=None, minigpt4=None):
        cfg = dict(cfg or {})
        if minigpt4:
            eva_path, blip2_path, mg_path, llm_dir = minigpt4
            self.eva = torch.load(eva_path, map_location="cpu")
            loaded = dict(torch.load(blip2_path, map_location="cpu")["model"])
            loaded.update(torch.load(mg_path, map_location="cpu")["model"])
            self.eva.update({k[len("visual_encoder."):]: t for k, t in loaded.items()
                             if k.startswith("visual_encoder.")})
            self.ln = (loaded["ln_vision.weight"], loaded["ln_vision.bias"])
            # MiniGPT4.__init__ deletes the word and position tables and each layer's text FFN
            deleted = re.compile(r"embeddings\.(word|position)_embeddings|\.layer\.\d+\.(intermediate|output)\.")
            self.qf = {k: t for k, t in loaded.items() if (k.startswith("Qformer.bert.") or k == "query_tokens")
                       and not deleted.search(k)}
            self.proj = (loaded["llama_proj.weight"], loaded["llama_proj.bias"])
            self.l = load_hf_llama_state(llm_dir)
            self.l.update({k[len("llama_model."):]: t for k, t in loaded.items() if k.startswith("llama_model.")})
            self.lcfg = json.load(open(os.path.join(llm_dir, "config.json")))
        elif hf:
            conf = json.load(open(os.path.join(hf, "config.json")))
            st = load_hf_llama_state(hf)
            vis = {k[len("vision_model."):]: t for k, t in st.items() if k.startswith("vision_model.")}
            self.eva, n_layers = _from_hf_vision(vis)
            self.ln = (vis["post_layernorm.weight"], vis["post_layernorm.bias"])
            self.qf = _from_hf_qformer(st)
            self.proj = (st["language_projection.weight"], st["language_projection.bias"])
            self.l = {k[len("language_model."):]: t for k, t in st.items() if k.startswith("language_model.")}
            self.lcfg = conf["text_config"]
            vc, qc = conf["vision_config"], conf["qformer_config"]
            cfg.update(vit_layers=n_layers, vit_heads=vc["num_attention_heads"], patch=vc["patch_size"],
                       qf_layers=qc["num_hidden_layers"], qf_heads=qc["num_attention_heads"],
                       cross_every=qc.get("cross_attention_frequency", 2))
        else:
            eva_path, trimmed_path, llm_dir, pad_rows = lavis
            self.eva = torch.load(eva_path, map_location="cpu")
            trimmed = torch.load(trimmed_path, map_location="cpu")["model"]
            self.ln = (trimmed["ln_vision.weight"], trimmed["ln_vision.bias"])
            self.qf = {k: t for k, t in trimmed.items() if k.startswith("Qformer.") or k == "query_tokens"}
            self.proj = (trimmed["llm_proj.weight"], trimmed["llm_proj.bias"])
            self.l = load_hf_llama_state(llm_dir)
            self.lcfg = json.load(open(os.path.join(llm_dir, "config.json")))
            for name in ("model.embed_tokens.weight", "lm_head.weight"):
                self.l[name] = torch.cat([self.l[name], pad_rows(self.l[name])])
        self.cfg = cfg
        f64 = lambda d: {k: t.to(F64) for k, t in d.items() if t.is_floating_point()}  # noqa: E731
        self.eva, self.qf, self.l = f64(self.eva), f64(self.qf), f64(self.l)
        self.ln = tuple(t.to(F64) for t in self.ln)
        self.proj = tuple(t.to(F64) for t in self.proj)

    def vit(self, frame):
        """One frame [3, S, S] -> the ViT's rows after ln_vision [T, Wv]."""
        c = self.cfg
        return layer_norm(eva(self.eva, frame, c["vit_layers"], c["vit_heads"], c["patch"]), *self.ln, 1e-5)

    def queries(self, frame, text_ids):
        c = self.cfg
        return qformer(self.qf, self.vit(frame), text_ids,
                       {"layers": c["qf_layers"], "heads": c["qf_heads"], "cross_every": c["cross_every"],
                        "eps": 1e-12})

    def media(self, frames, text_ids):
        """frames [F, 3, S, S] -> [F*Q, D]: every frame with the same instruction, in order."""
        w, b = self.proj
        return torch.cat([self.queries(f, text_ids) @ w.T + b for f in frames])

    def next_logits(self, media, ids):
        """Next-token logits [V] after media ++ embed(ids) (media [rows, D], or None); the hook
        lynx_generate's decoder calls."""
        return self.segment_logits([], media, ids)

    def segment_logits(self, before, media, after):
        """Next-token logits [V] after embed(before) ++ media ++ embed(after) (MiniGPT-4's
        order; media None: none)."""
        emb = self.l["model.embed_tokens.weight"]
        parts = [emb[torch.tensor(before, dtype=torch.long)], emb[torch.tensor(after, dtype=torch.long)]]
        if media is not None:
            parts.insert(1, media)
        return Llava.forward(SimpleNamespace(lcfg=self.lcfg, l=self.l), torch.cat(parts))[-1]

    def logits(self, ids, frames=None, text_ids=None):
        """Next-token logits [V] after media ++ embed(ids) (media: none when frames is None)."""
        return self.next_logits(None if frames is None else self.media(frames, text_ids), ids)


def mean_rows(table):
    """The [PAD] row lynxeval's converter chooses where LAVIS leaves it random: the mean row."""
    return table.mean(0, keepdim=True)

