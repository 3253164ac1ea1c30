"""Safetensors files for the reader's tests: valid files written by the `safetensors` library, and
malformed ones, each checked to be rejected by the library too (so the reader is no stricter and no
looser than the reference).

Regenerate: /tmp/vlref/bin/python Tools/reference/make_safetensors_fixtures.py
Writes Tests/Fixtures/safetensors/{valid,malformed}/*.safetensors.
"""
import json
import os
import struct

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from common import FIXTURES

out = os.path.join(FIXTURES, "safetensors")
os.makedirs(os.path.join(out, "valid"), exist_ok=True)
os.makedirs(os.path.join(out, "malformed"), exist_ok=True)

# --- valid files, written by the library -------------------------------------------------------
g = torch.Generator().manual_seed(3)
save_file(
    {
        "f32": torch.randn(2, 3, generator=g),
        "f16": torch.tensor([1.0, -2.5, 65504.0, 6.1e-5], dtype=torch.float16),
        "bf16": torch.tensor([[1.0, -2.0], [3.140625, 0.0], [-0.0078125, 256.0]], dtype=torch.bfloat16),
        "i64": torch.arange(5, dtype=torch.int64) - 2,
        "u8": torch.tensor([[0, 255], [7, 8]], dtype=torch.uint8),
        "flags": torch.tensor([True, False, True]),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 4),
    },
    os.path.join(out, "valid", "mixed.safetensors"),
    metadata={"format": "pt", "note": "written by safetensors"},
)
save_file({}, os.path.join(out, "valid", "no_tensors.safetensors"))
print("wrote valid/mixed.safetensors and valid/no_tensors.safetensors")


# --- malformed files ---------------------------------------------------------------------------
def raw(header, data=b"", declared=None, pad=True):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    n = len(text) if declared is None else declared
    return struct.pack("<Q", n) + text + data


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


f32x4 = struct.pack("<4f", 1, 2, 3, 4)
cases = {
    "too_small": b"\x01\x02\x03",
    "header_beyond_file": raw({"a": entry("F32", [1], 0, 4)}, struct.pack("<f", 1), declared=4096),
    "header_terabytes": struct.pack("<Q", 1 << 42) + b"{}",
    "header_not_json": raw(b"{this is not json}"),
    "header_not_object": raw(b"[1, 2, 3]"),
    "entry_not_object": raw({"a": [1, 2]}),
    "missing_dtype": raw({"a": {"shape": [4], "data_offsets": [0, 16]}}, f32x4),
    "unknown_dtype": raw({"a": entry("F31", [4], 0, 16)}, f32x4),
    "negative_dimension": raw({"a": entry("F32", [-4], 0, 16)}, f32x4),
    "fractional_dimension": raw({"a": entry("F32", [4.5], 0, 16)}, f32x4),
    "offsets_reversed": raw({"a": entry("F32", [0], 16, 0)}, f32x4),
    "offsets_beyond_buffer": raw({"a": entry("F32", [8], 0, 32)}, f32x4),
    "byte_length_mismatch": raw({"a": entry("F32", [3], 0, 16)}, f32x4),
    "shape_overflow": raw({"a": entry("F32", [1 << 62, 1 << 62], 0, 16)}, f32x4),
    "overlap": raw({"a": entry("F32", [4], 0, 16), "b": entry("F32", [2], 8, 16)}, f32x4),
    "hole": raw({"a": entry("F32", [2], 0, 8), "b": entry("F32", [1], 12, 16)}, f32x4),
    "trailing_bytes": raw({"a": entry("F32", [2], 0, 8)}, f32x4),
    "metadata_not_strings": raw({"__metadata__": {"n": 3}, "a": entry("F32", [4], 0, 16)}, f32x4),
    "truncated_data": raw({"a": entry("F32", [4], 0, 16)}, f32x4[:10]),
}
for name, blob in cases.items():
    path = os.path.join(out, "malformed", f"{name}.safetensors")
    with open(path, "wb") as f:
        f.write(blob)
    try:
        with safe_open(path, framework="pt") as f:
            for k in f.keys():
                f.get_tensor(k)
        raise SystemExit(f"the safetensors library accepted malformed case {name}")
    except SystemExit:
        raise
    except Exception as error:  # the reference rejects it: so must we
        print(f"wrote malformed/{name}.safetensors (library says: {type(error).__name__})")
