"""`deepcomposer train --mode {gan,arcnn,transformer} --dataset {preset|DIR} ... --output models/ID`.

Trains in a run folder (checkpoints, JSON-lines log, samples; resumes when started
again), then exports models/ID.onnx and its card models/ID.json. Each mode's
trainer module (generation/modes.py names it) offers `run(args)`.
Needs the training extra (PyTorch, music21).
"""

from __future__ import annotations

import importlib

from ..errors import MissingResourceError
from ..generation.modes import MODES


def register(subparsers) -> None:
    p = subparsers.add_parser("train", help="train a model on a corpus preset or a MIDI folder")
    p.add_argument("--mode", choices=list(MODES), default="gan")
    p.add_argument("--dataset", required=True,
                   help="bach-chorales | string-quartets | palestrina | monteverdi | trecento"
                        " | a folder")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--update-ratio", type=int, default=5, help="critic steps per generator step")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", required=True, help="models/ID: writes ID.onnx and ID.json")
    p.add_argument("--run-dir", help="checkpoints and logs (default runs/ID)")
    p.add_argument("--max-minutes", type=float, help="stop training after this wall time")
    p.add_argument("--limit-pieces", type=int, help="use at most N pieces (quick trials)")
    p.add_argument("--threads", type=int, help="PyTorch threads (default: all cores)")
    p.add_argument("--base-channels", type=int, default=16, help="U-Net width (gan, arcnn)")
    p.add_argument("--recon-weight", type=float, default=10.0,
                   help="L1 weight to the real accompaniment (0 = pure WGAN-GP)")
    t = p.add_argument_group("transformer")
    t.add_argument("--layers", type=int, default=4)
    t.add_argument("--width", type=int, default=256, help="model width (embedding size)")
    t.add_argument("--heads", type=int, default=4)
    t.add_argument("--seq-len", type=int, default=512, help="training window in tokens")
    t.add_argument("--warmup-steps", type=int, default=500)
    p.add_argument("--genre", help="genre label for the card (default: the dataset name)")
    p.add_argument("--no-export", action="store_true", help="train only")
    p.add_argument("--export-only", action="store_true", help="export the run's checkpoint")
    p.add_argument("--no-progress", action="store_true")
    f = p.add_argument_group("folder filters (dataset tags, for --dataset DIR)")
    f.add_argument("--glob", help="file name pattern, e.g. '*reel*'")
    f.add_argument("--folder", help="only files under a sub-folder of this name")
    f.add_argument("--min-bpm", type=float)
    f.add_argument("--max-bpm", type=float)
    f.add_argument("--time-signature", help="e.g. 3/4")
    f.add_argument("--program", type=int, help="a GM program (0-127) some track must use")


def run(args) -> int:
    try:
        module = importlib.import_module(MODES[args.mode].trainer)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in ("torch", "music21", "safetensors", "onnx"):
            raise MissingResourceError(
                f"training needs the 'train' extra ({exc.name} is not installed): "
                "pip install 'deepcomposer-desktop[train]'") from exc
        raise
    return module.run(args)
