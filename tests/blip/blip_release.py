"""Tiny InstructBLIP releases in the real file layouts, for the converter and the reference:

  write_lavis(out)  LAVIS's files: eva_vit_g.pth (a flat EVA state dict, 4 blocks of which LAVIS
                    runs all but the last), instruct_blip_vicuna7b_trimmed.pth ({"model":
                    ln_vision.*, query_tokens [1, Q, D], Qformer.bert.* with the text path,
                    llm_proj.*}), vicuna-7b/ (a Hugging Face LLaMA directory, .bin shards,
                    tokenizer.model) and bert/vocab.txt
  write_hf(out)     Hugging Face's port of the same model (InstructBlipForConditionalGeneration):
                    config.json, .safetensors shards (vision_model.* with the fused qkv bias,
                    query_tokens, qformer.*, language_projection.*, language_model.* with a
                    "[PAD]" row), tokenizer.model, qformer_tokenizer/vocab.txt

Both hold the same tensors (one seed), except the [PAD] row: LAVIS's is made at load time
(random in LAVIS; the mean row in lynxeval's conversion), the port's is stored.
The BERT vocabulary is tests/tokenizer/wordpiece/vocab.txt without its "[DEC]" line.
"""
import json
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import fake_release  # noqa: E402
from qformer_reference import fake_qformer, hf_names  # noqa: E402

WORDPIECE_VOCAB = os.path.join(HERE, "..", "tokenizer", "wordpiece", "vocab.txt")

TINY = dict(
    vit_width=176, vit_blocks=4, vit_layers=3, patch=14, ckpt_grid=4, image_res=56, mlp_ratio=4.3637,
    llm_hidden=128, llm_heads=4, llm_layers=3, llm_intermediate=344, vocab=320,
    qf_width=48, qf_heads=4, qf_layers=3, qf_ff=96, queries=6, qf_positions=160, cross_every=2,
)


def bert_lines():
    with open(WORDPIECE_VOCAB, encoding="utf-8") as f:
        lines = f.read().split("\n")[:-1]
    assert lines[-1] == "[DEC]"
    return lines[:-1]


def make_model(seed=2023, d=TINY):
    g = fake_release._gen(seed)
    W, D, Dq = d["vit_width"], d["llm_hidden"], d["qf_width"]
    m = {"eva": fake_release.eva_state(g, d)}
    m["qformer"] = fake_qformer(g, Dq, d["qf_heads"], d["qf_layers"], d["qf_ff"], d["queries"], W,
                                len(bert_lines()) + 1, d["qf_positions"], d["cross_every"], text=True)
    m["ln_vision"] = {"ln_vision.weight": fake_release._norm_w(g, W),
                      "ln_vision.bias": fake_release._randn(g, W, std=0.1)}
    m["llm_proj"] = {"llm_proj.weight": fake_release._linear(g, D, Dq),
                     "llm_proj.bias": fake_release._randn(g, D, std=0.1)}
    m["llm"] = fake_release.llama_state(g, d)
    m["pad_rows"] = {"model.embed_tokens.weight": fake_release._randn(g, 1, D, std=0.02),
                     "lm_head.weight": fake_release._randn(g, 1, D, std=0.02)}
    return m


