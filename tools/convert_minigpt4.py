#!/usr/bin/python3
"""Convert a MiniGPT-4 (v1, Vicuna v0) release into a lynxeval model directory (model/blip/blip.h).

  python3 tools/convert_minigpt4.py --minigpt4 prerained_minigpt4_7b.pth \\
      --blip2 blip2_pretrained_flant5xxl.pth --eva eva_vit_g.pth --llm vicuna-7b-v0/ --out DIR

Inputs are the files MiniGPT-4's own code loads (Vision-CAIR/MiniGPT-4 at 22d8888,
minigpt4/models/mini_gpt4.py; docs/model-format.md, "Converting a MiniGPT-4 release"):
  --eva       eva_vit_g.pth: the EVA ViT-g tower (every block but the last runs)
  --blip2     BLIP-2 FlanT5-XXL's checkpoint ({"model": ...}): ln_vision.*, query_tokens and the
              Q-Former (Qformer.bert.*), of which MiniGPT-4 keeps what reads no text; t5_proj.*
              and the text parts are not part of the model
  --minigpt4  MiniGPT-4's checkpoint ({"model": llama_proj.*}): the projection into Vicuna
  --llm       Vicuna v0 as FastChat's apply_delta writes it: a LLaMA directory with 32001 rows,
              tokenizer.model, tokenizer_config.json, special_tokens_map.json, added_tokens.json
The checkpoints are applied in MiniGPT-4's order: the EVA file and the Vicuna directory, then the
BLIP-2 checkpoint, then MiniGPT-4's, a later one's tensor replacing an earlier one's (its
load_state_dict(strict=False)); what a checkpoint holds beyond the model is reported and ignored.

What MiniGPT-4 does at run time is written into config.json:
  - the prompt of minigpt4/conversation CONV_VISION with the image at "<ImageHere>", each side
    tokenized on its own by the slow LlamaTokenizer of transformers 4.28.0 (the version MiniGPT-4
    pins), <s> only on the first;
  - the special tokens as that tokenizer reads them from the Vicuna directory's files: the
    prompt's bos id is its bos_token_id (an empty bos text, as in the v0 files, is id 0), the
    texts it splits on and keeps apart when decoding are the non-empty special and added tokens;
  - generate() from inputs_embeds: the seed and end ids of the Vicuna directory's
    generation_config.json, or its config.json when there is none (v0: 0 and 1);
  - Chat.answer's stops, the two encodings of "###" (the pieces "###", and "##" "#": 835 and
    2277 29937 in LLaMA's vocabulary), and its answer clean-up: a leading 0 then a leading 1
    dropped, decoded with the special tokens kept, split at "###" then "Assistant:", stripped;
  - at most 300 new tokens, decoded greedily: Chat.answer samples (top-p 0.9), which no
    evaluation can reproduce; this departure is recorded in config.json's "source".

Output DIR: config.json, model.safetensors and tokenizer.model. Every tensor is checked by name
and shape before it is written; a refusal names the tensor and its file; DIR is written under a
temporary name and renamed at the end.

Needs Debian's python3-torch and python3-numpy (no pip packages).
"""
import argparse
import os
import sys

try:
    from blip_common import (LN_VISION_EPS, lavis_qformer_config, lavis_vision, preprocess,
                             qformer_tensors)
    from convert_common import (DTYPES, FORMAT, FORMAT_VERSION, ConversionError, Plan, Source,
                                add_llm, llm_section, need_keys, read_json, warn_unused,
                                write_model_dir)
    from sentencepiece_proto import read_pieces
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(f"convert_minigpt4.py: {e}; install Debian's python3-torch and python3-numpy and "
             f"run with /usr/bin/python3")

PROG = "convert_minigpt4.py"
SYSTEM = ("Give the following image: <Img>ImageContent</Img>. You will be able to see the image "
          "once I provide it to you. Please answer my questions.")
PROMPT = {"template": SYSTEM + "###Human: <Img><ImageHere></Img> {question}###Assistant:",
          "text_only_template": SYSTEM + "###Human: {question}###Assistant:",
          "media_marker": "<ImageHere>", "lowercase": False, "max_input_tokens": 0,
          "tokenizer": "legacy"}
MAX_NEW_TOKENS = 300
SPECIAL_KEYS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token",
                "mask_token")


