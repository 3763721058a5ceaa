"""Imports an official model package (LAVIS's `lavis`, MiniGPT-4's `minigpt4`) from a checkout for
the oracle scripts (make_lavis_oracle.py, make_minigpt4_oracle.py): only the files the oracle
runs are copied, as they are, into a temporary package; the modules they import for the
registry, logging, distributed helpers and downloads are stubbed (the oracle passes local files
and never downloads)."""
import os
import sys
import types

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
