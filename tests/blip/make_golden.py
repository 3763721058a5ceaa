"""Makes tests/blip/golden.json, the pixel vectors test_blip.py checks lynxeval's "squash"
preprocessing against: for each image of tests/image/inputs that decodes, at 224 (InstructBLIP's
side) and 56 (the tiny release's), the sha256 of the float32 [3, S, S] tensor LAVIS's
BlipImageEvalProcessor makes (lavis/processors/blip_processors.py at 506965b): the image opened
and convert("RGB"), then torchvision's Compose([Resize((S, S), InterpolationMode.BICUBIC),
ToTensor(), Normalize(CLIP mean, CLIP std)]) run as it is.

usage: /usr/bin/python3 tests/blip/make_golden.py
(Debian 12's python3-torch, python3-torchvision 0.14 and python3-pil 9.4; the tests need none of
them.)
"""
import hashlib
import json
import os

import PIL
import torch
import torchvision
from PIL import Image
from torchvision import transforms
from torchvision.transforms import InterpolationMode

HERE = os.path.dirname(os.path.abspath(__file__))
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


def main():
    image_dir = os.path.join(HERE, "..", "image", "inputs")
    out = []
    for size in (224, 56):
        t = transforms.Compose([transforms.Resize((size, size), interpolation=InterpolationMode.BICUBIC),
                                transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
        for name in sorted(os.listdir(image_dir)):
            if name.startswith("broken-") or name.endswith(".bmp"):  # lynxeval reads PNG, JPEG, GIF
                continue
            path = os.path.join(image_dir, name)
            try:
                img = Image.open(path)
                if img.size[0] * img.size[1] > 20_000_000:
                    continue
                x = t(img.convert("RGB"))
            except Exception:
                continue
            assert x.dtype == torch.float32 and tuple(x.shape) == (3, size, size)
            raw = x.contiguous().numpy().tobytes()
            out.append({"image": name, "size": size, "sha256": hashlib.sha256(raw).hexdigest(),
                        "sample": [float(x[c, size // 3, size // 2]) for c in range(3)]})
    golden = {"made_with": {"torch": torch.__version__, "torchvision": torchvision.__version__,
                            "Pillow": PIL.__version__,
                            "processor": "LAVIS BlipImageEvalProcessor (506965b), run as torchvision"},
              "pixels": out}
    path = os.path.join(HERE, "golden.json")
    with open(path, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print(f"{path}: {len(out)} pixel tensors")


if __name__ == "__main__":
    main()
