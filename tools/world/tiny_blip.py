"""The world's InstructBLIP-style model (tools/train_tiny.py --variants blip): LAVIS's
blip2_vicuna_instruct at tiny sizes. An EVA ViT (the world Lynx models' trained tower, frozen, as
BLIP keeps EVA frozen) -> ln_vision -> a Q-Former reading the question beside the image (BERT
WordPiece over a vocabulary of the world's words, in bert-base-uncased's layout) -> a linear
projection -> the small LLaMA; a clip is its 4 frames (segment starts), each through ViT and
Q-Former with the same question, the query rows in frame order before the prompt, whose ids start
with LAVIS's "</s>".

Training runs these float32 functions (batched, differentiable); the release is written in
LAVIS's layout (eva_vit_g.pth, the trimmed checkpoint, a Vicuna directory, bert vocab.txt) and
converted by tools/convert_instructblip.py --lavis, and the answers the tests compare with come
from the independent float64 reference (tests/reference/blip_reference.py) reading that release.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
sys.path.insert(0, os.path.join(ROOT, "tests", "tokenizer", "wordpiece"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import fake_release  # noqa: E402
from convert_common import SafetensorsFile  # noqa: E402
from make_cases import basic_words, encode as bert_encode  # noqa: E402
from qformer_reference import fake_qformer  # noqa: E402

FRAMES = 4   # a clip's frames: InstructBLIP's n_frms, each segment's first
BOS = 2      # LAVIS's llm tokenizer: "</s>" as bos, eos and unk
MAX_TEXT = 128


def shapes(vocab):
    """The ViT is the world Lynx models' (5 blocks in the EVA file, of which LAVIS runs 4); the
    LLaMA is theirs; the Q-Former is bert-like at a twelfth of bert-base's width."""
    return dict(vit_width=176, vit_heads=2, vit_blocks=5, vit_layers=4, patch=14, image_res=112,
                ckpt_grid=8, mlp_ratio=4.3637, qf_width=96, qf_heads=4, qf_layers=4, qf_ff=192,
                queries=16, cross_every=2, qf_positions=MAX_TEXT, llm_hidden=192, llm_heads=4,
                llm_layers=4, llm_intermediate=512, vocab=vocab)


def bert_vocab(texts):
    """A vocabulary in bert-base-uncased's layout ([PAD], [unused0..98], [UNK], [CLS], [SEP],
    [MASK], characters, "##" characters, then the texts' words by frequency): every lowercase
    word of the texts is one piece, and any other word falls back to characters."""
    vocab = ["[PAD]"] + ["[unused%d]" % i for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words = {}
    for t in texts:
        for w in basic_words(t.lower()):
            words[w] = words.get(w, 0) + 1
    chars = sorted({ch for w in words for ch in w} | set("abcdefghijklmnopqrstuvwxyz0123456789"))
    vocab += chars + ["##" + ch for ch in chars]
    seen = set(vocab)
    for w, _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])):
        if w not in seen:
            seen.add(w)
            vocab.append(w)
    return vocab


def lynx_vit(model_dir, d, seed):
    """The world Lynx model's EVA tower (its model.safetensors, vit.*) as an EVA state dict
    in LAVIS's names, with one more block (random) that LAVIS does not run."""
    st = SafetensorsFile(os.path.join(model_dir, "model.safetensors"))
    t = {n: st.get(n).float() for n in st.names() if n.startswith("vit.")}
    W = d["vit_width"]
    sd = {"cls_token": t["vit.cls_token"].reshape(1, 1, W), "pos_embed": t["vit.pos_embed"][None],
          "patch_embed.proj.weight": t["vit.patch_embed.weight"], "patch_embed.proj.bias": t["vit.patch_embed.bias"]}
    for i in range(d["vit_layers"]):
        o, b = f"vit.blocks.{i}.", f"blocks.{i}."
        sd[b + "attn.qkv.weight"] = torch.cat([t[o + f"attn.{x}.weight"] for x in "qkv"])
        sd[b + "attn.q_bias"] = t[o + "attn.q.bias"]
        sd[b + "attn.v_bias"] = t[o + "attn.v.bias"]
        for ours, theirs in (("attn.proj", "attn.proj"), ("norm1", "norm1"), ("norm2", "norm2"),
                             ("mlp.fc1", "mlp.fc1"), ("mlp.fc2", "mlp.fc2")):
            sd[b + theirs + ".weight"] = t[o + ours + ".weight"]
            sd[b + theirs + ".bias"] = t[o + ours + ".bias"]
    extra = fake_release.eva_state(fake_release._gen(seed), dict(d, vit_blocks=1, ckpt_grid=d["ckpt_grid"]))
    for k, v in extra.items():
        if k.startswith("blocks.0."):
            sd[f"blocks.{d['vit_layers']}." + k[len("blocks.0."):]] = v
    return sd


