"""Writes tests/blip/minigpt4_oracle.json: MiniGPT-4's own code (Vision-CAIR/MiniGPT-4 at 22d8888,
with transformers 4.28.0, the version it pins) run on the tiny release minigpt4_release.py writes,
as the official behaviour the C model must reproduce.

The official files are imported as they are: models/eva_vit.py, Qformer.py, blip2.py,
modeling_llama.py, mini_gpt4.py and conversation/conversation.py. MiniGPT4.__init__ builds the
model (ViT, ln_vision, the Q-Former with its text parts deleted, BLIP-2's checkpoint loaded with
strict=False, the LlamaTokenizer with pad = eos, LlamaForCausalLM), and MiniGPT-4's checkpoint is
loaded as its from_config does. What cannot run here is replaced, and only that:
  - create_eva_vit_g and BertConfig.from_pretrained("bert-base-uncased") hard-code the real sizes
    and download: the same functions build the official VisionTransformer / BertConfig at the tiny
    sizes, loading eva_vit_g.pth as create_eva_vit_g does (interpolate_pos_embed, strict=False);
  - init_tokenizer downloads bert-base-uncased: not needed for inference, left out;
  - the LLM loads in float32, not float16 (a CPU cannot run float16 products);
  - Chat's stop ids 835 and 2277 29937 are LLaMA's ids of "###" and "##" "#": the tiny
    vocabulary's ids of the same pieces are used;
  - Chat.answer samples (do_sample=True): generate() is called with do_sample=False (greedy), the
    evaluation setting lynxeval records as its departure.
The registry, logging and download helpers MiniGPT-4's modules import are stubbed.

Recorded per tokenizer variant ("v0": Vicuna v0's empty-string bos, eos and unk; "fixed": the
later files' "<s>", "</s>", "<unk>" AddedTokens) and question: the segment ids of
Chat.get_context_emb (recorded by a hook on embed_tokens), the next-token logits after the
context, and Chat.answer's output tokens and text. Pixels: chelsea.png through
Blip2ImageEvalProcessor's transform (torchvision Resize((56, 56), bicubic), ToTensor, Normalize).

usage (a virtual environment outside the repository, with Debian's torch, torchvision and Pillow):
  python3 -m venv /tmp/tf428 && /tmp/tf428/bin/pip install transformers==4.28.0 \\
      sentencepiece==0.1.99 && /tmp/tf428/bin/pip install --no-deps timm==0.6.13
  git clone https://github.com/Vision-CAIR/MiniGPT-4 /tmp/MiniGPT-4 && git -C /tmp/MiniGPT-4 checkout 22d8888
  PYTHONPATH=/usr/lib/python3/dist-packages /tmp/tf428/bin/python tests/blip/make_minigpt4_oracle.py /tmp/MiniGPT-4
"""
import importlib
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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from blip_release import TINY  # noqa: E402
from minigpt4_release import FIXED_TOKENIZER, make_model, piece_id, write_release  # noqa: E402
from official_code import float32_llama, stub_package, tiny_create_eva_vit_g  # noqa: E402

OFFICIAL = ["models/eva_vit.py", "models/Qformer.py", "models/blip2.py", "models/base_model.py",
            "models/modeling_llama.py", "models/mini_gpt4.py", "conversation/conversation.py"]  # of minigpt4/
QUESTIONS = ["What is in this picture?", "Describe it.", "Is there a </s> or <s> or [PAD] here?"]
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)
MAX_NEW = 40



