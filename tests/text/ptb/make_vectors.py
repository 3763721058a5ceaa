#!/usr/bin/python3
"""Makes the PTB tokenizer vectors: captions, and what pycocoevalcap's tokenizer makes of them.

The oracle is the real thing: pycocoevalcap's own PTBTokenizer.tokenize(), which runs Stanford
CoreNLP 3.4.1's PTBTokenizer (the stanford-corenlp-3.4.1.jar it ships) with -preserveLines
-lowerCase on all the captions of a call as one file, then drops the punctuation tokens. For each
batch (one tokenize() call, captions in this order) two outputs are kept:

  "java"  the tokenizer's output line for each caption, every token kept
  "coco"  what tokenize() returns for it

Batches (tests/text/ptb/vectors/, gzip JSON):
  real_coco_val2017      the 25,014 captions of COCO's captions_val2017.json, images in file
                         order, each image's captions in file order (the order of a
                         COCOEvalCap run on the whole set)
  real_cider_50s         the candidate and reference sentences of CIDEr's ABSTRACT-50S and
                         PASCAL-50S data (github.com/vrama91/cider, data/), 32,800 sentences
  real_open_vqa          the questions and answers of Lynx's Open-VQA (datasets/open-vqa)
  rules                  sentences generated to hit each rule family of the tokenizer (the
                         "family" list names it), seeded
  fuzz_fragments         random sequences of the tokens and near-tokens the rules care about
  fuzz_characters        random strings over ASCII, every character the rules name, and the
                         rest of the Basic Multilingual Plane
  characters             every BMP character (not surrogates or line ends) alone, between
                         letters, after "y'", after "+" and after "etc. "
  stream_ends            short batches whose last caption ends the text in ways some rules
                         need the end of the text for ("I don't", "it's", "etc.", "U.S.")
  line_breaks            captions holding \\r, \\v, \\f, U+2028 or U+2029, one per batch: the Java
                         tokenizer ends a line there, and lynxeval keeps the caption's tokens
                         on one line ("java" and "coco" are the Java lines joined by a space)

Caption scores on raw captions (coco_raw_*.json): the first 1,000 images of captions_val2017.json
with their captions as they are, results made from them (another image's caption, or the image's
own caption changed: words dropped or swapped, case and punctuation changed; in shuffled order),
and what pycocoevalcap scores them as, COCOEvalCap's way: images in the annotations' order, all
references tokenized in one call and all results in another, then Bleu(4), Rouge and Cider,
corpus and per image.

  /usr/bin/python3 tests/text/ptb/make_vectors.py --pycocoevalcap PKG \\
      --coco captions_val2017.json --cider-data CIDER/data [--java java]

PKG is the pycocoevalcap package directory (pip download pycocoevalcap; unpack the wheel: it
holds tokenizer/ptbtokenizer.py and tokenizer/stanford-corenlp-3.4.1.jar). Nothing of it is
copied here; only its outputs are written.
"""
import argparse
import gzip
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(HERE, "vectors")
LINE_ENDS = "\r\x0b\x0c\u2028\u2029"


