"""The Transformer mode of `deepcomposer train`: arguments -> token sampler -> trainer -> export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .gan_cli import load_dataset
from .transformer_net import TransformerConfig
from .transformer_train import TransformerTrainConfig, TransformerTrainer


def run(args) -> int:
    out = Path(args.output)
    model_id = out.name
    net = TransformerConfig(d_model=args.width, n_layers=args.layers, n_heads=args.heads,
                            d_ff=4 * args.width, max_len=args.seq_len)
    cfg = TransformerTrainConfig(dataset=args.dataset,
                                 run_dir=args.run_dir or str(Path("runs") / model_id),
                                 epochs=args.epochs, max_minutes=args.max_minutes, lr=args.lr,
                                 warmup_steps=args.warmup_steps, batch_size=args.batch_size,
                                 seq_len=args.seq_len, seed=args.seed,
                                 limit_pieces=args.limit_pieces, threads=args.threads, net=net)
    data = load_dataset(args)
    trainer = TransformerTrainer(cfg, data, progress=not args.no_progress)
    if not args.export_only:
        summary = trainer.fit()
        print(json.dumps({"trained": summary}), file=sys.stderr)
    if not args.no_export:
        from .transformer_export import export_model
        card = export_model(trainer, out.parent, model_id, genre=args.genre or args.dataset)
        print(json.dumps({"model": str(out) + ".onnx", "metrics": card["metrics"]}, indent=1))
    return 0
