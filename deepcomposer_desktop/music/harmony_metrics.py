"""How well an accompaniment fits its melody, as a musician hears it (numpy only).

A song is a melody (one track) and accompaniment tracks (the others). Every metric
is a count `(hits, of)` so that a benchmark can pool many songs (`Counts.add`)
before dividing; `Counts.rates()` gives the shares, NaN where nothing was counted.
A note sounds at tick t when start <= t < end.

- **coverage**: of the bars in which the melody sounds, the share in which some
  accompaniment note sounds too.
- **in_scale**: the share of accompaniment notes (counted, not weighted by length)
  whose pitch class lies in the key's scale (`Key.scale`: minor with its raised
  seventh).
- **consonance**: over every pair (accompaniment note-on, melody note sounding at that
  tick), the share at an interval of 0, 3, 4, 7, 8 or 9 semitones modulo 12 (unisons,
  octaves, thirds, sixths and fifths, in any octave and either order).
- **doubling**: of the accompaniment note-ons while the melody sounds, the share at a
  unison or an octave (interval 0 modulo 12) with a sounding melody note.
- **chordness**: of the beats at whose onset at least two pitch classes sound (melody
  and accompaniment together), the share whose sounding pitch classes all belong to
  one chord: a major, minor, diminished or augmented triad, or a dominant or minor
  seventh chord, on any root. A beat is the time signature's beat: the denominator's
  note, or the dotted group of three in 6/8, 9/8 and 12/8 (`meter.is_compound`).
- **bass_below**: the lowest accompaniment track is the non-empty one with the lowest
  mean pitch; at every sounding moment (the stretch between two consecutive note
  boundaries of the melody and that track) in which both sound, whether all of its
  sounding notes lie strictly below the lowest sounding melody note. The share of such
  moments (counted, not weighted by length).

`genre_windows` measures the statistics of the GAN cards' `metrics.real` the way
training/evaluation.py does (`window_metrics`): each accompaniment track as a roll of 4
steps a quarter, cut into windows of 32 steps in which the melody plays; per window
and track the in-scale rate (duration-weighted cells), the pitch classes per "bar" of
16 steps, the qualified-note rate (runs of at least 2 steps, an eighth) and the
polyphonic rate; the means are over windows and tracks (`pool_windows`). As in the
cards, a "bar" is 16 steps (four quarters) whatever the metre, so that a 2/4 or 3/4
song is measured on the same spans as the real music the cards quote.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .composition import Note
from .keys import Key
from .meter import is_compound
from .metrics import in_scale_rate, pitch_classes_per_bar, polyphonic_rate
from .pianoroll import RollGrid, notes_to_roll

CONSONANT_INTERVALS = frozenset({0, 3, 4, 7, 8, 9})
# Intervals above the root of the chords chordness accepts.
CHORD_SHAPES = {"major": (0, 4, 7), "minor": (0, 3, 7), "diminished": (0, 3, 6),
                "augmented": (0, 4, 8), "dominant seventh": (0, 4, 7, 10),
                "minor seventh": (0, 3, 7, 10)}
QUALIFIED_MIN_STEPS = 2  # as training/evaluation.py: a 16th grid holds no shorter note
STEPS_PER_BEAT = 4
CARD_STEPS_PER_BAR = 16  # the cards' windows: 2 x 16 steps (training/evaluation.py)
GENRE_STATISTICS = ("in_scale_rate", "pitch_classes_per_bar", "qualified_note_rate",
                    "polyphonic_rate")
METRICS = ("coverage", "in_scale", "consonance", "doubling", "chordness", "bass_below")


def _chord_masks() -> np.ndarray:
    """Every accepted chord on every root as a 12-bit mask of pitch classes."""
    masks = {sum(1 << ((root + i) % 12) for i in shape)
             for shape in CHORD_SHAPES.values() for root in range(12)}
    return np.array(sorted(masks), dtype=np.int64)


CHORD_MASKS = _chord_masks()


def is_chord(pitch_classes) -> bool:
    """Whether these pitch classes all belong to one accepted chord."""
    mask = sum(1 << (pc % 12) for pc in set(pitch_classes))
    return bool(np.any((CHORD_MASKS & mask) == mask))


def beat_ticks(ppq: int, time_signature: tuple[int, int]) -> int:
    """The ticks of one counted beat: the denominator's note, three of them in 6/8."""
    beat = ppq * 4 // time_signature[1]
    return beat * 3 if is_compound(time_signature) else beat


class _Notes:
    """Notes as arrays, for asking what sounds when."""

    def __init__(self, notes: list[Note]) -> None:
        self.start = np.array([n.start for n in notes], dtype=np.int64)
        self.end = np.array([n.end for n in notes], dtype=np.int64)
        self.pitch = np.array([n.pitch for n in notes], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.pitch)

    def sounding(self, ticks: np.ndarray) -> np.ndarray:
        """(len(ticks), notes) bool: which notes sound at each tick."""
        t = np.asarray(ticks, dtype=np.int64)[:, None]
        return (self.start[None, :] <= t) & (self.end[None, :] > t)


