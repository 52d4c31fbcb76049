"""Training loop of the Transformer mode: next-event prediction on performance tokens.

AdamW, linear warm-up then cosine decay to 10 % (the schedule's clock is the larger
of step / total steps and elapsed / `max_minutes`, so a wall-time-bounded run still
anneals), gradient clipping at 1.0. Loss = cross-entropy in nats per event.

Validation and test NLL are measured on fixed sets of sequences of the held-out
pieces (same seed each time, no transposition, random tempi): comparable across
evaluations. Logs are JSON lines in <run>/log.jsonl, checkpoints safetensors,
and the same run folder resumes. The weights with the lowest validation NLL so
far are kept in best.safetensors; those are exported.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..fileio import atomic_write_text
from .checkpoint import load_checkpoint, save_checkpoint
from .datasets import Dataset
from .transformer_data import Augment, TokenSampler
from .transformer_net import PerformanceTransformer, TransformerConfig


@dataclass
class TransformerTrainConfig:
    dataset: str
    run_dir: str
    epochs: int = 20  # an epoch = as many tokens as the training pieces hold
    max_minutes: float | None = None
    lr: float = 1e-3
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

    def to_dict(self) -> dict:
        return asdict(self)


class TransformerTrainer:
    def __init__(self, cfg: TransformerTrainConfig, data: Dataset, progress: bool = False) -> None:
        self.cfg, self.data, self.progress = cfg, data, progress
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        self.run = Path(cfg.run_dir)
        self.run.mkdir(parents=True, exist_ok=True)
        n = cfg.seq_len + 1
        self.train = TokenSampler(data, data.split("train"), n)
        held_out = Augment(transpose=0)
        val, test = data.split("validation"), data.split("test")
        self.val = TokenSampler(data, val if len(val) else data.split("train"), n, held_out)
        self.test = TokenSampler(data, test if len(test) else data.split("train"), n, held_out)
        self.train_tokens = sum(len(self.train.tokens(np.random.default_rng(0), p, True))
                                for p in self.train.pieces)
        torch.manual_seed(cfg.seed)
        self.model = PerformanceTransformer(cfg.net)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr,
                                     weight_decay=cfg.weight_decay, betas=(0.9, 0.98))
        self.step, self.seconds, self.tokens_seen = 0, 0.0, 0
        self.last_loss: float | None = None
        self.val_nll: float | None = None
        self.ckpt = self.run / "checkpoint.safetensors"
        self.best_path = self.run / "best.safetensors"
        self.best: dict = {}
        self.trained_config = cfg.to_dict()  # what the weights were trained with
        if self.ckpt.exists():
            meta = load_checkpoint(self.ckpt, {"model": self.model}, {"opt": self.opt})
            self.step, self.seconds = meta["step"], meta["seconds"]
            self.tokens_seen, self.val_nll = meta["tokens_seen"], meta.get("val_nll")
            self.last_loss = meta.get("last_loss")
            self.trained_config = meta.get("config", self.trained_config)
            self.best = meta.get("best", {})
        self.rng = np.random.default_rng(cfg.seed + self.step)

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

    def save(self) -> None:
        save_checkpoint(self.ckpt, {"model": self.model}, {"opt": self.opt},
                        {"step": self.step, "seconds": self.seconds, "tokens_seen": self.tokens_seen,
                         "val_nll": self.val_nll, "last_loss": self.last_loss,
                         "config": self.trained_config, "best": self.best})

    def _maybe_best(self) -> None:
        if self.val_nll is not None and self.val_nll < self.best.get("val_nll", float("inf")):
            self.best = {"step": self.step, "val_nll": self.val_nll,
                         "tokens_seen": self.tokens_seen, "seconds": round(self.seconds, 1)}
            save_checkpoint(self.best_path, {"model": self.model}, {}, {"best": self.best})

    def load_best(self) -> None:
        """Use the weights of the best validation NLL (for export)."""
        if self.best_path.exists():
            self.best = load_checkpoint(self.best_path, {"model": self.model})["best"]

    def fit(self) -> dict:
        cfg = self.cfg
        total = self.total_steps
        start = time.monotonic() - self.seconds
        last_ckpt = time.monotonic()
        self.model.train()
        with open(self.run / "log.jsonl", "a", encoding="utf-8") as log:
            def write(record: dict) -> None:
                log.write(json.dumps(record) + "\n")
                log.flush()
                if self.progress:
                    print(json.dumps(record), flush=True)

            while self.step < total:
                elapsed = time.monotonic() - start
                if cfg.max_minutes is not None and elapsed > cfg.max_minutes * 60:
                    break
                lr = self.lr_at(self.step, elapsed)
                for group in self.opt.param_groups:
                    group["lr"] = lr
                x = torch.from_numpy(self.train.batch(self.rng, cfg.batch_size))
                loss = self.model.loss(x)
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.clip)
                self.opt.step()
                self.step += 1
                self.tokens_seen += int((x[:, 1:] != 0).sum())
                self.last_loss = loss.item()
                self.seconds = time.monotonic() - start
                record = {"step": self.step, "loss": round(self.last_loss, 4), "lr": round(lr, 6),
                          "tokens": self.tokens_seen, "seconds": round(self.seconds, 1)}
                if self.step % cfg.eval_every == 0:
                    self.val_nll = self.nll(self.val)
                    record["val_nll"] = round(self.val_nll, 4)
                    self._maybe_best()
                if self.step % 10 == 0 or "val_nll" in record:
                    write(record)
                else:
                    log.write(json.dumps(record) + "\n")
                if time.monotonic() - last_ckpt > cfg.checkpoint_minutes * 60:
                    self.save()
                    last_ckpt = time.monotonic()
            self.val_nll = self.nll(self.val)
            self._maybe_best()
            write({"step": self.step, "val_nll": round(self.val_nll, 4),
                   "seconds": round(self.seconds, 1)})
        self.save()
        summary = {"steps": self.step, "tokens_seen": self.tokens_seen,
                   "epochs": round(self.tokens_seen / max(self.train_tokens, 1), 2),
                   "seconds": round(self.seconds, 1), "train_nll": self.last_loss,
                   "val_nll": self.val_nll, "train_tokens_per_epoch": self.train_tokens}
        atomic_write_text(self.run / "summary.json", json.dumps(summary, indent=1))
        return summary
