"""The GAN mode of `deepcomposer train`: arguments -> dataset -> trainer -> export."""

from __future__ import annotations

from .datasets import load_dataset
from .gan_net import GanConfig
from .gan_train import GanTrainer, TrainConfig
from .trainer import run_dir, train_and_export


def run(args) -> int:
    cfg = TrainConfig(dataset=args.dataset, run_dir=run_dir(args), epochs=args.epochs,
                      max_minutes=args.max_minutes, lr=args.lr, update_ratio=args.update_ratio,
                      batch_size=args.batch_size, recon_weight=args.recon_weight, seed=args.seed,
                      limit_pieces=args.limit_pieces, net=GanConfig(base=args.base_channels))
    trainer = GanTrainer(cfg, load_dataset(args), progress=not args.no_progress)
    return train_and_export(args, trainer, "gan_export")
