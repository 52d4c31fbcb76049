"""The AR-CNN mode of `deepcomposer train`: arguments -> melodies -> trainer -> export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .arcnn_train import ArcnnConfig, ArcnnTrainer
from .gan_cli import load_dataset


def run(args) -> int:
    out = Path(args.output)
    model_id = out.name
    cfg = ArcnnConfig(dataset=args.dataset, run_dir=args.run_dir or str(Path("runs") / model_id),
                      epochs=args.epochs, max_minutes=args.max_minutes, lr=args.lr,
                      batch_size=args.batch_size, base=args.base_channels, seed=args.seed,
                      limit_pieces=args.limit_pieces, threads=args.threads)
    data = load_dataset(args)
    trainer = ArcnnTrainer(cfg, data, progress=not args.no_progress)
    if not args.export_only:
        summary = trainer.fit()
        print(json.dumps({"trained": summary}), file=sys.stderr)
    if not args.no_export:
        from .arcnn_export import export_model
        card = export_model(trainer, out.parent, model_id, genre=args.genre or args.dataset)
        print(json.dumps({"model": str(out) + ".onnx", "metrics": card["metrics"]}, indent=1))
    return 0
