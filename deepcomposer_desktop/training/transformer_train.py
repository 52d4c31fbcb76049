"""Training loop of the Transformer mode: next-event prediction on performance tokens.

AdamW, linear warm-up then cosine decay to 10 % (the schedule's clock is the larger
of step / total steps and elapsed / `max_minutes`, so a wall-time-bounded run still
anneals), gradient clipping at 1.0. Loss = cross-entropy in nats per event.

Validation and test NLL are measured on fixed sets of sequences of the held-out
pieces (same seed each time, no transposition, random tempi): comparable across
evaluations. The run folder, checkpoints, log and time budget are trainer.Trainer's;
the weights with the lowest validation NLL so far are kept in best.safetensors, and
those are exported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from .datasets import Dataset
from .trainer import RunConfig, Trainer
from .transformer_data import Augment, TokenSampler
from .transformer_net import PerformanceTransformer, TransformerConfig


@dataclass
class TransformerTrainConfig(RunConfig):
    """`epochs`: an epoch = as many tokens as the training pieces hold."""
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.01
    warmup_steps: int = 200
    batch_size: int = 16
    seq_len: int = 256
    clip: float = 1.0
    seed: int = 0
    eval_every: int = 200
    eval_sequences: int = 64
    checkpoint_minutes: float = 3.0
    limit_pieces: int | None = None
    threads: int | None = None
    net: TransformerConfig = field(default_factory=TransformerConfig)


class TransformerTrainer(Trainer):
    label = "transformer"
    score = "val_nll"
    shown = ("loss", "val_nll")

    def __init__(self, cfg: TransformerTrainConfig, data: Dataset, progress: bool = False) -> None:
        super().__init__(cfg, data, progress)
        n = cfg.seq_len + 1
        self.train = TokenSampler(data, data.split("train"), n)
        held_out = Augment(transpose=0)
        val, test = data.split("validation"), data.split("test")
        self.val = TokenSampler(data, val if len(val) else data.split("train"), n, held_out)
        self.test = TokenSampler(data, test if len(test) else data.split("train"), n, held_out)
        self.train_tokens = sum(len(self.train.tokens(np.random.default_rng(0), p, True))
                                for p in self.train.pieces)
        self.model = PerformanceTransformer(cfg.net)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr,
                                     weight_decay=cfg.weight_decay, betas=(0.9, 0.98))
        self.tokens_seen = 0
        self.resume({"model": self.model}, {"opt": self.opt})
        self.rng = np.random.default_rng(cfg.seed + self.step)

    def position(self) -> dict:
        return {"tokens_seen": self.tokens_seen}

    def restore(self, meta: dict) -> None:
        self.tokens_seen = meta["tokens_seen"]

    @property
    def total_steps(self) -> int:
        per_step = self.cfg.batch_size * self.cfg.seq_len
        return max(1, self.cfg.epochs * self.train_tokens // per_step)

    def lr_at(self, step: int, seconds: float) -> float:
        cfg = self.cfg
        if step < cfg.warmup_steps:
            return cfg.lr * (step + 1) / cfg.warmup_steps
        done = (step - cfg.warmup_steps) / max(1, self.total_steps - cfg.warmup_steps)
        if cfg.max_minutes:
            done = max(done, seconds / (cfg.max_minutes * 60))
        done = min(done, 1.0)
        floor = cfg.min_lr_ratio
        return cfg.lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * done)))

    def nll(self, sampler: TokenSampler, sequences: int | None = None, seed: int = 4321) -> float:
        """Mean negative log-likelihood per event (nats) on a fixed set of sequences."""
        rng = np.random.default_rng(seed)
        batch = torch.from_numpy(sampler.batch(rng, sequences or self.cfg.eval_sequences))
        self.model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for i in range(0, len(batch), 16):
                x = batch[i:i + 16]
                n = int((x[:, 1:] != 0).sum())
                total += float(self.model.loss(x)) * n
                count += n
        self.model.train()
        return total / max(count, 1)

    def train_step(self, elapsed: float) -> dict:
        cfg = self.cfg
        lr = self.lr_at(self.step, elapsed)
        for group in self.opt.param_groups:
            group["lr"] = lr
        x = torch.from_numpy(self.train.batch(self.rng, cfg.batch_size))
        loss = self.model.loss(x)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.clip)
        self.opt.step()
        self.tokens_seen += int((x[:, 1:] != 0).sum())
        self.last_loss = loss.item()
        return {"loss": round(self.last_loss, 4), "lr": round(lr, 6)}

    def validate(self) -> float:
        return self.nll(self.val)

    def summary(self) -> dict:
        return {"tokens_seen": self.tokens_seen,
                "epochs": round(self.tokens_seen / max(self.train_tokens, 1), 2),
                "train_nll": self.last_loss, "val_nll": self.val_score,
                "train_tokens_per_epoch": self.train_tokens}
