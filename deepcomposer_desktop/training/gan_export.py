"""Export a trained GAN generator to ONNX and write its model card.

The card's metrics are measured on the held-out test pieces (never seen in
training) through the shipped ONNX file and the app's own generation path
(cross-faded windows, key lock in the piece's key, bar filling), beside the same
metrics of the real accompaniment and of the rule-based triad baseline, all on the
same 2-bar windows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path

import numpy as np
import torch

from ..fileio import atomic_write_text
from ..generation.baseline import triad_accompaniment
from ..generation.evaluation import (QUALIFIED_MIN_STEPS, absolute_gaps, relative_gaps,
                                     window_metrics)
from ..generation.gan import GanModel, accompany_roll, key_mask
from ..generation.registry import sha256_file
from ..music.keys import Key
from .gan_net import export_onnx

MAX_TEST_BARS = 64
# Instruments (GM programs) per genre: melody first. Channels follow track order.
GENRE_TRACKS = {
    "bach-chorales": [("Soprano", 52), ("Alto", 52), ("Tenor", 53), ("Bass (organ)", 19)],
    "string-quartets": [("Violin I", 40), ("Violin II", 40), ("Viola", 41), ("Cello", 42)],
    "palestrina": [("Cantus", 52), ("Altus", 53), ("Tenor", 53), ("Bassus", 52)],
    "monteverdi": [("Canto", 53), ("Alto", 52), ("Tenore", 52), ("Basso continuo", 6)],
}
DEFAULT_TRACKS = [("Melody", 0), ("Accompaniment 1", 48), ("Accompaniment 2", 48),
                  ("Bass", 32)]


def machine() -> str:
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


def _onnx_model(path: Path, trainer, tracks, melody_center: float) -> GanModel:
    import onnxruntime as ort
    n = trainer.cfg.net
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return GanModel(session, trainer.lowest, n.pitches, n.steps, n.noise_shape, melody_center,
                    [{"name": name, "program": p} for name, p in tracks])


def held_out_metrics(model: GanModel, data, pieces, lowest: int, seed: int = 0,
                     key_lock: bool = True) -> dict:
    """Real, model and baseline accompaniment of the test pieces, as 2-bar windows."""
    rng = np.random.default_rng(seed)
    size = model.steps
    real_w, model_w, base_w, keys = [], [], [], []
    for p in pieces:
        roll = data.piece_rolls(int(p), lowest, model.pitches)[:, : MAX_TEST_BARS * 16]
        melody = roll[0]
        tonic, minor = data.piece_keys[p]
        key = Key(int(tonic), "minor" if minor else "major")
        mask = key_mask(key, lowest, model.pitches) if key_lock else None
        raw = accompany_roll(model, melody, rng, mask)
        fake = model.decode(raw, melody, 16)
        base = triad_accompaniment(melody, key, lowest)
        for s in range(0, roll.shape[1] - size + 1, size):
            if not (melody[s:s + size].any() and roll[1:, s:s + size].any()):
                continue
            real_w.append(roll[:, s:s + size])
            model_w.append(np.concatenate([melody[None, s:s + size], fake[:, s:s + size]]))
            base_w.append(np.concatenate([melody[None, s:s + size], base[:, s:s + size]]))
            keys.append(key)
    real = window_metrics(np.array(real_w), keys, lowest)
    generated = window_metrics(np.array(model_w), keys, lowest)
    baseline = window_metrics(np.array(base_w), keys, lowest)
    return {
        "test_pieces": len(pieces), "test_windows": len(keys),
        "real": real, "model": generated, "baseline": baseline,
        "model_vs_real_relative_gap": relative_gaps(generated, real),
        "baseline_vs_real_relative_gap": relative_gaps(baseline, real),
        "model_vs_real_absolute_gap": absolute_gaps(generated, real),
        "notes": ("Means over 2-bar windows of the held-out test pieces and over the 3 "
                  "accompaniment tracks; key = the piece's key (Krumhansl-Schmuckler on all "
                  "voices), used for the in-scale rate and the model's key lock. "
                  f"Qualified note: at least {QUALIFIED_MIN_STEPS} steps (an eighth), since "
                  "the 16th grid holds no shorter note. Tonal distance: melody vs each "
                  "accompaniment track (Harte et al. 2006), lower = more consonant."),
    }


PENALTIES = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0)
THRESHOLDS = (0.0, -0.5, -0.8, -0.9, -0.95, -0.98, -0.99)


def _decoding_gap(metrics: dict) -> float:
    rel, ab = metrics["model_vs_real_relative_gap"], metrics["model_vs_real_absolute_gap"]
    # The worst of the gaps, so that no statistic is sacrificed for the others.
    return max([rel[k] or 0 for k in ("pitch_classes_per_bar", "qualified_note_rate",
                                      "tonal_distance")] + [ab["empty_bar_rate"] or 0])


def choose_decoding(model: GanModel, data, lowest: int, seed: int) -> dict:
    """Single-line decoding when the real parts are single lines. Its threshold (the
    score of a rest) and change penalty are picked on the VALIDATION pieces, never
    the test pieces the card reports, to bring pitch classes per bar, note lengths,
    tonal distance and empty bars closest to the real music's."""
    train = data.split("train")[:60]
    rolls = [data.piece_rolls(int(p), lowest, model.pitches)[1:] for p in train]
    poly = float(np.mean([np.mean(r.sum(axis=1) >= 2) for roll in rolls for r in roll]))
    val = data.split("validation")
    model.voices_per_track = 0 if poly > 0.05 else 1
    grid = [(t, p) for t in THRESHOLDS for p in (PENALTIES if model.voices_per_track else (0.0,))]
    scores = {}
    for threshold, penalty in grid:
        model.threshold, model.change_penalty = threshold, penalty
        scores[(threshold, penalty)] = _decoding_gap(held_out_metrics(model, data, val, lowest, seed))
    model.threshold, model.change_penalty = min(scores, key=scores.get)
    return {"voices_per_track": model.voices_per_track, "change_penalty": model.change_penalty,
            "threshold": model.threshold, "real_track_polyphony": round(poly, 4),
            "decoding_chosen_on": "validation pieces",
            "validation_gap_by_threshold_penalty": {f"{t}/{p}": round(v, 4)
                                                    for (t, p), v in scores.items()}}


