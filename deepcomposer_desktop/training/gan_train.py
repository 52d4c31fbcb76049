"""Training loop of the GAN accompaniment mode (WGAN-GP, DeepComposer's recipe).

One iteration = `update_ratio` critic steps (each on a fresh batch) + one generator
step; an epoch = one pass of the critic over the training windows. Logs are JSON
lines in <run>/log.jsonl: every iteration the generator and critic losses; every
epoch the validation metrics and a sample MIDI in <run>/samples/. A checkpoint
(safetensors) is written every `checkpoint_minutes` and at the end; a run started
again with the same run folder resumes from it. `max_minutes` bounds wall time.

Beyond the public recipe (both measured in the model cards' training notes): the
critic sees the melody, and the generator loss adds `recon_weight` x L1 to the real
accompaniment (pix2pix-style), which steadies training in a CPU-sized budget.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from ..fileio import atomic_write_text
from ..generation.evaluation import window_metrics
from ..music.keys import Key
from . import distributed as dist
from .checkpoint import load_checkpoint, save_checkpoint
from .datasets import Dataset, best_lowest, windows
from .gan_net import Critic, GanConfig, Generator, gradient_penalty


@dataclass
class TrainConfig:
    dataset: str
    run_dir: str
    epochs: int = 20
    max_minutes: float | None = None
    lr: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.9)
    update_ratio: int = 5
    batch_size: int = 64
    gp_weight: float = 10.0
    recon_weight: float = 10.0
    transpose: int = 5  # random transposition by -transpose..+transpose semitones
    seed: int = 0
    checkpoint_minutes: float = 2.0
    limit_pieces: int | None = None
    net: GanConfig = field(default_factory=GanConfig)

    def to_dict(self) -> dict:
        return asdict(self)


def _transpose(batch: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """Shift each window's pitches; cells pushed off the range are dropped."""
    out = torch.zeros_like(batch)
    n = batch.shape[-1]
    for i, s in enumerate(shifts.tolist()):
        if s >= 0:
            out[i, ..., s:] = batch[i, ..., :n - s]
        else:
            out[i, ..., :n + s] = batch[i, ..., -s:]
    return out


