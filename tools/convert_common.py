"""What the converters share (tools/convert_lynx.py, convert_llava.py, convert_instructblip.py):
reading PyTorch checkpoints, .safetensors files and sharded Hugging Face directories (a Source
remembers what was read, so unused tensors can be reported); the plan of output tensors (name,
shape, where each comes from); a LLaMA's config section and tensors; writing model.safetensors one
source file at a time; and the output directory, written under a temporary name and renamed into
place, so a failed conversion never leaves a partial directory.

Needs Debian's python3-torch and python3-numpy (no pip packages).
"""
import json
import math
import os
import shutil
import struct
import sys
import tempfile

import torch
import torch.nn.functional as F

FORMAT = "lynxeval-model"
FORMAT_VERSION = 1
DTYPES = {"f32": ("F32", torch.float32), "f16": ("F16", torch.float16), "bf16": ("BF16", torch.bfloat16)}


class ConversionError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Reading inputs


def load_torch_file(path, trust_pickle):
    """torch.load on the CPU; refuses arbitrary pickled objects unless trust_pickle."""
    if not os.path.isfile(path):
        raise ConversionError(f"{path}: no such file")
    with open(path, "rb") as f:
        magic = f.read(4)
    # torch.save writes a zip archive; older files are a bare pickle (protocol byte 0x80).
    if magic[:4] != b"PK\x03\x04" and magic[:1] != b"\x80":
        raise ConversionError(f"{path}: not a PyTorch checkpoint (neither a zip archive nor a pickle)")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=not trust_pickle)
    except Exception as e:  # torch raises many types for bad files
        hint = "" if trust_pickle else (" (if the file holds more than tensors and you trust it, "
                                        "pass --trust-pickle)")
        raise ConversionError(f"{path}: cannot read as a PyTorch checkpoint: {e}{hint}") from None
    if isinstance(obj, dict) and "model" in obj and isinstance(obj["model"], dict):
        obj = obj["model"]
    if not isinstance(obj, dict):
        raise ConversionError(f"{path}: expected a state dict (a mapping of names to tensors)")
    tensors = {k: v for k, v in obj.items() if isinstance(k, str) and torch.is_tensor(v)}
    if not tensors:
        raise ConversionError(f"{path}: holds no tensors")
    return tensors


class SafetensorsFile:
    """Reads tensors of a .safetensors file on demand (the package is not needed)."""

    DT = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64}

    def __init__(self, path):
        self.path = path
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise ConversionError(f"{path}: truncated (no header length)")
            n = struct.unpack("<Q", head)[0]
            if n > min(size - 8, 100_000_000):
                raise ConversionError(f"{path}: header length {n} is impossible for a {size}-byte file")
            try:
                self.header = json.loads(f.read(n))
            except ValueError as e:
                raise ConversionError(f"{path}: header is not JSON: {e}") from None
        self.data_start = 8 + n
        self.header.pop("__metadata__", None)

    def names(self):
        return list(self.header)

    def shape(self, name):
        return tuple(self.header[name]["shape"])

    def get(self, name):
        info = self.header[name]
        if info["dtype"] not in self.DT:
            raise ConversionError(f"{self.path}: tensor '{name}' has unsupported dtype {info['dtype']}")
        b, e = info["data_offsets"]
        with open(self.path, "rb") as f:
            f.seek(self.data_start + b)
            raw = bytearray(f.read(e - b))
        if len(raw) != e - b:
            raise ConversionError(f"{self.path}: tensor '{name}' runs past the end of the file")
        t = torch.frombuffer(raw, dtype=self.DT[info["dtype"]]) if raw else torch.empty(0)
        return t.reshape(info["shape"])


