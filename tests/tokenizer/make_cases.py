#!/usr/bin/python3
"""Makes the tokenizer test data in tests/tokenizer/ (run once; the outputs are committed).

  /usr/bin/python3 tests/tokenizer/make_cases.py --llama-js PATH/llama-tokenizer.js

Needs Debian's sentencepiece (spm_train) and python3-sentencepiece 0.1.97, the oracle. Writes:

  models/*.model     SentencePiece BPE models trained with spm_train on train.txt: byte
                     fallback on and off, identity (LLaMA's) and nmt_nfkc normalization (a
                     precompiled charsmap), whitespace squeezing, user-defined symbols, several
                     vocabulary sizes
  models/llama.model, models/llama.json
                     LLaMA's real 32000-piece vocabulary rebuilt from the npm package
                     llama-tokenizer-js (MIT; its data is LLaMA's tokenizer.json vocabulary and
                     merges): the .json keeps vocabulary and merges as they are; the .model gives
                     each merged piece the score -(rank of the first merge producing it)
  corpus.json        the texts encoded (ASCII, punctuation, digits, runs of spaces, tabs,
                     newlines, accents, CJK, emoji, NFKC-sensitive characters, final sigma, ...)
                     and raw byte strings with malformed UTF-8
  expected.json      for every model and text: python3-sentencepiece's ids and its decoding of
                     them; decodings of hand-made id sequences (stray byte pieces, control pieces);
                     Hugging Face slow-tokenizer results (special tokens split out, [PAD]'s
                     neighbours stripped) computed from sentencepiece by the rules of
                     transformers 4.28; and llama-tokenizer-js's own test cases (ids from the real
                     LLaMA tokenizer)
"""
import argparse
import base64
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import sentencepiece_proto  # noqa: E402

CORPUS = [
    "What is in the image?",
    "user: what is in the image?\nbot:",
    "User: How many tusks does the elephant have?\nBot:",
    "hello world", " hello world", "hello world ", "  leading and trailing  ",
    "a    run   of     spaces", "tabs\tand\t\ttabs", "new\nlines\n\nand\r\ncarriage returns",
    "", " ", "\n", " \n", "\t", "   ",
    "Punctuation: !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "digits 0123456789 3.14159 1,000,000 2023-11-26 12:30pm #42",
    "café naïve résumé coöperate Ünïcödé ÀÉÎÕÜ ñ ç ß",
    "镇 中文 日本語のテキスト 한국어 문장",
    "🦙 👍🏽 🇫🇷 👨‍👩‍👧 ❤️ 🦙Ꙋ Ꙋ🦙",
    "ﬁne ﬂow ① ② ＡＢＣ ｶﾀｶﾅ ½ ™ Ⅷ ㈱ ｱ",
    "ΟΔΥΣΣΕΥΣ Σ ΣΑΣ σς", "İstanbul ı I i", "combining: e\u0301 a\u0308 n\u0303",
    "zero\u200bwidth\u200djoiner\ufeffbom", "arabic: مرحبا بالعالم", "hindi: नमस्ते दुनिया",
    "replacement \ufffd char", "literal <s> and </s> and <unk> tokens", "a [PAD] b", "[PAD]",
    "x<s>y", "<s><s></s>", "The llama (/ˈlɑːmə/; 🦙Spanish pronunciation: [ˈʎama])",
    "ax\n####\nboo", "grabbed", " grabbed", "           grabbed",
    "control \x01\x02\x1f chars",
    "mixed Ελληνικά Русский text 123",
    "a" * 200, "ab" * 80, " ".join(["word"] * 60),
]

BYTE_CASES = [
    b"\xff", b"abc\x80def", b"\xe2\x82", b"trunc \xf0\x9f\xa6", b"overlong \xc0\xaf",
    b"surrogate \xed\xa0\x80", b"\xf5\x80\x80\x80 big", b"ok \xe2\x82\xac then \xfe\xfe",
    b"nul\x00byte",
]

