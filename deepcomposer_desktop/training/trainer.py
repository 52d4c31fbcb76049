"""The training skeleton every mode shares, and the tail of every mode's command.

A mode subclasses `Trainer`: in its __init__ it calls super().__init__ (seeds, run
folder paths), builds its data and networks, then `resume(modules, optimizers)`
(the names key the checkpoint). It supplies `total_steps`, `train_step(elapsed)`
(one optimisation step; returns the fields it logs), `validate()` and `summary()`,
and where it has them `position()` (progress counters: logged, kept in the
checkpoint and in the best weights' record), `restore(meta)` and `state()`.

`fit()` does the rest the same way for every mode:
- the run folder: config.json (the settings), log.jsonl (one JSON record per step,
  with the validation where one was due), summary.json at the end;
- a resumable safetensors checkpoint (checkpoint.py) every `checkpoint_minutes` and
  at the end; a trainer built on the same run folder resumes from it;
- with a validation `score` (lower is better), the weights of the best score so far
  in best.safetensors (what `load_best` gives the exporter), and a last validation
  at the end if the last step had none;
- the wall-time budget `max_minutes`, and a progress bar (tqdm, rank 0);
- under torchrun (modes with `distributed`), the stop and checkpoint decisions are
  taken by all processes together and rank 0 alone writes.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from ..errors import InvalidInputError, UnwritableOutputError
from ..fileio import atomic_write_text
from . import distributed as dist
from .card import staged_onnx
from .checkpoint import load_checkpoint, save_checkpoint
from .datasets import skipped_text


@dataclass
class RunConfig:
    """The settings every mode's configuration starts with (in the card's order)."""
    dataset: str
    run_dir: str
    epochs: int = 20
    max_minutes: float | None = None  # wall-time budget of the run
    lr: float = 1e-3

    def to_dict(self) -> dict:
        return asdict(self)


class Trainer:
    label = "train"  # the progress bar's
    score: str | None = None  # the validation score's name ("val_loss"): lower keeps the weights
    shown: tuple[str, ...] = ("loss",)  # the record's fields on the progress bar
    distributed = False  # data-parallel under torchrun (the mode averages the gradients)

    def __init__(self, cfg, data, progress: bool = False) -> None:
        self.cfg, self.data, self.progress = cfg, data, progress
        self.rank, self.world = dist.init() if self.distributed else (0, 1)
        if getattr(cfg, "threads", None):
            torch.set_num_threads(cfg.threads)
        torch.manual_seed(cfg.seed)
        self.run = Path(cfg.run_dir)
        self.ckpt = self.run / "checkpoint.safetensors"
        self.best_path = self.run / "best.safetensors"
        self.step, self.seconds = 0, 0.0
        self.last_loss: float | None = None
        self.val_score: float | None = None  # the latest validation score
        self.best: dict = {}  # step, score, position and seconds of best.safetensors
        # The settings the weights were trained with (from the checkpoint when resuming
        # or exporting, the run's own once it trains), which the model card records.
        self.trained_config = cfg.to_dict()
        self.modules: dict[str, torch.nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}

    # What a mode supplies.
    @property
    def total_steps(self) -> int:
        raise NotImplementedError

    def train_step(self, elapsed: float) -> dict:
        """One optimisation step (`elapsed`: seconds of training so far); the record's fields."""
        raise NotImplementedError

    def validate(self):
        """The validation score (a float) where the mode has a `score`, else the fields
        to log (a dict)."""
        raise NotImplementedError

    def validation_due(self) -> bool:
        return self.step % self.cfg.eval_every == 0

    def summary(self) -> dict:
        return {}

    def position(self) -> dict:
        """How far training has gone besides the step (epoch, tokens seen)."""
        return {}

    def restore(self, meta: dict) -> None:
        """Read the mode's own fields back from a checkpoint's metadata."""

    def state(self) -> dict:
        """More metadata for the checkpoint."""
        return {}

    # The skeleton.
    def resume(self, modules: dict, optimizers: dict) -> None:
        """Register the networks and optimisers, and restore them (with the step, time,
        best record and the mode's fields) from the run's checkpoint if it has one."""
        self.modules, self.optimizers = modules, optimizers
        if not self.ckpt.exists():
            return
        try:
            meta = load_checkpoint(self.ckpt, modules, optimizers)
        except Exception as exc:  # noqa: BLE001 -- another configuration's weights, or damaged
            raise InvalidInputError(
                f"the run folder {self.run} holds a checkpoint this run cannot resume "
                f"({' '.join(str(exc).split())[:160]}); choose another --run-dir or remove it") \
                from None
        self.step = meta["step"]
        self.seconds = meta["seconds"] if "seconds" in meta else meta["elapsed"]  # older GAN runs
        self.trained_config = meta.get("config", self.trained_config)
        self.best = meta.get("best", {})
        self.last_loss = meta.get("last_loss")
        if self.score:
            self.val_score = meta.get(self.score)
        self.restore(meta)

    def save(self) -> None:
        if self.rank == 0:
            meta = {"step": self.step, **self.position(), "seconds": self.seconds,
                    "last_loss": self.last_loss, "config": self.trained_config,
                    "best": self.best, **self.state()}
            if self.score:
                meta[self.score] = self.val_score
            save_checkpoint(self.ckpt, self.modules, self.optimizers, meta)
        dist.barrier()

    def load_best(self) -> None:
        """Use the weights of the best validation score, if any were kept (for export)."""
        if self.best_path.exists():
            self.best = load_checkpoint(self.best_path, self.modules)["best"]

    def _validation(self) -> dict:
        result = self.validate()
        if not self.score:
            return result
        self.val_score = result
        if self.rank == 0 and result < self.best.get(self.score, float("inf")):
            self.best = {"step": self.step, self.score: result, **self.position(),
                         "seconds": round(self.seconds, 1)}
            save_checkpoint(self.best_path, self.modules, {}, {"best": self.best})
        return {self.score: round(result, 5)}

    def _together(self, flag: bool) -> bool:
        """A decision all processes take together: yes if any of them says yes."""
        return dist.average_scalar(float(flag)) > 0

    def _emit(self, log, bar, shown: dict, record: dict) -> None:
        if log is not None:
            log.write(json.dumps(record) + "\n")
            log.flush()
        if bar is not None:
            shown.update((k, f"{record[k]:.4g}") for k in self.shown if k in record)
            bar.set_postfix(shown, refresh=False)
            bar.update(min(self.step, bar.total) - bar.n)

    def fit(self) -> dict:
        cfg = self.cfg
        self.run.mkdir(parents=True, exist_ok=True)
        self.trained_config = cfg.to_dict()
        if self.rank == 0:
            atomic_write_text(self.run / "config.json", json.dumps(self.trained_config, indent=1))
        total = self.total_steps
        bar = log = None
        if self.progress and self.rank == 0:
            from tqdm import tqdm
            bar = tqdm(total=total, initial=min(self.step, total), unit="it", desc=self.label)
        if self.rank == 0:
            log = open(self.run / "log.jsonl", "a", encoding="utf-8")
        shown: dict = {}
        start, last_ckpt = time.monotonic() - self.seconds, time.monotonic()
        validated = False
        for module in self.modules.values():
            module.train()
        try:
            while self.step < total:
                elapsed = time.monotonic() - start
                if self._together(cfg.max_minutes is not None and elapsed > cfg.max_minutes * 60):
                    break
                fields = self.train_step(elapsed)
                self.step += 1
                self.seconds = time.monotonic() - start
                record = {"step": self.step, **self.position(), **fields,
                          "seconds": round(self.seconds, 2)}
                validated = self.validation_due()
                if validated:
                    record.update(self._validation())
                self._emit(log, bar, shown, record)
                if self._together(time.monotonic() - last_ckpt > cfg.checkpoint_minutes * 60):
                    self.save()
                    last_ckpt = time.monotonic()
            if self.score and not validated:
                self._emit(log, bar, shown, {"step": self.step, **self.position(),
                                             **self._validation(),
                                             "seconds": round(self.seconds, 2)})
        finally:
            if log is not None:
                log.close()
            if bar is not None:
                bar.close()
        self.save()
        summary = {"steps": self.step, **self.summary(), "seconds": round(self.seconds, 1)}
        if self.rank == 0:
            atomic_write_text(self.run / "summary.json", json.dumps(summary, indent=1))
        return summary