def initial_state(d, seed, bert_size):
    """Random initial weights of what trains, in the release's names: (LAVIS state: ln_vision.*,
    query_tokens, Qformer.bert.*, llm_proj.*; LLaMA state)."""
    g = fake_release._gen(seed)
    lavis = fake_qformer(g, d["qf_width"], d["qf_heads"], d["qf_layers"], d["qf_ff"], d["queries"],
                         d["vit_width"], bert_size, d["qf_positions"], d["cross_every"], text=True)
    lavis["ln_vision.weight"] = torch.ones(d["vit_width"])
    lavis["ln_vision.bias"] = torch.zeros(d["vit_width"])
    lavis["llm_proj.weight"] = fake_release._linear(g, d["llm_hidden"], d["qf_width"])
    lavis["llm_proj.bias"] = torch.zeros(d["llm_hidden"])
    llm = {k: v for k, v in fake_release.llama_state(g, d).items() if not k.endswith("inv_freq")}
    return lavis, llm


# ---- the forward pass, float32 and batched (training) ---------------------------------------------


def eva(sd, d, pixels):
    """LAVIS's EVA forward_features over frames [N, 3, S, S] -> [N, T, W] (the blocks run)."""
    x = F.conv2d(pixels, sd["patch_embed.proj.weight"], sd["patch_embed.proj.bias"], stride=d["patch"])
    x = x.flatten(2).transpose(1, 2)
    N, _, W = x.shape
    x = torch.cat([sd["cls_token"].expand(N, 1, W), x], 1) + sd["pos_embed"]
    H = d["vit_heads"]
    hd = W // H
    for i in range(d["vit_layers"]):
        b = f"blocks.{i}."
        h = F.layer_norm(x, (W,), sd[b + "norm1.weight"], sd[b + "norm1.bias"], 1e-6)
        bias = torch.cat([sd[b + "attn.q_bias"], torch.zeros_like(sd[b + "attn.v_bias"]), sd[b + "attn.v_bias"]])
        q, k, v = F.linear(h, sd[b + "attn.qkv.weight"], bias).split(W, -1)
        q, k, v = (t.reshape(N, -1, H, hd).transpose(1, 2) for t in (q, k, v))
        a = torch.softmax(q * hd ** -0.5 @ k.transpose(-1, -2), -1) @ v
        x = x + F.linear(a.transpose(1, 2).reshape(N, -1, W), sd[b + "attn.proj.weight"], sd[b + "attn.proj.bias"])
        h = F.layer_norm(x, (W,), sd[b + "norm2.weight"], sd[b + "norm2.bias"], 1e-6)
        x = x + F.linear(F.gelu(F.linear(h, sd[b + "mlp.fc1.weight"], sd[b + "mlp.fc1.bias"])),
                         sd[b + "mlp.fc2.weight"], sd[b + "mlp.fc2.bias"])
    return x


def _ln(x, P, name, eps=1e-12):
    return F.layer_norm(x, (x.shape[-1],), P[name + ".weight"], P[name + ".bias"], eps)


def _lin(x, P, name):
    return F.linear(x, P[name + ".weight"], P[name + ".bias"])


