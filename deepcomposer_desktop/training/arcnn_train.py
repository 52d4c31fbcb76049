"""Training loop of the AR-CNN mode (DeepComposer's recipe, per-sample loss).

Data: the melody (track 0) of each piece as a binary roll, cut into 8-bar windows
(128 steps of 16ths) over a fixed 64-pitch range; each batch is transposed by a
random -transpose..+transpose semitones (only as far as the window's notes stay in
range) and corrupted afresh (training.arcnn_net.corrupt). Validation: a fixed set of
corrupted validation windows (same seed every time), so the curve is comparable.

The run folder, checkpoints, log and time budget are trainer.Trainer's: the loss
every step, the validation loss every `eval_every` steps and at the end. The weights
with the lowest validation loss so far are kept in best.safetensors, and those are
what gets exported (a small corpus overfits a long run).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..errors import InvalidInputError
from .arcnn_net import ArcnnUNet, corrupt, kl_loss
from .datasets import Dataset
from .trainer import RunConfig, Trainer

STEPS, PITCHES, LOWEST = 128, 64, 36


@dataclass
class ArcnnConfig(RunConfig):
    batch_size: int = 32
    base: int = 16
    transpose: int = 5
    hop: int = 16  # window stride in steps (a bar of 4/4)
    seed: int = 0
    eval_every: int = 100
    val_windows: int = 256
    checkpoint_minutes: float = 3.0
    limit_pieces: int | None = None
    lowest: int = LOWEST
    pitches: int = PITCHES
    steps: int = STEPS
    threads: int | None = None


def melody_windows(data: Dataset, pieces: np.ndarray, lowest: int = LOWEST,
                   pitches: int = PITCHES, steps: int = STEPS, hop: int = 32) -> np.ndarray:
    """(W, steps, pitches) bool windows of the melody track with at least 4 notes'
    worth of sound; the last window of a piece is padded with silence."""
    out = []
    for piece in pieces:
        roll = data.piece_rolls(int(piece), lowest, pitches)[0]
        for s in range(0, max(roll.shape[0] - steps + hop, 1), hop):
            w = roll[s:s + steps]
            if w.shape[0] < steps:
                w = np.pad(w, ((0, steps - w.shape[0]), (0, 0)))
            if w.sum() >= 16:
                out.append(w)
    return np.stack(out) if out else np.zeros((0, steps, pitches), bool)


def transpose_batch(batch: np.ndarray, rng: np.random.Generator, most: int) -> np.ndarray:
    """Shift each window by a random amount that keeps all its notes in range."""
    out = np.zeros_like(batch)
    for i, w in enumerate(batch):
        used = np.nonzero(w.any(axis=0))[0]
        lo = -min(most, int(used.min())) if len(used) else 0
        hi = min(most, w.shape[1] - 1 - int(used.max())) if len(used) else 0
        shift = int(rng.integers(lo, hi + 1))
        out[i] = np.roll(w, shift, axis=1)
    return out


class ArcnnTrainer(Trainer):
    label = "arcnn"
    score = "val_loss"
    shown = ("loss", "val_loss")

    def __init__(self, cfg: ArcnnConfig, data: Dataset, progress: bool = False) -> None:
        super().__init__(cfg, data, progress)
        self.lowest = cfg.lowest
        self.train_pieces = data.split("train")
        self.val_pieces = data.split("validation")
        self.test_pieces = data.split("test")
        self.train = melody_windows(data, self.train_pieces, cfg.lowest, cfg.pitches, cfg.steps, cfg.hop)
        val = melody_windows(data, self.val_pieces, cfg.lowest, cfg.pitches, cfg.steps, cfg.hop)
        if len(self.train) == 0:
            raise InvalidInputError("no training windows: the dataset's melodies are too short "
                                    "or empty")
        self.val = val[:cfg.val_windows] if len(val) else self.train[:min(len(self.train), 32)]
        self.model = ArcnnUNet(base=cfg.base)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.resume({"model": self.model}, {"opt": self.opt})
        self.rng = np.random.default_rng(cfg.seed + self.step)
        self.gen = torch.Generator().manual_seed(cfg.seed + self.step)  # corruption

    @property
    def steps_per_epoch(self) -> int:
        return max(1, len(self.train) // self.cfg.batch_size)

    @property
    def total_steps(self) -> int:
        return self.cfg.epochs * self.steps_per_epoch

    @property
    def epoch(self) -> int:
        return self.step // self.steps_per_epoch

    def position(self) -> dict:
        return {"epoch": self.epoch}

    def train_step(self, elapsed: float) -> dict:
        idx = self.rng.integers(0, len(self.train), self.cfg.batch_size)
        batch = transpose_batch(self.train[idx], self.rng, self.cfg.transpose)
        rolls = torch.from_numpy(batch).float().unsqueeze(1)
        corrupted, label = corrupt(rolls, self.gen)
        loss = kl_loss(self.model(corrupted), label)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.last_loss = loss.item()
        return {"loss": round(self.last_loss, 5)}

    def validate(self) -> float:
        self.model.eval()
        gen = torch.Generator().manual_seed(1234)
        losses = []
        with torch.no_grad():
            for i in range(0, len(self.val), 64):
                rolls = torch.from_numpy(self.val[i:i + 64]).float().unsqueeze(1)
                corrupted, label = corrupt(rolls, gen)
                losses.append(float(kl_loss(self.model(corrupted), label)) * len(rolls))
        self.model.train()
        return sum(losses) / len(self.val)

    def summary(self) -> dict:
        return {"epochs": round(self.step / self.steps_per_epoch, 2), "train_loss": self.last_loss,
                "val_loss": self.val_score, "train_windows": int(len(self.train))}
