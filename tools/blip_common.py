"""What the BLIP-family converters (convert_instructblip.py, convert_minigpt4.py) share: LAVIS's
EVA ViT-g constants and tensor names, the preprocessing, and the Q-Former's tensors under
lynxeval's names (model/qformer.h) with where each comes from in LAVIS's checkpoints and in
Hugging Face's InstructBlip port.
"""
from convert_common import ConversionError, resize_pos_embed

EVA_HEAD_DIM = 88            # create_eva_vit_g: num_heads = 1408 // 88
LN_VISION_EPS = 1e-5         # blip2.py init_vision_encoder: LayerNorm(num_features)
EVA_EPS = 1e-6               # create_eva_vit_g: norm_layer eps
QFORMER_EPS = 1e-12          # bert-base-uncased's layer_norm_eps
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def vision_config(W, depth, mlp, image_size, patch, k_bias):
    return {"image_size": image_size, "patch_size": patch, "width": W, "depth": depth,
            "heads": W // EVA_HEAD_DIM, "mlp_dim": mlp, "norm_eps": EVA_EPS,
            "qkv_bias": "qkv" if k_bias else "qv", "post_norm_eps": LN_VISION_EPS}


def preprocess(image_size):
    """blip_image_eval (MiniGPT-4's Blip2ImageEvalProcessor too): Resize((S, S), bicubic) after
    convert("RGB"), CLIP's mean and std; a video as 4 frames, each segment's first."""
    return {"image_size": image_size, "mean": CLIP_MEAN, "std": CLIP_STD, "num_frames": 4,
            "frame_rule": "segment-start", "resize": "squash"}



def add_eva(plan, src, names, W, mlp, layers, P, grid, k_bias):
    """The EVA tower's tensors; names maps lynxeval's to the source's (per block: {i})."""
    T = 1 + grid * grid
    src.add(plan, "vit.patch_embed.weight", (W, 3, P, P), names["patch_w"])
    src.add(plan, "vit.patch_embed.bias", (W,), names["patch_b"])
    src.add(plan, "vit.cls_token", (W,), names["cls"], lambda t: t.reshape(-1))
    src.add(plan, "vit.pos_embed", (T, W), names["pos"], lambda t: resize_pos_embed(t, grid))
    for i in range(layers):
        o, n = f"vit.blocks.{i}.", {k: v.format(i=i) for k, v in names.items()}
        for part, letter in enumerate("qkv"):
            src.add(plan, o + f"attn.{letter}.weight", (W, W), n["qkv_w"],
                    lambda t, p=part: t[p * W:(p + 1) * W])
        if "qkv_b" in n:  # the HF port's whole bias: cat(q_bias, k, v_bias)
            src.add(plan, o + "attn.q.bias", (W,), n["qkv_b"], lambda t: t[:W])
            if k_bias:
                src.add(plan, o + "attn.k.bias", (W,), n["qkv_b"], lambda t: t[W:2 * W])
            src.add(plan, o + "attn.v.bias", (W,), n["qkv_b"], lambda t: t[2 * W:])
        else:
            src.add(plan, o + "attn.q.bias", (W,), n["q_b"])
            src.add(plan, o + "attn.v.bias", (W,), n["v_b"])
        for ours, key, shape in (("attn.proj.weight", "proj_w", (W, W)), ("attn.proj.bias", "proj_b", (W,)),
                                 ("norm1.weight", "n1_w", (W,)), ("norm1.bias", "n1_b", (W,)),
                                 ("norm2.weight", "n2_w", (W,)), ("norm2.bias", "n2_b", (W,)),
                                 ("mlp.fc1.weight", "fc1_w", (mlp, W)), ("mlp.fc1.bias", "fc1_b", (mlp,)),
                                 ("mlp.fc2.weight", "fc2_w", (W, mlp)), ("mlp.fc2.bias", "fc2_b", (W,))):
            src.add(plan, o + ours, shape, n[key])


