"""Helpers for the audio tests: pitch analysis of rendered audio, and a fake sink
with a hand-driven clock for the player."""

from __future__ import annotations

import numpy as np

from deepcomposer_desktop.audio.events import NOTE_ON, Event
from deepcomposer_desktop.music import Composition, Note, Tempo, Track

TICKS_PER_SECOND = 960  # at 120 bpm and 480 PPQ


def make_composition(*tracks: Track, bpm: float = 120.0) -> Composition:
    return Composition(tracks=list(tracks), tempos=[Tempo.from_bpm(0, bpm)])


def triad(seconds: float = 2.0, program: int = 0) -> Composition:
    """The C major triad C4 E4 G4 (261.6, 329.6, 392.0 Hz) held for `seconds`."""
    ticks = int(seconds * TICKS_PER_SECOND)
    return make_composition(Track("Chord", program, 0,
                                  notes=[Note(0, p, ticks, 100) for p in (60, 64, 67)]))


# --- spectra -------------------------------------------------------------------------
def spectrum(samples: np.ndarray, rate: int, start: float, seconds: float, pad: int = 4):
    """(frequencies, magnitudes) of a Hann-windowed, zero-padded stretch (mono mix)."""
    x = samples[int(start * rate):int((start + seconds) * rate)]
    x = x.mean(axis=1) if x.ndim == 2 else x
    x = x * np.hanning(len(x))
    n = 1 << int(np.ceil(np.log2(len(x) * pad)))
    return np.fft.rfftfreq(n, 1 / rate), np.abs(np.fft.rfft(x, n))


def spectral_peaks(freqs, mags, lo=40.0, hi=5000.0, floor_db=-20.0, merge=0.03):
    """Local maxima between lo and hi within floor_db of the strongest one; peaks
    closer than `merge` (relative) to a stronger one are the same partial (beating
    piano unisons, window side lobes) and are dropped. Sorted by frequency."""
    band = np.flatnonzero((freqs >= lo) & (freqs <= hi))
    db = 20 * np.log10(mags / mags[band].max() + 1e-12)
    local = band[(db[band] > db[band - 1]) & (db[band] >= db[band + 1]) & (db[band] >= floor_db)]
    kept: list[int] = []
    for k in sorted(local, key=lambda k: -db[k]):
        if all(abs(freqs[k] / freqs[j] - 1) > merge for j in kept):
            kept.append(k)
    return sorted(float(freqs[k]) for k in kept)


def fundamentals(freqs, mags, below=500.0, tolerance=0.015, **peak_options) -> list[float]:
    """A harmonic sieve: spectral peaks that are not a whole multiple (2x, 3x, ...)
    of a lower peak, i.e. the fundamentals, whatever partial is the loudest."""
    found: list[float] = []
    for f in spectral_peaks(freqs, mags, **peak_options):
        if not any(round(f / g) >= 2 and abs(f / (g * round(f / g)) - 1) < tolerance
                   for g in found):
            found.append(f)
    return [f for f in found if f < below]


def hps_pitch(freqs, mags, lo=60.0, hi=1000.0, harmonics=4) -> float:
    """Harmonic product spectrum: the f that maximises sum(log |X(h f)|), h = 1..H.
    For one note it finds the fundamental even when the second harmonic is louder."""
    logm = np.log(mags + mags.max() * 1e-6)
    idx = np.arange(len(mags))
    score = np.zeros(len(mags))
    for h in range(1, harmonics + 1):
        j = idx * h
        score += np.where(j < len(mags), logm[np.minimum(j, len(mags) - 1)], -np.inf)
    band = (freqs >= lo) & (freqs <= hi)
    return float(freqs[band][np.argmax(score[band])])


def harmonic_tone(rate, seconds, f0, amplitudes) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return sum(a * np.sin(2 * np.pi * f0 * (h + 1) * t) for h, a in enumerate(amplitudes))


# --- the player's fake sink --------------------------------------------------------------
class FakeSink:
    """Records what the player sends. The clock only moves when a test moves it."""

    def __init__(self) -> None:
        self.t = 100.0  # an arbitrary origin: nothing may assume the clock starts at 0
        self.log: list[tuple[str, float, float, Event]] = []  # (kind, sent at, due at, event)
        self.prepared = 0

    def prepare(self, composition) -> None:
        self.prepared += 1

    def now(self) -> float:
        return self.t

    def schedule(self, at: float, event: Event) -> None:
        self.log.append(("at", self.t, at, event))

    def cancel(self) -> None:
        self.log.append(("cancel", self.t, self.t, None))

    def send_now(self, event: Event) -> None:
        self.log.append(("now", self.t, self.t, event))

    def heard(self) -> list[tuple[float, Event]]:
        """What a listener hears: scheduled events that came due before a later cancel,
        and immediate ones, in time order."""
        out, pending = [], []
        for kind, sent, due, event in self.log:
            if kind == "at":
                pending.append((due, event))
            elif kind == "cancel":
                out += [(d, e) for d, e in pending if d <= sent]
                pending = []
            else:
                out.append((due, event))
        out += [(d, e) for d, e in pending if d <= self.t]
        return sorted(out, key=lambda pair: (pair[0], pair[1].kind))

    def scheduled_ons(self) -> list[tuple[float, Event]]:
        """Every note-on handed over, due or not, cancelled or not."""
        return [(due, e) for kind, _, due, e in self.log if kind == "at" and e.kind == NOTE_ON]

    def note_ons(self) -> list[tuple[float, Event]]:
        return [(t, e) for t, e in self.heard() if e.kind == NOTE_ON]

    def hanging(self) -> set[tuple[int, int]]:
        """Keys left sounding after everything heard so far."""
        on: set[tuple[int, int]] = set()
        for _, e in self.heard():
            (on.add if e.kind == NOTE_ON else on.discard)((e.channel, e.pitch))
        return on
