#!/usr/bin/python3
"""Makes the WordPiece test data in tests/tokenizer/wordpiece/ (run once; outputs committed).

  /usr/bin/python3 tests/tokenizer/wordpiece/make_cases.py

Writes:
  vocab.txt      a BERT-style vocabulary in bert-base-uncased's layout ([PAD] 0, [unused*],
                 [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103, then characters, "##" characters,
                 words and word pieces drawn from the Open-VQA questions and the texts below),
                 with "[DEC]" as its last line, as lynxeval's qformer_vocab.txt has it
  expected.json  for every text (also as base64 UTF-8, for the NULs): the ids of BertTokenizer.tokenize (no specials) and of the
                 Q-Former's encoding ([CLS] ... [SEP], left truncation at 128), and a few
                 encodings at other max_length values

The ids come from `bert_tokenize` below, a re-derivation of Hugging Face's slow BertTokenizer
(transformers 4.33.2: PreTrainedTokenizer.tokenize's per-character lowercasing around the special
tokens, then BasicTokenizer with NFC, clean-up, CJK spacing, lowercasing, NFD accent stripping and
punctuation splitting, then WordpieceTokenizer), written from that code's semantics. It imports no
transformers; check_transformers.py compares these vectors with the real BertTokenizer.
"""
import base64
import json
import os
import random
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")

SPECIALS = ["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]", "[DEC]"]
CJK = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
       (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]


# ---- the re-derivation ----------------------------------------------------------------------


def punctuation(ch):
    c = ord(ch)
    if 33 <= c <= 47 or 58 <= c <= 64 or 91 <= c <= 96 or 123 <= c <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def control(ch):
    return ch not in "\t\n\r" and unicodedata.category(ch).startswith("C")


def whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def cjk(ch):
    return any(a <= ord(ch) <= b for a, b in CJK)


def basic_words(text):
    """BasicTokenizer(do_lower_case=True).tokenize of one run of text."""
    kept = []
    for ch in text:
        if ord(ch) in (0, 0xFFFD) or control(ch):
            continue
        if whitespace(ch):
            kept.append(" ")
        elif cjk(ch):
            kept.append(" " + ch + " ")
        else:
            kept.append(ch)
    text = unicodedata.normalize("NFC", "".join(kept))
    pieces = []
    for word in text.split():
        word = unicodedata.normalize("NFD", word.lower())
        word = "".join(ch for ch in word if unicodedata.category(ch) != "Mn")
        current = ""
        for ch in word:
            if punctuation(ch):
                if current:
                    pieces.append(current)
                pieces.append(ch)
                current = ""
            else:
                current += ch
        if current:
            pieces.append(current)
    return " ".join(pieces).split()


def wordpiece(word, vocab):
    if len(word) > 100:
        return ["[UNK]"]
    out, start = [], 0
    while start < len(word):
        for end in range(len(word), start, -1):
            piece = ("##" if start else "") + word[start:end]
            if piece in vocab:
                out.append(piece)
                start = end
                break
        else:
            return ["[UNK]"]
    return out


def bert_tokenize(text, vocab):
    """Token ids of BertTokenizer.tokenize(text) + convert_tokens_to_ids."""
    specials = [s for s in SPECIALS if s in vocab]
    # Split off special tokens (leftmost first); lowercase every other character alone.
    runs, current, i = [], [], 0
    while i < len(text):
        hit = next((s for s in specials if text.startswith(s, i)), None)
        if hit:
            runs.append(("text", "".join(current)))
            runs.append(("special", hit))
            current = []
            i += len(hit)
        else:
            current.append(text[i].lower())
            i += 1
    runs.append(("text", "".join(current)))
    ids = []
    for kind, run in runs:
        if kind == "special":
            ids.append(vocab[run])
            continue
        for word in basic_words(run):
            ids.extend(vocab[p] for p in wordpiece(word, vocab))
    return ids


def encode(text, vocab, max_length):
    ids = bert_tokenize(text, vocab)
    keep = min(len(ids), max_length - 2)
    return [vocab["[CLS]"]] + ids[len(ids) - keep:] + [vocab["[SEP]"]]


# ---- the texts ------------------------------------------------------------------------------


def questions():
    out = []
    for name in ("Open_VQA_images.jsonl", "Open_VQA_videos.jsonl"):
        with open(os.path.join(ROOT, "datasets", "open-vqa", name), encoding="utf-8") as f:
            out += [json.loads(line)["question"] for line in f if line.strip()]
    return out


