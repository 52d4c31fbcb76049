"""The Transformer mode of `deepcomposer train`: arguments -> token sampler -> trainer -> export."""

from __future__ import annotations

from .datasets import load_dataset
from .trainer import run_dir, train_and_export
from .transformer_net import TransformerConfig
from .transformer_train import TransformerTrainConfig, TransformerTrainer


def run(args) -> int:
    net = TransformerConfig(d_model=args.width, n_layers=args.layers, n_heads=args.heads,
                            d_ff=4 * args.width, max_len=args.seq_len)
    cfg = TransformerTrainConfig(dataset=args.dataset, run_dir=run_dir(args), epochs=args.epochs,
                                 max_minutes=args.max_minutes, lr=args.lr,
                                 warmup_steps=args.warmup_steps, batch_size=args.batch_size,
                                 seq_len=args.seq_len, seed=args.seed,
                                 limit_pieces=args.limit_pieces, threads=args.threads, net=net)
    trainer = TransformerTrainer(cfg, load_dataset(args), progress=not args.no_progress)
    return train_and_export(args, trainer, "transformer_export")
