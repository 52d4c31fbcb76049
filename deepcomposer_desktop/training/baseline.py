"""The rule-based accompaniment that model cards compare against: under each beat
of melody, the diatonic triad of the piece's key that contains the most melody
notes of that beat, spread over three voices (root below, third, fifth above)."""

from __future__ import annotations

import numpy as np

from ..music.keys import Key


def diatonic_triads(key: Key) -> list[tuple[int, int, int]]:
    """The seven triads (pitch classes) built on the key's scale degrees."""
    steps = (0, 2, 4, 5, 7, 9, 11) if key.mode == "major" else (0, 2, 3, 5, 7, 8, 11)
    scale = [(key.tonic + s) % 12 for s in steps]
    return [(scale[i], scale[(i + 2) % 7], scale[(i + 4) % 7]) for i in range(7)]


def _place(pc: int, lowest: int, n_pitches: int, around: int) -> int | None:
    """The pitch of class `pc` nearest to `around` inside the roll's range."""
    cands = [p for p in range(lowest, lowest + n_pitches) if p % 12 == pc]
    return min(cands, key=lambda p: abs(p - around)) if cands else None


def triad_accompaniment(melody: np.ndarray, key: Key, lowest: int, steps_per_beat: int = 4
                        ) -> np.ndarray:
    """(steps, pitches) melody roll -> (3, steps, pitches) triad voices, one chord per beat.
    Beats with no melody hold the previous chord (the tonic at the start)."""
    steps, n_pitches = melody.shape
    out = np.zeros((3, steps, n_pitches), dtype=bool)
    triads = diatonic_triads(key)
    pcs = (np.arange(n_pitches) + lowest) % 12
    chord = triads[0]
    centres = (72, 60, 48)  # voices around C5, C4, C3 before fitting the range
    for beat in range(0, steps, steps_per_beat):
        cells = melody[beat:beat + steps_per_beat].sum(axis=0)
        if cells.any():
            weight = np.bincount(pcs, weights=cells, minlength=12)
            chord = max(triads, key=lambda t: sum(weight[pc] for pc in t))
        for voice, (pc, centre) in enumerate(zip((chord[2], chord[1], chord[0]), centres)):
            p = _place(pc, lowest, n_pitches, centre)
            if p is not None:
                out[voice, beat:beat + steps_per_beat, p - lowest] = True
    return out
