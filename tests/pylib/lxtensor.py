"""Raw float32 files and relative errors for the Python tests that compare lynxeval with a
PyTorch reference (torch is Debian's python3-torch): read_f32 gives a flat float64 tensor,
write_f32 writes any tensor's values, rel_err is ||got - ref|| / ||ref|| (infinite when got is
missing or of another size)."""
import struct

import torch


def read_f32(path):
    raw = open(path, "rb").read()
    return torch.tensor(struct.unpack(f"<{len(raw) // 4}f", raw), dtype=torch.float64)


def write_f32(path, t):
    open(path, "wb").write(struct.pack(f"<{t.numel()}f", *t.flatten().tolist()))


def rel_err(got, ref):
    ref = ref.flatten().to(torch.float64)
    if got is None or got.numel() != ref.numel():
        return float("inf")
    return float((got.flatten().to(torch.float64) - ref).norm() / ref.norm())
