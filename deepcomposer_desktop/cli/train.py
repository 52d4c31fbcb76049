"""`deepcomposer train --mode {gan,arcnn,transformer} --dataset {preset|DIR} ... --output models/ID`.

Trains in a run folder (checkpoints, JSON-lines log, samples; resumes when started
again), then exports models/ID.onnx and its card models/ID.json. Each mode's
trainer module (generation/modes.py names it) offers `run(args)`.
Needs the training extra (PyTorch, music21).
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path

from ..errors import InvalidInputError, MissingResourceError
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
    a = p.add_argument_group("arcnn")
    a.add_argument("--lowest", type=int, help="lowest MIDI pitch of the roll's pitch window")
    a.add_argument("--pitches", type=int,
                   help="pitches in the window, a multiple of 8 (fewer = faster passes)")
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


# Each number option: (lowest, highest, may be left out). Checked before PyTorch loads,
# so a typo costs a second, not a run that fails after training.
LIMITS = {
    "epochs": (1, 100_000, False), "lr": (1e-9, 10.0, False), "update_ratio": (1, 100, False),
    "batch_size": (1, 4096, False), "seed": (0, 2**32 - 1, False),
    "max_minutes": (0.01, 10**6, True), "limit_pieces": (1, 10**6, True),
    "threads": (1, 1024, True), "base_channels": (1, 256, False),
    "recon_weight": (0.0, 10**6, False), "layers": (1, 64, False), "width": (2, 8192, False),
    "heads": (1, 256, False), "lowest": (0, 120, True), "pitches": (8, 128, True),
    "seq_len": (16, 65536, False), "warmup_steps": (0, 10**7, False),
    "min_bpm": (1.0, 1000.0, True), "max_bpm": (1.0, 1000.0, True), "program": (0, 127, True),
}


def check_args(args) -> None:
    """InvalidInputError naming the first option out of its range (a NaN learning rate,
    a batch of 0, heads that do not divide the width...)."""
    for name, (low, high, optional) in LIMITS.items():
        value = getattr(args, name, None)
        flag = "--" + name.replace("_", "-")
        if value is None and optional:
            continue
        if value is None or not math.isfinite(value) or not low <= value <= high:
            raise InvalidInputError(f"{flag} {value}: expected {low:g} to {high:g}")
    if args.width % args.heads or (args.width // args.heads) % 2:
        raise InvalidInputError(f"--heads {args.heads} must divide --width {args.width} into "
                                "heads of an even size (rotary positions)")
    lowest, pitches = args.lowest or 0, args.pitches or 8
    if pitches % 8 or lowest + pitches > 128:
        raise InvalidInputError(f"--pitches {args.pitches} must be a multiple of 8 (the U-Net halves "
                                f"the window three times) and --lowest {args.lowest} + --pitches "
                                "at most 128")
    if args.min_bpm is not None and args.max_bpm is not None and args.min_bpm > args.max_bpm:
        raise InvalidInputError(f"--min-bpm {args.min_bpm:g} is above --max-bpm {args.max_bpm:g}")
    model_id = Path(args.output).name
    if not model_id or model_id.startswith(".") or model_id != model_id.strip():
        raise InvalidInputError(f"--output {args.output!r}: expected a folder and a model id, "
                                "e.g. models/my-model")
    if args.export_only and args.no_export:
        raise InvalidInputError("--export-only and --no-export together do nothing")


def run(args) -> int:
    check_args(args)
    try:
        module = importlib.import_module(MODES[args.mode].trainer)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in ("torch", "music21", "safetensors", "onnx"):
            raise MissingResourceError(
                f"training needs the 'train' extra ({exc.name} is not installed): "
                "pip install 'deepcomposer-desktop[train]'") from exc
        raise
    return module.run(args)
