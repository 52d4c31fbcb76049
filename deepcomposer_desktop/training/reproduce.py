"""`make models`: the exact commands that rebuild every shipped model, run one after
another (python -m deepcomposer_desktop.training.reproduce [--only ID] [--dry-run]).

Each run is bounded by wall time (`--max-minutes`), so on a faster machine it gets
through more iterations; the card of each shipped model records the iterations,
epochs and seconds it actually had. Runs resume from runs/ID/ when interrupted.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys

MINUTES = 17
# (model id, dataset preset, minutes or None for `minutes`). The first four were
# trained in 17 minutes on a machine that ran about 3x faster than the one the
# trecento model had 55 minutes on (the cards record 1 600-4 200 iterations).
SHIPPED = [
    ("gan-bach-chorales", "bach-chorales", None),
    ("gan-string-quartets", "string-quartets", None),
    ("gan-palestrina", "palestrina", None),
    ("gan-monteverdi", "monteverdi", None),
    ("gan-trecento", "trecento", 55),
]


# The AR-CNN and the Transformer were trained side by side, one thread each.
ARCNN = ["deepcomposer", "train", "--mode", "arcnn", "--dataset", "bach-chorales",
         "--epochs", "1000", "--max-minutes", "60", "--lr", "1e-3", "--batch-size", "32",
         "--base-channels", "16", "--seed", "0", "--threads", "1", "--no-progress",
         "--output", "models/arcnn-bach-chorales"]
TRANSFORMER = ["deepcomposer", "train", "--mode", "transformer", "--dataset", "bach-chorales",
               "--epochs", "1000", "--max-minutes", "100", "--lr", "1e-3", "--batch-size", "16",
               "--seq-len", "256", "--width", "256", "--layers", "4", "--heads", "4",
               "--warmup-steps", "300", "--seed", "0", "--threads", "1", "--no-progress",
               "--output", "models/transformer-bach-chorales"]


# The melody Transformer: a narrower net on single lines (chorale sopranos and folk songs).
TRANSFORMER_MELODIES = ["deepcomposer", "train", "--mode", "transformer", "--dataset", "melodies",
                        "--epochs", "1000", "--max-minutes", "70", "--lr", "1e-3",
                        "--batch-size", "16", "--seq-len", "256", "--width", "192", "--layers",
                        "4", "--heads", "4", "--warmup-steps", "300", "--seed", "0",
                        "--threads", "1", "--no-progress", "--genre", "melodies",
                        "--output", "models/transformer-melodies"]


# The melody AR-CNN, the app's default for enhancing: the same U-Net on folk songs and
# chorale sopranos, narrower (12 base channels) on a 48-pitch window (A2 up), so that
# 100 iterations take about half the time of the chorale model's.
ARCNN_MELODIES = ["deepcomposer", "train", "--mode", "arcnn", "--dataset", "melodies",
                  "--epochs", "1000", "--max-minutes", "55", "--lr", "1e-3", "--batch-size", "32",
                  "--base-channels", "12", "--lowest", "45", "--pitches", "48", "--seed", "0",
                  "--threads", "1", "--no-progress", "--genre", "melodies",
                  "--output", "models/arcnn-melodies"]


def commands(minutes: float = MINUTES) -> list[list[str]]:
    """GAN runs get `minutes` each unless trained with their own budget; the others
    keep the budgets they were trained with."""
    gan = [["deepcomposer", "train", "--mode", "gan", "--dataset", dataset, "--epochs", "1000",
            "--max-minutes", str(own or minutes), "--lr", "1e-3", "--update-ratio", "5",
            "--batch-size", "64", "--base-channels", "16", "--recon-weight", "10",
            "--seed", "0", "--no-progress", "--output", f"models/{model_id}"]
           for model_id, dataset, own in SHIPPED]
    return gan + [list(ARCNN), list(ARCNN_MELODIES), list(TRANSFORMER), list(TRANSFORMER_MELODIES)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deepcomposer_desktop.training.reproduce")
    parser.add_argument("--only", help="one model id")
    parser.add_argument("--minutes", type=float, default=MINUTES)
    parser.add_argument("--dry-run", action="store_true", help="print the commands")
    args = parser.parse_args(argv)
    failed = 0
    for cmd in commands(args.minutes):
        if args.only and cmd[-1] != f"models/{args.only}":
            continue
        print(shlex.join(cmd), flush=True)
        if not args.dry_run:
            rc = subprocess.call([sys.executable, "-m", "deepcomposer_desktop", *cmd[1:]])
            failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
