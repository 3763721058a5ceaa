"""Writes small random LLaVA releases in the layouts users download (docs/model-zoo.md 5.1):

  clip-vit-large-patch14-336/   the vision tower, as openai/clip-vit-large-patch14-336 is on the
                                Hugging Face hub: a whole CLIPModel (config.json with
                                vision_config and text_config, preprocessor_config.json,
                                pytorch_model.bin holding vision_model.*, text_model.*,
                                visual_projection, text_projection, logit_scale and the
                                position_ids buffer)
  llava-v1.5-7b/                the original release (LlavaLlamaForCausalLM): config.json with the
                                mm_* keys, tokenizer.model, tokenizer_config.json, and the full LLM
                                plus model.mm_projector.{0,2}.* in .bin shards with their index;
                                no vision tower
  llava-1.5-7b-hf/              the llava-hf port (LlavaForConditionalGeneration): one config.json
                                with text_config and vision_config, safetensors shards with
                                language_model.*, vision_tower.vision_model.*,
                                multi_modal_projector.linear_{1,2}.*, and the vocabulary padded
                                with <image>, <pad> and rows sampled at random up to a multiple of
                                64 (as the port's converter does)
  clip-vit-large-patch14/       LLaVA v1's tower (224 px upstream; here the same tiny size), a
                                whole CLIPModel like the one above
  llama-7b/                     the base LLaMA a v1 delta applies to (Hugging Face directory,
                                .bin shards)
  LLaVA-7b-delta-v0/            LLaVA v1's delta release (haotian-liu/LLaVA@7ace501
                                apply_delta.py): every shared tensor is target - base, stored in
                                float16; embed_tokens and lm_head have 4 more rows ([PAD],
                                <im_patch>, <im_start>, <im_end>, from added_tokens.json) held
                                whole; model.mm_projector.{weight,bias} (linear); config.json with
                                mm_use_im_start_end and mm_vision_select_layer -2; the tokenizer
                                files with the added tokens. Its tokenizer is the embedded world's
                                (trained by spm_train, checkpoints/lynx-world-pt), a real BPE model
                                that SentencePiece and the fast tokenizer converted from it split
                                alike, as they do LLaMA's: LLaVA v1's scripts load the fast one

The same seed gives the same tensors. Sizes are tiny; the structure is the real one.
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
from fake_release import _gen, _linear, _norm_w, _randn, llama_state, tokenizer_model, write_shards  # noqa: E402

TINY = dict(
    clip_width=64, clip_heads=4, clip_layers=3, clip_mlp=128, patch=14, image_size=56,
    select_layer=-2,
    llm_hidden=128, llm_heads=4, llm_layers=2, llm_intermediate=256, vocab=320,
    text_width=32,
)

MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


def clip_state(g, d):
    """A whole CLIPModel's state dict: the vision tower LLaVA uses and the parts it does not."""
    W, P, M = d["clip_width"], d["patch"], d["clip_mlp"]
    T = 1 + (d["image_size"] // P) ** 2
    v = "vision_model."
    sd = {
        v + "embeddings.class_embedding": _randn(g, W, std=0.5),
        v + "embeddings.patch_embedding.weight": _randn(g, W, 3, P, P, std=1.0 / (3 * P * P) ** 0.5),
        v + "embeddings.position_embedding.weight": _randn(g, T, W, std=0.5),
        v + "embeddings.position_ids": torch.arange(T).unsqueeze(0),
        v + "pre_layrnorm.weight": _norm_w(g, W),
        v + "pre_layrnorm.bias": _randn(g, W, std=0.1),
    }
    for i in range(d["clip_layers"]):
        b = v + f"encoder.layers.{i}."
        for p in ("q", "k", "v", "out"):
            sd[b + f"self_attn.{p}_proj.weight"] = _linear(g, W, W)
            sd[b + f"self_attn.{p}_proj.bias"] = _randn(g, W, std=0.1)
        sd[b + "layer_norm1.weight"] = _norm_w(g, W)
        sd[b + "layer_norm1.bias"] = _randn(g, W, std=0.1)
        sd[b + "mlp.fc1.weight"] = _linear(g, M, W)
        sd[b + "mlp.fc1.bias"] = _randn(g, M, std=0.1)
        sd[b + "mlp.fc2.weight"] = _linear(g, W, M)
        sd[b + "mlp.fc2.bias"] = _randn(g, W, std=0.1)
        sd[b + "layer_norm2.weight"] = _norm_w(g, W)
        sd[b + "layer_norm2.bias"] = _randn(g, W, std=0.1)
    sd[v + "post_layernorm.weight"] = _norm_w(g, W)
    sd[v + "post_layernorm.bias"] = _randn(g, W, std=0.1)
    # the text tower and the heads LLaVA never reads
    tw = d["text_width"]
    sd["text_model.embeddings.token_embedding.weight"] = _randn(g, 50, tw)
    sd["text_model.final_layer_norm.weight"] = _norm_w(g, tw)
    sd["visual_projection.weight"] = _linear(g, tw, W)
    sd["text_projection.weight"] = _linear(g, tw, tw)
    sd["logit_scale"] = torch.tensor(4.6052)
    return sd


def clip_vision_config(d):
    return {"hidden_size": d["clip_width"], "image_size": d["image_size"],
            "intermediate_size": d["clip_mlp"], "layer_norm_eps": 1e-05,
            "num_attention_heads": d["clip_heads"], "num_hidden_layers": d["clip_layers"],
            "patch_size": d["patch"], "hidden_act": "quick_gelu", "num_channels": 3,
            "projection_dim": d["text_width"], "model_type": "clip_vision_model"}


def write_clip_dir(path, d, sd):
    os.makedirs(path, exist_ok=True)
    config = {"architectures": ["CLIPModel"], "model_type": "clip",
              "projection_dim": d["text_width"], "logit_scale_init_value": 2.6592,
              "text_config": {"hidden_size": d["text_width"], "model_type": "clip_text_model"},
              "vision_config": clip_vision_config(d), "torch_dtype": "float32"}
    S = d["image_size"]
    pre = {"crop_size": S, "do_center_crop": True, "do_normalize": True, "do_resize": True,
           "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": MEAN, "image_std": STD,
           "resample": 3, "size": S}
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(path, "preprocessor_config.json"), "w") as f:
        json.dump(pre, f, indent=2)
    torch.save(sd, os.path.join(path, "pytorch_model.bin"))