class Oracle:
    def __init__(self, pkg, java):
        path = os.path.join(pkg, "tokenizer", "ptbtokenizer.py")
        spec = importlib.util.spec_from_file_location("ptbtokenizer", path)
        self.mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.mod)
        self.jar = os.path.join(pkg, "tokenizer", self.mod.STANFORD_CORENLP_3_4_1_JAR)
        self.java = java

    def java_lines(self, captions):
        """The Java tokenizer's output lines, run exactly as tokenize() runs it."""
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "captions.txt")
            with open(path, "wb") as f:
                f.write("\n".join(c.replace("\n", " ") for c in captions).encode())
            out = subprocess.run([self.java, "-cp", self.jar, "edu.stanford.nlp.process.PTBTokenizer",
                                  "-preserveLines", "-lowerCase", path],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
        return out.decode().split("\n")

    def coco(self, captions):
        """pycocoevalcap's PTBTokenizer().tokenize() on the captions, one call, in order."""
        gts = {i: [{"caption": c}] for i, c in enumerate(captions)}
        res = self.mod.PTBTokenizer().tokenize(gts)
        return [res[i][0] for i in range(len(captions))]

    def drop(self, line):
        return " ".join(w for w in line.rstrip().split(" ") if w not in self.mod.PUNCTUATIONS)

    def batch(self, name, source, captions, families=None):
        java = self.java_lines(captions)
        if len(java) != len(captions):
            sys.exit(f"{name}: {len(java)} lines for {len(captions)} captions (a line end inside?)")
        b = {"name": name, "source": source, "captions": captions, "java": java,
             "coco": self.coco(captions)}
        if families:
            b["families"] = families
        return b


def write(batches, name):
    path = os.path.join(OUT, name + ".json.gz")
    data = json.dumps(batches, ensure_ascii=False, separators=(",", ":")).encode()
    with gzip.GzipFile(path, "wb", mtime=0) as f:  # mtime 0: the same bytes on every run
        f.write(data)
    n = sum(len(b["captions"]) for b in batches)
    print(f"{name}: {len(batches)} batch(es), {n} captions, {os.path.getsize(path)} bytes")


# ---- real captions ------------------------------------------------------------------------------

def coco_captions(path):
    d = json.load(open(path, encoding="utf-8"))
    by_image = {}
    for a in d["annotations"]:
        by_image.setdefault(a["image_id"], []).append(a["caption"])
    return [c for im in d["images"] for c in by_image.get(im["id"], [])]


def cider_sentences(data_dir):
    out = []
    for name in ["abstract48S", "abstract_candsB", "abstract_candsC", "pascal_candsB", "pascal_candsC"]:
        out += [x["caption"] for x in json.load(open(os.path.join(data_dir, name + ".json"), encoding="utf-8"))]
    return out


def open_vqa_texts():
    out = []
    for name in ["Open_VQA_images.jsonl", "Open_VQA_videos.jsonl"]:
        with open(os.path.join(ROOT, "datasets", "open-vqa", name), encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                out.append(row["question"])
                out += row["answer"]
    return out


# ---- generated sentences, by rule family -------------------------------------------------------

WORDS = ("man woman dog cat bus train table plate pizza street field horse bike kite boat bird "
         "giraffe elephant sheep cow clock sign tree beach water snow grass room kitchen bed "
         "sitting standing riding holding eating playing flying walking parked large small red "
         "white black blue green yellow two three several young old").split()

FAMILIES = {
    "assimilations": ["{W} cannot {w}.", "we gonna {w}", "I wanna {w} the {w}", "Gotta {w}!",
                      "lemme see", "gimme the {w}", "'Tis the {w}.", "'twas a {w}", "CANNOT {w}",
                      "he can't, cannot, won't", "gonnabe {w}", "a wannabe {w}"],
    "markup": ["<b>{W}</b> {w}", "a <img src='{w}.jpg' alt=\"{w} {w}\"/> here", "<!DOCTYPE html> {w}",
               "<?xml version='1.0'?> {w}", "</p>{W}", "<a  href = '{w}' >x</a>", "{w} &amp; {w}",
               "{W}&AMP;{W}", "&mdash;{w}&ndash;", "&MD; {w} &HT; &#123; &odq; {w} &cdq;",
               "caf&eacute; na&iuml;ve &Agrave;", "{w} &nbsp; {w}", "&lt;{w}&gt;", "&quot;{w}&quot;",
               "{w}&apos;s {w}", "a < b > c", "<< {w} >>", "1 <2", "<{w}@{w}.com>"],
    "clitics": ["the {w}'s {w}", "{W}'S {w}", "it's {w}", "they're {w}", "we've {w}", "you'll {w}",
                "he'd {w}", "I'm {w}", "{w}n't", "don't {w}", "DON'T", "isn't it", "won't",
                "can't", "ain't", "the {w}’s {w}", "they’re", "don’t {w}", "it&apos;s",
                "dogs' bowls", "James' {w}", "the {w}'", "'s", "n't", "Y'all {w}", "y'know",
                "ya'll", "'s {w}", "{w} 'd", "'re"],
    "apostrophe_words": ["o'clock", "rock'n'roll", "Rock 'n' Roll", "ma'am", "l'hotel",
                         "d'Artagnan", "O'Neil", "O'o", "'90s {w}", "the '60s", "'til {w}",
                         "'till", "'cause", "cont'd", "Cont'd.", "nor'easter", "c'mon", "e'er",
                         "s'mores", "ev'ry", "li'l", "nat'l", "Dunkin' Donuts", "somethin'",
                         "ol' {w}", "'em", "Cap'n", "c'est", "ne'er", "jack-o'-lantern",
                         "80's", "the '90", "'90 season", "Y'ALL"],
    "web": ["http://www.example.com/{w}.html", "see https://{w}.org/a?b=1,", "HTTP://X.ORG/Y.",
            "www.{w}.co.uk", "go to {w}.com.", "{w}.net/path_to-{w}", "mail {w}@{w}.org",
            "<{w}@example.edu>", "&lt;{w}@x.com&gt;", "@{w} said", "#{w}{w}", "@_a1 #2b",
            "{w}.{w}.edu/x.", "ftp.{w}.com", "Www.{W}.Com"],
    "numbers": ["{n} {w}s", "{n}.{n} {w}", "1,000 {w}", "3.14159", "-5 degrees", "+7", "5:54pm",
                "10:30", "12/25/2010", "1-2-2000", "1/2 {w}", "1 1/2 {w}", "3\\/4", "⅓ cup",
                "½ {w}", "¼", "¾", "⅛", "x²", "H₂O", "¹²³", "⁺⁴", "-1,234.5", "1,5", "1.2.3.4",
                "(555) 123-4567", "555-123-4567", "+1 555 123 4567", "555.123.4567",
                "++44 20 7946 0958", "2nd", "3rd", "1990s", "mid-1990s", "12-year-old", "x86",
                "٣٤", "߁߂", "１２３", "12\u00ad345", "١٬٢٣٤"],
    "currency": ["$5", "US$5", "A$ 10", "$ 5.00", "£3", "€ 4", "¢50", "¥100", "₠", "₤", "￡", "￥",
                 "5¢", "#1", "C$"],
    "abbreviations": ["{W} St. {W}", "on {w} st. {w}", "Mr. {W} and Mrs. {W}", "Dr. {W}",
                      "Prof. {W} {W}", "Gen. {W}", "Mt. Everest", "Ft. Worth", "Jan. 5", "in Feb.",
                      "Sept. 11", "on Mon. {w}", "Tues. {W}", "Calif. {W}", "Ariz. {w}", "Ill. {w}",
                      "ill. {w}", "Mass. {W}", "mass. {w}", "Pa. {w}", "pa. {w}", "Tex. {W}",
                      "{W} Inc. {w}", "{W} Inc. {W}", "{W} Co. Ltd", "{W} pty. ltd", "{W} Pte. Lim",
                      "{W} Corp.", "{W} Jr.", "{W} Ph.D.", "Ph.D {w}", "Ed.D.", "Blvd. {W}",
                      "etc. {w}", "etc. {W}", "et al. {w}", "Bldg. 5", "bldg. 5", "fig. 3",
                      "Fig. 3", "Figs. 1", "no. 5", "No.5", "nos. 1", "ca. 1900", "pp. 12",
                      "op. 9", "art. 5", "prop. 2", "tel. 555", "est. {w}", "ext. 12", "sq. {w}",
                      "vs. {W}", "cf. {w}", "a.k.a. {W}", "Wm. {W}", "Alex. Brown", "Cie. {W}",
                      "TREAS. {W}", "Natl. {W}", "Mfg. {W}", "Dept. {W}", "Invt. {W}"],
    "acronyms": ["the U.S. {w}", "the U.S. The {w}", "in the U.S.  The {w}", "U.S. He {w}",
                 "U.S. However {w}", "I. The {w}", "A. The {w}", "{W} J. Smith", "a.m. {w}",
                 "p.m. The", "A.M. {w}", "e.g. {w}", "i.e. {W}", "N.Y. {W}", "D.C. {w}",
                 "U.S.-U.K. {w}", "U.S.-U.S.S.R. talks", "non-U.S. {w}", "Canada-U.S. {w}",
                 "Sino-U.S. {w}", "U.S. <b>", "E.U. It {w}", "U.S.\u00a0The", "U.S. Mr. {W}",
                 "{W} U.S.", "C.D.s {w}", "{w} Z. {W}", "x. {w}"],
    "filenames": ["{w}.txt", "open {w}.pdf.", "{w}.jpg, {w}.png", "{W}.HTML!", "a.b.c.zip ",
                  "{w}.docx?", "{w}.py", "{w}.x", "{w}.tar.gz", "file_1.mp3", "{w}.c", "{w}.h,"],
    "compounds": ["{w}-{w}", "x-ray", "e-mail", "co-op", "{w}-{w}-{w}", "{w}_{w}", "{w}‐{w}",
                  "{w}‑{w}", "{w}֊{w}", "o'clock-ish", "d'{w}-{w}", "AT&T", "S&P", "S&P-500",
                  "S&Ls", "R&D", "A&amp;B", "Q+A", "and/or", "1/2-inch", "{w}/{w}", "{w}\\/{w}",
                  "C++", "c#", "F#", "pro- {w}", "anti- {w}", "-LRB- {w} -RRB-", "-rsb-",
                  "old- fashioned", "{w}- {w}", "{w} -{w}", "A-1", "B-52s", "3-D", "U-turn",
                  "{w}-U.S.", "all-in-one", "{w}.-{w}"],
    "quotes": ["\"{W} {w}\" {w}", "'{w} {w}' {w}", "“{w}” {w}", "‘{w}’", "«{w}»", "‹{w}›",
               "„{w}“", "``{w}''", "`{w}'", "&quot;{W}&quot;", "\"5\"", "\"$5\"", "he said \"",
               "'{W}", "' {w}", "'s'", "''", "‚{w}‘", "‟{w}”", "\u0091{w}\u0092",
               "\u0093{w}\u0094", "{w}\"", "\" {w}"],
    "brackets_smileys": ["({w})", "[{w}]", "{{{w}}}", "({w}", "{w})", ":)", ":-)", ";)", ";-D",
                         ":P", ":-p", "=)", "=]", "<3", ">:(", ":'(", ":*", ":o)", "^_^", "^.^",
                         "-_-", "o_O", "(^_^)", "(-_-)", "(>_<)", "(^.^)", "(x_x)", "(^-^)",
                         "^.[^x=~<>]", "x.[^x={w}<>]", ":{w}", ":)x", "(:"],
    "dashes_punct": ["{w} -- {w}", "{w}---{w}", "{w} ---- {w}", "-----", "-", "{w} – {w}",
                     "{w} — {w}", "{w}―{w}", "{w}...", "{w} . . . {w}", "{w}. . . .", "{w}…",
                     "{w}..", "{w}!!!", "{w}?!", "¡{w}!", "¿{w}?", "{w};{w}:{w}", "{w},{w}",
                     "{w}、{w}", "{w}。", "{w}؟", "{w}۔", "a = b", "a/b", "***", "\\*\\*",
                     "@@", "###", "___", "{w} % {w}", "~{w}", "|{w}|", "§ 5", "© {W}",
                     "® ™", "° ±", "× ÷", "→ ↔", "∀ ∈ ∞", "‰", "※", "¶", "·", "•"],
    "whitespace": ["{w}\u00a0{w}", "{w}\u2009{w}", "{w}\u3000{w}", "{w}\u200b{w}", "{w}\ufeff{w}",
                   "{w}\u200e{w}", "{w}\t{w}", "  {w}  ", "{w}\u00ad{w}", "\u00ad", "{w}\x7f{w}",
                   "{w}\u2002{w}", " ", "", "{w} \u0085 {w}", "{w}\u0085"],
    "unicode": ["naïve café", "Zürich", "İstanbul", "ınc.", "straße", "ẞ", "Ǆ ǅ ǆ", "ﬁ ﬂ",
                "ΟΔΟΣ", "ΣΟΦΙΑ", "ΑΣ-ΒΣ", "ΑΣ.ΒΣ", "Ⅻ", "Ⓐ", "Ａｂｃ", "１２", "中文字",
                "日本語のテキスト", "한국어", "עברית", "العربية", "हिन्दी", "ไทย", "😀 {w}",
                "👍🏽", "{w}😀{w}", "e\u0301", "a\u0308", "Ꮳ", "ꭰ", "Ⴀ", "ſ", "K", "Å", "µ",
                "ŉ", "ǰ", "ΐ", "ﬆ", "ᾈ", "ῼ", "ꙍ", "Ꞵ", "\u2c2f", "\ua7c0", "\U00010400",
                "\U0001d400", "ǅ{w}", "ß{w}"],
}


def fill(rng, template):
    out = template
    while "{w}" in out or "{W}" in out or "{n}" in out:
        out = out.replace("{w}", rng.choice(WORDS), 1).replace("{W}", rng.choice(WORDS).capitalize(), 1)
        out = out.replace("{n}", str(rng.randint(0, 2000)), 1)
    return out.replace("{{", "{").replace("}}", "}")


def rule_sentences(rng, per_family):
    captions, families = [], []
    names = list(FAMILIES)
    for name in names:
        for k in range(per_family):
            t = FAMILIES[name][k % len(FAMILIES[name])]
            s = fill(rng, t)
            if k >= len(FAMILIES[name]):  # beyond the list: in a sentence, with other families
                other = FAMILIES[rng.choice(names)]
                parts = [fill(rng, rng.choice(other)), s, fill(rng, rng.choice(FAMILIES[name]))]
                rng.shuffle(parts)
                s = rng.choice([" ", "", ", ", " . ", "  "]).join(parts)
                if rng.random() < 0.3:
                    s = s.upper() if rng.random() < 0.5 else s.capitalize()
            captions.append(s)
            families.append(name)
    # across captions: a caption's end read with the next caption's start
    ends = ["the U.S.", "I.", "etc.", "St.", "Inc.", "fig.", "co.", "U.S", "x", "{w}'", "'90"]
    starts = ["The {w}", "the {w}", "He {w}", "A {w}", "<b>", "5 {w}", "ltd {w}", "s {w}", " {w}",
              "\u00a0The", "Mr. {W}"]
    for _ in range(per_family):
        captions.append(fill(rng, "a {w} " + rng.choice(ends)))
        families.append("across_captions")
        captions.append(fill(rng, rng.choice(starts)))
        families.append("across_captions")
    return captions, families


def fragment_fuzz(rng, n):
    frags = [fill(rng, t) for f in FAMILIES.values() for t in f]
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 10)):
            p = rng.choice(frags)
            if rng.random() < 0.3:
                p = p.upper() if rng.random() < 0.5 else p.capitalize()
            parts.append(p)
            parts.append(rng.choice([" ", " ", "", "  ", ",", ".", " . ", "\u00a0"]))
        out.append(strip_line_ends("".join(parts)))
    return out


