"""An independent PyTorch LLaVA, written from the official code's semantics, not from lynxeval's C
code or its converter; it reads the release directories themselves (llava_release.py writes
tiny ones in the real layouts):

  vision   Hugging Face CLIPVisionModel (transformers 4.37 modeling_clip.py): patch conv without
           bias, CLS, position embeddings, pre_layrnorm, encoder layers (LN1, attention with q
           scaled before q k^T, out_proj, residual; LN2, fc1, QuickGELU, fc2, residual);
           hidden_states[0] is the embedding after pre_layrnorm, hidden_states[i] layer i-1's
           output; LLaVA takes hidden_states[mm_vision_select_layer] and drops CLS
           (llava/model/multimodal_encoder/clip_encoder.py feature_select)
  project  mm_projector: Linear, nn.GELU() (exact), Linear (multimodal_projector/builder.py)
  splice   prepare_inputs_labels_for_multimodal: the text between IMAGE_TOKEN_INDEX (-200)
           embedded, the image's rows in its place, positions 0..L-1
  LLaMA    LlamaForCausalLM: RMSNorm (x * rsqrt(mean x^2 + eps) * w), rotary embeddings in the
           rotate_half layout with rope_theta, causal attention, SiLU-gated MLP, final norm,
           lm_head
  decode   greedy from inputs_embeds under transformers 4.37: no [<s>] seed, stop at </s>

Everything runs in float64. The llava-hf port is read with its own names (language_model.*,
vision_tower.*, multi_modal_projector.linear_{1,2}) and its padded vocabulary: its logits are
over all the padded rows. LLaVA v1's delta release is applied as apply_delta.py@7ace501 does
(base + delta in float16, the delta's extra rows kept), its projector is one Linear, and its
image replaces the run of <im_patch> ids (given here, as for 1.5, as one IMAGE_TOKEN_INDEX).
"""
import json
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
from lynx_reference import load_hf_llama_state  # noqa: E402  (reads .bin / .safetensors shards)

IMAGE_TOKEN_INDEX = -200
F64 = torch.float64


