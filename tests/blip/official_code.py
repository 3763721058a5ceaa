"""Imports an official model package (LAVIS's `lavis`, MiniGPT-4's `minigpt4`) from a checkout for
the oracle scripts (make_lavis_oracle.py, make_minigpt4_oracle.py): only the files the oracle
runs are copied, as they are, into a temporary package; the modules they import for the
registry, logging, distributed helpers and downloads are stubbed (the oracle passes local files
and never downloads)."""
import os
import sys
import types
from functools import partial

import torch

STUBS = {
    "common/dist_utils.py": "def download_cached_file(*a, **k):\n    raise RuntimeError('no downloads')\n"
                            "def is_dist_avail_and_initialized():\n    return False\n",
    "common/utils.py": "def is_url(s):\n    return str(s).startswith(('http://', 'https://'))\n"
                       "def get_abs_path(p):\n    return p\n",
    "common/logger.py": "class MetricLogger:\n    pass\n",
    "common/registry.py": "class _R:\n    def __getattr__(self, name):\n"
                          "        return lambda *a, **k: (lambda x: x)\nregistry = _R()\n",
}


def stub_package(src, root, package, files):
    """Package `package` under root with `files` (paths below src/package) copied from the
    checkout src and STUBS written; importable afterwards."""
    pkg = os.path.join(root, package)
    dirs = {""} | {os.path.dirname(f) for f in list(files) + list(STUBS)}
    for sub in sorted(dirs):
        os.makedirs(os.path.join(pkg, sub), exist_ok=True)
        open(os.path.join(pkg, sub, "__init__.py"), "w").close()
    for rel in files:
        with open(os.path.join(src, package, rel)) as f, open(os.path.join(pkg, rel), "w") as g:
            g.write(f.read())
    for rel, text in STUBS.items():
        with open(os.path.join(pkg, rel), "w") as f:
            f.write(text)
    sys.modules.setdefault("omegaconf", types.SimpleNamespace(OmegaConf=None))
    fairscale = types.ModuleType("fairscale.nn.checkpoint.checkpoint_activations")
    fairscale.checkpoint_wrapper = lambda m, *a, **k: m
    for name in ("fairscale", "fairscale.nn", "fairscale.nn.checkpoint"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules.setdefault("fairscale.nn.checkpoint.checkpoint_activations", fairscale)
    sys.path.insert(0, root)


def tiny_create_eva_vit_g(eva_vit, d, eva_path):
    """A replacement for the official create_eva_vit_g (which hard-codes ViT-g's sizes and
    downloads): the same steps on the official VisionTransformer of module eva_vit at the tiny
    sizes d, reading eva_path (interpolate_pos_embed, load_state_dict(strict=False)); float32."""
    def create_eva_vit_g(img_size=224, drop_path_rate=0.4, use_checkpoint=False, precision="fp16"):
        model = eva_vit.VisionTransformer(
            img_size=img_size, patch_size=d["patch"], use_mean_pooling=False, embed_dim=d["vit_width"],
            depth=d["vit_layers"], num_heads=d["vit_width"] // 88, mlp_ratio=d["mlp_ratio"], qkv_bias=True,
            drop_path_rate=drop_path_rate, norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
            use_checkpoint=use_checkpoint)
        state_dict = torch.load(eva_path, map_location="cpu")
        eva_vit.interpolate_pos_embed(model, state_dict)
        model.load_state_dict(state_dict, strict=False)
        return model
    return create_eva_vit_g


def float32_llama(cls):
    """cls (an official LlamaForCausalLM copy) whose from_pretrained loads float32 whatever
    torch_dtype the official code asks for (a CPU cannot run float16 products)."""
    class Float32(cls):
        @classmethod
        def from_pretrained(klass, path, **kw):
            kw["torch_dtype"] = torch.float32
            return super().from_pretrained(path, **kw)
    return Float32