def strip_line_ends(s):
    for c in LINE_ENDS:
        s = s.replace(c, " ")
    return s


def named_characters():
    """Every character the rules name: the \\uHHHH escapes of text/ptb.c."""
    import re
    src = open(os.path.join(ROOT, "text", "ptb.c"), encoding="utf-8").read()
    chars = set()
    for a, b in re.findall(r"\\\\u([0-9A-Fa-f]{4})(?:-\\\\u([0-9A-Fa-f]{4}))?", src):
        lo = int(a, 16)
        hi = int(b, 16) if b else lo
        chars.update(range(lo, min(hi, lo + 8) + 1))
        chars.add(hi)
    return sorted(chr(c) for c in chars if chr(c) not in LINE_ENDS and not 0xD800 <= c <= 0xDFFF)


def character_fuzz(rng, n):
    ascii_pool = [chr(c) for c in range(0x20, 0x7F)] + ["\t"]
    named = named_characters()

    def char():
        r = rng.random()
        if r < 0.6:
            return rng.choice(ascii_pool)
        if r < 0.9:
            return rng.choice(named)
        c = rng.randint(0x80, 0xFFFF)
        while 0xD800 <= c <= 0xDFFF or chr(c) in LINE_ENDS:
            c = rng.randint(0x80, 0xFFFF)
        return chr(c)
    return ["".join(char() for _ in range(rng.randint(0, 25))).replace("\x00", " ") for _ in range(n)]