HAND = [
    "", " ", "\t\n\r", "What is unusual about this image?",
    "Question: What color is the bus? Short answer:", "Question: {} Short Answer:",
    "café naïve résumé coöperate Ünïcödé ÀÉÎÕÜ ñ ç ß", "combining: e\u0301 a\u0308 n\u0303 o\u0323\u0302",
    "Ångström \u212b \u2126hm \u212aelvin", "\u1e9b\u0323 \u0387 \u037e \u1fef x",
    "镇 中文 日本語のテキスト 한국어 문장", "漢字かな交じり文。全角！？", "𠀀𠀁 \U0002a700 \uf900\ufa0a",
    "ΟΔΥΣΣΕΥΣ Σ ΣΑΣ σς ΣΑΣ.Β", "İstanbul ı I i İİ", "ﬁne ﬂow ① ② ＡＢＣ ｶﾀｶﾅ ½ ™ Ⅷ ㈱",
    "Punctuation: !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "“quotes” «guillemets» ¿qué? ¡sí! — – ‐ …",
    "digits 0123456789 3.14159 1,000,000 2023-11-26 12:30pm #42", "$100 £5 €3 ¥7 ¢ § ¶ © ® °",
    "zero\u200bwidth\u200djoiner\ufeffbom\u00adsoft", "nul\x00bell\x07esc\x1bdel\x7f\x85next",
    "unassigned\u0378here private\ue000use \U000f0000", "replacement \ufffd char",
    "nbsp\u00a0ideographic\u3000space em\u2003space", "line\u2028separator para\u2029graph",
    "file\x1cgroup\x1drecord\x1eunit\x1f", "emoji 🦙 👍🏽 🇫🇷 👨‍👩‍👧 ❤️", "arabic: مرحبا بالعالم",
    "hindi: नमस्ते दुनिया", "thai: สวัสดีครับ", "tamil: வணக்கம்", "hebrew: שָׁלוֹם",
    "[CLS]", "[SEP]", "[cls] [sep] [Cls]", "a[SEP]b", "x [MASK] y", "[PAD][PAD]", "[DEC] hi",
    "[UNK]unknown", "[[CLS]]", "[CLS", "CLS]", "[ CLS ]", "what[DEC]is[MASK]this?",
    "x" * 100, "x" * 101, "abc" * 40, "supercalifragilisticexpialidocious" * 3,
    "the" + "e" * 98, ("elephant " * 100).strip(), " ".join(["tusks"] * 130),
    ", ".join(str(i) for i in range(200)), "a\u0301" * 60, "é" * 101,
    "UPPER lower MiXeD CaSe", "don't can't won't it's", "e-mail co-operate well-known",
    "U.S.A. e.g. i.e. etc.", "http://example.com/path?q=1&r=2", "user@example.com",
    "C++ C# F# .NET node.js", "tabs\tand\t\ttabs", "new\nlines\n\nand\r\ncarriage",
    "What's the man's hat's color?", "Is this a 'test'?", "The llama (/ˈlɑːmə/; [ˈʎama])",
    "x\u0300\u0301\u0302\u0303\u0304", "\u0301leading mark", "ǅungla ǈ ǋ", "ŉ ǰ ΐ ΰ",
    "\U0001d165\U0001d16d\u0301 music", "ﬀ ﬃ ﬄ ﬅ ﬆ", "Ⅰ Ⅱ Ⅲ ⅰ ⅱ", "Ａ ａ Ｚ ｚ ０ ９",
]


def generated(rng, alphabet, n):
    """Random texts over a mixed alphabet (letters, accents, CJK, punctuation, controls)."""
    out = []
    for _ in range(n):
        length = rng.randint(1, 40)
        out.append("".join(rng.choice(alphabet) for _ in range(length)))
    return out


def make_vocab(texts, rng):
    vocab = ["[PAD]"] + ["[unused%d]" % i for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    seen = set(vocab)

    def add(tok):
        if tok not in seen:
            seen.add(tok)
            vocab.append(tok)

    words = {}
    for t in texts:
        for w in basic_words(t.lower()):
            words[w] = words.get(w, 0) + 1
    chars = sorted({ch for w in words for ch in w})
    for ch in chars:
        if rng.random() < 0.9:  # a few characters stay unknown
            add(ch)
        if rng.random() < 0.8:
            add("##" + ch)
    for w, count in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(w) > 1 and (count > 1 or rng.random() < 0.5):
            add(w)
        if len(w) > 4:  # a prefix and a continuation, to exercise the greedy match
            cut = rng.randint(2, len(w) - 2)
            add(w[:cut])
            add("##" + w[cut:])
    vocab.append("[DEC]")
    return vocab


def main():
    rng = random.Random(20261203)
    alphabet = list("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789     .,!?'\"()-[]#") + [
        "é", "ü", "\u0301", "\u0308", "中", "文", "字", "한", "가", "Σ", "ς", "İ", "ß", "\t", "\n",
        "\x00", "\x07", "\u200b", "\u00a0", "\u3000", "\ufffd", "。", "、", "“", "”", "—", "🦙",
        "\u2028", "ﬁ", "Ａ", "[CLS]", "[SEP]", "[DEC]", "[MASK]", "[PAD]", "[UNK]", "ñ", "Å",
        "\u212b", "\ue000", "\u0378", "ǅ"]
    texts = HAND + questions()[:120] + generated(rng, alphabet, 120)
    vocab_lines = make_vocab(texts + questions(), rng)
    vocab = {}
    for i, tok in enumerate(vocab_lines):
        vocab[tok] = i
    with open(os.path.join(HERE, "vocab.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(tok + "\n" for tok in vocab_lines))
    cases = []
    for t in texts:
        b64 = base64.b64encode(t.encode("utf-8")).decode("ascii")  # the C side reads NULs too
        case = {"text": t, "utf8_base64": b64, "tokenize": bert_tokenize(t, vocab), "encode_128": encode(t, vocab, 128)}
        cases.append(case)
    lengths = [{"text": t, "max_length": m, "ids": encode(t, vocab, m)}
               for t in (HAND[3], " ".join(["tusks"] * 130), "") for m in (3, 4, 5, 64, 512)]
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"made_by": "tests/tokenizer/wordpiece/make_cases.py (Python %s, Unicode %s)"
                   % (os.sys.version.split()[0], unicodedata.unidata_version),
                   "cases": cases, "lengths": lengths}, f, ensure_ascii=True, indent=0)
        f.write("\n")
    print("%d texts, %d vocabulary lines" % (len(cases), len(vocab_lines)))


if __name__ == "__main__":
    main()
