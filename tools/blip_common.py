"""What the BLIP-family converters (convert_instructblip.py, convert_minigpt4.py) share: the
Q-Former's tensors under lynxeval's names (model/qformer.h) and where each comes from in LAVIS's
checkpoints and in Hugging Face's InstructBlip port.
"""


# lynxeval name suffix -> (LAVIS name suffix, Hugging Face name suffix) of a layer's Linear or
# LayerNorm; each has .weight and .bias.
_LAYER_PARTS = [
    ("self.q", "attention.self.query", "attention.attention.query"),
    ("self.k", "attention.self.key", "attention.attention.key"),
    ("self.v", "attention.self.value", "attention.attention.value"),
    ("self.o", "attention.output.dense", "attention.output.dense"),
    ("self_norm", "attention.output.LayerNorm", "attention.output.LayerNorm"),
]
_CROSS_PARTS = [
    ("cross.q", "crossattention.self.query", "crossattention.attention.query"),
    ("cross.k", "crossattention.self.key", "crossattention.attention.key"),
    ("cross.v", "crossattention.self.value", "crossattention.attention.value"),
    ("cross.o", "crossattention.output.dense", "crossattention.output.dense"),
    ("cross_norm", "crossattention.output.LayerNorm", "crossattention.output.LayerNorm"),
]
_FFN_Q = [
    ("ffn_q.fc1", "intermediate_query.dense", "intermediate_query.dense"),
    ("ffn_q.fc2", "output_query.dense", "output_query.dense"),
    ("ffn_q.norm", "output_query.LayerNorm", "output_query.LayerNorm"),
]
_FFN_T = [
    ("ffn_t.fc1", "intermediate.dense", "intermediate.dense"),
    ("ffn_t.fc2", "output.dense", "output.dense"),
    ("ffn_t.norm", "output.LayerNorm", "output.LayerNorm"),
]

NAMINGS = ("lavis", "hf")


def qformer_tensors(naming, q):
    """(lynxeval name, shape, source name, transform or None) for every tensor of a Q-Former
    with config q (the config.json "qformer" object plus "vision_width"), named as `naming`
    ("lavis": Qformer.bert.*, "hf": qformer.*) has them. The query tokens [1, Q, D] become
    [Q, D]."""
    assert naming in NAMINGS
    lavis = naming == "lavis"
    root = "Qformer.bert." if lavis else "qformer."
    D, F, Wv = q["hidden_size"], q["intermediate_size"], q["vision_width"]
    text = q.get("text")
    out = [("qformer.query_tokens", (q["num_query_tokens"], D), "query_tokens", lambda t: t[0])]
    norm = "embeddings.LayerNorm" if lavis else "embeddings.layernorm"
    out += [(f"qformer.embed.norm.{p}", (D,), f"{root}{norm}.{p}", None) for p in ("weight", "bias")]
    if text:
        out.append(("qformer.embed.word", (text["vocab_size"], D),
                    root + "embeddings.word_embeddings.weight", None))
        out.append(("qformer.embed.pos", (text["max_position_embeddings"], D),
                    root + "embeddings.position_embeddings.weight", None))

    def shape(ours, p):
        last = ours.rsplit(".", 1)[-1]
        if p == "bias" or last == "norm" or ours.endswith("_norm"):
            return (F,) if last == "fc1" else (D,)
        return {"fc1": (F, D), "fc2": (D, F)}.get(last, (D, Wv) if ours in ("cross.k", "cross.v") else (D, D))

    for i in range(q["num_layers"]):
        parts = _LAYER_PARTS + (_CROSS_PARTS if i % q["cross_attention_every"] == 0 else [])
        parts = parts + _FFN_Q + (_FFN_T if text else [])
        for ours, lavis_name, hf_name in parts:
            src = lavis_name if lavis else hf_name
            for p in ("weight", "bias"):
                out.append((f"qformer.layers.{i}.{ours}.{p}", shape(ours, p),
                            f"{root}encoder.layer.{i}.{src}.{p}", None))
    return out