def layer_norm(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


class Llava:
    def __init__(self, llava_dir=None, clip_dir=None, hf_dir=None, base_dir=None):
        if base_dir:  # LLaVA v1: llava_dir is the delta
            cfg = json.load(open(os.path.join(llava_dir, "config.json")))
            clip_cfg = json.load(open(os.path.join(clip_dir, "config.json")))
            self.vcfg, self.lcfg = clip_cfg.get("vision_config", clip_cfg), cfg
            self.select_layer = cfg.get("mm_vision_select_layer", -1)
            self.drop_cls = True
            self.v = torch.load(os.path.join(clip_dir, "pytorch_model.bin"), map_location="cpu")
            delta, base = load_hf_llama_state(llava_dir), load_hf_llama_state(base_dir)
            self.l = {}
            for k, d in delta.items():
                if k not in base:
                    continue
                t, b = d.half().clone(), base[k].half()
                t[:b.shape[0]] += b
                self.l[k] = t
            self.proj = [(delta["model.mm_projector.weight"].half(), delta["model.mm_projector.bias"].half())]
        elif hf_dir:
            cfg = json.load(open(os.path.join(hf_dir, "config.json")))
            st = load_hf_llama_state(hf_dir)
            self.vcfg, self.lcfg = cfg["vision_config"], cfg["text_config"]
            self.select_layer = cfg.get("vision_feature_layer", -2)
            self.drop_cls = cfg.get("vision_feature_select_strategy", "default") == "default"
            self.v = {k[len("vision_tower."):]: t for k, t in st.items() if k.startswith("vision_tower.")}
            self.l = {k[len("language_model."):]: t for k, t in st.items() if k.startswith("language_model.")}
            self.proj = [(st["multi_modal_projector.linear_1.weight"], st["multi_modal_projector.linear_1.bias"]),
                         (st["multi_modal_projector.linear_2.weight"], st["multi_modal_projector.linear_2.bias"])]
        else:
            cfg = json.load(open(os.path.join(llava_dir, "config.json")))
            clip_cfg = json.load(open(os.path.join(clip_dir, "config.json")))
            self.vcfg, self.lcfg = clip_cfg.get("vision_config", clip_cfg), cfg
            self.select_layer = cfg["mm_vision_select_layer"]
            self.drop_cls = cfg.get("mm_vision_select_feature", "patch") == "patch"
            self.v = torch.load(os.path.join(clip_dir, "pytorch_model.bin"), map_location="cpu")
            self.l = load_hf_llama_state(llava_dir)
            p = "model.mm_projector."
            if cfg.get("mm_projector_type", "linear") == "mlp2x_gelu":
                self.proj = [(self.l[p + "0.weight"], self.l[p + "0.bias"]),
                             (self.l[p + "2.weight"], self.l[p + "2.bias"])]
            else:
                self.proj = [(self.l[p + "weight"], self.l[p + "bias"])]
        self.v = {k: t.to(F64) if t.is_floating_point() else t for k, t in self.v.items()}
        self.l = {k: t.to(F64) for k, t in self.l.items() if t.is_floating_point()}
        self.proj = [(w.to(F64), b.to(F64)) for w, b in self.proj]
        self.eos = self.lcfg.get("eos_token_id", 2)

    # ---- CLIP -------------------------------------------------------------------------------
    def hidden_states(self, pixels):
        """pixels [3, S, S] -> the encoder's hidden states, each [T, W]."""
        c, v = self.vcfg, self.v
        W, H, P = c["hidden_size"], c["num_attention_heads"], c["patch_size"]
        eps = c.get("layer_norm_eps", 1e-5)
        e = "vision_model.embeddings."
        patches = torch.nn.functional.conv2d(pixels.to(F64)[None], v[e + "patch_embedding.weight"], stride=P)
        x = torch.cat([v[e + "class_embedding"][None], patches.flatten(2)[0].T])
        x = x + v[e + "position_embedding.weight"]
        x = layer_norm(x, v["vision_model.pre_layrnorm.weight"], v["vision_model.pre_layrnorm.bias"], eps)
        states = [x]
        hd = W // H
        for i in range(c["num_hidden_layers"]):
            b = f"vision_model.encoder.layers.{i}."
            h = layer_norm(x, v[b + "layer_norm1.weight"], v[b + "layer_norm1.bias"], eps)

            def lin(name, t):
                return t @ v[b + name + ".weight"].T + v[b + name + ".bias"]
            q = lin("self_attn.q_proj", h) * hd ** -0.5
            k, vv = lin("self_attn.k_proj", h), lin("self_attn.v_proj", h)
            q, k, vv = (t.reshape(-1, H, hd).transpose(0, 1) for t in (q, k, vv))
            a = torch.softmax(q @ k.transpose(1, 2), dim=-1) @ vv
            x = x + lin("self_attn.out_proj", a.transpose(0, 1).reshape(-1, W))
            h = layer_norm(x, v[b + "layer_norm2.weight"], v[b + "layer_norm2.bias"], eps)
            h = lin("mlp.fc1", h)
            h = h * torch.sigmoid(1.702 * h) if c.get("hidden_act", "quick_gelu") == "quick_gelu" \
                else torch.nn.functional.gelu(h)
            x = x + lin("mlp.fc2", h)
            states.append(x)
        return states

    def features(self, pixels):
        f = self.hidden_states(pixels)[self.select_layer]
        return f[1:] if self.drop_cls else f

    def media(self, pixels):
        """pixels [3, S, S], or frames [F, 3, S, S] -> the projected rows. Frames go as Hugging
        Face's LlavaNextVideo sends a video (modeling_llava_next_video.py: vision_resampler, an
        AvgPool2d with stride s on each frame's patch grid, then the projector), with s*s = F
        so that a video takes a picture's rows; one frame is a picture."""
        if pixels.dim() == 3 or pixels.shape[0] == 1:
            x = self.features(pixels.reshape(pixels.shape[-3:]))
        else:
            n = pixels.shape[0]
            s = math.isqrt(n)
            per = torch.stack([self.features(p) for p in pixels])  # [F, G*G, W]
            g = math.isqrt(per.shape[1])
            grid = per.reshape(n, g, g, -1).permute(0, 3, 1, 2)
            x = torch.nn.functional.avg_pool2d(grid, s, s).flatten(2).transpose(1, 2).reshape(-1, per.shape[-1])
        for k, (w, b) in enumerate(self.proj):
            if k:
                x = torch.nn.functional.gelu(x)
            x = x @ w.T + b
        return x

    # ---- LLaMA ------------------------------------------------------------------------------
    def embed(self, ids, media):
        """ids with at most one IMAGE_TOKEN_INDEX -> input embeddings [L, D]."""
        table = self.l["model.embed_tokens.weight"]
        rows = []
        for t in ids:
            if t == IMAGE_TOKEN_INDEX:
                rows.extend(media)
            else:
                rows.append(table[t])
        return torch.stack(rows)

    def forward(self, x):
        """input embeddings [L, D] -> logits [L, V] (positions 0..L-1, causal)."""
        c, l = self.lcfg, self.l
        D, H = c["hidden_size"], c["num_attention_heads"]
        hd, eps = D // H, c.get("rms_norm_eps", 1e-6)
        theta = c.get("rope_theta", 10000.0)
        L = x.shape[0]
        inv = 1.0 / theta ** (torch.arange(0, hd, 2, dtype=F64) / hd)
        ang = torch.outer(torch.arange(L, dtype=F64), inv)
        ang = torch.cat([ang, ang], dim=-1)
        cos, sin = ang.cos(), ang.sin()
        mask = torch.full((L, L), -math.inf, dtype=F64).triu(1)
        for i in range(c["num_hidden_layers"]):
            b = f"model.layers.{i}."
            h = rms_norm(x, l[b + "input_layernorm.weight"], eps)
            q, k, v = (h @ l[b + f"self_attn.{p}_proj.weight"].T for p in "qkv")
            q, k, v = (t.reshape(L, H, hd).transpose(0, 1) for t in (q, k, v))
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(hd) + mask, dim=-1) @ v
            x = x + a.transpose(0, 1).reshape(L, D) @ l[b + "self_attn.o_proj.weight"].T
            h = rms_norm(x, l[b + "post_attention_layernorm.weight"], eps)
            g = h @ l[b + "mlp.gate_proj.weight"].T
            x = x + (torch.nn.functional.silu(g) * (h @ l[b + "mlp.up_proj.weight"].T)) @ l[b + "mlp.down_proj.weight"].T
        x = rms_norm(x, l["model.norm.weight"], eps)
        return x @ l["lm_head.weight"].T

    def logits(self, ids, pixels=None):
        """The next-token logits after ids (the image at IMAGE_TOKEN_INDEX): [V]."""
        media = self.media(pixels) if pixels is not None else None
        return self.forward(self.embed(ids, media))[-1]

    def greedy(self, ids, pixels, max_new_tokens):
        """Generated ids (no seed, the final </s> not included) and whether </s> ended them."""
        media = self.media(pixels) if pixels is not None else None
        seq, out = list(ids), []
        for _ in range(max_new_tokens):
            nxt = int(self.forward(self.embed(seq, media))[-1].argmax())
            if nxt == self.eos:
                return out, True
            out.append(nxt)
            seq.append(nxt)
        return out, False
