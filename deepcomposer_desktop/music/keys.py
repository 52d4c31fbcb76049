"""Keys and scales: names, MIDI key signatures, and key detection from notes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PITCH_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
_NAME_TO_PC = {
    "C": 0, "B#": 0, "C#": 1, "DB": 1, "D": 2, "D#": 3, "EB": 3, "E": 4, "FB": 4, "F": 5,
    "E#": 5, "F#": 6, "GB": 6, "G": 7, "G#": 8, "AB": 8, "A": 9, "A#": 10, "BB": 10,
    "B": 11, "CB": 11,
}
MAJOR_STEPS = (0, 2, 4, 5, 7, 9, 11)
# Natural minor plus the raised seventh: the leading tone is part of every minor-key
# piece of common practice, and a key lock that forbade it would sound wrong.
MINOR_STEPS = (0, 2, 3, 5, 7, 8, 10, 11)

# Krumhansl & Kessler (1982) key profiles, the usual basis of key finding.
_KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass(frozen=True, slots=True)
class Key:
    tonic: int  # pitch class 0-11
    mode: str = "major"  # "major" or "minor"

    def __post_init__(self) -> None:
        if not 0 <= self.tonic <= 11 or self.mode not in ("major", "minor"):
            raise ValueError(f"invalid key {self.tonic} {self.mode}")

    @property
    def name(self) -> str:
        return f"{PITCH_NAMES[self.tonic]} {self.mode}"

    @property
    def scale(self) -> frozenset[int]:
        steps = MAJOR_STEPS if self.mode == "major" else MINOR_STEPS
        return frozenset((self.tonic + s) % 12 for s in steps)

    def scale_mask(self) -> np.ndarray:
        """A boolean mask over the 128 MIDI pitches: True where the pitch is in the scale."""
        pcs = np.arange(128) % 12
        return np.isin(pcs, sorted(self.scale))

    def transposed(self, semitones: int) -> "Key":
        return Key((self.tonic + semitones) % 12, self.mode)

    @classmethod
    def parse(cls, text: str) -> "Key":
        """'C major', 'A minor', 'F#m', 'Bb' (MIDI key-signature names) or 'c' ..."""
        t = text.strip()
        mode = "major"
        low = t.lower()
        if low.endswith(" minor") or low.endswith("min"):
            mode, t = "minor", t.rsplit(" ", 1)[0] if " " in t else t[:-3]
        elif low.endswith(" major") or low.endswith("maj"):
            t = t.rsplit(" ", 1)[0] if " " in t else t[:-3]
        elif len(t) > 1 and t.endswith("m"):
            mode, t = "minor", t[:-1]
        pc = _NAME_TO_PC.get(t.strip().upper().replace("♯", "#").replace("♭", "B"))
        if pc is None:
            raise ValueError(f"unknown key {text!r}")
        return cls(pc, mode)

    def midi_name(self) -> str:
        """The name mido uses in a key_signature meta message ('C', 'F#m', 'Bb')."""
        # mido accepts only spellings that exist as key signatures.
        major_names = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
        minor_names = ["Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm"]
        return (major_names if self.mode == "major" else minor_names)[self.tonic]

    @classmethod
    def from_midi_name(cls, name: str) -> "Key":
        return cls.parse(name)


def pitch_class_weights(pitches, durations=None) -> np.ndarray:
    """A 12-bin histogram of pitch classes, weighted by duration when given."""
    pitches = np.asarray(pitches, dtype=np.int64)
    weights = np.ones(len(pitches)) if durations is None else np.asarray(durations, float)
    return np.bincount(pitches % 12, weights=weights, minlength=12)[:12]


def detect_key(pitches, durations=None) -> Key:
    """Krumhansl-Schmuckler key finding: the key whose profile best correlates with
    the duration-weighted pitch-class histogram. C major when there are no notes."""
    hist = pitch_class_weights(pitches, durations)
    if hist.sum() == 0:
        return Key(0, "major")
    best, best_r = Key(0, "major"), -np.inf
    for mode, profile in (("major", _KK_MAJOR), ("minor", _KK_MINOR)):
        for tonic in range(12):
            r = np.corrcoef(hist, np.roll(profile, tonic))[0, 1]
            if np.isfinite(r) and r > best_r:
                best, best_r = Key(tonic, mode), r
    return best
