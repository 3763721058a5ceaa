#!/usr/bin/python3
"""Convert a Lynx release into a lynxeval model directory.

  python3 tools/convert_lynx.py --eva eva_vit_g.pth --llm vicuna-7b/ --lynx finetune_lynx.pt \\
      --config LYNX.yaml --out DIR [--dtype f32|f16|bf16] [--vit-layers 39]

Inputs are the files a user downloads (docs/model-format.md, "Converting a Lynx release"):
  --eva     EVA01-CLIP ViT-g/14 visual tower, a flat PyTorch state dict (fused attn.qkv.weight,
            attn.q_bias and attn.v_bias, pos_embed at the checkpoint's resolution)
  --llm     a Hugging Face LLaMA directory: config.json, tokenizer.model, and weights as
            pytorch_model-*.bin or model-*.safetensors shards with their index (or one file)
  --lynx    Lynx's own weights (bridge.*, adapters, absolute_frame_pos_embed), optionally wrapped
            in {'model': ...}; ViT or LLM tensors it carries override the base files, as in the
            reference loader
  --config  the reference's LYNX.yaml

Output DIR: config.json (every hyperparameter, preprocessing, prompt and decoding defaults),
model.safetensors (one dtype throughout) and tokenizer.model. What the reference does at load
time is done here once: the bicubic position-embedding resize, the q/k/v split, dropping the ViT
blocks the reference does not build, and the [PAD] token (id = LLaMA vocabulary size) whose
embedding and lm_head rows are the mean of the original rows.

Every tensor the model needs is checked by name and shape before anything is written; a missing
or misshaped tensor stops the conversion with its name and file. DIR is written under a temporary
name and renamed into place at the end, so a failed conversion never leaves a partial DIR.

Needs Debian's python3-torch, python3-numpy and python3-yaml (no pip packages).
"""
import argparse
import json
import os
import sys

try:
    import torch
    import yaml
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(f"convert_lynx.py: {e}; install Debian's python3-torch, python3-numpy and python3-yaml "
             f"and run with /usr/bin/python3")
from convert_common import (DTYPES, FORMAT, FORMAT_VERSION, ConversionError, HFWeights, Plan,
                            TrackedTensors, check_shapes_early, llama_layer_tensors, load_torch_file,
                            resize_pos_embed, write_model_dir)

EVA_HEAD_DIM = 88          # the reference computes heads = width // 88
RESAMPLER_HEADS, RESAMPLER_HEAD_DIM = 8, 64   # fixed in the reference's PerceiverResampler
XATTN_HEADS, XATTN_HEAD_DIM = 8, 64           # Flamingo's gated cross-attention defaults


def reference_key_strip(key):
    # The reference loads Lynx checkpoints with key.lstrip("model."), which strips any leading
    # run of the characters m, o, d, e, l and '.', not the prefix. Reproduced exactly.
    return key.lstrip("model.")


