#!/usr/bin/python3
"""Convert an InstructBLIP release into a lynxeval model directory (model/blip/blip.h).

  python3 tools/convert_instructblip.py --hf instructblip-vicuna-7b/ --out DIR [--dtype ...]
  python3 tools/convert_instructblip.py --lavis instruct_blip_vicuna7b_trimmed.pth \\
      --eva eva_vit_g.pth --llm vicuna-7b/ --bert-vocab vocab.txt --out DIR [--dtype ...]

Inputs are what a user downloads (docs/model-format.md, "Converting an InstructBLIP release"):
  --hf          Hugging Face's port (Salesforce/instructblip-vicuna-7b): config.json with
                vision_config, qformer_config, text_config and num_query_tokens; the weights
                (vision_model.*, query_tokens, qformer.*, language_projection.*,
                language_model.*) in .bin or .safetensors shards; tokenizer.model; and
                qformer_tokenizer/vocab.txt, to which "[DEC]" is appended
  --lavis       LAVIS's own files: the trimmed checkpoint ({"model": ln_vision.*, query_tokens,
  --eva         Qformer.bert.*, llm_proj.*}), eva_vit_g.pth (every block but the last runs, as
  --llm         create_eva_vit_g builds 39 of its 40), the Vicuna-7B v1.1 directory LAVIS
  --bert-vocab  loads (LLaMA names, tokenizer.model) and bert-base-uncased's vocab.txt (LAVIS's
                init_tokenizer downloads it). LAVIS grows the LLM's vocabulary by a "[PAD]" row
                that resize_token_embeddings fills at random; lynxeval writes the mean row
                instead and records it. The Q-Former's heads are not in the checkpoint:
                --qformer-heads (bert-base's 12).

What LAVIS's blip2_vicuna_instruct does at run time is written into config.json: ln_vision's eps
1e-5 (torch's default; the HF port's config says 1e-6 for it, a drift from LAVIS), the
tokenizer's "</s>" as bos, eos and unk and "[PAD]" at 32000, both added as plain strings (they
take the whitespace beside them), the Q-Former's text at most 128 WordPiece ids, and the
generate() defaults: 5 beams, repetition penalty 1.5, at most 256 positions counting the <s> seed
transformers 4.33 starts from, min length 1, id 0 rewritten to 2 before decoding.

Output DIR: config.json, model.safetensors, tokenizer.model and qformer_vocab.txt. Every tensor is
checked by name and shape before it is written; a refusal names the tensor and its file; DIR is
written under a temporary name and renamed at the end.

Needs Debian's python3-torch and python3-numpy (no pip packages).
"""
import argparse
import os
import sys
import tempfile

try:
    import torch
    from blip_common import (LN_VISION_EPS, QFORMER_EPS, add_eva, lavis_qformer_config,
                             lavis_vision, preprocess, qformer_tensors, vision_config)
    from convert_common import (DTYPES, FORMAT, FORMAT_VERSION, ConversionError, Plan, Source,
                                add_llm, apply_overrides, llm_section, need_keys, read_json,
                                warn_unused, write_model_dir)
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(f"convert_instructblip.py: {e}; install Debian's python3-torch and python3-numpy and "
             f"run with /usr/bin/python3")

PROG = "convert_instructblip.py"
MAX_TXT_LEN = 128            # blip2_vicuna_instruct's max_txt_len

# Free-form instructions go as they are; short-answer tasks (VQAv2, MME) as InstructBLIP's own
# VQA evaluation asks (lavis/projects/instructblip/qa_okvqa_vicuna7b_eval.yaml)
PROMPT = {"template": "{question}", "short_answer_template": "Question: {question} Short Answer:",
          "lowercase": False, "max_input_tokens": 0, "tokenizer": "legacy"}
# generate()'s defaults under transformers 4.33 (max_length 256 counts the <s> seed); short
# answers with that VQA config's run settings (max_len 10, min_len 1, 5 beams, length penalty -1)
DECODING = {"strategy": "beam", "num_beams": 5, "max_new_tokens": 255, "min_length": 1,
            "length_penalty": 1.0, "repetition_penalty": 1.5, "bos_seed": True, "seed_id": 1,
            "replace_ids": [[0, 2]], "evaluation": True,
            "short_answer": {"max_new_tokens": 9, "length_penalty": -1.0}}