def _attention(P, name, x, kv, heads, key_mask=None):
    B, T, D = x.shape
    hd = D // heads
    q = _lin(x, P, name + ".query").view(B, T, heads, hd).transpose(1, 2)
    k = _lin(kv, P, name + ".key").view(B, kv.shape[1], heads, hd).transpose(1, 2)
    v = _lin(kv, P, name + ".value").view(B, kv.shape[1], heads, hd).transpose(1, 2)
    s = q @ k.transpose(-1, -2) / math.sqrt(hd)
    if key_mask is not None:
        s = s.masked_fill(~key_mask[:, None, None, :], -math.inf)
    return (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(B, T, D)


def qformer(P, d, image, text):
    """LAVIS's Q-Former with the instruction (Qformer.bert(text ids, query_embeds, image)):
    image [B, T, Wv] after ln_vision, text a list of B id lists -> the query rows [B, Q, D].
    Query and text rows attend to each other (padding masked); cross-attention on every
    cross_every-th layer, queries only; separate feed-forwards for query and text rows."""
    p = "Qformer.bert."
    B, Q = len(text), d["queries"]
    n = max(len(t) for t in text)
    ids = torch.tensor([t + [0] * (n - len(t)) for t in text])
    words = P[p + "embeddings.word_embeddings.weight"][ids] + P[p + "embeddings.position_embeddings.weight"][:n]
    x = _ln(torch.cat([P["query_tokens"].expand(B, Q, -1), words], 1), P, p + "embeddings.LayerNorm")
    mask = torch.cat([torch.ones(B, Q, dtype=torch.bool),
                      torch.tensor([[j < len(t) for j in range(n)] for t in text])], 1)
    for i in range(d["qf_layers"]):
        L = p + f"encoder.layer.{i}."
        a = _attention(P, L + "attention.self", x, x, d["qf_heads"], mask)
        x = _ln(_lin(a, P, L + "attention.output.dense") + x, P, L + "attention.output.LayerNorm")
        q, t = x[:, :Q], x[:, Q:]
        if i % d["cross_every"] == 0:
            c = _attention(P, L + "crossattention.self", q, image, d["qf_heads"])
            q = _ln(_lin(c, P, L + "crossattention.output.dense") + q, P, L + "crossattention.output.LayerNorm")
        h = _lin(F.gelu(_lin(q, P, L + "intermediate_query.dense")), P, L + "output_query.dense")
        q = _ln(h + q, P, L + "output_query.LayerNorm")
        h = _lin(F.gelu(_lin(t, P, L + "intermediate.dense")), P, L + "output.dense")
        t = _ln(h + t, P, L + "output.LayerNorm")
        x = torch.cat([q, t], 1)
    return x[:, :Q]


def media_rows(P, d, feats, text):
    """feats [B, F, T, Wv] (the frozen ViT's), text B id lists -> [B, F*Q, D_llm]: each frame
    with the same instruction, frames in order (LAVIS's generate for video)."""
    B, Fr, T, W = feats.shape
    x = F.layer_norm(feats.reshape(B * Fr, T, W), (W,), P["ln_vision.weight"], P["ln_vision.bias"], 1e-5)
    q = qformer(P, d, x, [t for t in text for _ in range(Fr)])
    return _lin(q, P, "llm_proj").reshape(B, Fr * d["queries"], -1)


def prompt_ids(sp, question):
    """LAVIS's LLM prompt: the question (lowercased, as the world's tokenizer was trained), "</s>"
    first."""
    return [BOS] + sp.encode(question.strip().lower())


def instruction_ids(vocab, question):
    """The Q-Former's ids: [CLS] + WordPiece(question) + [SEP], the last 128 kept."""
    return bert_encode(question.strip().lower(), vocab, MAX_TEXT)


# ---- the release ------------------------------------------------------------------------------


def write_release(out, d, eva_sd, lavis, llm, tokenizer, vocab_lines):
    """LAVIS's files: eva_vit_g.pth, instruct_blip_world_trimmed.pth, vicuna-world/ and
    bert/vocab.txt. Returns the converter's --lavis, --eva, --llm, --bert-vocab paths."""
    os.makedirs(os.path.join(out, "bert"), exist_ok=True)
    paths = {"eva": os.path.join(out, "eva_vit_g.pth"), "lavis": os.path.join(out, "instruct_blip_world_trimmed.pth"),
             "llm": os.path.join(out, "vicuna-world"), "bert_vocab": os.path.join(out, "bert", "vocab.txt")}
    torch.save({k: v.detach().clone() for k, v in eva_sd.items()}, paths["eva"])
    torch.save({"model": {k: v.detach().clone() for k, v in lavis.items()}}, paths["lavis"])
    fake_release.write_llm_dir(paths["llm"], d, {k: v.detach().clone() for k, v in llm.items()})
    cfg_path = os.path.join(paths["llm"], "config.json")
    cfg = json.load(open(cfg_path))
    cfg["rms_norm_eps"] = 1e-5  # the training forward's (tiny_llava.llama)
    with open(cfg_path, "w") as f:
        json.dump(cfg, f, indent=2)
    with open(tokenizer, "rb") as f, open(os.path.join(paths["llm"], "tokenizer.model"), "wb") as g:
        g.write(f.read())
    with open(paths["bert_vocab"], "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(line + "\n" for line in vocab_lines))
    return paths