def build_plan(args, cfg, eva, lynx, hf, llm_cfg):
    """Returns (plan, model config dict)."""
    plan = Plan()
    eva_path, lynx_path = args.eva, args.lynx

    def need(source, name, path):
        if name not in source:
            raise ConversionError(f"{path}: tensor '{name}' is missing")
        return source[name]

    # ---- vision -------------------------------------------------------------------------
    for key in ("cls_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias"):
        need(eva, key, eva_path)
    W = eva["cls_token"].shape[-1]
    P = eva["patch_embed.proj.weight"].shape[-1]
    heads = W // EVA_HEAD_DIM
    if heads < 1 or W % heads:
        raise ConversionError(f"{eva_path}: ViT width {W} cannot be split into width // 88 = {heads} heads")
    blocks = 0
    while f"blocks.{blocks}.norm1.weight" in eva:
        blocks += 1
    vit_layers = args.vit_layers
    if vit_layers > blocks:
        raise ConversionError(f"{eva_path}: has {blocks} ViT blocks, but --vit-layers {vit_layers} "
                              f"asks for more (the reference uses 39 of EVA ViT-g's 40)")
    if "blocks.0.mlp.fc1.weight" not in eva:
        raise ConversionError(f"{eva_path}: tensor 'blocks.0.mlp.fc1.weight' is missing")
    mlp = eva["blocks.0.mlp.fc1.weight"].shape[0]
    image_res = int(cfg["image_res"])
    if image_res % P:
        raise ConversionError(f"{args.config}: image_res {image_res} is not a multiple of the patch size {P}")
    grid = image_res // P
    T = 1 + grid * grid

    def vit_source(lynx_name, eva_name, fn=lambda t: t):
        """Lynx's vision_encoder.* overrides the EVA file, tensor by tensor."""
        if lynx_name in lynx:
            return lynx_path, lambda: lynx[lynx_name]
        need(eva, eva_name, eva_path)
        return eva_path, lambda: fn(eva[eva_name])

    def add_vit(out, shape, lynx_name, eva_name, fn=lambda t: t, lynx_fn=lambda t: t):
        src, get = vit_source(lynx_name, eva_name, fn)
        from_lynx = src == lynx_path
        prod = (lambda: lynx_fn(get())) if from_lynx else get
        plan.add(out, shape, src, lynx_name if from_lynx else eva_name, prod, "0")

    add_vit("vit.patch_embed.weight", (W, 3, P, P), "vision_encoder.patch_embed.proj.weight", "patch_embed.proj.weight")
    add_vit("vit.patch_embed.bias", (W,), "vision_encoder.patch_embed.proj.bias", "patch_embed.proj.bias")
    add_vit("vit.cls_token", (W,), "vision_encoder.cls_token", "cls_token",
            fn=lambda t: t.reshape(-1), lynx_fn=lambda t: t.reshape(-1))
    add_vit("vit.pos_embed", (T, W), "vision_encoder.pos_embed", "pos_embed",
            fn=lambda t: resize_pos_embed(t, grid), lynx_fn=lambda t: resize_pos_embed(t, grid))

    def qkv_part(i, part):
        def f():
            qkv = need(eva, f"blocks.{i}.attn.qkv.weight", eva_path)
            if qkv.shape != (3 * W, W):
                raise ConversionError(f"{eva_path}: tensor 'blocks.{i}.attn.qkv.weight' has shape "
                                      f"{list(qkv.shape)}, expected {[3 * W, W]}")
            return qkv[part * W:(part + 1) * W]
        return f

    for i in range(vit_layers):
        e, l = f"blocks.{i}.", f"vision_encoder.blocks.{i}."
        o = f"vit.blocks.{i}."
        for part, letter in enumerate("qkv"):
            ln = l + f"attn.{letter}_proj.weight"
            if ln in lynx:
                plan.add(o + f"attn.{letter}.weight", (W, W), lynx_path, ln, (lambda n=ln: lynx[n]), "0")
            else:
                need(eva, e + "attn.qkv.weight", eva_path)
                plan.add(o + f"attn.{letter}.weight", (W, W), eva_path, e + "attn.qkv.weight",
                         qkv_part(i, part), "0")
        add_vit(o + "attn.q.bias", (W,), l + "attn.q_proj.bias", e + "attn.q_bias")
        add_vit(o + "attn.v.bias", (W,), l + "attn.v_proj.bias", e + "attn.v_bias")
        for sub, shape in (("attn.proj.weight", (W, W)), ("attn.proj.bias", (W,)),
                           ("norm1.weight", (W,)), ("norm1.bias", (W,)),
                           ("norm2.weight", (W,)), ("norm2.bias", (W,)),
                           ("mlp.fc1.weight", (mlp, W)), ("mlp.fc1.bias", (mlp,)),
                           ("mlp.fc2.weight", (W, mlp)), ("mlp.fc2.bias", (W,))):
            add_vit(o + sub, shape, l + sub, e + sub)

    # ---- frame embedding ----------------------------------------------------------------
    num_frames = int(cfg.get("data", {}).get("num_frames", 5))
    add_frame_pos = bool(cfg.get("add_frame_pos", True)) and bool(cfg.get("video_encoding", "concate"))
    if add_frame_pos:
        need(lynx, "absolute_frame_pos_embed", lynx_path)
        plan.add("frame_pos_embed", (num_frames, W), lynx_path, "absolute_frame_pos_embed",
                 lambda: _reshape_checked(lynx["absolute_frame_pos_embed"], (1, num_frames, 1, W),
                                          lynx_path, "absolute_frame_pos_embed").reshape(num_frames, W), "1")

    # ---- resampler ----------------------------------------------------------------------
    D = int(llm_cfg["hidden_size"])
    depth = int(cfg["bridge_depth"])
    L = int(cfg["num_bridge_tokens"])
    inner = RESAMPLER_HEADS * RESAMPLER_HEAD_DIM
    ff_name = "bridge.layers.0.1.1.weight"
    ff_dim = lynx[ff_name].shape[0] if depth and ff_name in lynx else 4 * D

    def lynx_tensor(out, shape, name):
        need(lynx, name, lynx_path)
        plan.add(out, shape, lynx_path, name, lambda: lynx[name], "1")

    lynx_tensor("resampler.latents", (L, D), "bridge.latents")
    for i in range(depth):
        b, o = f"bridge.layers.{i}.", f"resampler.layers.{i}."
        lynx_tensor(o + "attn.norm_media.weight", (W,), b + "0.norm_media.weight")
        lynx_tensor(o + "attn.norm_media.bias", (W,), b + "0.norm_media.bias")
        lynx_tensor(o + "attn.norm_latents.weight", (D,), b + "0.norm_latents.weight")
        lynx_tensor(o + "attn.norm_latents.bias", (D,), b + "0.norm_latents.bias")
        lynx_tensor(o + "attn.to_q.weight", (inner, D), b + "0.to_q.weight")
        lynx_tensor(o + "attn.to_kv.weight", (2 * inner, W), b + "0.to_kv.weight")
        lynx_tensor(o + "attn.to_out.weight", (D, inner), b + "0.to_out.weight")
        lynx_tensor(o + "ff.norm.weight", (D,), b + "1.0.weight")
        lynx_tensor(o + "ff.norm.bias", (D,), b + "1.0.bias")
        lynx_tensor(o + "ff.fc1.weight", (ff_dim, D), b + "1.1.weight")
        lynx_tensor(o + "ff.fc2.weight", (D, ff_dim), b + "1.3.weight")
    lynx_tensor("resampler.norm.weight", (D,), "bridge.norm.weight")
    lynx_tensor("resampler.norm.bias", (D,), "bridge.norm.bias")

    # ---- LLM ----------------------------------------------------------------------------
    n_layers = int(llm_cfg["num_hidden_layers"])
    H = int(llm_cfg["num_attention_heads"])
    I = int(llm_cfg["intermediate_size"])
    V0 = int(llm_cfg["vocab_size"])
    V = V0 + 1  # + [PAD]
    if llm_cfg.get("num_key_value_heads", H) != H:
        raise ConversionError(f"{args.llm}/config.json: grouped-query attention (num_key_value_heads "
                              f"{llm_cfg['num_key_value_heads']}) is not part of the Lynx architecture")

    def llm_source(hf_name, lynx_name):
        if lynx_name in lynx:
            return lynx_path, lynx_name, (lambda: lynx[lynx_name]), "1"
        if not hf.has(hf_name):
            raise ConversionError(f"{args.llm}: tensor '{hf_name}' is missing")
        return hf.file_of(hf_name), hf_name, (lambda: hf.get(hf_name)), "2" + hf.file_of(hf_name)

    def add_llm(out, shape, hf_name):
        src, src_name, get, order = llm_source(hf_name, "LLM." + hf_name)
        plan.add(out, shape, src, src_name, get, order)

    def with_pad_row(hf_name):
        src, src_name, get, order = llm_source(hf_name, "LLM." + hf_name)

        def f():
            w = get().float()
            if w.shape[0] == V:       # a Lynx checkpoint that already has the [PAD] row
                return w
            if w.shape[0] != V0:
                raise ConversionError(f"{src}: tensor '{hf_name}' has {w.shape[0]} rows; the "
                                      f"vocabulary is {V0} (+1 for [PAD])")
            return torch.cat([w, w.mean(dim=0, keepdim=True)], dim=0)
        return src, src_name, f, order

    for out, hf_name in (("llm.embed_tokens.weight", "model.embed_tokens.weight"),
                         ("llm.lm_head.weight", "lm_head.weight")):
        src, src_name, f, order = with_pad_row(hf_name)
        plan.add(out, (V, D), src, src_name, f, order)
    add_llm("llm.norm.weight", (D,), "model.norm.weight")
    adapter_freq = int(cfg.get("adapter_freq", 0)) if cfg.get("use_adapter", False) else 0
    xattn_every = int(cfg.get("cross_attn_every", 0) or 0)
    A = None
    xattn_ff = None
    for i in range(n_layers):
        o = f"llm.layers.{i}."
        for out, shape, name in llama_layer_tensors(i, D, I):
            add_llm(out, shape, name)
        if adapter_freq and i % adapter_freq == 0:
            a = f"LLM.model.layers.{i}.output_adapter."
            if A is None:
                A = need(lynx, a + "adapter_down.weight", lynx_path).shape[0]
            lynx_tensor(o + "adapter.norm.weight", (D,), a + "adapter_norm_before.weight")
            lynx_tensor(o + "adapter.norm.bias", (D,), a + "adapter_norm_before.bias")
            lynx_tensor(o + "adapter.down.weight", (A, D), a + "adapter_down.weight")
            lynx_tensor(o + "adapter.down.bias", (A,), a + "adapter_down.bias")
            lynx_tensor(o + "adapter.up.weight", (D, A), a + "adapter_up.weight")
            lynx_tensor(o + "adapter.up.bias", (D,), a + "adapter_up.bias")
            lynx_tensor(o + "adapter.scaling", (1,), a + "scaling")
        if xattn_every and i % xattn_every == 0:
            x = f"LLM.model.layers.{i}.gated_cross_attn."
            xi = XATTN_HEADS * XATTN_HEAD_DIM
            if xattn_ff is None:
                xattn_ff = need(lynx, x + "ff.1.weight", lynx_path).shape[0]
            lynx_tensor(o + "xattn.norm.weight", (D,), x + "attn.norm.weight")
            lynx_tensor(o + "xattn.norm.bias", (D,), x + "attn.norm.bias")
            lynx_tensor(o + "xattn.to_q.weight", (xi, D), x + "attn.to_q.weight")
            lynx_tensor(o + "xattn.to_kv.weight", (2 * xi, D), x + "attn.to_kv.weight")
            lynx_tensor(o + "xattn.to_out.weight", (D, xi), x + "attn.to_out.weight")
            lynx_tensor(o + "xattn.attn_gate", (1,), x + "attn_gate")
            lynx_tensor(o + "xattn.ff.norm.weight", (D,), x + "ff.0.weight")
            lynx_tensor(o + "xattn.ff.norm.bias", (D,), x + "ff.0.bias")
            lynx_tensor(o + "xattn.ff.fc1.weight", (xattn_ff, D), x + "ff.1.weight")
            lynx_tensor(o + "xattn.ff.fc2.weight", (D, xattn_ff), x + "ff.3.weight")
            lynx_tensor(o + "xattn.ff_gate", (1,), x + "ff_gate")

    rope_theta = 10000.0  # the reference's rotary embedding ignores any rope_theta in config.json
    if float(llm_cfg.get("rope_theta", rope_theta)) != rope_theta:
        print(f"convert_lynx.py: warning: {args.llm}/config.json sets rope_theta "
              f"{llm_cfg['rope_theta']}; the reference uses 10000 and so does this conversion",
              file=sys.stderr)

    beams = int(cfg.get("num_beams", 1))
    sampling = bool(cfg.get("use_nucleus_sampling", False))
    strategy = ("beam-sample" if sampling else "beam") if beams > 1 else ("sample" if sampling else "greedy")
    llm_section = {
        "vocab_size": V, "hidden_size": D, "num_layers": n_layers, "num_heads": H,
        "intermediate_size": I, "rms_norm_eps": float(llm_cfg.get("rms_norm_eps", 1e-6)),
        "rope_theta": rope_theta,
        "max_position_embeddings": int(llm_cfg.get("max_position_embeddings", 2048)),
        "adapter_every": adapter_freq, "adapter_dim": int(A if A is not None else D // 2),
        "adapter_norm_eps": 1e-5,
        "bos_token_id": int(llm_cfg.get("bos_token_id", 1)),
        "eos_token_id": int(llm_cfg.get("eos_token_id", 2)),
        "pad_token_id": V0, "unk_token_id": 0,
    }
    if xattn_every:
        llm_section["cross_attention"] = {"every": xattn_every, "heads": XATTN_HEADS,
                                          "head_dim": XATTN_HEAD_DIM, "ff_dim": int(xattn_ff),
                                          "norm_eps": 1e-5}
    mean = [float(x) for x in cfg.get("image_mean", [0.48145466, 0.4578275, 0.40821073])]
    std = [float(x) for x in cfg.get("image_std", [0.26862954, 0.26130258, 0.27577711])]
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "variant": "cross_attention" if xattn_every else "prefix",
        "vision": {"image_size": image_res, "patch_size": P, "width": W, "depth": vit_layers,
                   "heads": heads, "mlp_dim": mlp, "norm_eps": 1e-6, "num_frames": num_frames,
                   "frame_pos_embed": add_frame_pos},
        "resampler": {"depth": depth, "num_latents": L, "heads": RESAMPLER_HEADS,
                      "head_dim": RESAMPLER_HEAD_DIM, "ff_dim": int(ff_dim), "norm_eps": 1e-5},
        "llm": llm_section,
        "preprocess": {"image_size": image_res, "mean": mean, "std": std, "num_frames": num_frames,
                       "frame_rule": "segment-start"},
        "prompt": {"template": str(cfg.get("prompt", "User: {question}\nBot:")),
                   "lowercase": bool(cfg.get("lower_text", True)),
                   "max_input_tokens": int(cfg.get("max_input_tokens", 40))},
        "decoding": {"strategy": strategy, "num_beams": beams, "top_k": int(cfg.get("top_k", 3)),
                     "top_p": float(cfg.get("top_p", 0.9)), "temperature": 1.0,
                     "no_repeat_ngram_size": int(cfg.get("no_repeat_ngram_size", 0)),
                     "min_length": int(cfg.get("min_length", 0)),
                     "max_new_tokens": int(cfg.get("max_new_tokens", 64)),
                     "length_penalty": float(cfg.get("length_penalty", 1.0))},
    }
    return plan, config


