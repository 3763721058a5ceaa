"""Runs LLaVA v1's official code (haotian-liu/LLaVA@7ace501, the code of the Lynx paper's time)
on the tiny v1 release (llava_release.py: LLaVA-7b-delta-v0 over llama-7b, with its CLIP tower)
and adds what it computes to tests/llava/golden.json under "oracle_v1":

  applied    llava.model.apply_delta (base + delta in float16), checked tensor by tensor
  prompt     run_llava.py's prompt (conversation "multimodal": the question, "\\n", <im_start>,
             the image's <im_patch> tokens, <im_end>), tokenized by the tokenizer it loads
             (AutoTokenizer: the fast one, converted from tokenizer.model, plus the image tokens)
  logits     the next-token logits of LlavaLlamaForCausalLM on that prompt and chelsea.png as
             run_llava.py preprocesses it (CLIPImageProcessor, no padding)
  greedy     model.generate(do_sample=False, max_new_tokens=12) with run_llava.py's
             KeywordsStoppingCriteria(["###"]), and the answer as run_llava.py cuts it

transformers is 4.28.1 (7ace501 pins a 4.28 development commit that pip cannot fetch) with
tokenizers 0.13.3, over Debian's torch; everything in float32. One adaptation to the tiny size:
7ace501's forward projects a dummy torch.zeros(256, 1024) (CLIP ViT-L's width, written into the
code) only to add 0 times it; the tiny tower is narrower, so that one call is given its width.

usage:
  /usr/bin/python3 -m venv --system-site-packages /tmp/oracle428
  /tmp/oracle428/bin/pip install transformers==4.28.1 tokenizers==0.13.3 sentencepiece==0.1.99 \\
      protobuf einops Pillow==9.4.0
  /usr/bin/python3 tests/llava/llava_release.py /tmp/llava-release
  PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python /tmp/oracle428/bin/python \\
      tests/llava/make_oracle_v1.py --llava-repo LLaVA-7ace501 --release /tmp/llava-release \\
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
QUESTION = "what is in this image?"
# more greedy answers (question, image): a few end at "###", a few run to the limit
ANSWERS = [(QUESTION, "chelsea.png"), ("describe the picture.", "grace_hopper.jpg"),
           ("how many shapes are there?", "chelsea.png"), ("what colour is it?", "palette_color.png"),
           ("is it a cat?", "jpeg-444-333x250.jpg"), ("where is this?", "grace_hopper.jpg")]



def main():
    a = arguments(__doc__)
    sys.path.insert(0, a.llava_repo)
    import transformers
    from llava.conversation import SeparatorStyle, conv_templates
    import llava.model.llava as llava_module
    from llava.model.apply_delta import apply_delta
    from llava.model.llava import LlavaLlamaForCausalLM
    from llava.model.utils import KeywordsStoppingCriteria
    from transformers import AutoTokenizer, CLIPImageProcessor

    tmp = tempfile.mkdtemp()
    try:
        delta = os.path.join(tmp, "LLaVA-7b-delta-v0")
        shutil.copytree(os.path.join(a.release, "LLaVA-7b-delta-v0"), delta)
        clip = os.path.join(a.release, "clip-vit-large-patch14")
        cfg = json.load(open(os.path.join(delta, "config.json")))
        cfg["mm_vision_tower"] = clip
        json.dump(cfg, open(os.path.join(delta, "config.json"), "w"))
        target = os.path.join(tmp, "LLaVA-7B-v0")
        apply_delta(os.path.join(a.release, "llama-7b"), target, delta)

        width = cfg["mm_hidden_size"]

        class TorchAtTinyWidth:  # the dummy zeros of the forward at the tower's width
            def __getattr__(self, name):
                return getattr(torch, name)

            @staticmethod
            def zeros(*shape, **kw):
                if shape == (256, 1024):
                    shape = (256, width)
                return torch.zeros(*shape, **kw)
        llava_module.torch = TorchAtTinyWidth()
        tokenizer = AutoTokenizer.from_pretrained(target)
        model = LlavaLlamaForCausalLM.from_pretrained(target, torch_dtype=torch.float32).eval()
        image_processor = CLIPImageProcessor.from_pretrained(clip)
        mm_use_im_start_end = getattr(model.config, "mm_use_im_start_end", False)
        tokenizer.add_tokens(["<im_patch>"], special_tokens=True)
        if mm_use_im_start_end:
            tokenizer.add_tokens(["<im_start>", "<im_end>"], special_tokens=True)
        vision_tower = model.get_model().vision_tower[0].float()
        vision_config = vision_tower.config
        vision_config.im_patch_token = tokenizer.convert_tokens_to_ids(["<im_patch>"])[0]
        vision_config.use_im_start_end = mm_use_im_start_end
        if mm_use_im_start_end:
            vision_config.im_start_token, vision_config.im_end_token = \
                tokenizer.convert_tokens_to_ids(["<im_start>", "<im_end>"])
        image_token_len = (vision_config.image_size // vision_config.patch_size) ** 2

        def run_llava(question, image_name):
            """run_llava.py's eval_model, greedy: (prompt, input ids, pixels, new ids, answer)."""
            qs = question + "\n" + "<im_start>" + "<im_patch>" * image_token_len + "<im_end>"
            conv = conv_templates["multimodal"].copy()
            conv.append_message(conv.roles[0], qs)
            conv.append_message(conv.roles[1], None)
            prompt = conv.get_prompt()
            input_ids = torch.as_tensor(tokenizer([prompt]).input_ids)
            image = Image.open(os.path.join(HERE, "..", "image", "inputs", image_name)).convert("RGB")
            pixels = image_processor.preprocess(image, return_tensors="pt")["pixel_values"]
            stop_str = conv.sep if conv.sep_style != SeparatorStyle.TWO else conv.sep2
            with torch.no_grad():
                out = model.generate(input_ids, images=pixels, do_sample=False, max_new_tokens=16,
                                     stopping_criteria=[KeywordsStoppingCriteria([stop_str], tokenizer,
                                                                                  input_ids)])
            new = out[0, input_ids.shape[1]:]
            text = tokenizer.batch_decode(out[:, input_ids.shape[1]:], skip_special_tokens=True)[0]
            text = text.strip()
            if text.endswith(stop_str):
                text = text[:-len(stop_str)]
            return prompt, input_ids, pixels, [int(x) for x in new], text.strip()

        prompt, input_ids, pixels, new, text = run_llava(QUESTION, "chelsea.png")
        with torch.no_grad():
            logits = model(input_ids, images=pixels).logits[0, -1]
        answers = []
        for q, im in ANSWERS:
            _, _, _, ids, ans = run_llava(q, im)
            answers.append({"question": q, "image": im, "greedy": ids, "answer": ans})
        weights = {k: floats(v)[:8] for k, v in model.state_dict().items()
                   if k in ("model.embed_tokens.weight", "lm_head.weight", "model.mm_projector.weight",
                            "model.layers.0.self_attn.q_proj.weight")}
        oracle = {
            "made_with": {"transformers": transformers.__version__, "torch": torch.__version__,
                          "tokenizer": type(tokenizer).__name__, "llava": "haotian-liu/LLaVA 7ace501"},
            "question": QUESTION, "image": "chelsea.png", "prompt": prompt,
            "prompt_ids": [int(x) for x in input_ids[0]],
            "image_tokens": image_token_len, "im_patch_id": int(vision_config.im_patch_token),
            "logits": floats(logits), "greedy": new, "answer": text, "answers": answers,
            "weights_head": weights,
        }
    finally:
        shutil.rmtree(tmp)
    write_sections(a.golden, {"oracle_v1": oracle})
    print(f"{a.golden}: oracle_v1 with {len(oracle['logits'])} logits, tokenizer "
          f"{oracle['made_with']['tokenizer']}, answers:")
    for c in oracle["answers"]:
        print(f"  {c['question']!r} {c['image']}: {c['greedy']} {c['answer']!r}")


if __name__ == "__main__":
    main()
