"""A tiny MiniGPT-4 release in the real file layouts (docs/model-zoo.md section 4.2), for the
converter, the reference and the oracle:

  eva_vit_g.pth                    a flat EVA state dict (4 blocks, of which all but the last run)
  blip2_pretrained_flant5xxl.pth   {"model": ln_vision.*, query_tokens [1, Q, D], Qformer.bert.*
                                   with the text parts MiniGPT-4 deletes (word and position
                                   tables, the text feed-forward), Qformer.cls.*, t5_proj.*}
  pretrained_minigpt4.pth          {"model": llama_proj.*}
  vicuna/                          Vicuna v0 as FastChat's apply_delta writes it: 321 rows (the
                                   320-piece tokenizer.model plus "[PAD]" in added_tokens.json),
                                   config.json with the early conversion's bos 0, eos 1, pad -1,
                                   tokenizer_config.json with empty-string bos, eos and unk (the
                                   tokenizer files of before transformers' LLaMA tokenizer fix)

The tokenizer has the pieces MiniGPT-4's prompt and its "###" stop are made of ("#", "##", "###",
"Human", "Assistant", ...). The row of "###" in lm_head is the row of STOP_LIKE scaled by 1.05, so
that the tiny model says "###" where it would say that piece, and the stop rules are exercised.
"""
import json
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import fake_release  # noqa: E402
import sentencepiece_proto  # noqa: E402
from blip_release import TINY  # noqa: E402
from qformer_reference import fake_qformer  # noqa: E402

VOCAB = 320  # pieces; + "[PAD]" = 321 rows
WORDS = ["\u2581", "e", "t", "a", "o", "i", "n", "s", "h", "r", "l", "u", "m", "g", ".", ":", "<",
         ">", "/", "#", "##", "###", "\u2581#", "Img", "></", "\u2581</", "\u2581<", "Human",
         "Assistant", "\u2581Human", "\u2581the", "\u2581a", "\u2581image", "\u2581Give", "\u2581following",
         "Image", "Content", "\u2581You", "\u2581will", "\u2581be", "\u2581able", "\u2581to", "\u2581see",
         "\u2581once", "\u2581I", "\u2581provide", "\u2581it", "\u2581you", "\u2581Please", "\u2581answer",
         "\u2581my", "\u2581questions", "\u2581What", "\u2581is", "\u2581in", "\u2581this", "\u2581picture",
         "?", "\u2581color", "\u2581cat", "\u2581dog", "\u2581red", "\u2581yes", "\u2581no", "in", "er",
         "on", "at", "en", "\u2581c", "\u2581s", "\u2581w", "or", "an", "it", "is", "es", "ed", "ing"]
STOP_LIKE = 23  # a piece the tiny model says; "###" takes its lm_head row (x 1.05)


def tokenizer_model():
    pieces = [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("</s>", 0.0, 3)]
    pieces += [(f"<0x{b:02X}>", 0.0, 6) for b in range(256)]
    words = WORDS + [f"\u2581v{n}" for n in range(VOCAB)]
    for score, w in enumerate(words):
        if len(pieces) == VOCAB:
            break
        pieces.append((w, -1.0 - score, 1))
    return sentencepiece_proto.model_bytes(pieces)


def piece_id(piece):
    return 259 + WORDS.index(piece)


def make_model(seed=2024, d=TINY):
    g = fake_release._gen(seed)
    W, D, Dq = d["vit_width"], d["llm_hidden"], d["qf_width"]
    m = {"eva": fake_release.eva_state(g, d)}
    qf = fake_qformer(g, Dq, d["qf_heads"], d["qf_layers"], d["qf_ff"], d["queries"], W, 200,
                      d["qf_positions"], d["cross_every"], text=True)
    qf["Qformer.cls.predictions.bias"] = fake_release._randn(g, 200, std=0.1)
    m["blip2"] = dict(qf, **{"ln_vision.weight": fake_release._norm_w(g, W),
                             "ln_vision.bias": fake_release._randn(g, W, std=0.1),
                             "t5_proj.weight": fake_release._linear(g, 64, Dq),
                             "t5_proj.bias": fake_release._randn(g, 64, std=0.1)})
    m["minigpt4"] = {"llama_proj.weight": fake_release._linear(g, D, Dq),
                     "llama_proj.bias": fake_release._randn(g, D, std=0.1)}
    llm = fake_release.llama_state(g, dict(d, vocab=VOCAB + 1))
    head = llm["lm_head.weight"]
    head[piece_id("###")] = head[STOP_LIKE] * 1.05
    m["llm"] = llm
    return m


V0_TOKENIZER_CONFIG = {"bos_token": "", "eos_token": "", "model_max_length": 1000000000000000019884624838656,
                       "tokenizer_class": "LlamaTokenizer", "unk_token": ""}

# The later tokenizer files (after transformers' LLaMA tokenizer fix): "<s>", "</s>", "<unk>"
FIXED_TOKENIZER = {"add_bos_token": True, "add_eos_token": False, "clean_up_tokenization_spaces": False,
                   "model_max_length": 2048, "tokenizer_class": "LlamaTokenizer", "sp_model_kwargs": {},
                   "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": False,
                                 "normalized": True, "rstrip": False, "single_word": False},
                   "eos_token": {"__type": "AddedToken", "content": "</s>", "lstrip": False,
                                 "normalized": True, "rstrip": False, "single_word": False},
                   "unk_token": {"__type": "AddedToken", "content": "<unk>", "lstrip": False,
                                 "normalized": True, "rstrip": False, "single_word": False}}


def write_release(out, m, d=TINY, tokenizer_config=None, special_tokens_map=None):
    os.makedirs(out, exist_ok=True)
    torch.save(m["eva"], os.path.join(out, "eva_vit_g.pth"))
    torch.save({"model": m["blip2"]}, os.path.join(out, "blip2_pretrained_flant5xxl.pth"))
    torch.save({"model": m["minigpt4"]}, os.path.join(out, "pretrained_minigpt4.pth"))
    llm = os.path.join(out, "vicuna")
    fake_release.write_llm_dir(llm, dict(d, vocab=VOCAB + 1), m["llm"])
    cfg = json.load(open(os.path.join(llm, "config.json")))
    cfg.update(bos_token_id=0, eos_token_id=1, pad_token_id=-1)
    with open(os.path.join(llm, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(llm, "tokenizer.model"), "wb") as f:
        f.write(tokenizer_model())
    with open(os.path.join(llm, "tokenizer_config.json"), "w") as f:
        json.dump(tokenizer_config or V0_TOKENIZER_CONFIG, f)
    if special_tokens_map is not None:
        with open(os.path.join(llm, "special_tokens_map.json"), "w") as f:
            json.dump(special_tokens_map, f)
    with open(os.path.join(llm, "added_tokens.json"), "w") as f:
        json.dump({"[PAD]": VOCAB}, f)
    return {"minigpt4": os.path.join(out, "pretrained_minigpt4.pth"),
            "blip2": os.path.join(out, "blip2_pretrained_flant5xxl.pth"),
            "eva": os.path.join(out, "eva_vit_g.pth"), "llm": llm}


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "/tmp/minigpt4-release"
    shutil.rmtree(target, ignore_errors=True)
    print(write_release(target, make_model()))
