"""Adds the "oracle" section to tests/blip/golden.json: Hugging Face's own InstructBLIP
(transformers 4.33.2, the version LAVIS pins, InstructBlipForConditionalGeneration) run on the
tiny port blip_release.py writes, as the official code the C model must agree with:

  pixels      chelsea.png through LAVIS's BlipImageEvalProcessor transform (torchvision:
              Resize((56, 56), bicubic), ToTensor, Normalize with CLIP's mean and std)
  prompt_ids  LAVIS's LLM tokenizer: the slow LlamaTokenizer on the release's tokenizer.model,
              then add_special_tokens pad "[PAD]", bos, eos and unk "</s>", as
              blip2_vicuna_instruct.py does; the prompt is the question as it is
  qformer_ids the re-derived BertTokenizer (tests/tokenizer/wordpiece/make_cases.py, itself
              equal to transformers' on 331 cases) over the release's vocabulary
  logits      the next-token logits after the query rows and the prompt
  generation  language_model.generate() as LAVIS calls it (5 beams, repetition penalty 1.5,
              bos 1 / eos 2 / pad 0 from Vicuna's generation_config.json), for two settings

One departure is made to the port, on purpose: its post_layernorm (LAVIS's ln_vision) takes the
vision config's eps, 1e-6, where LAVIS uses torch's default 1e-5; the oracle sets 1e-5.

usage (a virtual environment outside the repository, with Debian's torch, torchvision and Pillow):
  python3 -m venv /tmp/hf && /tmp/hf/bin/pip install transformers==4.33.2 sentencepiece==0.1.99 protobuf
  PYTHONPATH=/usr/lib/python3/dist-packages /tmp/hf/bin/python tests/blip/make_oracle.py
"""
import json
import os
import sys
import tempfile

import PIL
import torch
import torchvision
import transformers
from PIL import Image
from torchvision import transforms
from torchvision.transforms import InterpolationMode
from transformers import InstructBlipForConditionalGeneration, LlamaTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tokenizer", "wordpiece"))
from blip_release import TINY, make_model, write_hf  # noqa: E402
from make_cases import encode as bert_encode  # noqa: E402

QUESTION = "What is unusual about this image?"
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)
# (min_length, max_length) of generate(), max_length counting the <s> seed
SETTINGS = [{"name": "beams", "min_length": 6, "max_length": 11, "length_penalty": 1.0},
            {"name": "vqa", "min_length": 4, "max_length": 10, "length_penalty": -1.0}]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        hf = write_hf(os.path.join(tmp, "hf"), make_model())
        model = InstructBlipForConditionalGeneration.from_pretrained(hf).float().eval()
        model.vision_model.post_layernorm.eps = 1e-5  # LAVIS's ln_vision
        tok = LlamaTokenizer.from_pretrained(hf, use_fast=False, truncation_side="left")
        tok.add_special_tokens({"pad_token": "[PAD]"})
        tok.add_special_tokens({"bos_token": "</s>"})
        tok.add_special_tokens({"eos_token": "</s>"})
        tok.add_special_tokens({"unk_token": "</s>"})
        with open(os.path.join(hf, "qformer_tokenizer", "vocab.txt"), encoding="utf-8") as f:
            lines = f.read().split("\n")[:-1] + ["[DEC]"]
        vocab = {t: i for i, t in enumerate(lines)}
    S = TINY["image_res"]
    t = transforms.Compose([transforms.Resize((S, S), interpolation=InterpolationMode.BICUBIC),
                            transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    image = Image.open(os.path.join(HERE, "..", "image", "inputs", "chelsea.png")).convert("RGB")
    pixels = t(image)[None]
    prompt_ids = tok(QUESTION, return_tensors="pt").input_ids
    qformer_ids = torch.tensor([bert_encode(QUESTION, vocab, 128)])
    with torch.no_grad():
        out = model(pixel_values=pixels, qformer_input_ids=qformer_ids, input_ids=prompt_ids)
        logits = out.logits[0, -1]
        generation = []
        for s in SETTINGS:
            seq = model.generate(pixel_values=pixels, qformer_input_ids=qformer_ids, input_ids=prompt_ids,
                                 num_beams=5, do_sample=False, max_length=s["max_length"],
                                 min_length=s["min_length"], repetition_penalty=1.5,
                                 length_penalty=s["length_penalty"], bos_token_id=1, eos_token_id=2,
                                 pad_token_id=0)
            generation.append(dict(s, sequence=seq[0].tolist()))
    path = os.path.join(HERE, "golden.json")
    golden = json.load(open(path))
    golden["oracle"] = {
        "made_with": {"transformers": transformers.__version__, "torch": torch.__version__,
                      "torchvision": torchvision.__version__, "Pillow": PIL.__version__},
        "question": QUESTION, "image": "chelsea.png", "prompt_ids": prompt_ids[0].tolist(),
        "qformer_ids": qformer_ids[0].tolist(), "logits": logits.tolist(), "generation": generation}
    with open(path, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print(f"{path}: oracle logits ({logits.numel()}), prompt {prompt_ids[0].tolist()}, "
          f"generations {[g['sequence'] for g in generation]}")


if __name__ == "__main__":
    main()
