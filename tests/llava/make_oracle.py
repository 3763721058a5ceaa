"""Runs the official code on the tiny release (llava_release.py) and adds what it computes to
tests/llava/golden.json under "oracle": LLaVA's own LlavaLlamaForCausalLM (haotian-liu/LLaVA
c121f04) on the original layout, with its CLIPVisionTower, process_images, tokenizer_image_token
and conv_vicuna_v1, and transformers 4.37.2's LlavaForConditionalGeneration on the llava-hf port:

  features   the vision tower's output for chelsea.png ([576 -> 16, W] at the tiny size)
  media      encode_images: the projector's output [16, D]
  logits     the next-token logits of the image prompt and of the text-only prompt, and the
             port's (over its padded vocabulary, cut to the original's)
  greedy     model.generate(do_sample=False, max_new_tokens=8): the new ids

The models run in float32 (the release's dtype; builder.py's float16 is a GPU setting).

usage (Debian's torch, with transformers pinned as LLaVA pins it, outside the repository):
  /usr/bin/python3 -m venv --system-site-packages /tmp/oracle
  /tmp/oracle/bin/pip install transformers==4.37.2 tokenizers==0.15.1 sentencepiece==0.1.99 \\
      accelerate==0.21.0 einops shortuuid Pillow==9.4.0
  /usr/bin/python3 tests/llava/llava_release.py /tmp/llava-release
  /tmp/oracle/bin/python tests/llava/make_oracle.py --llava-repo LLaVA --release /tmp/llava-release \\
      --golden tests/llava/golden.json
"""
import json
import os
import shutil
import sys
import tempfile

import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import arguments, floats, write_sections  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
QUESTION = "what is the color of this image?"



def main():
    a = arguments(__doc__)
    sys.path.insert(0, a.llava_repo)
    import transformers
    from llava.constants import IMAGE_TOKEN_INDEX
    from llava.conversation import conv_templates
    from llava.mm_utils import process_images, tokenizer_image_token
    from llava.model.language_model.llava_llama import LlavaLlamaForCausalLM
    from transformers import AutoTokenizer, LlavaForConditionalGeneration

    torch.manual_seed(0)
    tmp = tempfile.mkdtemp()
    try:
        # the original release, its config naming the local CLIP directory
        orig = os.path.join(tmp, "llava-v1.5-7b")
        shutil.copytree(os.path.join(a.release, "llava-v1.5-7b"), orig)
        cfg = json.load(open(os.path.join(orig, "config.json")))
        cfg["mm_vision_tower"] = os.path.join(a.release, "clip-vit-large-patch14-336")
        json.dump(cfg, open(os.path.join(orig, "config.json"), "w"))
        tokenizer = AutoTokenizer.from_pretrained(orig, use_fast=False)
        model = LlavaLlamaForCausalLM.from_pretrained(orig, torch_dtype=torch.float32).eval()
        tower = model.get_vision_tower()
        if not tower.is_loaded:
            tower.load_model()
        processor = tower.image_processor

        image = Image.open(os.path.join(HERE, "..", "image", "inputs", "chelsea.png")).convert("RGB")
        pixels = process_images([image], processor, model.config)

        def prompt(with_image):
            conv = conv_templates["vicuna_v1"].copy()
            conv.append_message(conv.roles[0], ("<image>\n" + QUESTION) if with_image else QUESTION)
            conv.append_message(conv.roles[1], None)
            return conv.get_prompt()

        ids = tokenizer_image_token(prompt(True), tokenizer, IMAGE_TOKEN_INDEX, return_tensors="pt")[None]
        text_ids = tokenizer_image_token(prompt(False), tokenizer, IMAGE_TOKEN_INDEX, return_tensors="pt")[None]
        with torch.no_grad():
            features = tower(pixels)[0]
            media = model.encode_images(pixels)[0]
            logits = model(ids, images=pixels).logits[0, -1]
            text_logits = model(text_ids).logits[0, -1]
            greedy = model.generate(ids, images=pixels, do_sample=False, num_beams=1,
                                    max_new_tokens=8, use_cache=True)[0]

            # the llava-hf port: the image token is its own id, the vocabulary padded
            port = LlavaForConditionalGeneration.from_pretrained(
                os.path.join(a.release, "llava-1.5-7b-hf"), torch_dtype=torch.float32).eval()
            V = port.config.image_token_index
            port_ids = ids.clone()
            port_ids[port_ids == IMAGE_TOKEN_INDEX] = V
            port_logits = port(input_ids=port_ids, pixel_values=pixels,
                               attention_mask=torch.ones_like(port_ids)).logits[0, -1]
        oracle = {
            "made_with": {"transformers": transformers.__version__, "torch": torch.__version__,
                          "llava": "haotian-liu/LLaVA c121f04"},
            "question": QUESTION, "image": "chelsea.png",
            "prompt_ids": [int(x) for x in ids[0]], "text_prompt_ids": [int(x) for x in text_ids[0]],
            "pixels_sum": float(pixels.double().sum()),
            "features": floats(features), "media": floats(media),
            "logits": floats(logits), "text_logits": floats(text_logits),
            "port_vocabulary": int(port.config.text_config.vocab_size),
            "port_logits": floats(port_logits[:V]),
            "greedy": [int(x) for x in greedy],
        }
    finally:
        shutil.rmtree(tmp)
    write_sections(a.golden, {"oracle": oracle})
    print(f"{a.golden}: oracle with {len(oracle['logits'])} logits, greedy {oracle['greedy']}")


if __name__ == "__main__":
    main()