# Questions for the whole prompt pipeline (template, strip, lower, [<s>] + tokens, last 40).
QUESTIONS = [
    "What is in the image?", "  How many TUSKS does the elephant have?  ", "Is this a \"Place\"?",
    "What does the sign say: 'STOP'?", "ΟΔΥΣΣΕΥΣ ΚΑΙ ΣΑΣ?", "İSTANBUL or ISTANBUL?",
    "Describe <s> this </s> scene", "a [PAD] b [PAD]", "Café Naïve? 镇 🦙",
    "What is the man in the red shirt holding in his left hand while standing next to the "
    "large brown dog near the old wooden fence on a sunny afternoon in the park?",
    "\tTabbed\nand newlined question\r\n",
]

# Strings for Python's str.lower() / str.strip() (chosen around the Final_Sigma rule, special
# casings and Unicode whitespace), plus a deterministic sample of code points from every plane.
UNICODE_STRINGS = [
    "ΟΔΥΣΣΕΥΣ", "Σ", "ΑΣ", "ΑΣΑ", "Α\u0345Σ", "Α'Σ", "Α.Σ", "ΑΣ'", "ΑΣ'Α", "Α\u00adΣ\u00ad",
    "İ", "İSTANBUL", "ΆΈΉ", "ǅǈǋ", "ẞ", "Ω K Å", "ﬁ", "Ⅻ", "ⓐⒶ", "𐐀𐐨", "Ａ",
    "\u1680x\u2000\u3000", "\x1c\x1d\x1e\x1fa\x85\xa0", "\u200bzero width\u200b",
    "  \t\n\r\x0b\x0cmiddle  \u2028\u2029", "", " ", "\u3000",
]


def unicode_sample():
    import random
    rng = random.Random(1234)
    out = []
    for _ in range(200):
        cps = []
        for _ in range(rng.randint(1, 8)):
            block = rng.choice([(0x20, 0x7f), (0xa0, 0x250), (0x370, 0x530), (0x1e00, 0x2000),
                                (0x2000, 0x2070), (0x2100, 0x2200), (0x2c00, 0x2d30), (0xa640, 0xa800),
                                (0xff00, 0xff70), (0x10400, 0x10500), (0x1e900, 0x1e960), (0x3a3, 0x3a4)])
            cp = rng.randrange(*block)
            if not 0xD800 <= cp <= 0xDFFF:
                cps.append(cp)
        out.append("".join(map(chr, cps)))
    return out

# (name, training text: "openvqa" = Open-VQA questions and answers, "all" = those plus the
#  corpus, spm_train flags)
MODELS = [
    ("bpe-identity-400", "openvqa", "--vocab_size=400 --byte_fallback=true "
     "--normalization_rule_name=identity --remove_extra_whitespaces=false --character_coverage=0.98"),
    ("bpe-identity-1000", "all", "--vocab_size=1000 --byte_fallback=true "
     "--normalization_rule_name=identity --remove_extra_whitespaces=false --split_digits=true"),
    ("bpe-nfkc-800", "all", "--vocab_size=800 --byte_fallback=true --character_coverage=0.99"),
    ("bpe-user-800", "all", "--vocab_size=800 --byte_fallback=true --normalization_rule_name=identity "
     "--user_defined_symbols=<img>,[SEP],llama --remove_extra_whitespaces=true"),
    ("bpe-nobytes-600", "all", "--vocab_size=600 --byte_fallback=false "
     "--normalization_rule_name=identity --remove_extra_whitespaces=false --character_coverage=0.98"),
]


def training_text(which):
    lines = []
    for name in ("Open_VQA_images.jsonl", "Open_VQA_videos.jsonl"):
        path = os.path.join(HERE, "..", "..", "..", "shared", "data", "open-vqa", name)
        if not os.path.exists(path):
            path = os.path.join(HERE, "train_openvqa_" + name)
        with open(path) as f:
            for line in f:
                row = json.loads(line)
                lines.append(row["question"])
                lines.append(row["question"].lower())
                lines.extend(row["answer"])
    if which == "all":
        lines += [t for t in CORPUS if t.strip() and "\x00" not in t] * 3
    return "\n".join(l.replace("\n", " ") for l in lines) + "\n"


# ---- LLaMA's vocabulary from llama-tokenizer-js ---------------------------------------------

