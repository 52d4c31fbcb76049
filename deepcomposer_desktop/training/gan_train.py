"""Training loop of the GAN accompaniment mode (WGAN-GP, DeepComposer's recipe).

One iteration = `update_ratio` critic steps (each on a fresh batch) + one generator
step; an epoch = one pass of the critic over the training windows. The run folder,
checkpoints, log and time budget are trainer.Trainer's: every iteration logs the
generator and critic losses; every epoch's last also the validation metrics, and a
sample MIDI goes to <run>/samples/. Data-parallel under torchrun (distributed.py).

Beyond the public recipe (both measured in the model cards' training notes): the
critic sees the melody, and the generator loss adds `recon_weight` x L1 to the real
accompaniment (pix2pix-style), which steadies training in a CPU-sized budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F

from ..generation import gan
from ..errors import InvalidInputError
from ..music.composition import DEFAULT_PPQ, Composition
from ..music.keys import Key
from ..music.pianoroll import RollGrid, roll_to_notes
from . import distributed as dist
from .datasets import Dataset, best_lowest, windows
from .evaluation import window_metrics
from .gan_net import Critic, GanConfig, Generator, gradient_penalty
from .trainer import RunConfig, Trainer

# The tracks of a card whose genre has no instruments of its own, and of the samples.
DEFAULT_TRACKS = [(t.name, t.program) for t in gan.DEFAULT_TRACKS]


@dataclass
class TrainConfig(RunConfig):
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


def rolls_to_composition(rolls: np.ndarray, lowest: int, *, title: str = "GAN",
                         tracks=DEFAULT_TRACKS, ppq: int = DEFAULT_PPQ) -> Composition:
    """(4, steps, pitches) bool rolls -> a Composition with one track per roll (samples)."""
    grid = RollGrid(ppq, 4, lowest, rolls.shape[-1])
    comp = Composition(ppq=ppq, title=title)
    for roll, (name, program) in zip(rolls, tracks):
        comp.add_track(name, program, notes=roll_to_notes(roll, grid, velocity=90))
    return comp


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


class GanTrainer(Trainer):
    label = "gan"
    shown = ("g_loss", "d_loss")
    distributed = True

    def __init__(self, cfg: TrainConfig, data: Dataset, progress: bool = True) -> None:
        super().__init__(cfg, data, progress)
        n = cfg.net
        train_pieces = data.split("train")
        self.lowest = best_lowest(data, n.pitches, train_pieces)
        self.train_windows = torch.from_numpy(
            windows(data, train_pieces, self.lowest, n.pitches, n.steps, n.steps // 2))
        val = data.split("validation")
        self.val_windows, self.val_keys = self._keyed_windows(val[:20], 256)
        if len(self.train_windows) == 0:
            raise InvalidInputError(f"dataset {cfg.dataset}: no 2-bar window of its training "
                                    "pieces has both a melody and an accompaniment")
        self.G, self.D = Generator(n), Critic(n)
        dist.broadcast_parameters(self.G)
        dist.broadcast_parameters(self.D)
        self.opt_g = torch.optim.Adam(self.G.parameters(), cfg.lr, betas=cfg.betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), cfg.lr, betas=cfg.betas)
        self.epoch = 0
        self.resume({"G": self.G, "D": self.D}, {"G": self.opt_g, "D": self.opt_d})
        self.rng = torch.Generator().manual_seed(cfg.seed * 1000 + self.rank + self.step)

    def position(self) -> dict:
        return {"epoch": self.epoch}

    def restore(self, meta: dict) -> None:
        self.epoch = meta["epoch"]

    def state(self) -> dict:
        return {"lowest": self.lowest}

    @property
    def steps_per_epoch(self) -> int:
        cfg = self.cfg
        return max(1, len(self.train_windows) // (cfg.batch_size * cfg.update_ratio * self.world))

    @property
    def total_steps(self) -> int:
        return self.steps_per_epoch * self.cfg.epochs

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

    def train_step(self, elapsed: float) -> dict:
        """One iteration: `update_ratio` critic steps, then one generator step."""
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
        return {"g_loss": dist.average_scalar(g_loss.item()),
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

    def validation_due(self) -> bool:
        return self.step % self.steps_per_epoch == 0

    def validate(self) -> dict:
        """At the end of an epoch: the validation metrics and a sample MIDI (rank 0)."""
        self.epoch += 1
        if self.rank:
            return {}
        fields = {"epoch": self.epoch, "validation": self.evaluate()}
        self._write_sample()
        return fields

    def _write_sample(self) -> None:
        if not len(self.val_windows):
            return
        from ..music.midifile import write_midi
        w = self.val_windows[:1]
        rolls = np.concatenate([w[:, :1], self.generate(w[:, 0])], axis=1)[0]
        comp = rolls_to_composition(rolls, self.lowest, title=f"epoch {self.epoch}")
        write_midi(comp, self.run / "samples" / f"epoch_{self.epoch:03d}.mid")

    def summary(self) -> dict:
        return {"epochs": self.epoch, "lowest": self.lowest,
                "iterations_per_epoch": self.steps_per_epoch}