class HFWeights:
    """The tensors of a Hugging Face LLaMA directory, loaded one shard at a time."""

    def __init__(self, llm_dir, trust_pickle):
        self.dir, self.trust = llm_dir, trust_pickle
        self.where = {}      # tensor name -> file
        self.cache_file, self.cache = None, None
        for index, kind in (("pytorch_model.bin.index.json", "bin"), ("model.safetensors.index.json", "st")):
            p = os.path.join(llm_dir, index)
            if os.path.exists(p):
                try:
                    with open(p) as f:
                        wm = json.load(f)["weight_map"]
                except (ValueError, KeyError, TypeError) as e:
                    raise ConversionError(f"{p}: not a valid shard index: {e}") from None
                self.where = {k: os.path.join(llm_dir, v) for k, v in wm.items()}
                self.kind = kind
                break
        else:
            for single, kind in (("pytorch_model.bin", "bin"), ("model.safetensors", "st")):
                p = os.path.join(llm_dir, single)
                if os.path.exists(p):
                    self.kind = kind
                    names = (SafetensorsFile(p).names() if kind == "st"
                             else list(load_torch_file(p, trust_pickle)))
                    self.where = {k: p for k in names}
                    break
            else:
                raise ConversionError(f"{llm_dir}: no weights (expected pytorch_model*.bin or "
                                      f"model*.safetensors, with an index when sharded)")
        missing = sorted({f for f in self.where.values() if not os.path.isfile(f)})
        if missing:
            raise ConversionError(f"{missing[0]}: shard listed in the index is missing")

    def has(self, name):
        return name in self.where

    def file_of(self, name):
        return self.where[name]

    def get(self, name):
        path = self.where[name]
        if self.cache_file != path:
            self.cache = None
            self.cache = SafetensorsFile(path) if self.kind == "st" else load_torch_file(path, self.trust)
            self.cache_file = path
        if self.kind == "st":
            if name not in self.cache.header:
                raise ConversionError(f"{path}: tensor '{name}' is listed in the index but not in the shard")
            return self.cache.get(name)
        if name not in self.cache:
            raise ConversionError(f"{path}: tensor '{name}' is listed in the index but not in the shard")
        return self.cache[name]


def read_json(path, what):
    try:
        with open(path) as f:
            obj = json.load(f)
    except FileNotFoundError:
        raise ConversionError(f"{path}: missing ({what})") from None
    except (OSError, ValueError) as e:
        raise ConversionError(f"{path}: cannot read as JSON: {e}") from None
    if not isinstance(obj, dict):
        raise ConversionError(f"{path}: not a JSON object")
    return obj


def need_keys(obj, keys, path):
    for k in keys:
        if k not in obj:
            raise ConversionError(f"{path}: key '{k}' is missing")


class FileWeights:
    """The tensors of one PyTorch checkpoint file (a state dict, or {"model": state dict}), with
    HFWeights' interface."""

    def __init__(self, path, trust_pickle):
        self.tensors = load_torch_file(path, trust_pickle)
        self.where = {k: path for k in self.tensors}

    def has(self, name):
        return name in self.tensors

    def file_of(self, name):
        return self.where[name]

    def get(self, name):
        return self.tensors[name]


class Source:
    """A weights directory (or, with file=True, one checkpoint file) and the plan entries taken
    from it; remembers what was read."""

    def __init__(self, path, trust_pickle, prefix="", file=False):
        self.path, self.prefix = path, prefix
        self.w = FileWeights(path, trust_pickle) if file else HFWeights(path, trust_pickle)
        self.read = set()

    def get(self, name):
        """A tensor now (for checks before the plan runs); counts as read."""
        full = self.prefix + name
        if not self.w.has(full):
            raise ConversionError(f"{self.path}: tensor '{full}' is missing")
        self.read.add(full)
        return self.w.get(full)

    def has(self, name):
        return self.w.has(self.prefix + name)

    def add(self, plan, out, shape, name, fn=None):
        full = self.prefix + name
        if not self.w.has(full):
            raise ConversionError(f"{self.path}: tensor '{full}' is missing")
        self.read.add(full)
        file = self.w.file_of(full)
        get = (lambda: fn(self.w.get(full))) if fn else (lambda: self.w.get(full))
        plan.add(out, shape, file, full, get, file)

    def unused(self, ignore=()):
        return sorted(n for n in self.w.where
                      if n not in self.read and not any(n.startswith(p) for p in ignore)
                      and not n.endswith("rotary_emb.inv_freq"))


