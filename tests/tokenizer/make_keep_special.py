"""Makes tests/tokenizer/keep_special.json: what transformers 4.28.0's slow LlamaTokenizer returns
for decode(ids) with skip_special_tokens=False (MiniGPT-4's Chat.answer decodes so), on LLaMA's
real vocabulary (models/llama.model).

In 4.28.0, PreTrainedTokenizer._decode keeps each added token (an id past the SentencePiece
model, such as an appended "[PAD]") as a text of its own and joins the texts with spaces
(spaces_between_special_tokens); LlamaTokenizer.convert_tokens_to_string renders every special
token (bos, eos, unk, pad) as its text, the SentencePiece decoding of the pieces before it in
front, and a space put before those pieces when the previous token was not special and this is
not the first. Two tokenizers are recorded: MiniGPT-4's (pad = eos, nothing added) and one with
"[PAD]" added as a special token (id 32000).

usage (a virtual environment outside the repository):
  python3 -m venv /tmp/tf428 && /tmp/tf428/bin/pip install transformers==4.28.0 sentencepiece==0.1.99 protobuf
  /tmp/tf428/bin/python tests/tokenizer/make_keep_special.py
"""
import json
import os
import shutil
import tempfile

import transformers
from transformers import LlamaTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))

# id sequences: specials at the start, the middle and the end, in runs, beside byte pieces and
# the unknown piece; "###" (835, and 2277 29937) as MiniGPT-4 stops on it
CASES = [
    [1, 450, 7933, 338, 263, 11203, 29889, 2],
    [450, 7933, 2, 1, 338],
    [2, 2, 2],
    [0, 450, 0, 7933],
    [1, 0, 1],
    [3869, 29892, 372, 338, 263, 6635, 835, 29950, 7889],
    [3869, 2277, 29937, 4007, 22137, 29901],
    [13, 13, 1, 13],
    [29871, 13, 2, 29871],
    [450, 7933, 2, 32000, 32000],
    [32000, 450, 32000, 2, 7933],
    [230, 132, 139, 2, 230],
    [259, 1, 259],
    [],
    [1],
    [2, 450],
]


def tokenizers(tmp):
    model = os.path.join(tmp, "tokenizer.model")
    shutil.copy(os.path.join(HERE, "models", "llama.model"), model)
    minigpt4 = LlamaTokenizer(model)
    minigpt4.pad_token = minigpt4.eos_token  # mini_gpt4.py
    padded = LlamaTokenizer(model)
    padded.add_special_tokens({"pad_token": "[PAD]"})
    return {"pad_is_eos": minigpt4, "pad_added": padded}


def main():
    out = {"made_with": {"transformers": transformers.__version__}, "cases": []}
    with tempfile.TemporaryDirectory() as tmp:
        for name, tok in tokenizers(tmp).items():
            for ids in CASES:
                if name == "pad_is_eos" and any(i >= 32000 for i in ids):
                    continue
                out["cases"].append({"tokenizer": name, "ids": ids,
                                     "text": tok.decode(ids, skip_special_tokens=False)})
    path = os.path.join(HERE, "keep_special.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print(f"{path}: {len(out['cases'])} cases")


if __name__ == "__main__":
    main()