def _reshape_checked(t, shape, path, name):
    if tuple(t.shape) != tuple(shape):
        raise ConversionError(f"{path}: tensor '{name}' has shape {list(t.shape)}, expected {list(shape)}")
    return t


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Convert a Lynx release (EVA ViT .pth, Hugging Face LLaMA directory, Lynx .pt, "
                    "LYNX.yaml) into a lynxeval model directory.",
        epilog="Example: python3 tools/convert_lynx.py --eva eva_vit_g.pth --llm vicuna-7b/ "
               "--lynx finetune_lynx.pt --config LYNX.yaml --out lynx-8b --dtype bf16")
    ap.add_argument("--eva", required=True, help="EVA ViT-g state dict (eva_vit_g.pth)")
    ap.add_argument("--llm", required=True, help="Hugging Face LLaMA/Vicuna directory")
    ap.add_argument("--lynx", required=True, help="Lynx checkpoint (finetune_lynx.pt or pretrain_lynx.pt)")
    ap.add_argument("--config", required=True, help="the reference's LYNX.yaml")
    ap.add_argument("--out", required=True, help="model directory to create")
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="f32",
                    help="weight type in model.safetensors (default f32; bf16 halves the size)")
    ap.add_argument("--vit-layers", type=int, default=39,
                    help="ViT blocks to keep (default 39: the reference builds 39 of EVA ViT-g's 40)")
    ap.add_argument("--force", action="store_true", help="replace --out if it exists")
    ap.add_argument("--trust-pickle", action="store_true",
                    help="allow checkpoints holding arbitrary pickled objects (only for files you trust)")
    args = ap.parse_args(argv)
    try:
        convert(args)
    except ConversionError as e:
        print(f"convert_lynx.py: error: {e}", file=sys.stderr)
        return 1
    return 0


