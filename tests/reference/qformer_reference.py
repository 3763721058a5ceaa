"""A PyTorch Q-Former, written from the semantics of LAVIS's lavis/models/blip2_models/Qformer.py
(BertEmbeddings, BertLayer with query_length, BertSelfAttention, BertSelfOutput, BertIntermediate,
BertOutput) as InstructBLIP and BLIP-2 call it, in float64, on a state dict in LAVIS's own names:

  query_tokens [1, Q, D]
  Qformer.bert.embeddings.{word_embeddings, position_embeddings, LayerNorm}
  Qformer.bert.encoder.layer.N.attention.{self.{query,key,value}, output.{dense,LayerNorm}}
  Qformer.bert.encoder.layer.N.crossattention.{self.{query,key,value}, output.{dense,LayerNorm}}
      (N % cross_attention_freq == 0; key and value read the image width)
  Qformer.bert.encoder.layer.N.{intermediate_query, output_query}  (the query rows)
  Qformer.bert.encoder.layer.N.{intermediate, output}              (the text rows)

Also `fake_qformer`, a random state dict in those names (what a LAVIS checkpoint holds), and
`hf_names`, the same tensors under Hugging Face's InstructBlip port names.
"""
import math

import torch


def _linear(sd, name, x):
    return x @ sd[name + ".weight"].double().t() + sd[name + ".bias"].double()


def _layernorm(sd, name, x, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), sd[name + ".weight"].double(),
                                          sd[name + ".bias"].double(), eps)


def _attention(sd, name, hidden, context, heads):
    """BertSelfAttention: q from hidden, k and v from context; scores / sqrt(head_dim), softmax,
    no mask (a batch of one, every row real)."""
    q = _linear(sd, name + ".query", hidden)
    k = _linear(sd, name + ".key", context)
    v = _linear(sd, name + ".value", context)
    n, d = q.shape
    hd = d // heads
    q = q.view(n, heads, hd).transpose(0, 1)
    k = k.view(-1, heads, hd).transpose(0, 1)
    v = v.view(-1, heads, hd).transpose(0, 1)
    scores = q @ k.transpose(1, 2) / math.sqrt(hd)
    return (scores.softmax(-1) @ v).transpose(0, 1).reshape(n, d)


def qformer(sd, image, text_ids, cfg):
    """image [n_img, Wv] (after ln_vision), text_ids list or None -> [Q, D] float64.
    cfg: layers, heads, cross_every, eps."""
    eps = cfg["eps"]
    p = "Qformer.bert."
    queries = sd["query_tokens"].double()[0]
    Q = queries.shape[0]
    if text_ids:
        ids = torch.tensor(text_ids)
        words = sd[p + "embeddings.word_embeddings.weight"].double()[ids]
        pos = sd[p + "embeddings.position_embeddings.weight"].double()[torch.arange(len(text_ids))]
        x = torch.cat([queries, words + pos])
    else:
        x = queries
    x = _layernorm(sd, p + "embeddings.LayerNorm", x, eps)
    image = image.double()
    for i in range(cfg["layers"]):
        L = p + f"encoder.layer.{i}."
        a = _attention(sd, L + "attention.self", x, x, cfg["heads"])
        x = _layernorm(sd, L + "attention.output.LayerNorm", _linear(sd, L + "attention.output.dense", a) + x, eps)
        query, text = x[:Q], x[Q:]
        if i % cfg["cross_every"] == 0:
            c = _attention(sd, L + "crossattention.self", query, image, cfg["heads"])
            query = _layernorm(sd, L + "crossattention.output.LayerNorm",
                               _linear(sd, L + "crossattention.output.dense", c) + query, eps)
        h = torch.nn.functional.gelu(_linear(sd, L + "intermediate_query.dense", query))
        query = _layernorm(sd, L + "output_query.LayerNorm", _linear(sd, L + "output_query.dense", h) + query, eps)
        if text.shape[0]:
            h = torch.nn.functional.gelu(_linear(sd, L + "intermediate.dense", text))
            text = _layernorm(sd, L + "output.LayerNorm", _linear(sd, L + "output.dense", h) + text, eps)
        x = torch.cat([query, text])
    return x[:Q]


def fake_qformer(gen, D, heads, layers, ff, Q, Wv, vocab, positions, cross_every, text=True):
    """A random Q-Former state dict in LAVIS's names (float32); text=False leaves out the word
    and position tables and the text feed-forward (BLIP-2 as MiniGPT-4 loads it)."""
    def rnd(*shape, scale=0.2):
        return (torch.randn(*shape, generator=gen) * scale).float()

    sd = {"query_tokens": rnd(1, Q, D, scale=0.5)}
    p = "Qformer.bert."

    def lin(name, out, inp):
        sd[name + ".weight"] = rnd(out, inp, scale=1 / math.sqrt(inp))
        sd[name + ".bias"] = rnd(out, scale=0.1)

    def ln(name, n):
        sd[name + ".weight"] = 1 + rnd(n, scale=0.1)
        sd[name + ".bias"] = rnd(n, scale=0.1)

    if text:
        sd[p + "embeddings.word_embeddings.weight"] = rnd(vocab, D, scale=0.5)
        sd[p + "embeddings.position_embeddings.weight"] = rnd(positions, D, scale=0.5)
    ln(p + "embeddings.LayerNorm", D)
    for i in range(layers):
        L = p + f"encoder.layer.{i}."
        for k in ("query", "key", "value"):
            lin(L + "attention.self." + k, D, D)
        lin(L + "attention.output.dense", D, D)
        ln(L + "attention.output.LayerNorm", D)
        if i % cross_every == 0:
            lin(L + "crossattention.self.query", D, D)
            lin(L + "crossattention.self.key", D, Wv)
            lin(L + "crossattention.self.value", D, Wv)
            lin(L + "crossattention.output.dense", D, D)
            ln(L + "crossattention.output.LayerNorm", D)
        lin(L + "intermediate_query.dense", ff, D)
        lin(L + "output_query.dense", D, ff)
        ln(L + "output_query.LayerNorm", D)
        if text:
            lin(L + "intermediate.dense", ff, D)
            lin(L + "output.dense", D, ff)
            ln(L + "output.LayerNorm", D)
    return sd


def hf_names(sd):
    """The same tensors as Hugging Face's InstructBlip port names them
    (convert_instructblip_original_to_pytorch.py's renames)."""
    out = {}
    for k, v in sd.items():
        if k == "query_tokens":
            out[k] = v
            continue
        k = k.replace("Qformer.bert.", "qformer.")
        k = k.replace("embeddings.LayerNorm", "embeddings.layernorm")
        k = k.replace("attention.self.", "attention.attention.")
        out[k] = v
    return out