def build(paths, d=TINY):
    """MiniGPT4 as its from_config builds it, at the tiny sizes (the replacements in the header)."""
    eva_vit = importlib.import_module("minigpt4.models.eva_vit")
    blip2 = importlib.import_module("minigpt4.models.blip2")
    mini_gpt4 = importlib.import_module("minigpt4.models.mini_gpt4")

    def bert_config(name):
        assert name == "bert-base-uncased"
        return blip2.BertConfig(vocab_size=200, hidden_size=d["qf_width"], num_hidden_layers=d["qf_layers"],
                                num_attention_heads=d["qf_heads"], intermediate_size=d["qf_ff"],
                                max_position_embeddings=d["qf_positions"], layer_norm_eps=1e-12)

    blip2.create_eva_vit_g = tiny_create_eva_vit_g(eva_vit, d, paths["eva"])
    blip2.BertConfig.from_pretrained = staticmethod(bert_config)
    blip2.Blip2Base.init_tokenizer = classmethod(lambda cls: None)
    mini_gpt4.LlamaForCausalLM = float32_llama(mini_gpt4.LlamaForCausalLM)
    model = mini_gpt4.MiniGPT4(vit_model="eva_clip_g", q_former_model=paths["blip2"], img_size=d["image_res"],
                               drop_path_rate=0, vit_precision="fp32", num_query_token=d["queries"],
                               llama_model=paths["llm"], low_resource=False)
    ckpt = torch.load(paths["minigpt4"], map_location="cpu")
    model.load_state_dict(ckpt["model"], strict=False)
    return model.eval()


def run_variant(paths, pixels):
    conversation = importlib.import_module("minigpt4.conversation.conversation")
    model = build(paths)
    chat = conversation.Chat(model, None, device="cpu")
    chat.stopping_criteria = transformers.StoppingCriteriaList([conversation.StoppingCriteriaSub(
        stops=[torch.tensor([piece_id("###")]), torch.tensor([piece_id("##"), piece_id("#")])])])
    generate = model.llama_model.generate
    model.llama_model.generate = lambda **kw: generate(**dict(kw, do_sample=False))
    seen = []
    model.llama_model.model.embed_tokens.register_forward_hook(
        lambda mod, inp, out: seen.append(inp[0][0].tolist()))
    tok = model.llama_tokenizer
    cases = []
    for with_image in (True, False):
        for q in QUESTIONS if with_image else QUESTIONS[:1]:
            conv = conversation.CONV_VISION.copy()
            img_list = []
            if with_image:
                chat.upload_img(pixels, conv, img_list)
            chat.ask(q, conv)
            probe = conv.copy()
            probe.append_message(probe.roles[1], None)
            seen.clear()
            with torch.no_grad():
                embs = chat.get_context_emb(probe, img_list)
                logits = model.llama_model(inputs_embeds=embs).logits[0, -1]
            segments = list(seen)
            with torch.no_grad():
                text, tokens = chat.answer(conv, img_list, max_new_tokens=MAX_NEW)
            cases.append({"question": q, "image": with_image, "segments": segments,
                          "logits": [round(float(x), 7) for x in logits],
                          "output_tokens": [int(x) for x in tokens], "answer": text})
    specials = {"bos_token_id": tok.bos_token_id, "eos_token_id": tok.eos_token_id,
                "unk_token_id": tok.unk_token_id, "pad_token_id": tok.pad_token_id,
                "all_special_tokens": tok.all_special_tokens}
    return {"tokenizer": specials, "generation": {"bos_token_id": model.llama_model.generation_config.bos_token_id,
                                                  "eos_token_id": model.llama_model.generation_config.eos_token_id},
            "cases": cases}


def main():
    src = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        stub_package(src, os.path.join(tmp, "pkg"), "minigpt4", OFFICIAL)
        image = Image.open(os.path.join(HERE, "..", "image", "inputs", "chelsea.png")).convert("RGB")
        tf = transforms.Compose([transforms.Resize((TINY["image_res"],) * 2, interpolation=InterpolationMode.BICUBIC),
                                 transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
        pixels = tf(image)
        out = {"made_by": "tests/blip/make_minigpt4_oracle.py",
               "versions": {"MiniGPT-4": "22d8888", "transformers": transformers.__version__,
                            "torch": torch.__version__, "torchvision": torchvision.__version__,
                            "Pillow": PIL.__version__},
               "stop_ids": [[piece_id("###")], [piece_id("##"), piece_id("#")]], "max_new_tokens": MAX_NEW,
               "variants": {}}
        model = make_model()
        for name, tok_cfg in (("v0", None), ("fixed", FIXED_TOKENIZER)):
            paths = write_release(os.path.join(tmp, name), model, tokenizer_config=tok_cfg)
            out["variants"][name] = run_variant(paths, pixels)
    with open(os.path.join(HERE, "minigpt4_oracle.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