def read_llama_js(path):
    src = open(path, encoding="utf-8").read()
    vocab_b64 = re.search(r'const llama_vocab_base64 = "([^"]+)"', src).group(1)
    merges_b64 = re.search(r'const llama_merges_binary = "([^"]+)"', src).group(1)
    vocab = base64.b64decode(vocab_b64).decode("utf-8").split("\n")
    raw = base64.b64decode(merges_b64)
    ints = struct.unpack(f"<{len(raw) // 2}H", raw)
    merges = [(vocab[ints[i]], vocab[ints[i + 1]]) for i in range(0, len(ints), 2)]
    # The package's own tests: testCase("text", [ids]) with ids from the real tokenizer.
    cases = []
    for m in re.finditer(r'testCase\(("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'),\s*\[([0-9,\s]+)\]\)', src):
        lit = m.group(1)
        if lit[0] == "'":  # a single-quoted JS string: requote for JSON
            lit = '"' + lit[1:-1].replace('"', '\\"') + '"'
        text = json.loads(lit, strict=False)  # JS strings may hold raw tabs
        cases.append((text, [int(x) for x in m.group(2).replace(" ", "").split(",") if x]))
    return vocab, merges, cases


def write_llama_model(path, vocab, merges):
    first_rank = {}
    for rank, (a, b) in enumerate(merges):
        first_rank.setdefault(a + b, rank)
    pieces = []
    for piece in vocab:
        if piece == "<unk>":
            typ, score = 2, 0.0
        elif piece in ("<s>", "</s>"):
            typ, score = 3, 0.0
        elif re.fullmatch(r"<0x[0-9A-F]{2}>", piece):
            typ, score = 6, 0.0
        else:
            typ, score = 1, -float(first_rank.get(piece, 1_000_000))
        pieces.append((piece, score, typ))
    with open(path, "wb") as f:
        f.write(sentencepiece_proto.model_bytes(pieces))


def write_llama_json(path, vocab, merges):
    doc = {
        "version": "1.0",
        "added_tokens": [
            {"id": 0, "content": "<unk>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": True},
            {"id": 1, "content": "<s>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": True},
            {"id": 2, "content": "</s>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": True},
        ],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
        "pre_tokenizer": None,
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True,
                  "vocab": {p: i for i, p in enumerate(vocab)},
                  "merges": [f"{a} {b}" for a, b in merges]},
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))


# ---- transformers 4.28 slow tokenizer rules, on top of sentencepiece ------------------------

def hf_tokenize(sp, text, specials):
    """PreTrainedTokenizer.tokenize + convert_tokens_to_ids. specials: {text: (id, strips)};
    strips is True for tokens given as plain strings ([PAD]), False for AddedToken(lstrip=False,
    rstrip=False) (<s>, </s>, <unk>)."""
    tokens, start, i = [], 0, 0
    while i < len(text):
        match = max((s for s in specials if text.startswith(s, i)), key=len, default=None)
        if match is None:
            i += 1
            continue
        if i > start:
            tokens.append(text[start:i])
        tokens.append(match)
        i += len(match)
        start = i
    if start < len(text):
        tokens.append(text[start:])
    for i, tok in enumerate(tokens):
        if tok in specials and specials[tok][1]:
            if i + 1 < len(tokens) and tokens[i + 1]:
                tokens[i + 1] = tokens[i + 1].lstrip()
            if i > 0 and tokens[i - 1]:
                tokens[i - 1] = tokens[i - 1].rstrip()
    ids = []
    for tok in tokens:
        if not tok:
            continue
        if tok in specials:
            ids.append(specials[tok][0])
        else:
            ids.extend(sp.piece_to_id(p) for p in sp.encode(tok, out_type=str))
    return ids


