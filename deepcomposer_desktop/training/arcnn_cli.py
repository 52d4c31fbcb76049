"""The AR-CNN mode of `deepcomposer train`: arguments -> melodies -> trainer -> export."""

from __future__ import annotations

from .arcnn_train import ArcnnConfig, ArcnnTrainer
from .datasets import load_dataset
from .trainer import run_dir, train_and_export


def run(args) -> int:
    cfg = ArcnnConfig(dataset=args.dataset, run_dir=run_dir(args), epochs=args.epochs,
                      max_minutes=args.max_minutes, lr=args.lr, batch_size=args.batch_size,
                      base=args.base_channels, seed=args.seed, limit_pieces=args.limit_pieces,
                      threads=args.threads,
                      **{k: getattr(args, k) for k in ("lowest", "pitches") if getattr(args, k) is not None})
    trainer = ArcnnTrainer(cfg, load_dataset(args), progress=not args.no_progress)
    return train_and_export(args, trainer, "arcnn_export")
