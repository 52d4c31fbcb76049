"""Musical metrics shared by training, model cards and tests.

Definitions follow MuseGAN (Dong et al., AAAI 2018) and Yang & Lerch (2020), with
the two bugs of DeepComposer's public sample fixed: the empty-bar rate counts
*empty* bars, and chroma folds each pitch onto its own pitch class (p % 12), not
onto groups of neighbouring semitones.

Rolls are (steps, 128) arrays over all MIDI pitches; `steps_per_bar` cuts them
into bars. Functions return NaN where a metric is undefined (no notes at all),
so callers average with nanmean instead of mistaking silence for a zero.
"""

from __future__ import annotations

import math

import numpy as np

from .composition import Note
from .keys import Key
from .pianoroll import RollGrid, notes_to_roll

# Note lengths in quarter notes for the note-length histogram (Yang & Lerch use
# the same idea: the usual note values, dotted values and triplets).
NOTE_LENGTH_CLASSES = np.array([1 / 8, 1 / 6, 1 / 4, 1 / 3, 3 / 8, 1 / 2, 2 / 3, 3 / 4, 1,
                                4 / 3, 3 / 2, 2, 3, 4])


def _bars(roll: np.ndarray, steps_per_bar: int) -> np.ndarray:
    """(bars, steps_per_bar, pitches), padding a last partial bar with silence."""
    n_bars = math.ceil(roll.shape[0] / steps_per_bar)
    padded = np.zeros((n_bars * steps_per_bar, roll.shape[1]), dtype=bool)
    padded[: roll.shape[0]] = roll > 0
    return padded.reshape(n_bars, steps_per_bar, roll.shape[1])


def empty_bar_rate(roll: np.ndarray, steps_per_bar: int) -> float:
    """Fraction of bars with no note at all."""
    bars = _bars(roll, steps_per_bar)
    if len(bars) == 0:
        return math.nan
    return float(np.mean(~bars.any(axis=(1, 2))))


def chroma(roll: np.ndarray) -> np.ndarray:
    """Fold a (..., 128) roll onto 12 pitch classes by summing p % 12."""
    r = np.asarray(roll, dtype=float)
    full = np.zeros(r.shape[:-1] + (132,))
    full[..., : r.shape[-1]] = r
    return full.reshape(r.shape[:-1] + (11, 12)).sum(axis=-2)


def pitch_classes_per_bar(roll: np.ndarray, steps_per_bar: int) -> float:
    """Mean number of distinct pitch classes used in each non-empty bar (UPC)."""
    bars = _bars(roll, steps_per_bar)
    used = (chroma(bars.any(axis=1)) > 0).sum(axis=1)
    nonempty = used > 0
    return float(used[nonempty].mean()) if nonempty.any() else math.nan


def qualified_note_rate(durations_ticks, ppq: int) -> float:
    """Fraction of notes at least a 32nd note long (MuseGAN's 'qualified notes')."""
    d = np.asarray(durations_ticks, dtype=float)
    return float(np.mean(d >= ppq / 8)) if len(d) else math.nan


def polyphonic_rate(roll: np.ndarray, threshold: int = 2) -> float:
    """Fraction of time steps with at least `threshold` pitches sounding (MuseGAN)."""
    if roll.shape[0] == 0:
        return math.nan
    return float(np.mean((roll > 0).sum(axis=1) >= threshold))


def in_scale_rate(roll: np.ndarray, key: Key) -> float:
    """Fraction of sounding cells whose pitch lies in the key's scale (duration-weighted)."""
    active = (roll > 0).sum(axis=0)
    total = active.sum()
    if total == 0:
        return math.nan
    mask = key.scale_mask()[: roll.shape[1]]
    return float(active[mask].sum() / total)


# Harte, Sandler & Gasser (2006): the 6-D tonal centroid of a chroma vector.
_ANGLES = np.arange(12)
_PHI = np.stack([
    np.sin(_ANGLES * 7 * np.pi / 6), np.cos(_ANGLES * 7 * np.pi / 6),  # circle of fifths
    np.sin(_ANGLES * 3 * np.pi / 2), np.cos(_ANGLES * 3 * np.pi / 2),  # minor thirds
    0.5 * np.sin(_ANGLES * 2 * np.pi / 3), 0.5 * np.cos(_ANGLES * 2 * np.pi / 3),  # major thirds
])


def tonal_centroid(chroma_vectors: np.ndarray) -> np.ndarray:
    c = np.asarray(chroma_vectors, dtype=float)
    norm = np.abs(c).sum(axis=-1, keepdims=True)
    c = np.divide(c, norm, out=np.zeros_like(c), where=norm > 0)
    return c @ _PHI.T


def tonal_distance(roll_a: np.ndarray, roll_b: np.ndarray, steps_per_bar: int) -> float:
    """Mean distance between two tracks' per-bar tonal centroids, over bars where
    both play. Smaller means the tracks agree harmonically."""
    a = chroma(_bars(roll_a, steps_per_bar).sum(axis=1))
    b = chroma(_bars(roll_b, steps_per_bar).sum(axis=1))
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    both = (a.sum(axis=1) > 0) & (b.sum(axis=1) > 0)
    if not both.any():
        return math.nan
    return float(np.linalg.norm(tonal_centroid(a[both]) - tonal_centroid(b[both]), axis=1).mean())


def pitch_class_histogram(roll: np.ndarray) -> np.ndarray:
    """Normalised duration-weighted pitch-class histogram (sums to 1, or all zeros)."""
    h = chroma((roll > 0).sum(axis=0))
    return h / h.sum() if h.sum() else h


def note_length_histogram(durations_ticks, ppq: int) -> np.ndarray:
    """Normalised histogram of note lengths, each note put in the nearest class
    of NOTE_LENGTH_CLASSES on a log scale."""
    d = np.asarray(durations_ticks, dtype=float) / ppq
    h = np.zeros(len(NOTE_LENGTH_CLASSES))
    if len(d):
        idx = np.abs(np.log2(d[:, None]) - np.log2(NOTE_LENGTH_CLASSES[None, :])).argmin(axis=1)
        np.add.at(h, idx, 1)
        h /= h.sum()
    return h


def overlapping_area(p: np.ndarray, q: np.ndarray) -> float:
    """Overlap of two normalised histograms: 1 identical, 0 disjoint."""
    return float(np.minimum(p, q).sum())


def track_metrics(notes: list[Note], ppq: int, steps_per_bar: int, key: Key,
                  steps_per_beat: int = 4, n_steps: int | None = None) -> dict[str, float]:
    roll = notes_to_roll(notes, RollGrid(ppq, steps_per_beat), n_steps)
    return {
        "empty_bar_rate": empty_bar_rate(roll, steps_per_bar),
        "pitch_classes_per_bar": pitch_classes_per_bar(roll, steps_per_bar),
        "qualified_note_rate": qualified_note_rate([n.duration for n in notes], ppq),
        "polyphonic_rate": polyphonic_rate(roll),
        "in_scale_rate": in_scale_rate(roll, key),
    }
