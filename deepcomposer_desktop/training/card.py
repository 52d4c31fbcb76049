"""The one writer of model cards (the JSON file beside a model's ONNX file).

Every mode's exporter builds its own sections (grid, inputs, outputs, its mode's
section, metrics) and hands them to `write_card`, which adds what every card has:
id, mode, genre, title, description and tracks first; the training record (from
`training_record`) and the metrics; last the time stamp and the ONNX file's
sha256. The card is written atomically (a temporary file beside it, then
os.replace) as indented JSON in that key order.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path

import torch

from ..fileio import atomic_write_text, clean_stale_temps, output_target
from ..generation.cards import parse_card
from ..generation.registry import sha256_file

SPLITS = ("train", "validation", "test")
# Single-melody modes (AR-CNN, Transformer) play one track.
MELODY_TRACK = (("Melody", 0),)


def machine() -> str:
    """The CPU, cores, torch version and threads, for the card's training record."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} "
            f"({torch.get_num_threads()} threads), {platform.system()}")


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def staged_onnx(out_dir: str | Path, model_id: str) -> Path:
    """The temporary file beside out_dir/ID.onnx that this process exports into."""
    return Path(out_dir) / f".{model_id}.onnx.{os.getpid()}-export.tmp"


def onnx_file(out_dir: str | Path, model_id: str) -> Path:
    """Where an exporter writes the network (the folder made): a temporary file beside
    out_dir/ID.onnx that write_card renames into place once the card is written, so
    a failed export (a full disk, a crash) leaves neither half a file nor a network
    without its card; those a killed export left are removed here."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(out_dir / f"{model_id}.onnx")
    return staged_onnx(out_dir, model_id)


def grid(steps: int, lowest: int, pitches: int) -> dict:
    """The card's `grid` section: the roll a network sees, 4 steps per beat."""
    return {"steps_per_beat": 4, "steps": steps, "bars_per_window": steps // 16,
            "lowest": lowest, "pitches": pitches}


def training_record(trainer, mode: str, model_id: str, size: dict, run: dict) -> dict:
    """The card's `training` section: the dataset and its split, `size` (how much
    training data), the hyperparameters the weights were trained with, `run` (what the
    run did: steps, epochs, seconds, losses), the machine, the exported weights
    (modes that keep the best validation weights) and the command."""
    cfg, data = trainer.cfg, trainer.data
    record = {"dataset": cfg.dataset, "source": data.source, "licence": data.licence,
              "pieces": {s: int(len(data.split(s))) for s in SPLITS}, **size,
              "hyperparameters": {k: v for k, v in trainer.trained_config.items()
                                  if k != "run_dir"},
              **run, "machine": machine()}
    if trainer.score:
        record["exported_weights"] = trainer.best or "last step"
    record["command"] = (f"deepcomposer train --mode {mode} --dataset {cfg.dataset} "
                         f"--output models/{model_id} (see docs/MODELS.md)")
    return record


def save_card(path: str | Path, card: dict, onnx_path: str | Path, stamp: str = "created") -> dict:
    """Stamp `card` (`stamp`: the time, "created" or "measured"; sha256 of the ONNX
    file) and write it atomically to `path`; returns the card. The card is parsed as
    the registry will parse it first, so a card the app would refuse is never written."""
    card[stamp] = now()
    card["sha256"] = sha256_file(Path(onnx_path))
    parse_card(card, Path(path).stem)
    atomic_write_text(path, json.dumps(card, indent=1) + "\n")
    return card


def write_card(out_dir: str | Path, model_id: str, *, mode: str, genre: str, title: str,
               description: str, sections: dict, training: dict, metrics: dict,
               tracks=MELODY_TRACK) -> dict:
    """Write out_dir/ID.json for out_dir/ID.onnx: the common fields, the mode's
    `sections` (in their order), `training` and `metrics`; `title` gets the genre."""
    out_dir = Path(out_dir)
    card = {"id": model_id, "mode": mode, "genre": genre,
            "title": f"{title}: {genre.replace('-', ' ')}", "description": description,
            "tracks": [{"name": name, "program": p, "channel": i}
                       for i, (name, p) in enumerate(tracks)],
            **sections, "training": training, "metrics": metrics}
    final, staged = out_dir / f"{model_id}.onnx", staged_onnx(out_dir, model_id)
    card = save_card(out_dir / f"{model_id}.json", card, staged if staged.exists() else final)
    if staged.exists():  # the card first: a network is never found without its card
        os.replace(staged, output_target(final))  # never over a folder; through a link
    return card