def write_lavis(out, m, d=TINY):
    os.makedirs(out, exist_ok=True)
    torch.save(m["eva"], os.path.join(out, "eva_vit_g.pth"))
    trimmed = dict(m["ln_vision"], **m["qformer"], **m["llm_proj"])
    torch.save({"model": trimmed}, os.path.join(out, "instruct_blip_vicuna7b_trimmed.pth"))
    fake_release.write_llm_dir(os.path.join(out, "vicuna-7b"), d, m["llm"])
    os.makedirs(os.path.join(out, "bert"), exist_ok=True)
    with open(os.path.join(out, "bert", "vocab.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(line + "\n" for line in bert_lines()))
    return {"lavis": os.path.join(out, "instruct_blip_vicuna7b_trimmed.pth"),
            "eva": os.path.join(out, "eva_vit_g.pth"), "llm": os.path.join(out, "vicuna-7b"),
            "bert_vocab": os.path.join(out, "bert", "vocab.txt")}


def write_hf(out, m, d=TINY):
    os.makedirs(os.path.join(out, "qformer_tokenizer"), exist_ok=True)
    W, L = d["vit_width"], d["vit_layers"]
    e = m["eva"]
    st = {"vision_model.embeddings.class_embedding": e["cls_token"],
          "vision_model.embeddings.patch_embedding.weight": e["patch_embed.proj.weight"],
          "vision_model.embeddings.patch_embedding.bias": e["patch_embed.proj.bias"],
          "vision_model.embeddings.position_embedding": e["pos_embed"],
          "vision_model.post_layernorm.weight": m["ln_vision"]["ln_vision.weight"],
          "vision_model.post_layernorm.bias": m["ln_vision"]["ln_vision.bias"]}
    for i in range(L):  # the port holds the blocks LAVIS runs
        b, h = f"blocks.{i}.", f"vision_model.encoder.layers.{i}."
        st[h + "self_attn.qkv.weight"] = e[b + "attn.qkv.weight"]
        st[h + "self_attn.qkv.bias"] = torch.cat([e[b + "attn.q_bias"], torch.zeros(W), e[b + "attn.v_bias"]])
        for ours, theirs in (("attn.proj", "self_attn.projection"), ("norm1", "layer_norm1"),
                             ("norm2", "layer_norm2"), ("mlp.fc1", "mlp.fc1"), ("mlp.fc2", "mlp.fc2")):
            st[h + theirs + ".weight"] = e[b + ours + ".weight"]
            st[h + theirs + ".bias"] = e[b + ours + ".bias"]
    st.update(hf_names(m["qformer"]))
    st["language_projection.weight"] = m["llm_proj"]["llm_proj.weight"]
    st["language_projection.bias"] = m["llm_proj"]["llm_proj.bias"]
    for k, t in m["llm"].items():
        if k.endswith("rotary_emb.inv_freq"):
            continue
        if k in m["pad_rows"]:
            t = torch.cat([t, m["pad_rows"][k]])
        st["language_model." + k] = t
    mlp = int(W * d["mlp_ratio"])
    config = {
        "architectures": ["InstructBlipForConditionalGeneration"], "model_type": "instructblip",
        "num_query_tokens": d["queries"],
        "vision_config": {"hidden_size": W, "intermediate_size": mlp, "num_hidden_layers": L,
                          "num_attention_heads": W // 88, "image_size": d["image_res"],
                          "patch_size": d["patch"], "layer_norm_eps": 1e-6, "qkv_bias": True},
        "qformer_config": {"vocab_size": len(bert_lines()) + 1, "hidden_size": d["qf_width"],
                           "num_hidden_layers": d["qf_layers"], "num_attention_heads": d["qf_heads"],
                           "intermediate_size": d["qf_ff"], "max_position_embeddings": d["qf_positions"],
                           "cross_attention_frequency": d["cross_every"], "encoder_hidden_size": W,
                           "layer_norm_eps": 1e-12},
        "text_config": {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": d["vocab"] + 1, "hidden_size": d["llm_hidden"],
                        "intermediate_size": d["llm_intermediate"], "num_attention_heads": d["llm_heads"],
                        "num_hidden_layers": d["llm_layers"], "rms_norm_eps": 1e-6,
                        "max_position_embeddings": 2048, "bos_token_id": 0, "eos_token_id": 1,
                        "pad_token_id": -1},
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    fake_release.write_shards(out, st, "safetensors", shards=2, metadata={"format": "pt"})
    with open(os.path.join(out, "tokenizer.model"), "wb") as f:
        f.write(fake_release.tokenizer_model(d["vocab"]))
    with open(os.path.join(out, "qformer_tokenizer", "vocab.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(line + "\n" for line in bert_lines()))
    with open(os.path.join(out, "qformer_tokenizer", "added_tokens.json"), "w") as f:
        json.dump({"[DEC]": len(bert_lines())}, f)
    return out


def reference_cfg(d=TINY):
    """The shapes the LAVIS-route reference needs (the port's come from its config.json)."""
    return {"vit_layers": d["vit_layers"], "vit_heads": d["vit_width"] // 88, "patch": d["patch"],
            "qf_layers": d["qf_layers"], "qf_heads": d["qf_heads"], "cross_every": d["cross_every"]}


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "/tmp/blip-release"
    shutil.rmtree(target, ignore_errors=True)
    model = make_model()
    print(write_lavis(os.path.join(target, "lavis"), model))
    print(write_hf(os.path.join(target, "hf"), model))