def export_model(trainer, out_dir: str | Path, model_id: str, genre: str) -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / f"{model_id}.onnx"
    export_onnx(trainer.G, str(onnx_path))
    cfg, n, data = trainer.cfg, trainer.cfg.net, trainer.data
    tracks = GENRE_TRACKS.get(genre, DEFAULT_TRACKS)
    train = data.split("train")
    melody_rows = data.notes[(data.notes[:, 1] == 0) & np.isin(data.notes[:, 0], train)]
    melody_center = float(np.median(melody_rows[:, 4]))
    model = _onnx_model(onnx_path, trainer, tracks, melody_center)
    decoding = choose_decoding(model, data, trainer.lowest, cfg.seed)
    metrics = held_out_metrics(model, data, data.split("test"), trainer.lowest, cfg.seed)
    unlocked = held_out_metrics(model, data, data.split("test"), trainer.lowest, cfg.seed,
                                key_lock=False)
    metrics["model_without_key_lock"] = unlocked["model"]
    card = {
        "id": model_id, "mode": "gan", "genre": genre,
        "title": f"GAN accompaniment: {genre.replace('-', ' ')}",
        "description": ("Three accompaniment voices for a melody, from a U-Net generator with "
                        "noise at the bottleneck (AWS DeepComposer's design, CPU-sized)."),
        "tracks": [{"name": name, "program": p, "channel": i} for i, (name, p) in enumerate(tracks)],
        "grid": {"steps_per_beat": 4, "steps": n.steps, "bars_per_window": n.steps // 16,
                 "lowest": trainer.lowest, "pitches": n.pitches},
        "inputs": [{"name": "melody", "shape": ["batch", 1, n.steps, n.pitches],
                    "range": "-1 silent, 1 sounding"},
                   {"name": "noise", "shape": ["batch", *n.noise_shape], "dist": "N(0, 1)"}],
        "outputs": [{"name": "accompaniment", "shape": ["batch", 3, n.steps, n.pitches],
                     "range": "tanh; > 0 sounding"}],
        "gan": {"noise_shape": list(n.noise_shape), "melody_center": melody_center,
                **decoding, "generator_parameters": sum(p.numel() for p in trainer.G.parameters()),
                "critic_parameters": sum(p.numel() for p in trainer.D.parameters())},
        "training": {
            "dataset": cfg.dataset, "source": data.source, "licence": data.licence,
            "pieces": {s: int(len(data.split(s))) for s in ("train", "validation", "test")},
            "train_windows": int(len(trainer.train_windows)),
            "hyperparameters": {k: v for k, v in trainer.trained_config.items()
                                if k != "run_dir"},
            "iterations": trainer.step, "epochs": trainer.epoch,
            "wall_seconds": round(trainer.elapsed, 1), "machine": machine(),
            "command": ("deepcomposer train --mode gan --dataset " + cfg.dataset
                        + f" --output models/{model_id} (see README 'Models')"),
        },
        "metrics": metrics,
        "created": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sha256": sha256_file(onnx_path),
    }
    atomic_write_text(out_dir / f"{model_id}.json", json.dumps(card, indent=1) + "\n")
    return card