def convert(args):
    if args.vit_layers < 1:
        raise ConversionError("--vit-layers must be at least 1")
    out = os.path.abspath(args.out)
    if os.path.exists(out) and not args.force:
        raise ConversionError(f"{args.out}: already exists (pass --force to replace it)")
    try:
        with open(args.config) as f:
            cfg = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        raise ConversionError(f"{args.config}: cannot read as YAML: {e}") from None
    if not isinstance(cfg, dict):
        raise ConversionError(f"{args.config}: not a YAML mapping")
    for key in ("image_res", "bridge_depth", "num_bridge_tokens"):
        if key not in cfg:
            raise ConversionError(f"{args.config}: key '{key}' is missing")
    llm_config_path = os.path.join(args.llm, "config.json")
    try:
        with open(llm_config_path) as f:
            llm_cfg = json.load(f)
    except (OSError, ValueError) as e:
        raise ConversionError(f"{llm_config_path}: cannot read: {e}") from None
    for key in ("hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers", "vocab_size"):
        if key not in llm_cfg:
            raise ConversionError(f"{llm_config_path}: key '{key}' is missing")
    tokenizer = os.path.join(args.llm, "tokenizer.model")
    if not os.path.isfile(tokenizer):
        raise ConversionError(f"{tokenizer}: missing (the model directory needs the LLaMA tokenizer)")

    eva = load_torch_file(args.eva, args.trust_pickle)
    lynx_raw = load_torch_file(args.lynx, args.trust_pickle)
    lynx = TrackedTensors({reference_key_strip(k): v for k, v in lynx_raw.items()})
    hf = HFWeights(args.llm, args.trust_pickle)
    plan, config = build_plan(args, cfg, eva, lynx, hf, llm_cfg)
    check_shapes_early(plan)
    unused = lynx.unused()
    if unused:
        # The reference loads with strict=False and ignores these too; say so instead.
        shown = ", ".join(unused[:5]) + (", ..." if len(unused) > 5 else "")
        print(f"convert_lynx.py: warning: {args.lynx}: {len(unused)} tensors are not part of the "
              f"model and are ignored: {shown}", file=sys.stderr)

    config["source"] = {
        "converter": "tools/convert_lynx.py",
        "eva": os.path.basename(os.path.normpath(args.eva)),
        "llm": os.path.basename(os.path.normpath(args.llm)),
        "lynx": os.path.basename(os.path.normpath(args.lynx)),
        "config": os.path.basename(os.path.normpath(args.config)),
        "dtype": args.dtype,
        "vit_layers": args.vit_layers,
    }
    n_params = write_model_dir("convert_lynx.py", out, args.force, plan, config, args.dtype,
                               {"tokenizer.model": tokenizer})
    print(f"convert_lynx.py: wrote {args.out}: {len(plan.items)} tensors, {n_params} parameters, "
          f"{args.dtype}, variant {config['variant']}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
