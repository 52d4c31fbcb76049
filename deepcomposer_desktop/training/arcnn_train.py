"""Training loop of the AR-CNN mode (DeepComposer's recipe, per-sample loss).

Data: the melody (track 0) of each piece as a binary roll, cut into 8-bar windows
(128 steps of 16ths) over a fixed 64-pitch range; each batch is transposed by a
random -transpose..+transpose semitones (only as far as the window's notes stay in
range) and corrupted afresh (training.arcnn_net.corrupt). Validation: a fixed set of
corrupted validation windows (same seed every time), so the curve is comparable.

Logs are JSON lines in <run>/log.jsonl (the loss every step; the validation loss
every `eval_every` steps); a safetensors checkpoint every `checkpoint_minutes` and
at the end; the same run folder resumes. `max_minutes` bounds the wall time.
The weights with the lowest validation loss so far are kept in best.safetensors,
and those are what gets exported (a small corpus overfits a long run).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from ..fileio import atomic_write_text
from .arcnn_net import ArcnnUNet, corrupt, kl_loss
from .checkpoint import load_checkpoint, save_checkpoint
from .datasets import Dataset

STEPS, PITCHES, LOWEST = 128, 64, 36


@dataclass
class ArcnnConfig:
    dataset: str
    run_dir: str
    epochs: int = 20
    max_minutes: float | None = None
    lr: float = 1e-3
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

    def to_dict(self) -> dict:
        return asdict(self)


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


class ArcnnTrainer:
    def __init__(self, cfg: ArcnnConfig, data: Dataset, progress: bool = False) -> None:
        self.cfg, self.data, self.progress = cfg, data, progress
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        self.run = Path(cfg.run_dir)
        self.run.mkdir(parents=True, exist_ok=True)
        self.lowest = cfg.lowest
        self.train_pieces = data.split("train")
        self.val_pieces = data.split("validation")
        self.test_pieces = data.split("test")
        self.train = melody_windows(data, self.train_pieces, cfg.lowest, cfg.pitches, cfg.steps, cfg.hop)
        val = melody_windows(data, self.val_pieces, cfg.lowest, cfg.pitches, cfg.steps, cfg.hop)
        if len(self.train) == 0:
            raise ValueError("no training windows: the dataset's melodies are too short or empty")
        self.val = val[:cfg.val_windows] if len(val) else self.train[:min(len(self.train), 32)]
        torch.manual_seed(cfg.seed)
        self.model = ArcnnUNet(base=cfg.base)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.step, self.epoch, self.seconds = 0, 0, 0.0
        self.last_loss: float | None = None
        self.val_loss: float | None = None
        self.ckpt = self.run / "checkpoint.safetensors"
        self.best_path = self.run / "best.safetensors"
        self.best: dict = {}  # step and val_loss of best.safetensors
        self.trained_config = cfg.to_dict()  # what the weights were trained with
        if self.ckpt.exists():
            meta = load_checkpoint(self.ckpt, {"model": self.model}, {"opt": self.opt})
            self.step, self.epoch = meta["step"], meta["epoch"]
            self.seconds, self.val_loss = meta["seconds"], meta.get("val_loss")
            self.last_loss = meta.get("last_loss")
            self.trained_config = meta.get("config", self.trained_config)
            self.best = meta.get("best", {})
        self.rng = np.random.default_rng(cfg.seed + self.step)

    @property
    def steps_per_epoch(self) -> int:
        return max(1, len(self.train) // self.cfg.batch_size)

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

    def save(self) -> None:
        save_checkpoint(self.ckpt, {"model": self.model}, {"opt": self.opt},
                        {"step": self.step, "epoch": self.epoch, "seconds": self.seconds,
                         "val_loss": self.val_loss, "last_loss": self.last_loss,
                         "config": self.trained_config, "best": self.best})

    def _maybe_best(self) -> None:
        if self.val_loss is not None and self.val_loss < self.best.get("val_loss", float("inf")):
            self.best = {"step": self.step, "val_loss": self.val_loss, "epoch": self.epoch,
                         "seconds": round(self.seconds, 1)}
            save_checkpoint(self.best_path, {"model": self.model}, {}, {"best": self.best})

    def load_best(self) -> None:
        """Use the weights of the best validation loss (for export)."""
        if self.best_path.exists():
            self.best = load_checkpoint(self.best_path, {"model": self.model})["best"]

    def _log(self, fh, record: dict) -> None:
        fh.write(json.dumps(record) + "\n")
        fh.flush()

    def fit(self) -> dict:
        cfg = self.cfg
        total = cfg.epochs * self.steps_per_epoch
        start = time.monotonic() - self.seconds
        last_ckpt = time.monotonic()
        gen = torch.Generator().manual_seed(cfg.seed + self.step)
        self.model.train()
        with open(self.run / "log.jsonl", "a", encoding="utf-8") as log:
            while self.step < total:
                if cfg.max_minutes is not None and time.monotonic() - start > cfg.max_minutes * 60:
                    break
                idx = self.rng.integers(0, len(self.train), cfg.batch_size)
                batch = transpose_batch(self.train[idx], self.rng, cfg.transpose)
                rolls = torch.from_numpy(batch).float().unsqueeze(1)
                corrupted, label = corrupt(rolls, gen)
                loss = kl_loss(self.model(corrupted), label)
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                self.opt.step()
                self.step += 1
                self.epoch = self.step // self.steps_per_epoch
                self.last_loss = loss.item()
                self.seconds = time.monotonic() - start
                record = {"step": self.step, "epoch": self.epoch, "loss": round(self.last_loss, 5),
                          "seconds": round(self.seconds, 1)}
                if self.step % cfg.eval_every == 0 or self.step == total:
                    self.val_loss = self.validate()
                    record["val_loss"] = round(self.val_loss, 5)
                    self._maybe_best()
                self._log(log, record)
                if self.progress and (self.step % 10 == 0 or "val_loss" in record):
                    print(json.dumps(record), flush=True)
                if time.monotonic() - last_ckpt > cfg.checkpoint_minutes * 60:
                    self.save()
                    last_ckpt = time.monotonic()
            if self.val_loss is None or (self.step % cfg.eval_every and self.step != total):
                self.val_loss = self.validate()
                self._maybe_best()
                self._log(log, {"step": self.step, "epoch": self.epoch,
                                "val_loss": round(self.val_loss, 5),
                                "seconds": round(self.seconds, 1)})
        self.save()
        summary = {"steps": self.step, "epochs": round(self.step / self.steps_per_epoch, 2),
                   "seconds": round(self.seconds, 1), "train_loss": self.last_loss,
                   "val_loss": self.val_loss, "train_windows": int(len(self.train))}
        atomic_write_text(self.run / "summary.json", json.dumps(summary, indent=1))
        return summary
