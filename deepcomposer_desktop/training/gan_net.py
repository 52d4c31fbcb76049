"""The GAN accompaniment networks, after AWS DeepComposer's published design.

Generator: a U-Net over the melody roll (1 x steps x pitches) with noise joined at
the bottleneck; 4 down blocks (Conv 4x4 stride 2, LeakyReLU 0.2, BatchNorm with
Keras' momentum 0.8 = PyTorch 0.2), 3 up blocks with skips, and a transposed conv
to the 3 accompaniment tracks with tanh. Critic: 4 convs + a dense layer; unlike the
public sample it also sees the melody (a conditional critic), so it can judge the
accompaniment against the tune. Loss: WGAN-GP (penalty 10).

Sizes: DeepComposer uses 32 x 128 windows and 64 base channels (5.9 M generator
parameters); on this 2-core CPU a 32 x 64 window with 16-32 base channels is what
trains in the budget (about 0.7 s an iteration at 16 channels on 2 cores).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class GanConfig:
    steps: int = 32  # 2 bars of 4/4 at 4 steps per beat
    pitches: int = 64
    base: int = 16
    noise_channels: int = 8
    accompaniment_tracks: int = 3

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def noise_shape(self) -> tuple[int, int, int]:
        return (self.noise_channels, self.steps // 16, self.pitches // 16)


def _down(c_in: int, c_out: int, norm: bool = True) -> nn.Sequential:
    layers = [nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
    if norm:
        layers.append(nn.BatchNorm2d(c_out, momentum=0.2))
    return nn.Sequential(*layers)


def _up(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1),
                         nn.BatchNorm2d(c_out, momentum=0.2), nn.ReLU())


class Generator(nn.Module):
    def __init__(self, cfg: GanConfig = GanConfig()) -> None:
        super().__init__()
        self.cfg = cfg
        b = cfg.base
        self.d1, self.d2 = _down(1, b, norm=False), _down(b, 2 * b)
        self.d3, self.d4 = _down(2 * b, 4 * b), _down(4 * b, 8 * b)
        self.u1 = _up(8 * b + cfg.noise_channels, 4 * b)
        self.u2 = _up(8 * b, 2 * b)
        self.u3 = _up(4 * b, b)
        self.out = nn.ConvTranspose2d(2 * b, cfg.accompaniment_tracks, 4, stride=2, padding=1)

    def forward(self, melody: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """melody (B, 1, steps, pitches) in {-1, 1}; noise (B, *noise_shape) -> (B, 3, steps, pitches)."""
        x1 = self.d1(melody)
        x2 = self.d2(x1)
        x3 = self.d3(x2)
        x4 = self.d4(x3)
        y = self.u1(torch.cat([x4, noise], 1))
        y = self.u2(torch.cat([y, x3], 1))
        y = self.u3(torch.cat([y, x2], 1))
        return torch.tanh(self.out(torch.cat([y, x1], 1)))


class Critic(nn.Module):
    def __init__(self, cfg: GanConfig = GanConfig()) -> None:
        super().__init__()
        b = cfg.base
        tracks = cfg.accompaniment_tracks + 1
        self.convs = nn.Sequential(
            nn.Conv2d(tracks, b, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(b, 2 * b, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * b, 4 * b, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(4 * b, 8 * b, 4, 2, 1), nn.LeakyReLU(0.2),
        )
        self.dense = nn.Linear(8 * b * (cfg.steps // 16) * (cfg.pitches // 16), 1)

    def forward(self, melody: torch.Tensor, accompaniment: torch.Tensor) -> torch.Tensor:
        x = self.convs(torch.cat([melody, accompaniment], 1))
        return self.dense(x.flatten(1)).squeeze(1)


def gradient_penalty(critic: nn.Module, melody: torch.Tensor, real: torch.Tensor,
                     fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: (|grad D(x_hat)| - 1)^2 on random interpolates of real and fake."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    score = critic(melody, mixed)
    grad, = torch.autograd.grad(score.sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def generator_flops(cfg: GanConfig) -> int:
    """Multiply-adds x 2 of one generator pass (convs only), for the benchmark's floor."""
    model = Generator(cfg)
    total, h, w = 0, cfg.steps, cfg.pitches
    for conv in (model.d1[0], model.d2[0], model.d3[0], model.d4[0]):
        h, w = h // 2, w // 2
        total += 2 * conv.in_channels * conv.out_channels * 16 * h * w
    for up in (model.u1[0], model.u2[0], model.u3[0], model.out):
        total += 2 * up.in_channels * up.out_channels * 16 * h * w  # each input cell x 4x4
        h, w = h * 2, w * 2
    return total


def export_onnx(generator: Generator, path: str) -> None:
    """One self-contained ONNX file, inputs 'melody' and 'noise', output 'accompaniment'."""
    cfg = generator.cfg
    generator = generator.eval()
    melody = torch.zeros(1, 1, cfg.steps, cfg.pitches)
    noise = torch.zeros(1, *cfg.noise_shape)
    tmp = f"{path}.tmp"
    try:
        with torch.no_grad():
            torch.onnx.export(generator, (melody, noise), tmp, input_names=["melody", "noise"],
                              output_names=["accompaniment"], opset_version=17, dynamo=False,
                              dynamic_axes={"melody": {0: "batch"}, "noise": {0: "batch"},
                                            "accompaniment": {0: "batch"}})
        os.replace(tmp, path)  # atomic: a reader never sees half a model
    finally:  # a full disk must not leave half a model behind
        if os.path.exists(tmp):
            os.unlink(tmp)