def reference_prompt(sp, question, template="User: {question}\nBot:", max_tokens=40):
    """The Lynx reference's dataset code: format_map, strip, lower, [bos] + tokenize, last N."""
    text = template.strip().format_map({"question": question}).strip().lower()
    specials = {"<s>": (1, False), "</s>": (2, False), "<unk>": (0, False), "[PAD]": (32000, True)}
    return text, ([1] + hf_tokenize(sp, text, specials))[-max_tokens:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--llama-js", required=True, help="llama-tokenizer.js from the npm package")
    args = ap.parse_args()
    models_dir = os.path.join(HERE, "models")
    os.makedirs(models_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, which, flags in MODELS:
            train = os.path.join(tmp, which + ".txt")
            with open(train, "w") as f:
                f.write(training_text(which))
            # relative paths: spm_train records them in the model's trainer spec
            cmd = (["spm_train", f"--input={which}.txt", f"--model_prefix={name}",
                    "--model_type=bpe", "--minloglevel=2"]
                   + flags.split())
            subprocess.run(cmd, check=True, capture_output=True, cwd=tmp)
            os.replace(os.path.join(tmp, name + ".model"), os.path.join(models_dir, name + ".model"))
        # A unigram model, which lynxeval must refuse with a clear message.
        subprocess.run(["spm_train", "--input=openvqa.txt", "--model_prefix=u",
                        "--model_type=unigram", "--vocab_size=300", "--minloglevel=2"],
                       check=True, capture_output=True, cwd=tmp)
        os.replace(os.path.join(tmp, "u.model"), os.path.join(models_dir, "unigram-300.model"))

    vocab, merges, js_cases = read_llama_js(args.llama_js)
    write_llama_model(os.path.join(models_dir, "llama.model"), vocab, merges)
    write_llama_json(os.path.join(models_dir, "llama.json"), vocab, merges)

    byte_cases = [base64.b64encode(b).decode() for b in BYTE_CASES]
    with open(os.path.join(HERE, "corpus.json"), "w", encoding="utf-8") as f:
        json.dump({"texts": CORPUS, "bytes_base64": byte_cases}, f, ensure_ascii=False, indent=1)

    expected = {"sentencepiece_version": spm.__version__, "models": {}}
    for name in [m[0] for m in MODELS] + ["llama"]:
        sp = spm.SentencePieceProcessor(model_file=os.path.join(models_dir, name + ".model"))
        entry = {"size": sp.get_piece_size(), "encode": [], "encode_bytes": [], "decode": []}
        for t in CORPUS:
            ids = sp.encode(t)
            entry["encode"].append({"ids": ids, "decoded": sp.decode(ids)})
        for b in BYTE_CASES:
            ids = sp.encode(b)
            entry["encode_bytes"].append({"ids": ids, "decoded": sp.decode(ids)})
        # Hand-made id sequences: stray and truncated byte pieces, control pieces in the middle.
        byte = lambda b: sp.piece_to_id(f"<0x{b:02X}>")
        seqs = []
        if sp.piece_to_id("<0xE7>") != sp.unk_id():
            seqs += [[byte(0xE7), byte(0x95)], [byte(0xFF), byte(0x41)],
                     [byte(0xE2), byte(0x82), byte(0xAC)] + sp.encode("euro"),
                     sp.encode("x") + [byte(0xC3)] + sp.encode("y")]
        seqs += [[1] + sp.encode("hello") + [2], sp.encode("a") + [0] + sp.encode("b"),
                 [2, 1] + sp.encode(" lead"), [sp.unk_id()]]
        for ids in seqs:
            entry["decode"].append({"ids": ids, "decoded": sp.decode(ids)})
        if name == "llama":
            specials = {"<s>": (1, False), "</s>": (2, False), "<unk>": (0, False), "[PAD]": (32000, True)}
            entry["hf_tokenize"] = [{"text": t, "ids": hf_tokenize(sp, t, specials)} for t in CORPUS]
            entry["js_cases"] = [{"text": t, "ids": ids} for t, ids in js_cases]
            entry["prompts"] = []
            for q in QUESTIONS:
                text, ids = reference_prompt(sp, q)
                entry["prompts"].append({"question": q, "text": text, "ids": ids})
            for t, ids in js_cases:
                got = [1] + sp.encode(t)
                if got != ids:
                    sys.exit(f"rebuilt LLaMA model disagrees with llama-tokenizer-js on {t!r}: {got} vs {ids}")
        expected["models"][name] = entry
    strings = UNICODE_STRINGS + unicode_sample()
    expected["unicode"] = [{"text": t, "lower": t.lower(), "strip": t.strip()} for t in strings]
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
    print(f"{len(MODELS) + 1} models, {len(CORPUS)} texts, {len(BYTE_CASES)} byte strings, "
          f"{len(js_cases)} llama-tokenizer-js cases")


if __name__ == "__main__":
    main()
