"""Resumable checkpoints in safetensors (no pickle): module weights, Adam state and
JSON metadata (step, epoch, config, RNG seeds) in one file, written atomically."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save

from ..fileio import atomic_write_bytes


def save_checkpoint(path: str | Path, modules: dict[str, torch.nn.Module],
                    optimizers: dict[str, torch.optim.Optimizer], meta: dict) -> None:
    tensors: dict[str, torch.Tensor] = {}
    opt_meta = {}
    for name, module in modules.items():
        for key, value in module.state_dict().items():
            tensors[f"{name}/{key}"] = value.detach().contiguous().clone()
    for name, opt in optimizers.items():
        state = opt.state_dict()
        opt_meta[name] = {"param_groups": state["param_groups"], "keys": {}}
        for pid, slots in state["state"].items():
            for slot, value in slots.items():
                t = value if torch.is_tensor(value) else torch.tensor(value)
                tensors[f"{name}/{pid}/{slot}"] = t.detach().contiguous().clone()
                opt_meta[name]["keys"].setdefault(str(pid), []).append(slot)
    metadata = {"meta": json.dumps(meta), "optimizers": json.dumps(opt_meta)}
    atomic_write_bytes(path, save(tensors, metadata=metadata))


def load_checkpoint(path: str | Path, modules: dict[str, torch.nn.Module],
                    optimizers: dict[str, torch.optim.Optimizer] | None = None) -> dict:
    """Restore modules (and optimizers) in place; returns the metadata dict."""
    from safetensors import safe_open

    tensors = load_file(str(path))
    with safe_open(str(path), "pt") as f:
        header = f.metadata() or {}
    for name, module in modules.items():
        prefix = f"{name}/"
        module.load_state_dict({k[len(prefix):]: v for k, v in tensors.items()
                                if k.startswith(prefix) and k.count("/") == 1})
    opt_meta = json.loads(header.get("optimizers", "{}"))
    for name, opt in (optimizers or {}).items():
        if name not in opt_meta:
            continue
        state = {int(pid): {slot: tensors[f"{name}/{pid}/{slot}"] for slot in slots}
                 for pid, slots in opt_meta[name]["keys"].items()}
        opt.load_state_dict({"state": state, "param_groups": opt_meta[name]["param_groups"]})
    return json.loads(header.get("meta", "{}"))