class GanTrainer:
    def __init__(self, cfg: TrainConfig, data: Dataset, progress: bool = True) -> None:
        self.cfg, self.data, self.progress = cfg, data, progress
        self.rank, self.world = dist.init()
        torch.manual_seed(cfg.seed)
        self.run = Path(cfg.run_dir)
        n = cfg.net
        train_pieces = data.split("train")
        self.lowest = best_lowest(data, n.pitches, train_pieces)
        self.train_windows = torch.from_numpy(
            windows(data, train_pieces, self.lowest, n.pitches, n.steps, n.steps // 2))
        val = data.split("validation")
        self.val_windows, self.val_keys = self._keyed_windows(val[:20], 256)
        if len(self.train_windows) == 0:
            raise ValueError(f"dataset {cfg.dataset}: no training windows")
        self.G, self.D = Generator(n), Critic(n)
        dist.broadcast_parameters(self.G)
        dist.broadcast_parameters(self.D)
        self.opt_g = torch.optim.Adam(self.G.parameters(), cfg.lr, betas=cfg.betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), cfg.lr, betas=cfg.betas)
        self.rng = torch.Generator().manual_seed(cfg.seed * 1000 + self.rank)
        self.step, self.epoch, self.elapsed = 0, 0, 0.0
        # The settings the weights were trained with (from the checkpoint when resuming
        # or exporting), which the model card records.
        self.trained_config = cfg.to_dict()
        self.ckpt = self.run / "checkpoint.safetensors"
        if self.ckpt.exists():
            meta = load_checkpoint(self.ckpt, {"G": self.G, "D": self.D},
                                   {"G": self.opt_g, "D": self.opt_d})
            self.step, self.epoch = meta["step"], meta["epoch"]
            self.elapsed = meta["elapsed"]
            self.trained_config = meta.get("config", self.trained_config)
            self.rng.manual_seed(cfg.seed * 1000 + self.rank + self.step)

    def _keyed_windows(self, pieces, cap: int):
        n = self.cfg.net
        rolls, keys = [], []
        for p in pieces:
            w = windows(self.data, np.array([p]), self.lowest, n.pitches, n.steps, n.steps)
            tonic, minor = self.data.piece_keys[p]
            rolls.append(w)
            keys += [Key(int(tonic), "minor" if minor else "major")] * len(w)
        if not rolls:
            return np.zeros((0, 4, n.steps, n.pitches), bool), []
        return np.concatenate(rolls)[:cap], keys[:cap]

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.randint(len(self.train_windows), (self.cfg.batch_size,), generator=self.rng)
        shifts = torch.randint(-self.cfg.transpose, self.cfg.transpose + 1,
                               (len(idx),), generator=self.rng)
        x = _transpose(self.train_windows[idx], shifts).float() * 2 - 1
        return x[:, :1], x[:, 1:]

    def _noise(self, b: int) -> torch.Tensor:
        return torch.randn(b, *self.cfg.net.noise_shape, generator=self.rng)

    def iteration(self) -> dict:
        cfg = self.cfg
        self.G.train()
        for _ in range(cfg.update_ratio):
            melody, real = self._batch()
            with torch.no_grad():
                fake = self.G(melody, self._noise(len(melody)))
            gp = gradient_penalty(self.D, melody, real, fake)
            wdist = self.D(melody, real).mean() - self.D(melody, fake).mean()
            d_loss = -wdist + cfg.gp_weight * gp
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            dist.average_gradients(self.D)
            self.opt_d.step()
        melody, real = self._batch()
        fake = self.G(melody, self._noise(len(melody)))
        adv = -self.D(melody, fake).mean()
        recon = F.l1_loss(fake, real)
        g_loss = adv + cfg.recon_weight * recon
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        dist.average_gradients(self.G)
        self.opt_g.step()
        self.step += 1
        return {"step": self.step, "g_loss": dist.average_scalar(g_loss.item()),
                "d_loss": dist.average_scalar(d_loss.item()), "gp": round(gp.item(), 5),
                "wasserstein": round(wdist.item(), 5), "recon": round(recon.item(), 5)}

    def generate(self, melodies: np.ndarray, seed: int = 0) -> np.ndarray:
        """(W, steps, pitches) bool melodies -> (W, 3, steps, pitches) bool, eval mode."""
        self.G.eval()
        g = torch.Generator().manual_seed(seed)
        m = torch.from_numpy(melodies[:, None]).float() * 2 - 1
        with torch.no_grad():
            out = self.G(m, torch.randn(len(m), *self.cfg.net.noise_shape, generator=g))
        return out.numpy() > 0

    def evaluate(self) -> dict:
        if not len(self.val_windows):
            return {}
        fake = self.generate(self.val_windows[:, 0])
        rolls = np.concatenate([self.val_windows[:, :1], fake], axis=1)
        return window_metrics(rolls, self.val_keys, self.lowest)

    def _write_sample(self) -> None:
        if not len(self.val_windows):
            return
        from ..generation.gan import rolls_to_composition
        from ..music.midifile import write_midi
        w = self.val_windows[:1]
        rolls = np.concatenate([w[:, :1], self.generate(w[:, 0])], axis=1)[0]
        comp = rolls_to_composition(rolls, self.lowest, title=f"epoch {self.epoch}")
        write_midi(comp, self.run / "samples" / f"epoch_{self.epoch:03d}.mid")

    def _log(self, record: dict) -> None:
        if self.rank == 0:
            with open(self.run / "log.jsonl", "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")

    def save(self) -> None:
        self.trained_config = self.cfg.to_dict()
        if self.rank == 0:
            save_checkpoint(self.ckpt, {"G": self.G, "D": self.D},
                            {"G": self.opt_g, "D": self.opt_d},
                            {"step": self.step, "epoch": self.epoch, "elapsed": self.elapsed,
                             "lowest": self.lowest, "config": self.cfg.to_dict()})
        dist.barrier()

    def fit(self) -> dict:
        cfg = self.cfg
        self.run.mkdir(parents=True, exist_ok=True)
        if self.rank == 0:
            atomic_write_text(self.run / "config.json", json.dumps(cfg.to_dict(), indent=1))
        per_epoch = max(1, len(self.train_windows) // (cfg.batch_size * cfg.update_ratio
                                                        * self.world))
        total = per_epoch * cfg.epochs
        bar = None
        if self.progress and self.rank == 0:
            from tqdm import tqdm
            bar = tqdm(total=total, initial=min(self.step, total), unit="it", desc="gan")
        start, last_ckpt = time.monotonic() - self.elapsed, time.monotonic()
        while self.step < total:
            budget_over = cfg.max_minutes is not None and self.elapsed > cfg.max_minutes * 60
            if dist.average_scalar(float(budget_over)) > 0:  # all ranks stop together
                break
            rec = self.iteration()
            self.elapsed = time.monotonic() - start
            rec.update(epoch=self.epoch, seconds=round(self.elapsed, 2))
            self._log(rec)
            if bar:
                bar.update(1)
                bar.set_postfix(g=f"{rec['g_loss']:.3f}", d=f"{rec['d_loss']:.3f}")
            if self.step % per_epoch == 0:
                self.epoch += 1
                if self.rank == 0:
                    self._log({"epoch": self.epoch, "step": self.step,
                               "validation": self.evaluate()})
                    self._write_sample()
            due = time.monotonic() - last_ckpt > cfg.checkpoint_minutes * 60
            if dist.average_scalar(float(due)) > 0:
                self.save()
                last_ckpt = time.monotonic()
        self.save()
        if bar:
            bar.close()
        return {"steps": self.step, "epochs": self.epoch, "seconds": round(self.elapsed, 1),
                "lowest": self.lowest, "iterations_per_epoch": per_epoch}
