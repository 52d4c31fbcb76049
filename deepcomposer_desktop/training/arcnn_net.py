"""The AR-CNN scoring network: a compact U-Net from a binary melody roll to one
score per cell, and its loss.

DeepComposer's public U-Net has 31 M parameters on 128 x 128 rolls; on this CPU a
64-pitch window with 16 base channels (0.48 M parameters) trains in the time
budget and runs one pass in a few milliseconds (docs/BENCHMARKS.md has the pass).

Loss (fixing the public sample's bug): per sample, the KL divergence between the
normalised label (the cells where the corrupted roll differs from the original)
and the softmax of the scores over that sample's cells, not over the batch.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def _double_conv(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
    )


class ArcnnUNet(nn.Module):
    def __init__(self, base: int = 16, levels: int = 4) -> None:
        super().__init__()
        chans = [base * 2 ** i for i in range(levels)]
        self.down = nn.ModuleList()
        c_in = 1
        for c in chans:
            self.down.append(_double_conv(c_in, c))
            c_in = c
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        for c in reversed(chans[:-1]):
            self.up.append(nn.ConvTranspose2d(c * 2, c, 2, stride=2))
            self.merge.append(_double_conv(c * 2, c))
        self.out = nn.Conv2d(chans[0], 1, 1)

    def forward(self, roll: torch.Tensor) -> torch.Tensor:
        """roll [batch, 1, steps, pitches] (0/1) -> scores of the same shape.
        steps and pitches must be divisible by 2 ** (levels - 1)."""
        skips = []
        x = roll
        for i, block in enumerate(self.down):
            x = block(x)
            if i < len(self.down) - 1:
                skips.append(x)
                x = F.max_pool2d(x, 2)
        for up, merge in zip(self.up, self.merge):
            x = merge(torch.cat((up(x), skips.pop()), dim=1))
        return self.out(x)


def corrupt(rolls: torch.Tensor, generator: torch.Generator | None = None,
            add_rate: float = 0.01) -> tuple[torch.Tensor, torch.Tensor]:
    """DeepComposer's training pairs: switch off a random 0-100 % of each roll's
    notes and switch on about 1 % of its empty cells. Returns (corrupted, label),
    the label marking the cells that differ from the original."""
    b = rolls.shape[0]
    keep = torch.rand(b, 1, 1, 1, generator=generator)
    off = (torch.rand(rolls.shape, generator=generator) >= keep) & (rolls > 0)
    on = (torch.rand(rolls.shape, generator=generator) < add_rate) & (rolls == 0)
    corrupted = rolls.clone()
    corrupted[off] = 0
    corrupted[on] = 1
    return corrupted, (off | on).float()


def kl_loss(scores: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """Mean over samples of KL(label / sum || softmax(scores)), each over its own
    cells. Samples whose label is empty contribute nothing."""
    b = scores.shape[0]
    logp = F.log_softmax(scores.reshape(b, -1), dim=1)
    target = label.reshape(b, -1)
    mass = target.sum(dim=1, keepdim=True)
    valid = mass.squeeze(1) > 0
    target = target / mass.clamp_min(1)
    kl = (target * (torch.log(target.clamp_min(1e-12)) - logp)).sum(dim=1)
    return kl[valid].mean() if valid.any() else scores.sum() * 0


def export_onnx(model: ArcnnUNet, path: str, steps: int = 128, pitches: int = 64) -> None:
    """One self-contained file: input `roll` [1, 1, steps, pitches] float32 -> `scores`."""
    model.eval()
    dummy = torch.zeros(1, 1, steps, pitches)
    torch.onnx.export(model, (dummy,), path, dynamo=False, opset_version=17,
                      input_names=["roll"], output_names=["scores"])