def projector_state(g, d):
    W, D = d["clip_width"], d["llm_hidden"]
    return {"model.mm_projector.0.weight": _linear(g, D, W),
            "model.mm_projector.0.bias": _randn(g, D, std=0.1),
            "model.mm_projector.2.weight": _linear(g, D, D),
            "model.mm_projector.2.bias": _randn(g, D, std=0.1)}


def llama_config(d, vocab):
    return {"hidden_size": d["llm_hidden"], "intermediate_size": d["llm_intermediate"],
            "num_attention_heads": d["llm_heads"], "num_key_value_heads": d["llm_heads"],
            "num_hidden_layers": d["llm_layers"], "rms_norm_eps": 1e-05, "vocab_size": vocab,
            "max_position_embeddings": 4096, "hidden_act": "silu", "bos_token_id": 1,
            "eos_token_id": 2, "pad_token_id": 0, "tie_word_embeddings": False,
            "rope_theta": 10000.0, "rope_scaling": None, "model_type": "llama"}


def tokenizer_files(path, d, tokenizer=None, legacy=False):
    """tokenizer.model (tokenizer: a SentencePiece model file to copy; else a made-up one) and
    tokenizer_config.json (legacy: without the "legacy" key, transformers' legacy default)."""
    with open(os.path.join(path, "tokenizer.model"), "wb") as f:
        f.write(open(tokenizer, "rb").read() if tokenizer else tokenizer_model(d["vocab"]))
    tc = {"add_bos_token": True, "add_eos_token": False, "clean_up_tokenization_spaces": False,
          "model_max_length": 2048, "pad_token": "<unk>", "padding_side": "right",
          "sp_model_kwargs": {}, "tokenizer_class": "LlamaTokenizer", "bos_token": "<s>",
          "eos_token": "</s>", "unk_token": "<unk>"}
    if not legacy:
        tc["legacy"] = False
    with open(os.path.join(path, "tokenizer_config.json"), "w") as f:
        json.dump(tc, f, indent=2)