def run_dir(args) -> str:
    """The run folder of a `deepcomposer train` command (default runs/ID)."""
    return args.run_dir or str(Path("runs") / Path(args.output).name)


def train_and_export(args, trainer: Trainer, exporter: str) -> int:
    """What every mode's command does with its trainer: train (unless --export-only),
    then export ONNX and card with the `export_model` of module `exporter` of this
    package (unless --no-export; rank 0 only), printing the training summary to stderr
    and the model's path and metrics to stdout."""
    out = Path(args.output)
    skipped = getattr(trainer.data, "skipped", ())
    if skipped and trainer.rank == 0:  # said before a long run, not after it
        print(f"deepcomposer: {skipped_text(list(skipped), 5)}", file=sys.stderr, flush=True)
    if not args.export_only:
        print(json.dumps({"trained": trainer.fit()}), file=sys.stderr)
    if trainer.rank == 0 and not args.no_export:
        export_model = importlib.import_module(f".{exporter}", __package__).export_model
        try:
            card = export_model(trainer, out.parent, out.name, genre=args.genre or args.dataset)
        except OSError as exc:
            if isinstance(exc, UnwritableOutputError):
                raise
            raise UnwritableOutputError(f"cannot write {out}.onnx: {exc.strerror or exc}") from None
        finally:  # a failed export leaves neither a network without its card nor a half file
            staged_onnx(out.parent, out.name).unlink(missing_ok=True)
        print(json.dumps({"model": str(out) + ".onnx", "metrics": card["metrics"]}, indent=1))
    dist.shutdown()
    return 0