def warn_unused(prog, src, ignore, what):
    unused = src.unused(ignore)
    if unused:
        shown = ", ".join(unused[:5]) + (", ..." if len(unused) > 5 else "")
        print(f"{prog}: warning: {src.path}: {len(unused)} tensors {what} are ignored: {shown}",
              file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# The plan: every output tensor, its expected shape and where it comes from


def resize_pos_embed(pe, grid):
    """[1, 1+g*g, W] -> [1+grid*grid, W]: bicubic (A = -0.75, align_corners=False) on the patch
    rows, CLS row unchanged, computed in float32 as the reference does at load time."""
    pe = pe.float()
    old = int(round(math.sqrt(pe.shape[1] - 1)))
    if old * old != pe.shape[1] - 1:
        raise ConversionError(f"pos_embed has {pe.shape[1]} rows, not 1 + a square")
    if old != grid:
        g = pe[:, 1:].reshape(1, old, old, -1).permute(0, 3, 1, 2)
        g = F.interpolate(g, size=(grid, grid), mode="bicubic", align_corners=False)
        pe = torch.cat([pe[:, :1], g.permute(0, 2, 3, 1).flatten(1, 2)], dim=1)
    return pe[0]



def llama_layer_tensors(i, D, I):
    """The eight tensors of LLaMA layer i: (lynxeval name, shape, Hugging Face name) triples."""
    h, o = f"model.layers.{i}.", f"llm.layers.{i}."
    out = [(o + f"attn.{p}.weight", (D, D), h + f"self_attn.{p}_proj.weight") for p in "qkvo"]
    return out + [(o + "mlp.gate.weight", (I, D), h + "mlp.gate_proj.weight"),
                  (o + "mlp.up.weight", (I, D), h + "mlp.up_proj.weight"),
                  (o + "mlp.down.weight", (D, I), h + "mlp.down_proj.weight"),
                  (o + "input_norm.weight", (D,), h + "input_layernorm.weight"),
                  (o + "post_attention_norm.weight", (D,), h + "post_attention_layernorm.weight")]


class Plan:
    """Output tensors in order: (out_name, shape, source file, source tensor name, producer,
    order key). The order key groups tensors by source file so each shard is loaded once."""

    def __init__(self):
        self.items = []

    def add(self, name, shape, source, src_name, producer, order=""):
        self.items.append((name, tuple(int(s) for s in shape), source, src_name, producer, order))


def tensor_bytes(t, dtype):
    t = t.detach().to(torch.float32).contiguous()
    if dtype == "f32":
        return t.numpy().astype("<f4", copy=False).tobytes()
    if dtype == "f16":
        return t.half().numpy().astype("<f2", copy=False).tobytes()
    return t.bfloat16().view(torch.int16).numpy().astype("<i2", copy=False).tobytes()


def write_safetensors(path, plan, dtype, metadata, progress):
    st_dtype, _ = DTYPES[dtype]
    es = 4 if dtype == "f32" else 2
    items = sorted(plan.items, key=lambda it: it[5])  # group by source file (one shard at a time)
    header, off = {}, 0
    for name, shape, _, _, _, _ in items:
        n = math.prod(shape) * es
        header[name] = {"dtype": st_dtype, "shape": list(shape), "data_offsets": [off, off + n]}
        off += n
    header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-(len(h) + 8) % 64)  # tensor data starts 64-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for k, (name, shape, source, src_name, produce, _) in enumerate(items):
            t = produce_checked(name, shape, source, src_name, produce)
            if not torch.isfinite(t.float()).all():
                raise ConversionError(f"{source}: tensor '{src_name}' holds NaN or infinite values")
            b = tensor_bytes(t, dtype)
            assert len(b) == header[name]["data_offsets"][1] - header[name]["data_offsets"][0]
            f.write(b)
            progress(k + 1, len(items), name)


def produce_checked(name, shape, source, src_name, produce):
    t = produce()
    if tuple(t.shape) != shape:
        raise ConversionError(f"{source}: tensor '{src_name}' gives shape {list(t.shape)} for "
                              f"'{name}', expected {list(shape)}")
    return t


def check_shapes_early(plan):
    """Tensors already in memory (EVA, Lynx) are checked before anything is written."""
    for name, shape, source, src_name, produce, order in plan.items:
        if order in ("0", "1"):
            produce_checked(name, shape, source, src_name, produce)


