"""The GAN mode of `deepcomposer train`: arguments -> dataset -> trainer -> export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import InvalidInputError
from .datasets import PRESETS, FolderFilter, load_folder, load_preset
from .gan_net import GanConfig
from .gan_train import GanTrainer, TrainConfig


def load_dataset(args):
    if args.dataset in PRESETS:
        return load_preset(args.dataset, args.limit_pieces)
    ts = None
    if args.time_signature:
        try:
            num, den = (int(x) for x in args.time_signature.split("/"))
            ts = (num, den)
        except ValueError as exc:
            raise InvalidInputError(f"bad --time-signature {args.time_signature!r}") from exc
    return load_folder(args.dataset, FolderFilter(args.glob, args.folder, args.min_bpm,
                                                  args.max_bpm, ts, args.program))


def run(args) -> int:
    from . import distributed

    out = Path(args.output)
    model_id = out.name
    cfg = TrainConfig(dataset=args.dataset, run_dir=args.run_dir or str(Path("runs") / model_id),
                      epochs=args.epochs, max_minutes=args.max_minutes, lr=args.lr,
                      update_ratio=args.update_ratio, batch_size=args.batch_size,
                      recon_weight=args.recon_weight, seed=args.seed,
                      limit_pieces=args.limit_pieces, net=GanConfig(base=args.base_channels))
    data = load_dataset(args)
    trainer = GanTrainer(cfg, data, progress=not args.no_progress)
    if not args.export_only:
        summary = trainer.fit()
        print(json.dumps({"trained": summary}), file=sys.stderr)
    if trainer.rank == 0 and not args.no_export:
        from .gan_export import export_model
        card = export_model(trainer, out.parent, model_id, genre=args.genre or args.dataset)
        print(json.dumps({"model": str(out) + ".onnx", "metrics": card["metrics"]}, indent=1))
    distributed.shutdown()
    return 0