class Loaded:
    """MiniGPT-4's parameters, by its own names, as its from_config leaves them: each name from the
    last of MiniGPT-4's checkpoint, BLIP-2's, then the EVA file (visual_encoder.*) or the Vicuna
    directory (llama_model.*) that holds it."""

    def __init__(self, minigpt4, blip2, eva, llm):
        # BLIP-2's checkpoint is loaded before the LLM exists: llama_* names in it are not used
        self.layers = [(minigpt4, "", ""), (blip2, "", "llama_"), (eva, "visual_encoder.", None),
                       (llm, "llama_model.", None)]
        self.path = "MiniGPT-4's checkpoints"

    def find(self, name):
        for src, prefix, skip in self.layers:
            if skip and name.startswith(skip):
                continue
            if name.startswith(prefix) and src.has(name[len(prefix):]):
                return src, name[len(prefix):]
        where = {"visual_encoder.": "--eva", "llama_model.": "--llm", "llama_proj.": "--minigpt4"}
        home = next((v for k, v in where.items() if name.startswith(k)), "--blip2")
        raise ConversionError(f"tensor '{name}' is in none of the checkpoints (expected in {home})")

    def has(self, name):
        try:
            self.find(name)
            return True
        except ConversionError:
            return False

    def get(self, name):
        src, inner = self.find(name)
        return src.get(inner)

    def add(self, plan, out, shape, name, fn=None):
        src, inner = self.find(name)
        src.add(plan, out, shape, inner, fn)


class Prefixed:
    """A view of `base` (Loaded) with `prefix` put in front of every name asked for."""

    def __init__(self, base, prefix):
        self.base, self.prefix = base, prefix

    def has(self, name):
        return self.base.has(self.prefix + name)

    def get(self, name):
        return self.base.get(self.prefix + name)

    def add(self, plan, out, shape, name, fn=None):
        self.base.add(plan, out, shape, self.prefix + name, fn)


def special_text(value, path, key):
    """(text, strip) of a special token as transformers 4.28 reads it: a plain string takes the
    whitespace beside it (strip), an AddedToken dict keeps it unless it says lstrip/rstrip."""
    if value is None:
        return None, True
    if isinstance(value, str):
        return value, True
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        l, r = bool(value.get("lstrip", False)), bool(value.get("rstrip", False))
        if l != r:
            raise ConversionError(f"{path}: {key} strips only one side (lstrip {l}, rstrip {r}); "
                                  f"lynxeval's tokenizer strips both or neither")
        return value["content"], l
    raise ConversionError(f"{path}: {key} is neither a string nor an AddedToken object")


def vicuna_tokenizer(llm_dir, rows):
    """The Vicuna directory's tokenizer as LlamaTokenizer.from_pretrained (transformers 4.28.0,
    slow) builds it, then MiniGPT-4's pad_token = eos_token. Returns (llm config keys, source notes,
    the "###" stop ids)."""
    tok = os.path.join(llm_dir, "tokenizer.model")
    try:
        with open(tok, "rb") as f:
            pieces = read_pieces(f.read())
    except FileNotFoundError:
        raise ConversionError(f"{tok}: missing (the LLaMA tokenizer)") from None
    except (OSError, ValueError, IndexError, UnicodeDecodeError) as e:
        raise ConversionError(f"{tok}: not a SentencePiece model ({e})") from None
    ids = {}
    for i, (p, _) in enumerate(pieces):
        ids.setdefault(p, i)
    specials = {}  # key -> (text, strip)
    for name in ("tokenizer_config.json", "special_tokens_map.json"):  # the map overrides
        path = os.path.join(llm_dir, name)
        if os.path.exists(path):
            j = read_json(path, "the Vicuna tokenizer's " + name)
            for key in SPECIAL_KEYS:
                if key in j:
                    specials[key] = special_text(j[key], path, key)
    added = {}
    added_path = os.path.join(llm_dir, "added_tokens.json")
    if os.path.exists(added_path):
        for text, i in sorted(read_json(added_path, "the Vicuna tokenizer's added tokens").items(),
                              key=lambda kv: kv[1]):
            if not isinstance(i, int) or i != len(pieces) + len(added):
                raise ConversionError(f"{added_path}: '{text}' has id {i}; transformers 4.28 needs "
                                      f"{len(pieces) + len(added)} (consecutive after the pieces)")
            added[text] = i
    if len(pieces) + len(added) > rows:
        raise ConversionError(f"{llm_dir}: the tokenizer has {len(pieces) + len(added)} ids but the "
                              f"model {rows} rows")

    def id_of(text):  # convert_tokens_to_ids: added tokens, else PieceToId (unknown: <unk>, 0)
        return added.get(text, ids.get(text, ids.get("<unk>", 0)))

    if "eos_token" not in specials:
        raise ConversionError(f"{llm_dir}: no eos_token in tokenizer_config.json or "
                              f"special_tokens_map.json (MiniGPT-4 pads with it)")
    specials["pad_token"] = (specials["eos_token"][0], True)  # MiniGPT-4: pad_token = eos_token
    bos = specials.get("bos_token", (None, True))[0]
    listed = {}  # text -> strip (an AddedToken's rule wins over a plain string's)
    for key, (text, strip) in specials.items():
        if text:
            listed[text] = listed.get(text, True) and strip
    entries = [{"text": t, "id": id_of(t), "strip": s} for t, s in listed.items()]
    entries += [{"text": t, "id": i, "strip": True} for t, i in added.items() if t not in listed]
    notes = {}
    extra = rows - len(pieces) - len(added)
    for k in range(extra):  # rows no tokenizer id names (transformers cannot decode them)
        entries.append({"text": f"[ROW{len(pieces) + len(added) + k}]", "id": len(pieces) + len(added) + k,
                        "strip": True})
    if extra:
        notes["undecodable_rows"] = (f"{extra} row(s) past the tokenizer's {len(pieces) + len(added)} ids "
                                     f"(transformers raises decoding them): named [ROWn]")
    for e in entries:
        if len(e["text"].encode()) > 31:
            raise ConversionError(f"{llm_dir}: special token '{e['text'][:40]}' is longer than 31 bytes")
    keys = {"bos_token_id": id_of(bos) if bos is not None else None,
            "eos_token_id": id_of(specials["eos_token"][0]), "unk_token_id": id_of(specials.get("unk_token", ("<unk>", 1))[0]),
            "pad_token_id": id_of(specials["pad_token"][0]), "special_tokens": "added_tokens",
            "added_tokens": sorted(entries, key=lambda e: e["id"])}
    if keys["bos_token_id"] is None:
        raise ConversionError(f"{llm_dir}: no bos_token in tokenizer_config.json or "
                              f"special_tokens_map.json (the prompt starts with it)")
    notes["tokenizer_specials"] = ", ".join(f"{k} {v[0]!r}" for k, v in sorted(specials.items()))
    stops = []
    for run in (["###"], ["##", "#"]):
        if all(p in ids for p in run):
            stops.append([ids[p] for p in run])
    if len(stops) != 2:
        raise ConversionError(f"{tok}: no pieces '###', '##' and '#' (MiniGPT-4 stops at the two "
                              f"encodings of '###': 835 and 2277 29937 in LLaMA's vocabulary)")
    return keys, notes, stops