class TrackedTensors(dict):
    """A state dict that remembers which tensors were read, to report the ones nobody used."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.read = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def unused(self):
        return sorted(k for k in self if k not in self.read)


def write_model_dir(prog, out, force, plan, config, dtype, copies):
    """Writes out/: model.safetensors from plan in dtype, config.json, and copies
    {name in out: source path}; under a temporary name, renamed into place at the end (an
    existing out is replaced only with force, checked by the caller)."""
    out = os.path.abspath(out)
    parent = os.path.dirname(out) or "."
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=os.path.basename(out) + ".partial-", dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; the result is an ordinary directory
    try:
        def progress(k, n, name):
            if k == n or k % 50 == 0:
                print(f"{prog}: [{k}/{n}] {name}", file=sys.stderr)

        write_safetensors(os.path.join(tmp, "model.safetensors"), plan, dtype,
                          {"format": FORMAT, "dtype": dtype}, progress)
        with open(os.path.join(tmp, "config.json"), "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
        for name, path in copies.items():
            shutil.copyfile(path, os.path.join(tmp, name))
        if os.path.exists(out):
            old = out + ".old"
            shutil.rmtree(old, ignore_errors=True)
            os.rename(out, old)
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sum(math.prod(it[1]) for it in plan.items)


def llm_section(lcfg, vocab, path):
    need_keys(lcfg, ("hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers"),
              path)
    H = int(lcfg["num_attention_heads"])
    if int(lcfg.get("num_key_value_heads", H) or H) != H:
        raise ConversionError(f"{path}: grouped-query attention (num_key_value_heads "
                              f"{lcfg['num_key_value_heads']}) is not supported")
    if lcfg.get("rope_scaling"):
        raise ConversionError(f"{path}: rope_scaling {lcfg['rope_scaling']} is not supported")
    return {"vocab_size": vocab, "hidden_size": int(lcfg["hidden_size"]),
            "num_layers": int(lcfg["num_hidden_layers"]), "num_heads": H,
            "intermediate_size": int(lcfg["intermediate_size"]),
            "rms_norm_eps": float(lcfg.get("rms_norm_eps", 1e-6)),
            "rope_theta": float(lcfg.get("rope_theta", 10000.0)),
            "max_position_embeddings": int(lcfg.get("max_position_embeddings", 2048)),
            "adapter_every": 0, "bos_token_id": int(lcfg.get("bos_token_id", 1)),
            "eos_token_id": int(lcfg.get("eos_token_id", 2)),
            "pad_token_id": int(lcfg.get("pad_token_id", 0) or 0), "unk_token_id": 0}


def add_llm(plan, src, l, prefix, fn=None):
    """The LLaMA tensors (HF names under prefix), each passed through fn(tensor, name) when given."""
    V, D, I = l["vocab_size"], l["hidden_size"], l["intermediate_size"]

    def add(out, shape, name):
        full = prefix + name
        src.add(plan, out, shape, full, (lambda t: fn(t, full)) if fn else None)
    add("llm.embed_tokens.weight", (V, D), "model.embed_tokens.weight")
    add("llm.lm_head.weight", (V, D), "lm_head.weight")
    add("llm.norm.weight", (D,), "model.norm.weight")
    for i in range(l["num_layers"]):
        for out, shape, name in llama_layer_tensors(i, D, I):
            add(out, shape, name)


OVERRIDABLE = ("prompt", "preprocess", "decoding")


def apply_overrides(config, path):
    """--overrides FILE: keys of the written config's prompt, preprocess and decoding sections
    replaced by the file's, for a model trained with another conversation or evaluated with other
    settings than the release's own (lynxeval checks the result when it loads the model)."""
    extra = read_json(path, "the overrides")
    if not isinstance(extra, dict):
        raise ConversionError(f"{path}: not a JSON object")
    for section, keys in extra.items():
        if section not in OVERRIDABLE:
            raise ConversionError(f"{path}: '{section}' cannot be overridden (only "
                                  f"{', '.join(OVERRIDABLE)}: the rest comes from the release)")
        if not isinstance(keys, dict):
            raise ConversionError(f"{path}: {section}: not a JSON object")
        config[section].update(keys)
    config["source"]["overrides"] = os.path.basename(path)
