"""Shared helpers for the fixture scripts: deterministic seeding, saving, version stamps."""
import os
import random

import numpy as np
import torch
from safetensors.torch import save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")


def seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    return torch.Generator().manual_seed(seed)


def versions() -> dict:
    import importlib

    stamp = {"torch": torch.__version__.split("+")[0]}
    for name in ("transformers", "timm"):
        try:
            stamp[name] = importlib.import_module(name).__version__
        except ImportError:
            pass
    return stamp


def save(relative_path: str, tensors: dict, **metadata) -> None:
    """Writes fp32 contiguous tensors to Tests/Fixtures/<relative_path> with version metadata."""
    path = os.path.join(FIXTURES, relative_path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = {k: v.detach().to(torch.float32).contiguous().clone() for k, v in tensors.items()}
    meta = {k: str(v) for k, v in {**versions(), **metadata}.items()}
    save_file(data, path, metadata=meta)
    size = os.path.getsize(path)
    print(f"wrote {relative_path} ({size / 1024:.1f} KiB, {len(data)} tensors)")


def randomize_(module: torch.nn.Module, generator: torch.Generator, scale: float = 0.5) -> None:
    """Overwrites every parameter and buffer-free weight with noise, including LayerNorm gains,
    biases and LayerScale factors, so that default initialisations cannot hide a bug."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            noise = torch.randn(p.shape, generator=generator) * scale
            if name.endswith("weight") and p.dim() == 1:  # norm gains: around 1
                p.copy_(1 + noise)
            elif p.dim() >= 2:  # matrices and convs: scaled by fan-in
                fan_in = p[0].numel()
                p.copy_(noise * (1 / max(fan_in, 1)) ** 0.5 * 2)
            else:
                p.copy_(noise)