def generation_ids(llm_dir):
    """(seed id, end id) of generate() from embeddings under transformers 4.28: the directory's
    generation_config.json, else its config.json."""
    path = os.path.join(llm_dir, "generation_config.json")
    if not os.path.exists(path):
        path = os.path.join(llm_dir, "config.json")
    g = read_json(path, "the Vicuna directory's generation settings")
    need_keys(g, ("bos_token_id", "eos_token_id"), path)
    bos, eos = g["bos_token_id"], g["eos_token_id"]
    if not isinstance(bos, int) or not isinstance(eos, int) or bos < 0 or eos < 0:
        raise ConversionError(f"{path}: bos_token_id {bos!r} and eos_token_id {eos!r} must be "
                              f"ids (one each)")
    return bos, eos, os.path.basename(path)


def plan(args):
    """(plan, config, copies)."""
    eva = Source(args.eva, args.trust_pickle, file=True)
    blip2 = Source(args.blip2, args.trust_pickle, file=True)
    mg = Source(args.minigpt4, args.trust_pickle, file=True)
    llm = Source(args.llm, args.trust_pickle)
    if not mg.has("llama_proj.weight"):
        raise ConversionError(f"{args.minigpt4}: tensor 'llama_proj.weight' is missing (is it "
                              f"MiniGPT-4's checkpoint?)")
    if blip2.has("llm_proj.weight") or blip2.has("opt_proj.weight"):
        print(f"{PROG}: warning: {args.blip2}: holds another BLIP model's projection; MiniGPT-4 "
              f"takes BLIP-2 FlanT5-XXL's checkpoint (blip2_pretrained_flant5xxl.pth)", file=sys.stderr)
    m = Loaded(mg, blip2, eva, llm)
    llm_cfg_path = os.path.join(args.llm, "config.json")
    lcfg = read_json(llm_cfg_path, "the Vicuna directory's config")
    need_keys(lcfg, ("vocab_size",), llm_cfg_path)
    rows = int(m.get("llama_model.model.embed_tokens.weight").shape[0])
    if rows != int(lcfg["vocab_size"]):
        raise ConversionError(f"{llm_cfg_path}: vocab_size {lcfg['vocab_size']}, but the embeddings "
                              f"have {rows} rows")

    vis = Prefixed(m, "visual_encoder.")
    S = args.image_size
    out = Plan()
    vision, W, layers, blocks = lavis_vision(out, vis, m, args.eva, S)
    q = lavis_qformer_config(m, args.blip2, args.qformer_heads, "--qformer-heads")
    for name, shape, src_name, fn in qformer_tensors("lavis", dict(q, vision_width=W)):
        m.add(out, name, shape, src_name, fn)
    keys, notes, stops = vicuna_tokenizer(args.llm, rows)
    seed, end, gen_file = generation_ids(args.llm)
    l = llm_section(lcfg, rows, llm_cfg_path)
    l.update(keys)
    l["eos_token_id"] = end  # generate()'s end id (the tokenizer's eos only names a text)
    D = l["hidden_size"]
    m.add(out, "proj.weight", (D, q["hidden_size"]), "llama_proj.weight")
    m.add(out, "proj.bias", (D,), "llama_proj.bias")
    add_llm(out, Prefixed(m, "llama_model."), l, "")
    warn_unused(PROG, mg, (), "not part of the model")
    deleted = ["Qformer.cls.", "t5_proj.", "Qformer.bert.embeddings.word_embeddings.",
               "Qformer.bert.embeddings.position_embeddings."]  # what MiniGPT-4 deletes or skips
    deleted += [f"Qformer.bert.encoder.layer.{i}.{part}." for i in range(q["num_layers"])
                for part in ("intermediate.dense", "output.dense", "output.LayerNorm")]
    warn_unused(PROG, blip2, tuple(deleted), "not part of the model")
    warn_unused(PROG, eva, (f"blocks.{layers}.",), "not part of the EVA tower")
    warn_unused(PROG, llm, (), "not part of the LLM")
    decoding = {"strategy": "greedy", "max_new_tokens": MAX_NEW_TOKENS, "min_length": 1,
                "length_penalty": 1.0, "repetition_penalty": 1.0, "bos_seed": True, "seed_id": seed,
                "evaluation": True, "stop_ids": stops, "keep_special": True,
                "strip_leading_ids": [0, 1], "text_rules": [["###", 0], ["Assistant:", -1]]}
    source = {"route": "minigpt4", "minigpt4": os.path.basename(args.minigpt4),
              "blip2": os.path.basename(args.blip2), "eva": os.path.basename(args.eva),
              "llm": os.path.basename(os.path.normpath(args.llm)),
              "eva_blocks_run": f"{layers} of {blocks}", "ln_vision_eps": f"{LN_VISION_EPS} (LAVIS's)",
              "generation_ids": f"seed {seed}, end {end} (from {gen_file})",
              "decoding": "greedy; MiniGPT-4's Chat.answer samples (top-p 0.9, temperature 1)",
              "context": "no 1700-position trim (Chat.answer keeps the last max_length - 300)"}
    source.update(notes)
    config = {"format": FORMAT, "format_version": FORMAT_VERSION, "family": "blip",
              "variant": "minigpt4", "vision": vision,
              "qformer": q, "llm": l, "preprocess": preprocess(S), "prompt": dict(PROMPT),
              "decoding": decoding, "source": source}
    return out, config, {"tokenizer.model": os.path.join(args.llm, "tokenizer.model")}


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Convert a MiniGPT-4 release (v1 with Vicuna v0) into a lynxeval model "
                    "directory.",
        epilog="Example: python3 tools/convert_minigpt4.py --minigpt4 prerained_minigpt4_7b.pth "
               "--blip2 blip2_pretrained_flant5xxl.pth --eva eva_vit_g.pth --llm vicuna-7b-v0 "
               "--out minigpt4-7b --dtype bf16")
    ap.add_argument("--minigpt4", required=True,
                    help="MiniGPT-4's checkpoint (pretrained_minigpt4.pth, prerained_minigpt4_7b.pth)")
    ap.add_argument("--blip2", required=True,
                    help="BLIP-2 FlanT5-XXL's checkpoint (blip2_pretrained_flant5xxl.pth)")
    ap.add_argument("--eva", required=True, help="eva_vit_g.pth")
    ap.add_argument("--llm", required=True,
                    help="the Vicuna v0 directory (FastChat's apply_delta output)")
    ap.add_argument("--qformer-heads", type=int, default=12,
                    help="the Q-Former's attention heads (bert-base's 12; not in the checkpoint)")
    ap.add_argument("--image-size", type=int, default=224, help="the side MiniGPT-4 runs at (224)")
    ap.add_argument("--out", required=True, help="model directory to create")
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="f32",
                    help="weight type in model.safetensors (default f32; bf16 halves the size)")
    ap.add_argument("--force", action="store_true", help="replace --out if it exists")
    ap.add_argument("--trust-pickle", action="store_true",
                    help="allow checkpoints holding arbitrary pickled objects (only for files you trust)")
    args = ap.parse_args(argv)
    try:
        out = os.path.abspath(args.out)
        if os.path.exists(out) and not args.force:
            raise ConversionError(f"{args.out}: already exists (pass --force to replace it)")
        p, config, copies = plan(args)
        n = write_model_dir(PROG, out, args.force, p, config, args.dtype, copies)
    except ConversionError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    print(f"{PROG}: wrote {args.out}: {len(p.items)} tensors, {n} parameters, {args.dtype}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
