"""Writes tests/blip/lavis_oracle.json: LAVIS's own InstructBLIP (salesforce/LAVIS at 506965b,
lavis/models/blip2_models/blip2_vicuna_instruct.py, with transformers 4.33.2, the version LAVIS
pins) run on the tiny release in LAVIS's layout that blip_release.write_lavis writes, as the
official behaviour the C model must reproduce (golden.json's "oracle" is Hugging Face's port).

The official files are imported as they are: models/eva_vit.py, clip_vit.py, base_model.py,
blip2_models/{blip2, Qformer, modeling_llama, blip2_vicuna_instruct}.py. Blip2VicunaInstruct's
__init__ builds the model (BERT tokenizer with "[DEC]", EVA tower, ln_vision, the Q-Former resized
to the tokenizer, the LlamaTokenizer with LAVIS's special tokens, the LLM grown by the "[PAD]" row)
and BaseModel.load_checkpoint loads the trimmed checkpoint. What cannot run here is replaced, and
only that:
  - create_eva_vit_g, BertConfig/BertLMHeadModel.from_pretrained("bert-base-uncased") and
    BertTokenizer.from_pretrained("bert-base-uncased") hard-code the real sizes and download: the
    same functions build the official classes at the tiny sizes (eva_vit_g.pth loaded as
    create_eva_vit_g does, the BERT tokenizer from the release's vocab.txt);
  - the LLM loads in float32, not float16, and the ViT runs in float32 (a CPU cannot run float16);
  - the "[PAD]" row that resize_token_embeddings fills at random is set to the mean row, the row
    lynxeval's converter writes (docs/model-format.md).
The registry, logging and download helpers LAVIS's modules import are stubbed (official_code.py).

Recorded: for each case, the Q-Former's and the LLM's ids (the official tokenizers), the
next-token logits after the official inputs_embeds, and generate()'s outputs (ids as
returned, before the 0 -> 2 rewrite, and the text): an image question with LAVIS's defaults (5
beams, repetition penalty 1.5, length penalty 1, max_length 256), the same with its VQA
settings (max_length 10, min_length 4, length penalty -1), an instruction over 128 WordPiece
ids (left truncation), and a video of 4 frames (image.dim() == 5, frames in dim 2).

usage (a virtual environment outside the repository, with Debian's torch, torchvision and Pillow):
  python3 -m venv /tmp/hf && /tmp/hf/bin/pip install transformers==4.33.2 sentencepiece==0.1.99 \\
      protobuf && /tmp/hf/bin/pip install --no-deps timm==0.4.12
  (a checkout of salesforce/LAVIS at 506965b in /tmp/LAVIS)
  PYTHONPATH=/usr/lib/python3/dist-packages /tmp/hf/bin/python tests/blip/make_lavis_oracle.py /tmp/LAVIS
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
from blip_release import TINY, make_model, write_lavis  # noqa: E402
from official_code import float32_llama, stub_package, tiny_create_eva_vit_g  # noqa: E402

OFFICIAL = ["models/eva_vit.py", "models/clip_vit.py", "models/base_model.py",
            "models/blip2_models/blip2.py", "models/blip2_models/Qformer.py",
            "models/blip2_models/modeling_llama.py", "models/blip2_models/blip2_vicuna_instruct.py"]  # of lavis/
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)
IMAGES = os.path.join(HERE, "..", "image", "inputs")
VIDEO_FRAMES = ["chelsea.png", "png-420x600.png", "png-700x420.png", "palette_color.png"]
LONG = " ".join(["describe the elephant tusks"] * 45)
CASES = [  # name, question, media, generate() keyword arguments
    ("defaults", "What is unusual about this image?", "image", {}),
    ("vqa", "What is unusual about this image?", "image", {"max_length": 10, "min_length": 4, "length_penalty": -1}),
    ("long", LONG, "image", {"max_length": 8}),
    ("video", "What happens in the video?", "video", {"max_length": 8, "min_length": 3}),
]


def build(paths, d=TINY):
    eva_vit = importlib.import_module("lavis.models.eva_vit")
    blip2 = importlib.import_module("lavis.models.blip2_models.blip2")
    instruct = importlib.import_module("lavis.models.blip2_models.blip2_vicuna_instruct")
    llama = importlib.import_module("lavis.models.blip2_models.modeling_llama")

    def bert_config(name, **kw):
        assert name == "bert-base-uncased"
        return blip2.BertConfig(vocab_size=30522, hidden_size=d["qf_width"], num_hidden_layers=d["qf_layers"],
                                num_attention_heads=d["qf_heads"], intermediate_size=d["qf_ff"],
                                max_position_embeddings=d["qf_positions"], layer_norm_eps=1e-12)

    class LocalBert(transformers.BertTokenizer):
        @classmethod
        def from_pretrained(cls, name, **kw):
            assert name == "bert-base-uncased"
            return super().from_pretrained(os.path.dirname(paths["bert_vocab"]), **kw)

    blip2.create_eva_vit_g = tiny_create_eva_vit_g(eva_vit, d, paths["eva"])
    blip2.BertConfig.from_pretrained = staticmethod(bert_config)
    blip2.BertLMHeadModel.from_pretrained = classmethod(lambda cls, name, config: cls(config))
    blip2.BertTokenizer = LocalBert
    llama.LlamaForCausalLM = float32_llama(llama.LlamaForCausalLM)
    torch.manual_seed(0)
    model = instruct.Blip2VicunaInstruct(vit_model="eva_clip_g", img_size=d["image_res"], vit_precision="fp32",
                                         num_query_token=d["queries"], llm_model=paths["llm"])
    model.load_checkpoint(paths["lavis"])
    with torch.no_grad():  # the [PAD] row: lynxeval's mean row where LAVIS leaves a random one
        for table in (model.llm_model.get_input_embeddings().weight, model.llm_model.get_output_embeddings().weight):
            table[-1] = table[:-1].mean(0)
    return model.eval()


def main():
    src = sys.argv[1]
    tf = transforms.Compose([transforms.Resize((TINY["image_res"],) * 2, interpolation=InterpolationMode.BICUBIC),
                             transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    load = lambda name: tf(Image.open(os.path.join(IMAGES, name)).convert("RGB"))  # noqa: E731
    media = {"image": load("chelsea.png")[None],
             "video": torch.stack([load(n) for n in VIDEO_FRAMES], 1)[None]}  # [1, C, T, H, W]
    out = {"made_by": "tests/blip/make_lavis_oracle.py",
           "versions": {"LAVIS": "506965b", "transformers": transformers.__version__, "torch": torch.__version__,
                        "torchvision": torchvision.__version__, "Pillow": PIL.__version__},
           "video_frames": VIDEO_FRAMES, "cases": []}
    with tempfile.TemporaryDirectory() as tmp:
        stub_package(src, os.path.join(tmp, "pkg"), "lavis", OFFICIAL)
        paths = write_lavis(os.path.join(tmp, "lavis"), make_model())
        model = build(paths)
        seen = {}
        generate = model.llm_model.generate

        def recording(**kw):
            seen.update(kw)
            seen["outputs"] = generate(**kw)
            return seen["outputs"].clone()

        model.llm_model.generate = recording
        for name, question, kind, kw in CASES:
            seen.clear()
            with torch.no_grad():
                text = model.generate({"image": media[kind], "prompt": question}, **kw)[0]
                logits = model.llm_model(inputs_embeds=seen["inputs_embeds"]).logits[0, -1]
            qf = model.tokenizer(question, truncation=True, max_length=model.max_txt_len).input_ids
            out["cases"].append({"name": name, "question": question, "media": kind, "generate": kw,
                                 "qformer_ids": qf, "prompt_ids": model.llm_tokenizer(question).input_ids,
                                 "logits": [round(float(x), 7) for x in logits],
                                 "outputs": seen["outputs"][0].tolist(), "text": text})
    with open(os.path.join(HERE, "lavis_oracle.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