def write_llava15(path, d, llm, proj, clip_name, tokenizer=None, legacy=False):
    os.makedirs(path, exist_ok=True)
    config = dict(llama_config(d, d["vocab"]), architectures=["LlavaLlamaForCausalLM"],
                  model_type="llava_llama", mm_hidden_size=d["clip_width"],
                  mm_projector_type="mlp2x_gelu", mm_vision_select_layer=d["select_layer"],
                  mm_vision_select_feature="patch", mm_vision_tower=clip_name,
                  mm_use_im_start_end=False, mm_use_im_patch_token=False,
                  image_aspect_ratio="pad", freeze_mm_mlp_adapter=False, tune_mm_mlp_adapter=False,
                  torch_dtype="float16", use_cache=True)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    tokenizer_files(path, d, tokenizer, legacy)
    write_shards(path, dict(llm, **proj), "bin")


def write_llava_hf(path, d, llm, proj, clip, g):
    """The llava-hf port: <image> and <pad> appended, the vocabulary padded to a multiple of 64
    with rows drawn from a Gaussian fitted to the embeddings."""
    os.makedirs(path, exist_ok=True)
    V = d["vocab"]
    V_pad = (V + 2 + 63) // 64 * 64
    st = {}
    for k, t in llm.items():
        if k.endswith("rotary_emb.inv_freq"):
            continue
        if k in ("model.embed_tokens.weight", "lm_head.weight"):
            mu = t.mean(0)
            extra = mu + _randn(g, V_pad - V, t.shape[1], std=float(t.std()))
            t = torch.cat([t, extra])
        st["language_model." + k] = t
    for k, t in clip.items():
        if k.startswith("vision_model.") and not k.endswith("position_ids"):
            st["vision_tower." + k] = t
    st["multi_modal_projector.linear_1.weight"] = proj["model.mm_projector.0.weight"]
    st["multi_modal_projector.linear_1.bias"] = proj["model.mm_projector.0.bias"]
    st["multi_modal_projector.linear_2.weight"] = proj["model.mm_projector.2.weight"]
    st["multi_modal_projector.linear_2.bias"] = proj["model.mm_projector.2.bias"]
    config = {"architectures": ["LlavaForConditionalGeneration"], "model_type": "llava",
              "ignore_index": -100, "image_token_index": V, "pad_token_id": V + 1,
              "projector_hidden_act": "gelu", "vision_feature_layer": d["select_layer"],
              "vision_feature_select_strategy": "default", "vocab_size": V_pad,
              "text_config": dict(llama_config(d, V_pad), architectures=["LlamaForCausalLM"]),
              "vision_config": clip_vision_config(d), "torch_dtype": "float16"}
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    tokenizer_files(path, d)
    with open(os.path.join(path, "added_tokens.json"), "w") as f:
        json.dump({"<image>": V, "<pad>": V + 1}, f)
    write_shards(path, st, "safetensors", metadata={"format": "pt"})


V1_ADDED = ["[PAD]", "<im_patch>", "<im_start>", "<im_end>"]
WORLD_TOKENIZER = os.path.join(HERE, "..", "..", "checkpoints", "lynx-world-pt", "tokenizer.model")


def piece_count(model):
    """Pieces of a SentencePiece model file (ModelProto field 1)."""
    sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
    import sentencepiece_proto
    return sum(1 for num, _, _ in sentencepiece_proto._fields(model) if num == 1)