def every_character():
    out = []
    for c in range(1, 0x10000):
        ch = chr(c)
        if 0xD800 <= c <= 0xDFFF or ch in LINE_ENDS or ch == "\n":
            continue
        out += [ch, "a" + ch + "b", "y'" + ch, "+" + ch, "etc. " + ch]
    return out


def line_break_captions(rng):
    out = []
    for c in LINE_ENDS:
        for t in ["{w}" + c + "{w}", c + "{w}", "{w}" + c, "U.S." + c + "The {w}", "etc." + c + "The",
                  "a " + c + c + " b", "{w}@x" + c + "y.com", "<a b='" + c + "'>", "fig." + c + "5",
                  "{w}" + c + "\r\n" + "{w}"]:
            out.append(fill(rng, t))
    return out


STREAM_ENDS = ["I don't", "it's", "they're", "etc.", "Inc.", "U.S.", "I.", "St.", "fig.", "n't", "'s",
               "a.k.a.", "e.g.", "co.", "pty.", "Mr.", "x.jpg", "'90", "\"", "'", "the dog'", "can't",
               "etc. ", "etc.\t", "U.S. ", "ll", "Calif.", "Ph.D", "'tis", "cannot", "gonna"]


def perturb(rng, caption):
    words = caption.split(" ")
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        if op < 0.3 and len(words) > 2:
            del words[rng.randrange(len(words))]
        elif op < 0.5 and len(words) > 2:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        elif op < 0.7:
            words[0] = words[0].capitalize() if words[0].islower() else words[0].lower()
        elif op < 0.85:
            words[-1] = words[-1].rstrip(".") + rng.choice([".", "!", "...", " .", ","])
        else:
            words.insert(rng.randint(0, len(words)), rng.choice(["(red)", "don't", "it's", "U.S.", "a's"]))
    return " ".join(words)