def llm_tokens(l, pad_id):
    """LAVIS's add_special_tokens: pad "[PAD]", bos, eos and unk "</s>" (plain strings)."""
    l.update(bos_token_id=2, eos_token_id=2, unk_token_id=2, pad_token_id=pad_id)
    l["added_tokens"] = [{"text": "</s>", "id": 2, "strip": True},
                         {"text": "[PAD]", "id": pad_id, "strip": True}]
    return l


def qformer_vocab(bert_vocab, rows, what):
    """vocab.txt + "[DEC]" (init_tokenizer's bos token) as a temporary file, checked against the
    Q-Former's word embedding rows. Lines count as transformers' load_vocab counts them
    (readlines in text mode: \\n, \\r\\n or \\r); the file's bytes are kept as they are."""
    try:
        with open(bert_vocab, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")[:-1] if text.endswith("\n") or not text else text.split("\n")
    except FileNotFoundError:
        raise ConversionError(f"{bert_vocab}: missing ({what})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConversionError(f"{bert_vocab}: cannot read as UTF-8 text: {e}") from None
    for need in ("[UNK]", "[CLS]", "[SEP]"):
        if need not in lines:
            raise ConversionError(f"{bert_vocab}: not a BERT vocabulary (no line \"{need}\")")
    if "[DEC]" in lines:
        raise ConversionError(f"{bert_vocab}: already holds \"[DEC]\"; give bert-base-uncased's "
                              f"vocab.txt as published")
    if len(lines) + 1 != rows:
        raise ConversionError(f"{bert_vocab}: {len(lines)} tokens + [DEC] = {len(lines) + 1}, but "
                              f"the Q-Former's word embeddings have {rows} rows")
    f = tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False)
    f.write(raw + (b"" if raw.endswith((b"\n", b"\r")) or not raw else b"\n") + b"[DEC]\n")
    f.close()
    return f.name


HF_EVA = {"patch_w": "vision_model.embeddings.patch_embedding.weight",
          "patch_b": "vision_model.embeddings.patch_embedding.bias",
          "cls": "vision_model.embeddings.class_embedding",
          "pos": "vision_model.embeddings.position_embedding",
          "qkv_w": "vision_model.encoder.layers.{i}.self_attn.qkv.weight",
          "qkv_b": "vision_model.encoder.layers.{i}.self_attn.qkv.bias",
          "proj_w": "vision_model.encoder.layers.{i}.self_attn.projection.weight",
          "proj_b": "vision_model.encoder.layers.{i}.self_attn.projection.bias",
          "n1_w": "vision_model.encoder.layers.{i}.layer_norm1.weight",
          "n1_b": "vision_model.encoder.layers.{i}.layer_norm1.bias",
          "n2_w": "vision_model.encoder.layers.{i}.layer_norm2.weight",
          "n2_b": "vision_model.encoder.layers.{i}.layer_norm2.bias",
          "fc1_w": "vision_model.encoder.layers.{i}.mlp.fc1.weight",
          "fc1_b": "vision_model.encoder.layers.{i}.mlp.fc1.bias",
          "fc2_w": "vision_model.encoder.layers.{i}.mlp.fc2.weight",
          "fc2_b": "vision_model.encoder.layers.{i}.mlp.fc2.bias"}


def base_config(variant, vision, qformer, l, image_size, source):
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "family": "blip", "variant": variant,
            "vision": vision, "qformer": qformer, "llm": l, "preprocess": preprocess(image_size),
            "prompt": dict(PROMPT), "decoding": dict(DECODING), "source": source}