@dataclass
class Counts:
    """(hits, of) for each metric; add songs together, then `rates()`."""

    counts: dict[str, list[int]] = field(default_factory=lambda: {k: [0, 0] for k in METRICS})

    def add(self, other: "Counts") -> "Counts":
        for k, (h, n) in other.counts.items():
            self.counts[k][0] += h
            self.counts[k][1] += n
        return self

    def rates(self) -> dict[str, float]:
        return {k: (h / n if n else math.nan) for k, (h, n) in self.counts.items()}


def coverage(melody: list[Note], accompaniment: list[list[Note]], ticks_per_bar: int
             ) -> tuple[int, int]:
    """(bars where the melody and some accompaniment sound, bars where the melody sounds)."""
    def bars(notes):
        out = set()
        for n in notes:
            out.update(range(n.start // ticks_per_bar, (n.end - 1) // ticks_per_bar + 1))
        return out
    mel = bars(melody)
    acc = bars([n for track in accompaniment for n in track])
    return len(mel & acc), len(mel)


def in_scale(accompaniment: list[list[Note]], key: Key) -> tuple[int, int]:
    """(accompaniment notes in the key's scale, accompaniment notes)."""
    notes = [n for track in accompaniment for n in track]
    return sum(n.pitch % 12 in key.scale for n in notes), len(notes)


def _onset_pairs(melody: list[Note], accompaniment: list[list[Note]]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(intervals mod 12 of every (accompaniment note-on, sounding melody note) pair,
    per accompaniment note-on while the melody sounds: whether one pair is a unison
    or octave)."""
    acc = [n for track in accompaniment for n in track]
    mel = _Notes(melody)
    if not acc or not len(mel):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    onsets = np.array([n.start for n in acc])
    pitches = np.array([n.pitch for n in acc])
    sounding = mel.sounding(onsets)
    diff = np.abs(pitches[:, None] - mel.pitch[None, :]) % 12
    intervals = diff[sounding]
    with_melody = sounding.any(axis=1)
    doubled = ((diff == 0) & sounding).any(axis=1)[with_melody]
    return intervals, doubled


def consonance(melody: list[Note], accompaniment: list[list[Note]]) -> tuple[int, int]:
    """(consonant pairs, pairs) of (accompaniment note-on, sounding melody note)."""
    intervals, _ = _onset_pairs(melody, accompaniment)
    return int(np.isin(intervals, sorted(CONSONANT_INTERVALS)).sum()), len(intervals)


def doubling(melody: list[Note], accompaniment: list[list[Note]]) -> tuple[int, int]:
    """(accompaniment note-ons at a unison or octave with the melody, note-ons while
    the melody sounds)."""
    _, doubled = _onset_pairs(melody, accompaniment)
    return int(doubled.sum()), len(doubled)


def chordness(melody: list[Note], accompaniment: list[list[Note]], beat: int, end: int
              ) -> tuple[int, int]:
    """(beats whose sounding pitch classes form one accepted chord, beats at whose
    onset at least two pitch classes sound), beats every `beat` ticks from 0 to `end`."""
    everything = _Notes(melody + [n for track in accompaniment for n in track])
    if not len(everything) or end <= 0:
        return 0, 0
    ticks = np.arange(0, end, beat)
    sounding = everything.sounding(ticks)
    bits = np.where(sounding, 1 << (everything.pitch % 12), 0)
    masks = np.bitwise_or.reduce(bits, axis=1) if bits.size else np.zeros(len(ticks), np.int64)
    counted = np.array([bin(int(m)).count("1") >= 2 for m in masks], dtype=bool)
    fits = ((CHORD_MASKS[None, :] & masks[:, None]) == masks[:, None]).any(axis=1)
    return int((fits & counted).sum()), int(counted.sum())


def lowest_track(accompaniment: list[list[Note]]) -> int | None:
    """The index of the non-empty accompaniment track with the lowest mean pitch
    (the later one on a tie), or None."""
    means = [(float(np.mean([n.pitch for n in t])), -i) for i, t in enumerate(accompaniment) if t]
    return -min(means)[1] if means else None


def bass_below(melody: list[Note], bass: list[Note]) -> tuple[int, int]:
    """(sounding moments with every bass note below the lowest melody note, moments
    where both sound)."""
    if not melody or not bass:
        return 0, 0
    mel, low = _Notes(melody), _Notes(bass)
    ticks = np.unique(np.concatenate([mel.start, mel.end, low.start, low.end]))[:-1]
    ms, bs = mel.sounding(ticks), low.sounding(ticks)
    both = ms.any(axis=1) & bs.any(axis=1)
    lowest_melody = np.where(ms, mel.pitch[None, :], 1000).min(axis=1)
    highest_bass = np.where(bs, low.pitch[None, :], -1).max(axis=1)
    return int((both & (highest_bass < lowest_melody)).sum()), int(both.sum())


def harmony_counts(melody: list[Note], accompaniment: list[list[Note]], key: Key, ppq: int,
                   time_signature: tuple[int, int]) -> Counts:
    """Every metric of one song, as counts to pool."""
    num, den = time_signature
    ticks_per_bar = ppq * 4 * num // den
    end = max([n.end for n in melody] + [n.end for t in accompaniment for n in t], default=0)
    low = lowest_track(accompaniment)
    c = Counts()
    c.counts["coverage"] = list(coverage(melody, accompaniment, ticks_per_bar))
    c.counts["in_scale"] = list(in_scale(accompaniment, key))
    c.counts["consonance"] = list(consonance(melody, accompaniment))
    c.counts["doubling"] = list(doubling(melody, accompaniment))
    c.counts["chordness"] = list(chordness(melody, accompaniment, beat_ticks(ppq, time_signature), end))
    c.counts["bass_below"] = list(bass_below(melody, accompaniment[low] if low is not None else []))
    return c


def composition_counts(comp, melody_track: int = 0, key: Key | None = None) -> Counts:
    """harmony_counts of a Composition: `melody_track` against every other melodic track."""
    melody = comp.tracks[melody_track].notes
    acc = [t.notes for i, t in enumerate(comp.tracks) if i != melody_track and not t.is_drum]
    key = key or comp.key or Key(0, "major")
    return harmony_counts(melody, acc, key, comp.ppq, comp.time_signature)


# --- the cards' genre statistics -------------------------------------------------------------

def _run_lengths(roll: np.ndarray) -> np.ndarray:
    """Lengths in steps of the runs of active cells of a (steps, pitches) roll."""
    padded = np.zeros((roll.shape[0] + 2, roll.shape[1]), dtype=np.int8)
    padded[1:-1] = roll
    d = np.diff(padded, axis=0)
    return np.argwhere(d.T == -1)[:, 1] - np.argwhere(d.T == 1)[:, 1]


def genre_windows(melody: list[Note], accompaniment: list[list[Note]], key: Key, ppq: int,
                  steps_per_bar: int = CARD_STEPS_PER_BAR, bars_per_window: int = 2
                  ) -> dict[str, list[float]]:
    """Per (window of `bars_per_window` x `steps_per_bar` steps in which the melody
    plays, accompaniment track): the cards' genre statistics (NaN where a track is
    silent), to pool over songs."""
    grid = RollGrid(ppq, STEPS_PER_BEAT)
    size = steps_per_bar * bars_per_window
    end = max([n.end for n in melody] + [n.end for t in accompaniment for n in t], default=0)
    n_steps = grid.n_steps(end)
    mel = notes_to_roll(melody, grid, n_steps)
    rolls = [notes_to_roll(t, grid, n_steps) for t in accompaniment]
    out: dict[str, list[float]] = {k: [] for k in GENRE_STATISTICS}
    for s in range(0, n_steps - size + 1, size):
        if not mel[s:s + size].any():
            continue
        for roll in rolls:
            w = roll[s:s + size]
            lengths = _run_lengths(w)
            out["in_scale_rate"].append(in_scale_rate(w, key))
            out["pitch_classes_per_bar"].append(pitch_classes_per_bar(w, steps_per_bar))
            out["qualified_note_rate"].append(
                float(np.mean(lengths >= QUALIFIED_MIN_STEPS)) if len(lengths) else math.nan)
            out["polyphonic_rate"].append(polyphonic_rate(w))
    return out


def pool_windows(windows: list[dict[str, list[float]]]) -> dict[str, float]:
    """Means over every window and track of many songs (NaN ignored, as the cards)."""
    out = {}
    for k in GENRE_STATISTICS:
        values = np.array([v for w in windows for v in w.get(k, [])], dtype=float)
        out[k] = float(np.nanmean(values)) if np.isfinite(values).any() else math.nan
    return out


def relative_gap(value: float, real: float | None) -> float | None:
    """|value - real| / real, or the absolute gap where the real value is 0 (as the
    cards' quality bar); None where either is missing."""
    if real is None or value is None or not math.isfinite(value):
        return None
    return abs(value - real) / abs(real) if real else abs(value - real)


__all__ = ["Counts", "harmony_counts", "composition_counts", "genre_windows", "pool_windows",
           "relative_gap", "is_chord", "beat_ticks", "coverage", "in_scale", "consonance",
           "doubling", "chordness", "bass_below", "lowest_track", "CONSONANT_INTERVALS",
           "METRICS", "GENRE_STATISTICS"]