def caption_scores(o, pkg, coco_path, rng):
    sys.path.insert(0, pkg)  # bleu/, rouge/, cider/ import as packages
    mods = {name: importlib.import_module(f"{name}.{name}") for name in ("bleu", "rouge", "cider")}
    d = json.load(open(coco_path, encoding="utf-8"))
    by_image = {}
    for a in d["annotations"]:
        by_image.setdefault(a["image_id"], []).append(a)
    images = [im for im in d["images"] if im["id"] in by_image][:1000]
    anns = [a for a in d["annotations"] if a["image_id"] in {im["id"] for im in images}]
    results = []
    for im in images:
        if rng.random() < 0.5:
            other = rng.choice(images)
            cap = rng.choice(by_image[other["id"]])["caption"]
        else:
            cap = perturb(rng, by_image[im["id"]][0]["caption"])
        results.append({"image_id": im["id"], "caption": cap})
    rng.shuffle(results)
    # COCOEvalCap: images in the annotations' order, references in file order
    order = [im["id"] for im in images]
    res_of = {r["image_id"]: r["caption"] for r in results}
    gts = {i: [{"caption": a["caption"]} for a in by_image[i]] for i in order}
    res = {i: [{"caption": res_of[i]}] for i in order}
    tok = o.mod.PTBTokenizer()
    gts, res = tok.tokenize(gts), tok.tokenize(res)
    bleu, bleu_items = mods["bleu"].Bleu(4).compute_score(gts, res, verbose=0)
    rouge, rouge_items = mods["rouge"].Rouge().compute_score(gts, res)
    cider, cider_items = mods["cider"].Cider().compute_score(gts, res)
    expected = {f"Bleu_{k + 1}": float(bleu[k]) for k in range(4)}
    expected.update({"ROUGE_L": float(rouge), "CIDEr": float(cider), "per_image": {
        str(i): {"Bleu": [float(bleu_items[k][j]) for k in range(4)], "ROUGE_L": float(rouge_items[j]),
                 "CIDEr": float(cider_items[j])} for j, i in enumerate(order)}})
    files = {"coco_raw_annotations.json": {"images": [{"id": im["id"], "file_name": im["file_name"]}
                                                      for im in images],
                                           "annotations": [{"image_id": a["image_id"], "id": a["id"],
                                                            "caption": a["caption"]} for a in anns]},
             "coco_raw_results.json": results,
             "coco_raw_expected.json": expected}
    for name, obj in files.items():
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
    print(f"coco_raw: {len(images)} images, {len(anns)} references, CIDEr {cider:.6f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pycocoevalcap", required=True, help="the pycocoevalcap package directory")
    ap.add_argument("--coco", required=True, help="COCO's captions_val2017.json")
    ap.add_argument("--cider-data", required=True, help="data/ of github.com/vrama91/cider")
    ap.add_argument("--java", default="java")
    args = ap.parse_args()
    o = Oracle(args.pycocoevalcap, args.java)
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(20141201)
    write([o.batch("real_coco_val2017", "COCO captions_val2017.json, 25,014 captions",
                   coco_captions(args.coco))], "real_coco_val2017")
    write([o.batch("real_cider_50s", "CIDEr ABSTRACT-50S and PASCAL-50S sentences",
                   cider_sentences(args.cider_data))], "real_cider_50s")
    write([o.batch("real_open_vqa", "Open-VQA questions and answers", open_vqa_texts())], "real_open_vqa")
    caps, fams = rule_sentences(rng, 160)
    write([o.batch("rules", "generated, by rule family", caps, fams)], "rules")
    write([o.batch("fuzz_fragments", "generated fragment sequences", fragment_fuzz(rng, 6000))],
          "fuzz_fragments")
    write([o.batch("fuzz_characters", "generated character strings", character_fuzz(rng, 6000))],
          "fuzz_characters")
    write([o.batch("characters", "every BMP character in five contexts", every_character())], "characters")
    write([o.batch("stream_end", "the last caption of a call", [fill(rng, "a {w} on the {w}"), end])
           for end in STREAM_ENDS], "stream_ends")
    batches = []
    for c in line_break_captions(rng):
        parts = [p for p in o.java_lines([c]) if p != ""]
        java = " ".join(parts)
        batches.append({"name": "line_break", "source": "a line end inside a caption", "captions": [c],
                        "java": [java], "coco": [o.drop(java)]})
    write(batches, "line_breaks")
    caption_scores(o, args.pycocoevalcap, args.coco, random.Random(2017))


if __name__ == "__main__":
    main()