def plan_hf(args):
    """--hf: (plan, config, copies)."""
    cfg_path = os.path.join(args.hf, "config.json")
    cfg = read_json(cfg_path, "the port's config")
    need_keys(cfg, ("vision_config", "qformer_config", "text_config", "num_query_tokens"), cfg_path)
    vc, qc, tc = cfg["vision_config"], cfg["qformer_config"], cfg["text_config"]
    need_keys(vc, ("hidden_size", "intermediate_size", "num_hidden_layers", "image_size", "patch_size"),
              cfg_path)
    need_keys(qc, ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                   "intermediate_size"), cfg_path)
    need_keys(tc, ("vocab_size",), cfg_path)
    src = Source(args.hf, args.trust_pickle)
    W, mlp, layers = int(vc["hidden_size"]), int(vc["intermediate_size"]), int(vc["num_hidden_layers"])
    S, P = int(vc["image_size"]), int(vc["patch_size"])
    if S % P:
        raise ConversionError(f"{cfg_path}: vision_config.image_size {S} is not a multiple of its "
                              f"patch_size {P}")
    # The k third of the fused bias is zero in LAVIS's models; kept as a k bias when it is not.
    k_bias = any(bool(src.get(HF_EVA["qkv_b"].format(i=i))[W:2 * W].abs().max() > 0)
                 for i in range(layers))
    plan = Plan()
    add_eva(plan, src, HF_EVA, W, mlp, layers, P, S // P, k_bias)
    src.add(plan, "vit.post_norm.weight", (W,), "vision_model.post_layernorm.weight")
    src.add(plan, "vit.post_norm.bias", (W,), "vision_model.post_layernorm.bias")
    Dq, V = int(qc["hidden_size"]), int(tc["vocab_size"])
    q = {"num_layers": int(qc["num_hidden_layers"]), "hidden_size": Dq,
         "num_heads": int(qc["num_attention_heads"]), "intermediate_size": int(qc["intermediate_size"]),
         "num_query_tokens": int(cfg["num_query_tokens"]),
         "cross_attention_every": int(qc.get("cross_attention_frequency", 2)),
         "layer_norm_eps": float(qc.get("layer_norm_eps", QFORMER_EPS)),
         "text": {"vocab_size": int(qc["vocab_size"]),
                  "max_position_embeddings": int(qc.get("max_position_embeddings", 512)),
                  "max_length": MAX_TXT_LEN}}
    for name, shape, src_name, fn in qformer_tensors("hf", dict(q, vision_width=W)):
        src.add(plan, name, shape, src_name, fn)
    l = llm_tokens(llm_section(tc, V, cfg_path), V - 1)
    src.add(plan, "proj.weight", (l["hidden_size"], Dq), "language_projection.weight")
    src.add(plan, "proj.bias", (l["hidden_size"],), "language_projection.bias")
    add_llm(plan, src, l, "language_model.")
    warn_unused(PROG, src, (), "not part of the model")
    tok = os.path.join(args.hf, "tokenizer.model")
    if not os.path.isfile(tok):
        raise ConversionError(f"{tok}: missing (the LLaMA tokenizer)")
    vocab = qformer_vocab(os.path.join(args.hf, "qformer_tokenizer", "vocab.txt"),
                          q["text"]["vocab_size"], "the Q-Former's tokenizer")
    eps = vc.get("layer_norm_eps")
    source = {"route": "hf", "release": os.path.basename(os.path.normpath(args.hf)),
              "ln_vision_eps": f"{LN_VISION_EPS} (LAVIS's; the port's config says {eps})",
              "pad_rows": "the port's (LAVIS's random initialisation, as released)",
              "eva_k_bias": "kept (not zero in the port)" if k_bias else "zero, dropped"}
    config = base_config("instructblip", vision_config(W, layers, mlp, S, P, k_bias), q, l, S, source)
    return plan, config, {"tokenizer.model": tok, "qformer_vocab.txt": vocab}


def plan_lavis(args):
    """--lavis + --eva + --llm + --bert-vocab: (plan, config, copies)."""
    ckpt = Source(args.lavis, args.trust_pickle, file=True)
    eva = Source(args.eva, args.trust_pickle, file=True)
    llm = Source(args.llm, args.trust_pickle)
    llm_cfg_path = os.path.join(args.llm, "config.json")
    lcfg = read_json(llm_cfg_path, "the Vicuna directory's config")
    need_keys(lcfg, ("vocab_size",), llm_cfg_path)
    S = args.image_size
    plan = Plan()
    vision, W, layers, blocks = lavis_vision(plan, eva, ckpt, args.eva, S)
    q = lavis_qformer_config(ckpt, args.lavis, args.qformer_heads, "--qformer-heads")
    words = ckpt.get("Qformer.bert.embeddings.word_embeddings.weight")
    positions = ckpt.get("Qformer.bert.embeddings.position_embeddings.weight")
    q["text"] = {"vocab_size": int(words.shape[0]), "max_position_embeddings": int(positions.shape[0]),
                 "max_length": MAX_TXT_LEN}
    Dq = q["hidden_size"]
    for name, shape, src_name, fn in qformer_tensors("lavis", dict(q, vision_width=W)):
        ckpt.add(plan, name, shape, src_name, fn)
    V0 = int(lcfg["vocab_size"])
    l = llm_tokens(llm_section(lcfg, V0 + 1, llm_cfg_path), V0)

    def with_pad_row(t, name):
        if t.shape[0] != V0:
            raise ConversionError(f"{args.llm}: tensor '{name}' has {t.shape[0]} rows; config.json's "
                                  f"vocab_size is {V0}")
        return torch.cat([t.float(), t.float().mean(0, keepdim=True)])

    ckpt.add(plan, "proj.weight", (l["hidden_size"], Dq), "llm_proj.weight")
    ckpt.add(plan, "proj.bias", (l["hidden_size"],), "llm_proj.bias")
    add_llm(plan, llm, l, "", lambda t, name: with_pad_row(t, name)
            if name in ("model.embed_tokens.weight", "lm_head.weight") else t)
    warn_unused(PROG, ckpt, ("Qformer.cls.",), "not part of the model")
    warn_unused(PROG, eva, (f"blocks.{layers}.",), "not part of the EVA tower")  # its last block: not run
    warn_unused(PROG, llm, (), "not part of the LLM")
    tok = os.path.join(args.llm, "tokenizer.model")
    if not os.path.isfile(tok):
        raise ConversionError(f"{tok}: missing (the LLaMA tokenizer)")
    vocab = qformer_vocab(args.bert_vocab, q["text"]["vocab_size"], "--bert-vocab")
    source = {"route": "lavis", "checkpoint": os.path.basename(args.lavis),
              "eva": os.path.basename(args.eva), "llm": os.path.basename(os.path.normpath(args.llm)),
              "eva_blocks_run": f"{layers} of {blocks}",
              "ln_vision_eps": f"{LN_VISION_EPS} (LAVIS's)",
              "pad_rows": "[PAD] (id %d): the mean of the vocabulary's rows (LAVIS leaves it random)" % V0}
    config = base_config("instructblip", vision, q, l, S, source)
    return plan, config, {"tokenizer.model": tok, "qformer_vocab.txt": vocab}


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Convert an InstructBLIP release (Hugging Face's port, or LAVIS's files) into "
                    "a lynxeval model directory.",
        epilog="Examples: python3 tools/convert_instructblip.py --hf instructblip-vicuna-7b --out "
               "instructblip-7b --dtype bf16;  python3 tools/convert_instructblip.py --lavis "
               "instruct_blip_vicuna7b_trimmed.pth --eva eva_vit_g.pth --llm vicuna-7b "
               "--bert-vocab bert-base-uncased/vocab.txt --out instructblip-7b")
    ap.add_argument("--hf", help="Hugging Face's port (Salesforce/instructblip-vicuna-7b)")
    ap.add_argument("--lavis", help="LAVIS's trimmed checkpoint (instruct_blip_vicuna7b_trimmed.pth)")
    ap.add_argument("--eva", help="eva_vit_g.pth, with --lavis")
    ap.add_argument("--llm", help="the Vicuna-7B v1.1 directory LAVIS loads, with --lavis")
    ap.add_argument("--bert-vocab", help="bert-base-uncased's vocab.txt, with --lavis")
    ap.add_argument("--qformer-heads", type=int, default=12,
                    help="the Q-Former's attention heads, with --lavis (bert-base's 12)")
    ap.add_argument("--image-size", type=int, default=224,
                    help="the side LAVIS runs the model at, with --lavis (224)")
    ap.add_argument("--out", required=True, help="model directory to create")
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="f32",
                    help="weight type in model.safetensors (default f32; bf16 halves the size)")
    ap.add_argument("--overrides", metavar="FILE",
                    help="a JSON object of prompt, preprocess and decoding keys replacing the "
                         "converter's InstructBLIP settings (a model trained with another prompt "
                         "or evaluated otherwise, such as the world's)")
    ap.add_argument("--force", action="store_true", help="replace --out if it exists")
    ap.add_argument("--trust-pickle", action="store_true",
                    help="allow checkpoints holding arbitrary pickled objects (only for files you trust)")
    args = ap.parse_args(argv)
    lavis = (args.lavis, args.eva, args.llm, args.bert_vocab)
    if bool(args.hf) == any(lavis) or (any(lavis) and not all(lavis)):
        ap.error("give --hf, or --lavis with --eva, --llm and --bert-vocab")
    vocab = None
    try:
        out = os.path.abspath(args.out)
        if os.path.exists(out) and not args.force:
            raise ConversionError(f"{args.out}: already exists (pass --force to replace it)")
        plan, config, copies = plan_hf(args) if args.hf else plan_lavis(args)
        vocab = copies["qformer_vocab.txt"]
        if args.overrides:
            apply_overrides(config, args.overrides)
        n = write_model_dir(PROG, out, args.force, plan, config, args.dtype, copies)
    except ConversionError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    finally:
        if vocab:
            os.unlink(vocab)
    print(f"{PROG}: wrote {args.out}: {len(plan.items)} tensors, {n} parameters, {args.dtype}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
