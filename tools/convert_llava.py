#!/usr/bin/python3
"""Convert a LLaVA release into a lynxeval model directory (model/llava/llava.h).

  python3 tools/convert_llava.py --llava llava-v1.5-7b/ --vision-tower clip-vit-large-patch14-336/ \\
      --out DIR [--dtype f32|f16|bf16]
  python3 tools/convert_llava.py --hf llava-1.5-7b-hf/ --out DIR [--dtype ...]
  python3 tools/convert_llava.py --delta LLaVA-7b-delta-v0/ --base llama-7b/ \
      --vision-tower clip-vit-large-patch14/ --out DIR [--dtype ...]

Inputs are the directories a user downloads (docs/model-format.md, "Converting a LLaVA release"):
  --llava         the original release (liuhaotian/llava-v1.5-7b, -13b): config.json with the
                  mm_* keys, tokenizer.model, the full LLM under Hugging Face LLaMA names and
                  model.mm_projector.* in .bin or .safetensors shards. It has no vision tower:
  --vision-tower  the CLIP directory its config names (openai/clip-vit-large-patch14-336):
                  config.json, preprocessor_config.json and the weights; vision_model.* is read,
                  the text tower ignored. LLaVA runs the blocks up to mm_vision_select_layer
                  (-2: all but the last) and drops CLS (mm_vision_select_feature "patch"); only
                  those blocks are kept.
  --hf            the llava-hf port (LlavaForConditionalGeneration): one directory holding both.
                  Its vocabulary is padded (<image>, <pad>, then rows sampled at random to a
                  multiple of 64); those rows are dropped, so the converted model has the
                  original's vocabulary, and config.json's source says so.
  --delta         LLaVA v1's delta release (LLaVA-13b-delta-v0, LLaVA-7b-delta-v0,
  --base          LLaVA-Lightning-7B-delta-v1-1) and the LLaMA it applies to: every tensor the
                  two share becomes base + delta computed in float16, and the rows of
                  embed_tokens and lm_head past the base's vocabulary come from the delta, as
                  LLaVA's apply_delta.py does (haotian-liu/LLaVA@7ace501). The tokens the delta
                  added (added_tokens.json: [PAD], <im_patch>, <im_start>, <im_end>) become
                  special tokens that keep their neighbours' whitespace, as the fast tokenizer its
                  scripts load does; the image's 256 <im_patch> positions take the image's rows.

Output DIR: config.json (the family's keys, preprocessing, the vicuna_v1 conversation, greedy
decoding with LLaVA-1.5's evaluation settings), model.safetensors and tokenizer.model. Every
tensor is checked by name and shape before it is written; a refusal names the tensor and its
file, and DIR is written under a temporary name and renamed at the end, so a failed conversion
leaves nothing behind.

Needs Debian's python3-torch and python3-numpy (no pip packages).
"""
import argparse
import os
import sys

try:
    from convert_common import (DTYPES, FORMAT, FORMAT_VERSION, ConversionError, Plan, Source,
                                add_llm, apply_overrides, llm_section, need_keys, read_json,
                                warn_unused, write_model_dir)
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(f"convert_llava.py: {e}; install Debian's python3-torch and python3-numpy and run with "
             f"/usr/bin/python3")

PROG = "convert_llava.py"

# The vicuna_v1 conversation (LLaVA's llava/conversation.py) that LLaVA-1.5's evaluation
# scripts use, with the image placed as model_vqa_loader.py puts it: "<image>\n" + question.
VICUNA_V1_SYSTEM = ("A chat between a curious user and an artificial intelligence assistant. "
                    "The assistant gives helpful, detailed, and polite answers to the user's "
                    "questions.")
VICUNA_V1_PROMPT = {
    "template": VICUNA_V1_SYSTEM + " USER: <image>\n{question} ASSISTANT:",
    "text_only_template": VICUNA_V1_SYSTEM + " USER: {question} ASSISTANT:",
    "media_marker": "<image>",
    "lowercase": False,
    # docs/Evaluation.md: short-answer tasks (VQAv2, MME) end the question with this line
    "short_answer": "\nAnswer the question using a single word or phrase.",
}


