"""Window-level musical metrics for GAN model cards and training logs (numpy only).

Rolls are (W, 4, steps, pitches) bool windows, track 0 the melody, with the
pitch axis starting at MIDI `lowest`; each window has the key of its piece.
Every metric follows music/metrics.py (MuseGAN, Yang & Lerch) except one
adaptation: on a grid of 4 steps per beat no note can be shorter than a 16th, so
MuseGAN's 'qualified note' (at least a 32nd) would always be 1.0; here a
qualified note is at least an eighth (2 steps) and the card says so.
"""

from __future__ import annotations

import numpy as np

from ..music import metrics as m
from ..music.keys import Key

QUALIFIED_MIN_STEPS = 2
METRIC_NAMES = ("in_scale_rate", "pitch_classes_per_bar", "qualified_note_rate",
                "polyphonic_rate", "empty_bar_rate", "tonal_distance")


def _full(roll: np.ndarray, lowest: int) -> np.ndarray:
    full = np.zeros((roll.shape[0], 128), dtype=bool)
    full[:, lowest:lowest + roll.shape[1]] = roll
    return full


def note_lengths(roll: np.ndarray) -> np.ndarray:
    """Lengths in steps of the runs of active cells in a (steps, pitches) roll."""
    padded = np.zeros((roll.shape[0] + 2, roll.shape[1]), dtype=np.int8)
    padded[1:-1] = roll
    d = np.diff(padded, axis=0)
    starts = np.argwhere(d.T == 1)
    ends = np.argwhere(d.T == -1)
    return ends[:, 1] - starts[:, 1]


def window_metrics(rolls: np.ndarray, keys: list[Key], lowest: int,
                   steps_per_bar: int = 16) -> dict[str, float]:
    """Means over windows and accompaniment tracks (1..3); tonal distance is between
    the melody and each accompaniment track (smaller = more consonant)."""
    acc: dict[str, list[float]] = {k: [] for k in METRIC_NAMES}
    for window, key in zip(rolls, keys):
        melody = _full(window[0], lowest)
        for track in window[1:]:
            full = _full(track, lowest)
            lengths = note_lengths(track)
            acc["in_scale_rate"].append(m.in_scale_rate(full, key))
            acc["pitch_classes_per_bar"].append(m.pitch_classes_per_bar(full, steps_per_bar))
            acc["qualified_note_rate"].append(
                float(np.mean(lengths >= QUALIFIED_MIN_STEPS)) if len(lengths) else np.nan)
            acc["polyphonic_rate"].append(m.polyphonic_rate(full))
            acc["empty_bar_rate"].append(m.empty_bar_rate(full, steps_per_bar))
            acc["tonal_distance"].append(m.tonal_distance(melody, full, steps_per_bar))
    return {k: (round(float(np.nanmean(v)), 4) if np.isfinite(v).any() else None)
            for k, v in ((k, np.array(v, dtype=float)) for k, v in acc.items())}


def absolute_gaps(model: dict, real: dict) -> dict[str, float | None]:
    return {k: None if r is None or model.get(k) is None else round(abs(model[k] - r), 4)
            for k, r in real.items()}


def relative_gaps(model: dict, real: dict) -> dict[str, float | None]:
    """|model - real| / real for each metric (None where real is 0 or missing)."""
    out = {}
    for k, r in real.items():
        v = model.get(k)
        out[k] = None if r in (None, 0) or v is None else round(abs(v - r) / abs(r), 4)
    return out