def write_llava_v1(out, d, g, clip):
    """The base LLaMA, the v1 delta and its CLIP tower; returns the target state (base + delta
    in float16, as apply_delta computes it) for references."""
    tokenizer = open(WORLD_TOKENIZER, "rb").read()
    d = dict(d, vocab=piece_count(tokenizer))
    base = llama_state(g, d)
    base = {k: v for k, v in base.items() if not k.endswith("rotary_emb.inv_freq")}
    V, D, W = d["vocab"], d["llm_hidden"], d["clip_width"]
    bdir = os.path.join(out, "llama-7b")
    os.makedirs(bdir, exist_ok=True)
    with open(os.path.join(bdir, "config.json"), "w") as f:
        json.dump(dict(llama_config(d, V), architectures=["LlamaForCausalLM"], rms_norm_eps=1e-6,
                       max_position_embeddings=2048), f, indent=2)
    with open(os.path.join(bdir, "tokenizer.model"), "wb") as f:
        f.write(tokenizer)
    write_shards(bdir, base, "bin")
    # the target, as training left it; the delta is what the release stores
    target = {k: (t + _randn(g, *t.shape, std=0.02)).half() for k, t in base.items()}
    target["model.embed_tokens.weight"] = torch.cat([target["model.embed_tokens.weight"],
                                                     _randn(g, len(V1_ADDED), D).half()])
    # the added tokens are rarely said; "#" (byte piece 0x23) often, so that answers reach the
    # "###" separator within a few tokens and the stopping rule is exercised
    head = target["lm_head.weight"].float()
    head[1] *= 0.1  # <s> and the other byte pieces seldom
    head[3:3 + 256] *= 0.3
    head[3 + 0x23] *= 2.5 / 0.3
    head[2] *= 0.4  # and </s> later than llama_state makes it
    target["lm_head.weight"] = torch.cat([head, _randn(g, len(V1_ADDED), D, std=0.01)]).half()
    delta = {}
    for k, t in target.items():
        b = base[k].half()
        if t.shape == b.shape:
            delta[k] = (t.float() - b.float()).half()
        else:
            dd = t.clone()
            dd[:b.shape[0]] = (t[:b.shape[0]].float() - b.float()).half()
            delta[k] = dd
    delta["model.mm_projector.weight"] = _linear(g, D, W).half()
    delta["model.mm_projector.bias"] = _randn(g, D, std=0.1).half()
    ddir = os.path.join(out, "LLaVA-7b-delta-v0")
    os.makedirs(ddir, exist_ok=True)
    config = dict(llama_config(d, V + len(V1_ADDED)), architectures=["LlavaLlamaForCausalLM"],
                  model_type="llava", rms_norm_eps=1e-6, max_position_embeddings=2048,
                  pad_token_id=V, mm_hidden_size=W, mm_use_im_start_end=True,
                  mm_vision_select_layer=d["select_layer"],
                  mm_vision_tower="openai/clip-vit-large-patch14", use_mm_proj=True,
                  torch_dtype="float16")
    with open(os.path.join(ddir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(ddir, "tokenizer.model"), "wb") as f:
        f.write(tokenizer)
    with open(os.path.join(ddir, "added_tokens.json"), "w") as f:
        json.dump({t: V + i for i, t in enumerate(V1_ADDED)}, f)
    with open(os.path.join(ddir, "special_tokens_map.json"), "w") as f:
        json.dump({"bos_token": "<s>", "eos_token": "</s>", "pad_token": "[PAD]", "unk_token": "<unk>"}, f)
    with open(os.path.join(ddir, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "model_max_length": 2048,
                   "padding_side": "right", "tokenizer_class": "LlamaTokenizer", "add_bos_token": True,
                   "add_eos_token": False}, f)
    write_shards(ddir, delta, "bin")
    write_clip_dir(os.path.join(out, "clip-vit-large-patch14"), d, clip)
    return dict(target, **{k: v for k, v in delta.items() if k.startswith("model.mm_projector")})


def write_release(out, seed=4321, d=TINY):
    """Writes the directories; returns (clip state, llm state, projector state)."""
    os.makedirs(out, exist_ok=True)
    g = _gen(seed)
    clip = clip_state(g, d)
    llm = llama_state(g, d)
    proj = projector_state(g, d)
    write_clip_dir(os.path.join(out, "clip-vit-large-patch14-336"), d, clip)
    write_llava15(os.path.join(out, "llava-v1.5-7b"), d, llm, proj, "openai/clip-vit-large-patch14-336")
    write_llava_hf(os.path.join(out, "llava-1.5-7b-hf"), d, llm, proj, clip, _gen(seed + 1))
    write_llava_v1(out, d, _gen(seed + 2), clip)
    return clip, llm, proj


if __name__ == "__main__":
    write_release(sys.argv[1])
    print(f"wrote a tiny LLaVA release into {sys.argv[1]}")