LAVIS_EVA = {"patch_w": "patch_embed.proj.weight", "patch_b": "patch_embed.proj.bias",
             "cls": "cls_token", "pos": "pos_embed", "qkv_w": "blocks.{i}.attn.qkv.weight",
             "q_b": "blocks.{i}.attn.q_bias", "v_b": "blocks.{i}.attn.v_bias",
             "proj_w": "blocks.{i}.attn.proj.weight", "proj_b": "blocks.{i}.attn.proj.bias",
             "n1_w": "blocks.{i}.norm1.weight", "n1_b": "blocks.{i}.norm1.bias",
             "n2_w": "blocks.{i}.norm2.weight", "n2_b": "blocks.{i}.norm2.bias",
             "fc1_w": "blocks.{i}.mlp.fc1.weight", "fc1_b": "blocks.{i}.mlp.fc1.bias",
             "fc2_w": "blocks.{i}.mlp.fc2.weight", "fc2_b": "blocks.{i}.mlp.fc2.bias"}


def eva_tower(src, label, image_size):
    """The shape of an EVA tower in LAVIS's names read from src (labelled `label` in messages),
    run at image_size: (width W, patch P, blocks in the file, blocks run, MLP width); LAVIS runs
    every block but the last (create_eva_vit_g builds 39 of the 40)."""
    patch = src.get("patch_embed.proj.weight")
    if patch.dim() != 4:
        raise ConversionError(f"{label}: tensor 'patch_embed.proj.weight' has shape "
                              f"{list(patch.shape)}, not [W, 3, P, P]")
    W, P = int(patch.shape[0]), int(patch.shape[2])
    blocks = 0
    while src.has(f"blocks.{blocks}.norm1.weight"):
        blocks += 1
    if blocks < 2:
        raise ConversionError(f"{label}: {blocks} blocks; an EVA tower runs all but its last")
    if image_size % P:
        raise ConversionError(f"--image-size {image_size} is not a multiple of the patch size {P}")
    return W, P, blocks, blocks - 1, int(src.get("blocks.0.mlp.fc1.weight").shape[0])


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


def lavis_qformer_config(src, label, heads, heads_flag, prefix="Qformer.bert."):
    """The config.json "qformer" object (no "text") of a Q-Former in LAVIS's names read from src
    (a checkpoint labelled `label` in messages): queries and width from query_tokens, layers and
    the cross-attention period from the tensors present; heads are not stored (heads_flag says
    which option gives them)."""
    qt = src.get("query_tokens")
    if qt.dim() != 3 or qt.shape[0] != 1:
        raise ConversionError(f"{label}: tensor 'query_tokens' has shape {list(qt.shape)}, not [1, Q, D]")
    Q, Dq = int(qt.shape[1]), int(qt.shape[2])
    layers, cross = 0, []
    while src.has(f"{prefix}encoder.layer.{layers}.attention.self.query.weight"):
        if src.has(f"{prefix}encoder.layer.{layers}.crossattention.self.query.weight"):
            cross.append(layers)
        layers += 1
    every = cross[1] - cross[0] if len(cross) > 1 else layers
    if not cross or cross[0] != 0 or cross != list(range(0, layers, every)):
        raise ConversionError(f"{label}: cross-attention on Q-Former layers {cross}, not every "
                              f"n-th layer from 0")
    ff = int(src.get(f"{prefix}encoder.layer.0.intermediate_query.dense.weight").shape[0])
    if Dq % heads:
        raise ConversionError(f"{heads_flag} {heads} does not divide the Q-Former's width {Dq}")
    return {"num_layers": layers, "hidden_size": Dq, "num_heads": heads, "intermediate_size": ff,
            "num_query_tokens": Q, "cross_attention_every": every, "layer_norm_eps": QFORMER_EPS}


def lavis_vision(plan, eva, ln, label, image_size):
    """The EVA tower (LAVIS names in eva; its blocks but the last) and ln_vision (ln_vision.* in
    ln) into the plan, at image_size; -> (the config.json "vision" object, its width, the blocks
    run, the blocks in the file)."""
    W, P, blocks, layers, mlp = eva_tower(eva, label, image_size)
    add_eva(plan, eva, LAVIS_EVA, W, mlp, layers, P, image_size // P, False)
    ln.add(plan, "vit.post_norm.weight", (W,), "ln_vision.weight")
    ln.add(plan, "vit.post_norm.bias", (W,), "ln_vision.bias")
    return vision_config(W, layers, mlp, image_size, P, False), W, layers, blocks
