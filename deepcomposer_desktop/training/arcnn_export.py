"""Export a trained AR-CNN to ONNX and write its model card.

The card's metrics are measured through the shipped ONNX file and the app's own
enhance() on held-out test melodies (8-bar windows of pieces never seen in
training), beside the same metrics of the real melodies:
- enhanced with DeepComposer's defaults (100 iterations, creative risk 1.0,
  max add 500, max remove 100 %), without and with the key lock;
- restoration: half of a melody's notes removed, then enhanced with as many
  iterations as cells were removed and nothing of the rest removable: the share of
  the added cells that put back a removed one, against the share chance would.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..generation.arcnn import ArcnnRunner, EnhanceParams, enhance
from ..generation.cards import Grid
from ..music.composition import Composition, Note
from ..music.keys import Key
from ..music.metrics import track_metrics
from ..music.pianoroll import RollGrid, notes_to_roll
from .arcnn_net import corrupt, export_onnx, kl_loss
from .arcnn_train import melody_windows
from .card import grid, onnx_file, training_record, write_card


def held_out(data):
    """The test pieces; a tiny user dataset may have none, then validation, then train
    (the card says which)."""
    for part in ("test", "validation", "train"):
        pieces = data.split(part)
        if len(pieces):
            return pieces, part
    raise ValueError("the dataset has no pieces")

PPQ = 480
TICKS_PER_STEP = PPQ // 4
WINDOW_BARS = 8
MAX_WINDOWS = 60


def _windows(data, pieces) -> list[tuple[Composition, Key]]:
    """Non-overlapping 8-bar melody windows of the pieces, as compositions in their keys."""
    out = []
    for p in pieces:
        rows = data.notes[(data.notes[:, 0] == p) & (data.notes[:, 1] == 0)]
        num, den = (int(x) for x in data.piece_meters[p])
        bar = num * 16 // den
        tonic, minor = data.piece_keys[p]
        key = Key(int(tonic), "minor" if minor else "major")
        size = WINDOW_BARS * bar
        for s in range(0, max(int(data.piece_steps[p]) - size // 2, 1), size):
            inside = rows[(rows[:, 2] >= s) & (rows[:, 2] < s + size)]
            if len(inside) < 8:
                continue
            comp = Composition(ppq=PPQ, time_signature=(num, den), key=key)
            comp.add_track("Melody", 52, notes=[
                Note((a - s) * TICKS_PER_STEP, int(pitch), (min(b, s + size) - a) * TICKS_PER_STEP, 80)
                for _, _, a, b, pitch in inside])
            out.append((comp, key))
    return out


def _summary(comps: list[Composition], keys: list[Key]) -> dict:
    acc: dict[str, list[float]] = {}
    for comp, key in zip(comps, keys):
        notes = comp.tracks[0].notes
        bar = comp.ticks_per_bar // TICKS_PER_STEP
        m = track_metrics(notes, comp.ppq, bar, key, n_steps=WINDOW_BARS * bar)
        pitches = [n.pitch for n in notes]
        m["notes_per_bar"] = len(notes) / WINDOW_BARS
        m["pitch_range"] = (max(pitches) - min(pitches)) if pitches else 0
        for k, v in m.items():
            acc.setdefault(k, []).append(v)
    return {k: _mean(v) for k, v in acc.items()}


def _mean(values) -> float | None:
    """The mean of the finite values, None when there are none (no window to measure:
    said in the card, not a NaN with a RuntimeWarning on stderr)."""
    v = np.asarray(values, dtype=float)
    return round(float(np.mean(v[np.isfinite(v)])), 4) if np.isfinite(v).any() else None


def _relative(model: dict, real: dict) -> dict:
    return {k: None if not real[k] or model.get(k) is None
            else round(abs(model[k] - real[k]) / abs(real[k]), 4) for k in real}


def _cells(comp: Composition, runner: ArcnnRunner) -> np.ndarray:
    grid = RollGrid(comp.ppq, 4, runner.lowest, runner.n_pitches)
    return notes_to_roll(comp.tracks[0].notes, grid, WINDOW_BARS * comp.ticks_per_bar // TICKS_PER_STEP)


def held_out_metrics(runner: ArcnnRunner, data, pieces, seed: int = 0) -> dict:
    windows = _windows(data, pieces)
    rng = np.random.default_rng(seed)
    if len(windows) > MAX_WINDOWS:
        windows = [windows[i] for i in sorted(rng.choice(len(windows), MAX_WINDOWS, replace=False))]
    comps, keys = [w[0] for w in windows], [w[1] for w in windows]
    plain = [enhance(c, runner, EnhanceParams(seed=seed + i)) for i, c in enumerate(comps)]
    locked = [enhance(c, runner, EnhanceParams(seed=seed + i, key_lock=True, key=k))
              for i, (c, k) in enumerate(windows)]
    changed = [int((_cells(a, runner) != _cells(b, runner)).sum()) for a, b in zip(comps, plain)]
    hits = added = chance = 0.0
    for i, comp in enumerate(comps):
        notes = sorted(comp.tracks[0].notes)
        keep = rng.random(len(notes)) >= 0.5
        damaged = comp.copy()
        damaged.tracks[0].notes = [n for n, k in zip(notes, keep) if k]
        original, before = _cells(comp, runner), _cells(damaged, runner)
        removed = original & ~before
        if not removed.any():
            continue
        out = _cells(enhance(damaged, runner, EnhanceParams(
            iterations=int(removed.sum()), max_remove_percent=0.0, seed=seed + i)), runner)
        new = out & ~before
        hits += (new & removed).sum()
        added += new.sum()
        chance += removed.sum() / max((~before).sum(), 1)
    real = _summary(comps, keys)
    model = _summary(plain, keys)
    model_locked = _summary(locked, keys)
    return {
        "test_pieces": int(len(pieces)), "test_windows": len(comps),
        "real": real, "enhanced": model, "enhanced_key_lock": model_locked,
        "enhanced_vs_real_relative_gap": _relative(model, real),
        "enhanced_key_lock_vs_real_relative_gap": _relative(model_locked, real),
        "cells_changed_per_window": round(float(np.mean(changed)), 1) if changed else None,
        "restoration": {"precision": round(hits / max(added, 1), 4),
                        "chance": round(chance / max(len(comps), 1), 4),
                        "cells_added": int(added)},
        "notes": ("Means over 8-bar windows of the held-out test melodies (soprano), "
                  "enhanced with the defaults (100 iterations, creative risk 1.0, max add "
                  "500, max remove 100 %), one seed per window; key = the piece's key "
                  "(Krumhansl-Schmuckler on all voices). Restoration: half the notes "
                  "removed, then as many iterations as removed cells with removal off; "
                  "precision = share of added cells that were removed ones, chance = that "
                  "share for cells added at random among the empty ones."),
    }


def test_loss(trainer, seed: int = 1234) -> float | None:
    cfg = trainer.cfg
    wins = melody_windows(trainer.data, trainer.test_pieces, cfg.lowest, cfg.pitches, cfg.steps, cfg.hop)
    if not len(wins):
        return None
    gen = torch.Generator().manual_seed(seed)
    trainer.model.eval()
    total = 0.0
    with torch.no_grad():
        for i in range(0, len(wins), 64):
            rolls = torch.from_numpy(wins[i:i + 64]).float().unsqueeze(1)
            c, label = corrupt(rolls, gen)
            total += float(kl_loss(trainer.model(c), label)) * len(rolls)
    return total / len(wins)


DESCRIPTION = ("Adds and removes melody notes one at a time, as AWS DeepComposer's AR-CNN did "
               "(a U-Net scoring every cell of an 8-bar roll), with inpainting of a chosen "
               "region; CPU-sized.")


def export_model(trainer, out_dir: str | Path, model_id: str, genre: str) -> dict:
    import onnxruntime as ort

    onnx_path = onnx_file(out_dir, model_id)
    cfg, data = trainer.cfg, trainer.data
    trainer.load_best()
    trainer.model.eval()
    export_onnx(trainer.model, str(onnx_path), cfg.steps, cfg.pitches)
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    probe = (torch.rand(1, 1, cfg.steps, cfg.pitches) < 0.05).float()
    with torch.no_grad():
        expected = trainer.model(probe).numpy()
    parity = float(np.abs(session.run(None, {"roll": probe.numpy()})[0] - expected).max())
    runner = ArcnnRunner(session, Grid(4, cfg.steps, cfg.lowest, cfg.pitches))
    pieces, part = held_out(data)
    metrics = held_out_metrics(runner, data, pieces, cfg.seed)
    metrics["evaluated_on"] = part
    metrics["test_loss"] = test_loss(trainer)
    metrics["validation_loss"] = trainer.best.get(trainer.score, trainer.val_score)
    sections = {
        "grid": grid(cfg.steps, cfg.lowest, cfg.pitches),
        "inputs": [{"name": "roll", "shape": [1, 1, cfg.steps, cfg.pitches],
                    "range": "0 silent, 1 sounding"}],
        "outputs": [{"name": "scores", "shape": [1, 1, cfg.steps, cfg.pitches],
                     "range": "logits; softmax over all cells = which cell to flip"}],
        "arcnn": {"parameters": int(sum(p.numel() for p in trainer.model.parameters())),
                  "base_channels": cfg.base, "onnx_vs_pytorch_max_abs_diff": parity,
                  "defaults": {"iterations": 100, "max_add": 500, "max_remove_percent": 100,
                               "temperature": 1.0}},
    }
    training = training_record(trainer, "arcnn", model_id,
                               {"train_windows": int(len(trainer.train))},
                               {"iterations": trainer.step,
                                "epochs": round(trainer.step / trainer.steps_per_epoch, 2),
                                "wall_seconds": round(trainer.seconds, 1),
                                "final_train_loss": trainer.last_loss,
                                "final_validation_loss": trainer.val_score})
    return write_card(out_dir, model_id, mode="arcnn", genre=genre, title="AR-CNN melody enhancement",
                      description=DESCRIPTION, sections=sections, training=training, metrics=metrics)