def vision_section(vcfg, select_layer, select_feature, path):
    need_keys(vcfg, ("hidden_size", "image_size", "intermediate_size", "num_attention_heads",
                     "num_hidden_layers", "patch_size"), path)
    layers = int(vcfg["num_hidden_layers"])
    # hidden_states[0] is the embedding (after pre_layrnorm), hidden_states[k] block k-1's output
    k = layers + 1 + select_layer if select_layer < 0 else select_layer
    if not 1 <= k <= layers:
        raise ConversionError(f"{path}: mm_vision_select_layer {select_layer} selects hidden state "
                              f"{k} of a tower with {layers} blocks (1..{layers} are supported)")
    if select_feature not in ("patch", "cls_patch"):
        raise ConversionError(f"{path}: mm_vision_select_feature '{select_feature}' is not 'patch' "
                              f"or 'cls_patch'")
    act = vcfg.get("hidden_act", "quick_gelu")
    if act not in ("quick_gelu", "gelu"):
        raise ConversionError(f"{path}: vision hidden_act '{act}' is not quick_gelu or gelu")
    W, H = int(vcfg["hidden_size"]), int(vcfg["num_attention_heads"])
    if W % H:
        raise ConversionError(f"{path}: vision hidden_size {W} is not a multiple of {H} heads")
    return {"image_size": int(vcfg["image_size"]), "patch_size": int(vcfg["patch_size"]),
            "width": W, "depth": k, "heads": H, "mlp_dim": int(vcfg["intermediate_size"]),
            "norm_eps": float(vcfg.get("layer_norm_eps", 1e-5)), "patch_bias": False,
            "qkv_bias": "qkv", "pre_norm": True, "act": act,
            "features": "patches" if select_feature == "patch" else "all"}


