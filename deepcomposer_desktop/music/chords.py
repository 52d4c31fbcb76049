"""Chord symbols and the chord track: parse and spell symbols such as `Am7`, `D/F#`,
`G7`, `Bdim`, and detect one or two chords a bar from a melody as a musician would
(chord tones on the strong beats, familiar progressions, a cadence at the end).

A song's chord track is `Composition.chords`: a sorted list of `ChordChange(tick,
chord)`, each chord sounding until the next change.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import numpy as np

from .keys import Key, detect_key
from .meter import is_compound

# Intervals above the root of every quality a symbol may name.
QUALITIES: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7), "m": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8),
    "7": (0, 4, 7, 10), "maj7": (0, 4, 7, 11), "m7": (0, 3, 7, 10), "m7b5": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9), "sus4": (0, 5, 7), "sus2": (0, 2, 7), "6": (0, 4, 7, 9),
    "m6": (0, 3, 7, 9),
}
_ALIASES = {"maj": "", "M": "", "major": "", "min": "m", "-": "m", "minor": "m", "mi": "m",
            "o": "dim", "°": "dim", "+": "aug", "ø": "m7b5", "m7-5": "m7b5", "M7": "maj7",
            "Δ": "maj7", "Δ7": "maj7", "ma7": "maj7", "min7": "m7", "-7": "m7", "o7": "dim7",
            "°7": "dim7", "dom7": "7", "sus": "sus4", "min6": "m6", "-6": "m6"}
_SHARPS = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
_FLATS = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]
_LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_SYMBOL = re.compile(r"^\s*([A-Ga-g])([#b♯♭]*)([^/\s]*)(?:/([A-Ga-g])([#b♯♭]*))?\s*$")
# Major keys written with flats (and their relative minors).
_FLAT_MAJORS = {5, 10, 3, 8, 1, 6}
_SHARP_MAJORS = {4, 11}  # E and B major (F#/Gb counts as flat above)
_MIXED = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]


def _pc(letter: str, accidentals: str) -> int:
    return (_LETTER[letter.upper()] + sum(1 if a in "#♯" else -1 for a in accidentals)) % 12


@dataclass(frozen=True, order=True, slots=True)
class Chord:
    root: int  # pitch class 0-11
    quality: str = ""  # a key of QUALITIES
    bass: int | None = None  # the pitch class of a slash bass, if it is not the root

    def __post_init__(self) -> None:
        if not 0 <= self.root <= 11 or self.quality not in QUALITIES:
            raise ValueError(f"invalid chord {self.root} {self.quality!r}")
        if self.bass is not None and not 0 <= self.bass <= 11:
            raise ValueError(f"invalid bass {self.bass}")

    @property
    def pitch_classes(self) -> frozenset[int]:
        pcs = {(self.root + i) % 12 for i in QUALITIES[self.quality]}
        return frozenset(pcs | ({self.bass} if self.bass is not None else set()))

    @property
    def triad(self) -> frozenset[int]:
        """Root, third (or suspension) and fifth: the tones a strong beat leans on."""
        return frozenset((self.root + i) % 12 for i in QUALITIES[self.quality][:3])

    @property
    def lowest(self) -> int:
        """The pitch class the bass plays."""
        return self.root if self.bass is None else self.bass

    @classmethod
    def parse(cls, text: str) -> "Chord":
        """'C', 'Am7', 'D/F#', 'Bbmaj7', 'F#dim', 'Gsus4', 'E7' ... or ValueError."""
        m = _SYMBOL.match(text)
        if not m:
            raise ValueError(f"unknown chord symbol {text!r}")
        letter, acc, quality, bass_letter, bass_acc = m.groups()
        quality = _ALIASES.get(quality, quality)
        if quality not in QUALITIES:
            raise ValueError(f"unknown chord symbol {text!r} (quality {quality!r})")
        root = _pc(letter, acc)
        bass = _pc(bass_letter, bass_acc) if bass_letter else None
        return cls(root, quality, None if bass == root else bass)

    def symbol(self, key: Key | None = None) -> str:
        """The symbol, spelt with flats in flat keys: 'Bb', 'D/F#', 'Am7'."""
        names = _names(key)
        text = names[self.root] + self.quality
        return text + (f"/{names[self.bass]}" if self.bass is not None else "")

    def transposed(self, semitones: int) -> "Chord":
        return Chord((self.root + semitones) % 12, self.quality,
                     None if self.bass is None else (self.bass + semitones) % 12)


def _names(key: Key | None) -> list[str]:
    """Flats in flat keys, sharps in keys of four sharps or more, and elsewhere the
    spelling lead sheets use (C# and F#, but Eb, Ab and Bb)."""
    if key is None:
        return _MIXED
    major_tonic = key.tonic if key.mode == "major" else (key.tonic + 3) % 12
    if major_tonic in _FLAT_MAJORS:
        return _FLATS
    return _SHARPS if major_tonic in _SHARP_MAJORS else _MIXED


@dataclass(frozen=True, order=True, slots=True)
class ChordChange:
    tick: int
    chord: Chord


def chord_at(chords: list[ChordChange], tick: int) -> Chord | None:
    """The chord sounding at `tick` (None before the first change)."""
    i = bisect.bisect_right([c.tick for c in chords], tick) - 1
    return chords[i].chord if i >= 0 else None


def parse_progression(text: str, ticks_per_bar: int) -> list[ChordChange]:
    """'C G/B | Am F | G7 C' (one or more symbols a bar, `|` between bars) -> changes,
    the symbols of a bar spread evenly over it. Without any `|`, one symbol a bar."""
    bars = [b.split() for b in text.split("|")] if "|" in text else [[s] for s in text.split()]
    out: list[ChordChange] = []
    for i, symbols in enumerate(bars):
        for j, s in enumerate(symbols):
            chord = Chord.parse(s)
            if not out or out[-1].chord != chord:
                out.append(ChordChange(i * ticks_per_bar + j * ticks_per_bar // len(symbols), chord))
    if not out:
        raise ValueError("no chord symbols given")
    return out


def format_progression(chords: list[ChordChange], ticks_per_bar: int, bars: int,
                       key: Key | None = None) -> list[str]:
    """The chords of each bar as text: ['C', 'F C', 'G7', ...] (a held chord repeats)."""
    out = []
    for b in range(bars):
        start, end = b * ticks_per_bar, (b + 1) * ticks_per_bar
        inside = [c.chord for c in chords if start < c.tick < end]
        first = chord_at(chords, start)
        names = [c.symbol(key) for c in ([first] if first else []) + inside]
        out.append(" ".join(names) if names else "-")
    return out


# --- detection ----------------------------------------------------------------------

# The detection's constants. Tuned on half of the human-harmonised melodies of
# resources/benchmark/leadsheets.json (python -m deepcomposer_desktop.training.chord_tuning);
# `make eval` reports the agreement on the other half.
# Candidates as (semitones above the tonic, quality, prior: how readily one reaches for it).
MAJOR_CANDIDATES = ((0, "", 1.0), (7, "", 0.9), (5, "", 0.85), (9, "m", 0.5), (2, "m", 0.45),
                    (4, "m", 0.2), (11, "dim", 0.0), (7, "7", 0.7), (2, "7", 0.1), (4, "7", 0.05),
                    (5, "m", 0.05), (10, "", 0.05), (2, "m7", 0.25), (9, "m7", 0.1), (0, "maj7", 0.0))
MINOR_CANDIDATES = ((0, "m", 1.0), (7, "", 0.85), (5, "m", 0.8), (8, "", 0.45), (3, "", 0.45),
                    (10, "", 0.4), (7, "7", 0.7), (2, "dim", 0.1), (7, "m", 0.25), (5, "", 0.05),
                    (0, "", 0.0), (2, "m7b5", 0.1), (11, "dim7", 0.0))
FIT_ON_BEAT = 1.5  # weight a beat of a melody note begun on a beat (or held into the segment)
FIT_OFF_BEAT = 0.6  # ... of one begun between beats
FIT_SEGMENT_START = 1.5  # extra weight of the note sounding at the segment's start
FIT_OTHER_TONE = 0.4  # credit of a chord tone beyond the triad (a seventh, a slash bass)
FIT_OUTSIDE_ON_BEAT = 1.2  # cost of a tone outside the chord, begun on a beat
FIT_OUTSIDE_OFF_BEAT = 0.4  # ... begun between beats
PRIOR_WEIGHT = 0.8  # how much the candidates' priors count against the melody's fit
START_ON_TONIC = 0.4  # songs mostly begin on the tonic
END_ON_TONIC = 1.0  # and end on it (the cadence)
DOMINANT_BEFORE_END = 0.3
CHANGE_AT_BAR = 0.25  # the cost of a chord change at a bar line
CHANGE_MID_BAR = 0.9  # ... in the middle of a bar
DOMINANT_TO_TONIC = 0.2  # V -> I, a familiar step
PREDOMINANT_TO_DOMINANT = 0.1  # IV/ii -> V


def _candidates(key: Key) -> list[tuple[Chord, float]]:
    """The chords a musician reaches for in `key`, with how readily (a prior): the
    primary triads first, then the other diatonic ones, the dominant seventh, the
    secondary dominants of V and vi, and the common borrowed chords."""
    t = key.tonic
    table = MAJOR_CANDIDATES if key.mode == "major" else MINOR_CANDIDATES
    return [(Chord((t + r) % 12, q), w) for r, q, w in table]


def suggestions(key: Key) -> list[Chord]:
    """The chords to offer for `key`, most usual first: its diatonic chords, the
    dominant seventh, secondary dominants and the common borrowed ones."""
    return [c for c, _ in sorted(_candidates(key), key=lambda cw: -cw[1])]


def _segments(comp_ts: tuple[int, int], ticks_per_bar: int, bars: int) -> list[tuple[int, int]]:
    """Where a chord may change: every bar, and at its middle in duple metres (4/4 in
    halves, 6/8 and 2/4 in their two beats); triple metres keep one chord a bar."""
    num, _ = comp_ts
    halves = num % 2 == 0
    out = []
    for b in range(bars):
        s = b * ticks_per_bar
        if halves:
            out += [(s, s + ticks_per_bar // 2), (s + ticks_per_bar // 2, s + ticks_per_bar)]
        else:
            out.append((s, s + ticks_per_bar))
    return out


def _beat_starts(start: int, end: int, beat: int) -> list[int]:
    return list(range(start, end, beat))


def _fit(notes, seg: tuple[int, int], beat: int, chord: Chord) -> float:
    """How well a chord fits the melody of one segment, per beat: chord tones count
    for their length, more on the beats, most at the segment's start; a tone outside
    the chord costs, more on a beat than between beats."""
    start, end = seg
    tones, triad = chord.pitch_classes, chord.triad
    score = 0.0
    for n in notes:
        a, b = max(n.start, start), min(n.end, end)
        if a >= b:
            continue
        length = (b - a) / beat
        on_beat = (n.start - start) % beat == 0 or n.start < start
        weight = (length * (FIT_ON_BEAT if on_beat else FIT_OFF_BEAT)
                  + (FIT_SEGMENT_START if a == start else 0.0))
        pc = n.pitch % 12
        if pc in triad:
            score += weight
        elif pc in tones:
            score += FIT_OTHER_TONE * weight
        else:
            score -= weight * (FIT_OUTSIDE_ON_BEAT if on_beat else FIT_OUTSIDE_OFF_BEAT)
    return score / max(1.0, (end - start) / beat)


def detect_chords(notes, ticks_per_bar: int, ticks_per_beat: int,
                  time_signature: tuple[int, int], key: Key | None = None,
                  start: int = 0, end: int | None = None) -> list[ChordChange]:
    """One or two chords a bar for a melody (`notes`, ticks), from `start` to `end`:
    a best path over the bars' segments where each chord scores how well it holds the
    melody's tones (strong beats most), how readily one reaches for it in the key,
    and how naturally it follows the chord before (a change at the bar line is
    cheaper than one mid-bar; V-I and IV-V are familiar); the song ends on the tonic
    and begins on it where the melody allows."""
    notes = sorted(notes)
    if key is None:
        key = detect_key([n.pitch for n in notes], [n.duration for n in notes])
    if end is None:
        end = max((n.end for n in notes), default=0)
    first_bar, last_bar = start // ticks_per_bar, -(-end // ticks_per_bar)
    segs = [s for s in _segments(time_signature, ticks_per_bar, last_bar)
            if s[0] >= first_bar * ticks_per_bar]
    if not segs:
        return []
    cands = _candidates(key)
    chords = [c for c, _ in cands]
    prior = np.array([w for _, w in cands])
    tonic_i, dominant = 0, {i for i, c in enumerate(chords) if c.root == (key.tonic + 7) % 12}
    subdominant = {i for i, c in enumerate(chords) if c.root in ((key.tonic + 5) % 12, (key.tonic + 2) % 12)}
    # The notes sounding in each segment, by one sweep over both (segments and notes are
    # sorted): a song of any length, even one with a note held throughout, stays fast.
    sounding: list = []
    upcoming = iter(notes)
    pending = next(upcoming, None)

    def seg_fits(seg):  # an empty segment fits every chord alike
        nonlocal pending
        while pending is not None and pending.start < seg[1]:
            sounding.append(pending)
            pending = next(upcoming, None)
        sounding[:] = [n for n in sounding if n.end > seg[0]]
        if not sounding:
            return [0.0] * len(chords)
        return [_fit(sounding, seg, ticks_per_beat, c) for c in chords]
    fits = np.array([seg_fits(seg) for seg in segs])
    emit = fits + PRIOR_WEIGHT * prior[None, :]
    emit[0, tonic_i] += START_ON_TONIC  # songs mostly begin on the tonic
    emit[-1, tonic_i] += END_ON_TONIC  # and end on it (the cadence)
    for i in dominant:
        if len(segs) > 1:
            emit[-2, i] += DOMINANT_BEFORE_END
    n = len(chords)
    best, back = emit[0].copy(), np.zeros((len(segs), n), dtype=np.int64)
    for s in range(1, len(segs)):
        mid_bar = segs[s][0] % ticks_per_bar != 0
        change = np.full((n, n), -(CHANGE_MID_BAR if mid_bar else CHANGE_AT_BAR))
        np.fill_diagonal(change, 0.0)
        for d in dominant:
            change[d, tonic_i] += DOMINANT_TO_TONIC  # V -> I
        for sd in subdominant:
            for d in dominant:
                change[sd, d] += PREDOMINANT_TO_DOMINANT  # IV/ii -> V
        total = best[:, None] + change
        back[s] = total.argmax(axis=0)
        best = total.max(axis=0) + emit[s]
    path = [int(best.argmax())]
    for s in range(len(segs) - 1, 0, -1):
        path.append(int(back[s, path[-1]]))
    path.reverse()
    out: list[ChordChange] = []
    for seg, i in zip(segs, path):
        if not out or out[-1].chord != chords[i]:
            out.append(ChordChange(seg[0], chords[i]))
    return out


def detect_song_chords(comp, track: int = 0, key: Key | None = None) -> list[ChordChange]:
    """The chord track a musician would write for a song's melody track."""
    notes = comp.tracks[track].notes if comp.tracks else []
    beat = comp.ticks_per_beat * (3 if is_compound(comp.time_signature) else 1)
    return detect_chords(notes, comp.ticks_per_bar, beat, comp.time_signature,
                         key or comp.key, 0, comp.end)
