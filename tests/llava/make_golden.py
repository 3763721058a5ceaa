"""Makes tests/llava/golden.json, the vectors test_llava.py checks lynxeval against, with the
official code and the libraries LLaVA-1.5 pins, none of which the tests need:

  prompts  for each question: LLaVA's own conversation (llava/conversation.py conv_vicuna_v1,
           with "<image>\\n" + question as model_vqa_loader.py builds it, or the question alone
           when there is no image), tokenized by LLaVA's mm_utils.tokenizer_image_token with
           transformers 4.37.2's slow LlamaTokenizer (legacy=False, as llava-v1.5's
           tokenizer_config.json says) over the tiny release's tokenizer.model
  pixels   for each image of tests/image/inputs that decodes, at several sizes, padded and not:
           the sha256 of the float32 [3, S, S] tensor that LLaVA's process_images makes
           (expand2square with int(mean * 255), then CLIPImageProcessor), re-derived with
           Pillow 9.4 and numpy: shortest edge to S (int(S * long / short)), PIL bicubic
           without reducing_gap, crop at (h - S) // 2, x * (1/255) in float64 cast to float32,
           (x - mean) / std in float32

usage (a virtual environment outside the repository):
  python3 -m venv /tmp/refvenv
  /tmp/refvenv/bin/pip install transformers==4.37.2 sentencepiece==0.1.99 Pillow==9.4.0 numpy protobuf
  /usr/bin/python3 tests/llava/llava_release.py /tmp/llava-release     (writes the tokenizer)
  /tmp/refvenv/bin/python tests/llava/make_golden.py --llava-repo LLaVA --release /tmp/llava-release \\
      --golden tests/llava/golden.json
where LLaVA is a checkout of haotian-liu/LLaVA at c121f04 (its code is run, not copied).
"""
import hashlib
import importlib.util
import os
import sys
import types

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import arguments, write_sections  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]

QUESTIONS = [
    "what is the color of this image?",
    "What is in the image?",
    "How many people are there?\nAnswer the question using a single word or phrase.",
    "Is there a red car in the image? Please answer yes or no.",
    "  leading and trailing spaces  ",
    "tabs\tand\nnewlines\n\nin the question",
    "unicode: café, naïve, 東京, emoji \U0001F600",
    "a question with </s> and <s> inside",
    "a question with the word image and ASSISTANT: inside",
    "punctuation!!! ??? ... ,,, ;;; --- ((()))",
    "numbers 12345 and 3.14159 and -7",
    "UPPER lower MiXeD",
    "what is the person doing in this video?",
    "Describe the image in detail. " * 12,
    "the\u2581sentencepiece\u2581space character",
    "x",
    "é",
    "question ending with a space ",
    "\nstarting with a newline",
    "quotes \"double\" and 'single' and `back`",
    "Which color: red, green or blue?\nAnswer the question using a single word or phrase.",
    "A long question " + "about many things " * 30 + "?",
]


def load_module(name, path, stubs=()):
    """Runs one file of the LLaVA checkout as a module (torch and the model code stubbed: the
    functions used here need neither)."""
    for s in stubs:
        sys.modules.setdefault(s, types.ModuleType(s))
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def prompts(repo, release):
    from transformers import LlamaTokenizer
    llava_pkg = types.ModuleType("llava")
    llava_pkg.__path__ = [os.path.join(repo, "llava")]
    sys.modules["llava"] = llava_pkg
    load_module("llava.constants", os.path.join(repo, "llava", "constants.py"))
    conv = load_module("llava.conversation", os.path.join(repo, "llava", "conversation.py"))
    torch_stub = types.ModuleType("torch")
    torch_stub.LongTensor = torch_stub.FloatTensor = object
    sys.modules.setdefault("torch", torch_stub)
    mm = load_module("llava.mm_utils", os.path.join(repo, "llava", "mm_utils.py"))
    tok = LlamaTokenizer.from_pretrained(os.path.join(release, "llava-v1.5-7b"))
    assert tok.legacy is False
    cases = []
    for q in QUESTIONS:
        for with_image in (True, False):
            c = conv.conv_templates["vicuna_v1"].copy()
            c.append_message(c.roles[0], ("<image>\n" + q) if with_image else q)
            c.append_message(c.roles[1], None)
            text = c.get_prompt()
            ids = mm.tokenizer_image_token(text, tok)
            cases.append({"question": q, "image": with_image, "prompt": text, "ids": ids})
    return cases


def llava_pixels(path, size, pad):
    img = Image.open(path).convert("RGB")
    if pad:
        w, h = img.size
        fill = tuple(int(m * 255) for m in MEAN)
        if w != h:
            side = max(w, h)
            canvas = Image.new(img.mode, (side, side), fill)
            canvas.paste(img, ((side - w) // 2, (side - h) // 2))
            img = canvas
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    nw, nh = (new_short, new_long) if w <= h else (new_long, new_short)
    img = img.resize((nw, nh), resample=Image.BICUBIC, reducing_gap=None)
    a = np.array(img)
    top, left = (nh - size) // 2, (nw - size) // 2
    a = a[top:top + size, left:left + size]
    a = (a * 0.00392156862745098).astype(np.float32)
    a = (a - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return a.transpose(2, 0, 1).astype("<f4")


def pixels(image_dir):
    out = []
    for name in sorted(os.listdir(image_dir)):
        if name.startswith("broken-") or name.endswith(".bmp"):  # lynxeval reads PNG, JPEG, GIF
            continue
        path = os.path.join(image_dir, name)
        try:
            w, h = Image.open(path).size
        except Exception:
            continue
        if w * h > 20_000_000:
            continue
        for size in (336, 224, 56):
            for pad in (True, False):
                t = llava_pixels(path, size, pad)
                out.append({"image": name, "size": size, "pad": pad,
                            "sha256": hashlib.sha256(t.tobytes()).hexdigest(),
                            "sample": [float(t[c, size // 3, size // 2]) for c in range(3)]})
    return out


def main():
    a = arguments(__doc__)
    import transformers
    import PIL
    golden = {"made_with": {"transformers": transformers.__version__, "Pillow": PIL.__version__,
                            "numpy": np.__version__, "llava": "haotian-liu/LLaVA c121f04"},
              "prompts": prompts(a.llava_repo, a.release),
              "pixels": pixels(os.path.join(HERE, "..", "image", "inputs"))}
    write_sections(a.golden, golden)
    print(f"{a.golden}: {len(golden['prompts'])} prompts, {len(golden['pixels'])} pixel tensors")


if __name__ == "__main__":
    main()