def add_vision(plan, src, v, prefix):
    """The CLIP tower's tensors (HF CLIPVisionModel names under prefix) for the blocks run."""
    W, P, M = v["width"], v["patch_size"], v["mlp_dim"]
    T = 1 + (v["image_size"] // P) ** 2
    e = prefix + "embeddings."
    src.add(plan, "vit.patch_embed.weight", (W, 3, P, P), e + "patch_embedding.weight")
    src.add(plan, "vit.cls_token", (W,), e + "class_embedding")
    src.add(plan, "vit.pos_embed", (T, W), e + "position_embedding.weight")
    src.add(plan, "vit.pre_norm.weight", (W,), prefix + "pre_layrnorm.weight")
    src.add(plan, "vit.pre_norm.bias", (W,), prefix + "pre_layrnorm.bias")
    for i in range(v["depth"]):
        b, o = prefix + f"encoder.layers.{i}.", f"vit.blocks.{i}."
        for ours, theirs in (("q", "q_proj"), ("k", "k_proj"), ("v", "v_proj"), ("proj", "out_proj")):
            src.add(plan, o + f"attn.{ours}.weight", (W, W), b + f"self_attn.{theirs}.weight")
            src.add(plan, o + f"attn.{ours}.bias", (W,), b + f"self_attn.{theirs}.bias")
        for ours, theirs in (("norm1", "layer_norm1"), ("norm2", "layer_norm2")):
            src.add(plan, o + f"{ours}.weight", (W,), b + f"{theirs}.weight")
            src.add(plan, o + f"{ours}.bias", (W,), b + f"{theirs}.bias")
        src.add(plan, o + "mlp.fc1.weight", (M, W), b + "mlp.fc1.weight")
        src.add(plan, o + "mlp.fc1.bias", (M,), b + "mlp.fc1.bias")
        src.add(plan, o + "mlp.fc2.weight", (W, M), b + "mlp.fc2.weight")
        src.add(plan, o + "mlp.fc2.bias", (W,), b + "mlp.fc2.bias")


def preprocess_section(pre, pad, path):
    """CLIPImageProcessor's settings: shortest edge S, crop S x S."""
    def side(v, key):
        if isinstance(v, dict):
            v = v.get("shortest_edge", v.get("height"))
        if not isinstance(v, int) or v < 1:
            raise ConversionError(f"{path}: {key} {v!r} is not a size")
        return v
    need_keys(pre, ("size", "crop_size", "image_mean", "image_std"), path)
    size, crop = side(pre["size"], "size"), side(pre["crop_size"], "crop_size")
    if size != crop or not pre.get("do_center_crop", True) or not pre.get("do_resize", True):
        raise ConversionError(f"{path}: a resize to {size} then a crop to {crop} is not LLaVA's "
                              f"processor (both must be the tower's image size)")
    if int(pre.get("resample", 3)) != 3:
        raise ConversionError(f"{path}: resample {pre['resample']} is not bicubic (3)")
    if abs(float(pre.get("rescale_factor", 1 / 255)) - 1 / 255) > 1e-12:
        raise ConversionError(f"{path}: rescale_factor {pre['rescale_factor']} is not 1/255")
    return {"image_size": crop, "mean": [float(x) for x in pre["image_mean"]],
            "std": [float(x) for x in pre["image_std"]], "num_frames": 1,
            "frame_rule": "segment-middle", "resize": "hf_clip", "pad_square": bool(pad)}


def tokenizer_rules(release):
    """LLaVA-1.5's scripts load the slow tokenizer (use_fast=False) under transformers 4.37:
    "nonlegacy" when tokenizer_config.json says legacy false (llava-v1.5 does), else "legacy",
    transformers' default when the key is absent."""
    path = os.path.join(release, "tokenizer_config.json")
    if not os.path.exists(path):
        return "legacy"
    legacy = read_json(path, "").get("legacy")
    return "legacy" if legacy is None or legacy else "nonlegacy"


def plan_original(args):
    """--llava + --vision-tower: (plan, config, tokenizer path)."""
    cfg_path = os.path.join(args.llava, "config.json")
    cfg = read_json(cfg_path, "the LLaVA release's config")
    need_keys(cfg, ("mm_hidden_size", "mm_vision_select_layer"), cfg_path)
    proj = cfg.get("mm_projector_type", "linear")
    if proj not in ("mlp2x_gelu", "linear"):
        raise ConversionError(f"{cfg_path}: mm_projector_type '{proj}' is not mlp2x_gelu or linear")
    if cfg.get("mm_use_im_start_end") or cfg.get("mm_use_im_patch_token"):
        raise ConversionError(f"{cfg_path}: mm_use_im_start_end / mm_use_im_patch_token are LLaVA "
                              f"v1's image tokens; this release layout is LLaVA-1.5's")
    if cfg.get("image_aspect_ratio", "square") not in ("pad", "square", None):
        raise ConversionError(f"{cfg_path}: image_aspect_ratio '{cfg['image_aspect_ratio']}' is "
                              f"not supported (pad or square)")
    vt = args.vision_tower
    clip_cfg_path = os.path.join(vt, "config.json")
    clip_cfg = read_json(clip_cfg_path, "the CLIP tower's config")
    vcfg = clip_cfg.get("vision_config", clip_cfg)
    v = vision_section(vcfg, int(cfg["mm_vision_select_layer"]),
                       cfg.get("mm_vision_select_feature", "patch"), clip_cfg_path)
    if int(cfg["mm_hidden_size"]) != v["width"]:
        raise ConversionError(f"{cfg_path}: mm_hidden_size {cfg['mm_hidden_size']} differs from the "
                              f"tower's width {v['width']} ({clip_cfg_path})")
    pre = preprocess_section(read_json(os.path.join(vt, "preprocessor_config.json"),
                                       "the CLIP processor's settings"),
                             cfg.get("image_aspect_ratio") == "pad",
                             os.path.join(vt, "preprocessor_config.json"))
    if pre["image_size"] != v["image_size"]:
        raise ConversionError(f"{vt}: the processor crops to {pre['image_size']} but the tower takes "
                              f"{v['image_size']}")
    tok = os.path.join(args.llava, "tokenizer.model")
    if not os.path.isfile(tok):
        raise ConversionError(f"{tok}: missing (the model directory needs the LLaMA tokenizer)")
    need_keys(cfg, ("vocab_size",), cfg_path)
    l = llm_section(cfg, int(cfg["vocab_size"]), cfg_path)

    plan = Plan()
    llava = Source(args.llava, args.trust_pickle)
    clip = Source(vt, args.trust_pickle)
    add_vision(plan, clip, v, "vision_model.")
    D = l["hidden_size"]
    if proj == "mlp2x_gelu":
        llava.add(plan, "projector.fc1.weight", (D, v["width"]), "model.mm_projector.0.weight")
        llava.add(plan, "projector.fc1.bias", (D,), "model.mm_projector.0.bias")
        llava.add(plan, "projector.fc2.weight", (D, D), "model.mm_projector.2.weight")
        llava.add(plan, "projector.fc2.bias", (D,), "model.mm_projector.2.bias")
    else:
        llava.add(plan, "projector.fc1.weight", (D, v["width"]), "model.mm_projector.weight")
        llava.add(plan, "projector.fc1.bias", (D,), "model.mm_projector.bias")
    add_llm(plan, llava, l, "")
    warn_unused(PROG, llava, ("model.vision_tower.",), "not part of the model")
    warn_unused(PROG, clip, ("text_model.", "visual_projection", "text_projection", "logit_scale",
                       "vision_model.post_layernorm", "vision_model.embeddings.position_ids")
                + tuple(f"vision_model.encoder.layers.{i}." for i in range(v["depth"], 10000)),
                "of the CLIP tower beyond what LLaVA runs")
    config = base_config("llava-1.5" if proj == "mlp2x_gelu" else "llava-v1", proj, v, l, pre,
                         tokenizer_rules(args.llava))
    config["source"] = {"converter": f"tools/{PROG}", "layout": "original",
                        "llava": os.path.basename(os.path.normpath(args.llava)),
                        "vision_tower": os.path.basename(os.path.normpath(vt)),
                        "vision_blocks_kept": v["depth"], "dtype": args.dtype}
    return plan, config, tok


def plan_hf(args):
    """--hf: the llava-hf port. (plan, config, tokenizer path)."""
    cfg_path = os.path.join(args.hf, "config.json")
    cfg = read_json(cfg_path, "the port's config")
    need_keys(cfg, ("text_config", "vision_config", "image_token_index"), cfg_path)
    if cfg.get("projector_hidden_act", "gelu") != "gelu":
        raise ConversionError(f"{cfg_path}: projector_hidden_act '{cfg['projector_hidden_act']}' is "
                              f"not gelu")
    strategy = cfg.get("vision_feature_select_strategy", "default")
    if strategy not in ("default", "full"):
        raise ConversionError(f"{cfg_path}: vision_feature_select_strategy '{strategy}' is not "
                              f"default or full")
    v = vision_section(cfg["vision_config"], int(cfg.get("vision_feature_layer", -2)),
                       "patch" if strategy == "default" else "cls_patch", cfg_path)
    tcfg = dict(cfg["text_config"])
    padded = int(tcfg.get("vocab_size", cfg.get("vocab_size", 0)))
    V = int(cfg["image_token_index"])
    added = {}
    added_path = os.path.join(args.hf, "added_tokens.json")
    if os.path.exists(added_path):
        added = read_json(added_path, "the port's added tokens")
    low = [t for t, i in added.items() if int(i) < V]
    if low:
        raise ConversionError(f"{added_path}: added token '{low[0]}' has id {added[low[0]]}, inside "
                              f"the original vocabulary (< {V})")
    if not 0 < V <= padded:
        raise ConversionError(f"{cfg_path}: image_token_index {V} is outside the vocabulary {padded}")
    l = llm_section(tcfg, V, cfg_path)
    pre_path = os.path.join(args.hf, "preprocessor_config.json")
    pre = (preprocess_section(read_json(pre_path, ""), True, pre_path) if os.path.exists(pre_path)
           else {"image_size": v["image_size"], "mean": [0.48145466, 0.4578275, 0.40821073],
                 "std": [0.26862954, 0.26130258, 0.27577711], "num_frames": 1,
                 "frame_rule": "segment-middle", "resize": "hf_clip", "pad_square": True})
    tok = os.path.join(args.hf, "tokenizer.model")
    if not os.path.isfile(tok):
        raise ConversionError(f"{tok}: missing (the model directory needs the LLaMA tokenizer)")

    plan = Plan()
    src = Source(args.hf, args.trust_pickle)
    add_vision(plan, src, v, "vision_tower.vision_model.")
    D = l["hidden_size"]
    src.add(plan, "projector.fc1.weight", (D, v["width"]), "multi_modal_projector.linear_1.weight")
    src.add(plan, "projector.fc1.bias", (D,), "multi_modal_projector.linear_1.bias")
    src.add(plan, "projector.fc2.weight", (D, D), "multi_modal_projector.linear_2.weight")
    src.add(plan, "projector.fc2.bias", (D,), "multi_modal_projector.linear_2.bias")

    def original_rows(t, name):
        """embed and lm_head: the padded shape checked, the original's rows kept."""
        if not name.endswith(("embed_tokens.weight", "lm_head.weight")):
            return t
        if t.shape[0] != padded:
            raise ConversionError(f"{args.hf}: tensor '{name}' has {t.shape[0]} rows, config.json "
                                  f"says the vocabulary is {padded}")
        return t[:V]
    add_llm(plan, src, l, "language_model.", original_rows)
    warn_unused(PROG, src, ("vision_tower.vision_model.post_layernorm",)
                + tuple(f"vision_tower.vision_model.encoder.layers.{i}." for i in range(v["depth"], 10000)),
                "not part of the model")
    config = base_config("llava-1.5", "mlp2x_gelu", v, l, pre, tokenizer_rules(args.hf))
    config["source"] = {"converter": f"tools/{PROG}", "layout": "llava-hf",
                        "hf": os.path.basename(os.path.normpath(args.hf)),
                        "vocabulary": f"rows {V}..{padded - 1} of the port (<image>, <pad> and "
                                      f"random padding, which the original does not have) dropped",
                        "vision_blocks_kept": v["depth"], "dtype": args.dtype}
    return plan, config, tok


# LLaVA v1's conversation as its README's run_llava.py builds it (conv "multimodal" of
# llava/conversation.py@7ace501; the "v1" conversation for names holding "v1"): the image's tokens
# after the question, the "###" separator, and the stop there.
V1_SYSTEM = ("You are LLaVA, a large language and vision assistant trained by UW Madison WAIV Lab."
             "You are able to understand the visual content that the user provides, and assist the "
             "user with a variety of tasks using natural language.Follow the instructions carefully "
             "and explain your answers in detail.")


def v1_prompt(v1_1, start_end):
    image = "<im_start><image><im_end>" if start_end else "<image>"
    if v1_1:  # conv_llava_v1: SeparatorStyle.TWO, " " and "</s>"
        head = V1_SYSTEM + " USER: {question}"
        tail = " ASSISTANT:"
    else:  # simple_conv_multimodal: SeparatorStyle.SINGLE, "###"
        head = V1_SYSTEM + "###Human: Hi!###Assistant: Hi there!  How can I help you today?\n###Human: {question}"
        tail = "###Assistant:"
    return {"template": head + "\n" + image + tail, "text_only_template": head + tail,
            # AutoTokenizer in run_llava.py: the fast tokenizer, converted from tokenizer.model
            "media_marker": "<image>", "lowercase": False, "tokenizer": "fast"}


def plan_delta(args):
    """--delta + --base + --vision-tower: LLaVA v1. (plan, config, tokenizer path)."""
    cfg_path = os.path.join(args.delta, "config.json")
    cfg = read_json(cfg_path, "the delta release's config")
    need_keys(cfg, ("mm_hidden_size", "vocab_size"), cfg_path)
    base_cfg_path = os.path.join(args.base, "config.json")
    base_cfg = read_json(base_cfg_path, "the base LLaMA's config")
    need_keys(base_cfg, ("vocab_size", "hidden_size"), base_cfg_path)
    if cfg.get("mm_projector_type", "linear") != "linear":
        raise ConversionError(f"{cfg_path}: mm_projector_type '{cfg['mm_projector_type']}': a delta "
                              f"release is LLaVA v1's, whose projector is linear")
    V, V0 = int(cfg["vocab_size"]), int(base_cfg["vocab_size"])
    if V < V0:
        raise ConversionError(f"{cfg_path}: vocab_size {V} is smaller than the base's {V0} "
                              f"({base_cfg_path})")
    added_path = os.path.join(args.delta, "added_tokens.json")
    added = read_json(added_path, "the tokens the delta adds") if V > V0 else {}
    ids = sorted(int(i) for i in added.values())
    if ids != list(range(V0, V)):
        raise ConversionError(f"{added_path}: the added tokens' ids {ids} are not the rows {V0}..{V - 1} "
                              f"between the base's vocabulary ({V0}, {base_cfg_path}) and the "
                              f"delta's ({V}): is --base the LLaMA this delta was made from?")
    start_end = bool(cfg.get("mm_use_im_start_end", False))
    needed = ["<im_patch>"] + (["<im_start>", "<im_end>"] if start_end else [])
    for t in needed:
        if t not in added:
            raise ConversionError(f"{added_path}: '{t}' is missing (the image's tokens)")
    vt = args.vision_tower
    clip_cfg_path = os.path.join(vt, "config.json")
    clip_cfg = read_json(clip_cfg_path, "the CLIP tower's config")
    vcfg = clip_cfg.get("vision_config", clip_cfg)
    # 7ace501 reads hidden_states[mm_vision_select_layer] (-1 when the key is absent)
    v = vision_section(vcfg, int(cfg.get("mm_vision_select_layer", -1)), "patch", clip_cfg_path)
    if int(cfg["mm_hidden_size"]) != v["width"]:
        raise ConversionError(f"{cfg_path}: mm_hidden_size {cfg['mm_hidden_size']} differs from the "
                              f"tower's width {v['width']} ({clip_cfg_path})")
    pre = preprocess_section(read_json(os.path.join(vt, "preprocessor_config.json"),
                                       "the CLIP processor's settings"), False,
                             os.path.join(vt, "preprocessor_config.json"))
    tok = os.path.join(args.delta, "tokenizer.model")
    if not os.path.isfile(tok):
        tok = os.path.join(args.base, "tokenizer.model")
    if not os.path.isfile(tok):
        raise ConversionError(f"{args.delta}: no tokenizer.model (nor in {args.base})")
    l = llm_section(cfg, V, cfg_path)
    l["added_tokens"] = [{"text": t, "id": int(i), "strip": False}
                         for t, i in sorted(added.items(), key=lambda kv: int(kv[1]))]
    if "[PAD]" in added:  # the delta's own padding token
        l["pad_token_id"] = int(added["[PAD]"])

    plan = Plan()
    delta = Source(args.delta, args.trust_pickle)
    base = Source(args.base, args.trust_pickle)
    clip = Source(vt, args.trust_pickle)
    add_vision(plan, clip, v, "vision_model.")
    D = l["hidden_size"]
    delta.add(plan, "projector.fc1.weight", (D, v["width"]), "model.mm_projector.weight",
              lambda t: t.half())
    delta.add(plan, "projector.fc1.bias", (D,), "model.mm_projector.bias", lambda t: t.half())

    def applied(t, name):
        """base + delta in float16 (apply_delta.py); extra rows of the delta kept as they are."""
        b = base.w.get(name).half()
        t = t.half().clone()
        if t.shape == b.shape:
            return t + b
        if name not in ("model.embed_tokens.weight", "lm_head.weight") or t.shape[1:] != b.shape[1:] \
                or t.shape[0] < b.shape[0]:
            raise ConversionError(f"{args.base}: tensor '{name}' has shape {list(b.shape)}, the "
                                  f"delta's {list(t.shape)}")
        t[:b.shape[0]] += b
        return t
    add_llm(plan, delta, l, "", applied)
    for it in plan.items:  # every LLM tensor the delta changes must be in the base too
        if it[0].startswith("llm."):
            if not base.has(it[3]):
                raise ConversionError(f"{args.base}: tensor '{it[3]}' is missing")
            base.read.add(it[3])
    warn_unused(PROG, delta, ("model.vision_tower.",), "not part of the model")
    warn_unused(PROG, base, (), "of the base not in the delta")
    variant = "llava-v1"
    v1_1 = "v1" in os.path.basename(os.path.normpath(args.delta)).lower()
    config = {"format": FORMAT, "format_version": FORMAT_VERSION, "family": "llava",
              "variant": variant, "vision": v, "projector": {"type": "linear"}, "llm": l,
              "preprocess": pre, "prompt": v1_prompt(v1_1, start_end),
              # run_llava.py samples at temperature 0.2; evaluations report greedy. It passes
              # input_ids, so generate() has no [<s>] seed; its KeywordsStoppingCriteria stops on
              # the separator from the second new token on, and the answer loses it.
              "decoding": {"strategy": "greedy", "max_new_tokens": 1024, "bos_seed": False,
                           "evaluation": True, "stop_strings": ["</s>" if v1_1 else "###"],
                           "stop_from": 2}}
    config["source"] = {"converter": f"tools/{PROG}", "layout": "delta",
                        "delta": os.path.basename(os.path.normpath(args.delta)),
                        "base": os.path.basename(os.path.normpath(args.base)),
                        "vision_tower": os.path.basename(os.path.normpath(vt)),
                        "recipe": "base + delta in float16 (apply_delta.py); the delta's extra "
                                  "vocabulary rows as they are",
                        "conversation": "llava_v1" if v1_1 else "multimodal",
                        "vision_blocks_kept": v["depth"], "dtype": args.dtype}
    return plan, config, tok


def base_config(variant, proj, v, l, pre, rules):
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "family": "llava",
            "variant": variant, "vision": v, "projector": {"type": proj}, "llm": l,
            "preprocess": pre, "prompt": dict(VICUNA_V1_PROMPT, tokenizer=rules),
            # LLaVA-1.5's evaluation scripts: temperature 0 (greedy), 128 new tokens; transformers
            # 4.37.2 generating from embeddings starts the output with [<s>], as 4.28 does
            # (model_vqa_loader.py); LLaVA-Bench runs model_vqa.py, 1024 tokens. These are its
            # evaluation's settings, so tasks do not override them.
            "decoding": {"strategy": "greedy", "max_new_tokens": 128, "bos_seed": True,
                         "evaluation": True, "max_new_tokens_by_task": {"llava-bench": 1024}}}


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Convert a LLaVA release (the original directory and its CLIP tower, or the "
                    "llava-hf port) into a lynxeval model directory.",
        epilog="Examples: python3 tools/convert_llava.py --llava llava-v1.5-7b --vision-tower "
               "clip-vit-large-patch14-336 --out llava-1.5-7b --dtype bf16;  python3 "
               "tools/convert_llava.py --hf llava-1.5-7b-hf --out llava-1.5-7b")
    ap.add_argument("--llava", help="the original release directory (liuhaotian/llava-v1.5-7b)")
    ap.add_argument("--vision-tower", help="the CLIP directory it names "
                    "(openai/clip-vit-large-patch14-336), with --llava")
    ap.add_argument("--hf", help="the llava-hf port's directory (llava-hf/llava-1.5-7b-hf)")
    ap.add_argument("--delta", help="LLaVA v1's delta release (liuhaotian/LLaVA-7b-delta-v0), with "
                    "--base and --vision-tower")
    ap.add_argument("--base", help="the LLaMA directory the delta applies to, with --delta")
    ap.add_argument("--out", required=True, help="model directory to create")
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="f32",
                    help="weight type in model.safetensors (default f32; bf16 halves the size)")
    ap.add_argument("--overrides", metavar="FILE",
                    help="a JSON object of prompt, preprocess and decoding keys replacing the "
                         "converter's LLaVA-1.5 settings (a model trained with its own "
                         "conversation; preprocess.num_frames 4, 9, ... pools video frames)")
    ap.add_argument("--force", action="store_true", help="replace --out if it exists")
    ap.add_argument("--trust-pickle", action="store_true",
                    help="allow checkpoints holding arbitrary pickled objects (only for files you trust)")
    args = ap.parse_args(argv)
    layouts = sum(bool(x) for x in (args.llava, args.hf, args.delta))
    if layouts != 1 or bool(args.delta) != bool(args.base) or \
            bool(args.llava or args.delta) != bool(args.vision_tower):
        ap.error("give --llava with --vision-tower, or --hf, or --delta with --base and --vision-tower")
    try:
        out = os.path.abspath(args.out)
        if os.path.exists(out) and not args.force:
            raise ConversionError(f"{args.out}: already exists (pass --force to replace it)")
        plan, config, tok = (plan_original(args) if args.llava else plan_hf(args) if args.hf
                             else plan_delta(args))
        if args.overrides:
            apply_overrides(config, args.overrides)
        n = write_model_dir(PROG, out, args.force, plan, config, args.dtype, {"tokenizer.model": tok})
    except ConversionError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    print(f"{PROG}: wrote {args.out}: {len(plan.items)} tensors, {n} parameters, {args.dtype}, "
          f"variant {config['variant']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
