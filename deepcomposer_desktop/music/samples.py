"""Public-domain melodies to start from, addressable as `sample:NAME`.

Written as data: each token is PITCH:BEATS (beats in quarter notes,
1 when omitted) or r:BEATS for a rest; '|' marks bar lines and is checked, so a
typo that breaks the metre fails the tests. A pickup is written as a leading rest
so that bar lines stay where a musician counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..errors import InvalidInputError
from .composition import DEFAULT_PPQ, Composition, Note, Tempo, Track
from .keys import Key

_STEP = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


@dataclass(frozen=True)
class Sample:
    title: str
    key: str
    time_signature: tuple[int, int]
    bpm: float
    score: str


SAMPLES: dict[str, Sample] = {
    "twinkle": Sample("Twinkle, Twinkle, Little Star", "C major", (4, 4), 100, """
        C4 C4 G4 G4 | A4 A4 G4:2 | F4 F4 E4 E4 | D4 D4 C4:2 |
        G4 G4 F4 F4 | E4 E4 D4:2 | G4 G4 F4 F4 | E4 E4 D4:2 |
        C4 C4 G4 G4 | A4 A4 G4:2 | F4 F4 E4 E4 | D4 D4 C4:2 |"""),
    "ode-to-joy": Sample("Ode to Joy", "D major", (4, 4), 110, """
        F#4 F#4 G4 A4 | A4 G4 F#4 E4 | D4 D4 E4 F#4 | F#4:1.5 E4:.5 E4:2 |
        F#4 F#4 G4 A4 | A4 G4 F#4 E4 | D4 D4 E4 F#4 | E4:1.5 D4:.5 D4:2 |
        E4 E4 F#4 D4 | E4 F#4:.5 G4:.5 F#4 D4 | E4 F#4:.5 G4:.5 F#4 E4 | D4 E4 A3:2 |
        F#4 F#4 G4 A4 | A4 G4 F#4 E4 | D4 D4 E4 F#4 | E4:1.5 D4:.5 D4:2 |"""),
    "frere-jacques": Sample("Frère Jacques", "F major", (4, 4), 100, """
        F4 G4 A4 F4 | F4 G4 A4 F4 | A4 Bb4 C5:2 | A4 Bb4 C5:2 |
        C5:.5 D5:.5 C5:.5 Bb4:.5 A4 F4 | C5:.5 D5:.5 C5:.5 Bb4:.5 A4 F4 |
        F4 C4 F4:2 | F4 C4 F4:2 |"""),
    "mary": Sample("Mary Had a Little Lamb", "C major", (4, 4), 110, """
        E4 D4 C4 D4 | E4 E4 E4:2 | D4 D4 D4:2 | E4 G4 G4:2 |
        E4 D4 C4 D4 | E4 E4 E4 E4 | D4 D4 E4 D4 | C4:4 |"""),
    "amazing-grace": Sample("Amazing Grace", "G major", (3, 4), 80, """
        r:2 D4 | G4:2 B4:.5 G4:.5 | B4:2 A4 | G4:2 E4 | D4:2 D4 |
        G4:2 B4:.5 G4:.5 | B4:2 A4 | D5:3 | D5:2 B4 |
        D5:2 B4:.5 G4:.5 | B4:2 A4 | G4:2 E4 | D4:2 D4 |
        G4:2 B4:.5 G4:.5 | B4:2 A4 | G4:3 |"""),
    "greensleeves": Sample("Greensleeves", "A minor", (3, 4), 90, """
        r:2 A4 | C5:2 D5 | E5:1.5 F5:.5 E5 | D5:2 B4 | G4:1.5 A4:.5 B4 |
        C5:2 A4 | A4:1.5 G#4:.5 A4 | B4:2 G#4 | E4:2 A4 |
        C5:2 D5 | E5:1.5 F5:.5 E5 | D5:2 B4 | G4:1.5 A4:.5 B4 |
        C5:1.5 B4:.5 A4 | G#4:1.5 F#4:.5 G#4 | A4:3 | A4:3 |"""),
    "scarborough-fair": Sample("Scarborough Fair", "D minor", (3, 4), 90, """
        D4:2 D4 | A4:2 A4 | E4:1.5 F4:.5 E4 | D4:3 | r:2 A4 | C5:2 D5 |
        C5:2 A4 | B4:1.5 G4:.5 A4 | A4:3 | r:2 D5 | D5:2 D5 | C5:2 A4 |
        A4:1.5 G4:.5 F4 | E4:1.5 C4:.5 C4 | D4:2 A4 | G4:2 F4 | E4:1.5 D4:.5 C4 | D4:3 |"""),
    "saints": Sample("When the Saints Go Marching In", "C major", (4, 4), 120, """
        r C4 E4 F4 | G4:4 | r C4 E4 F4 | G4:4 | r C4 E4 F4 | G4:2 E4:2 | C4:2 E4:2 | D4:4 |
        r E4 E4 D4 | C4:3 C4 | E4:2 G4:2 | G4 F4:3 | r E4 F4 G4 | E4:2 C4:2 | D4:2 D4:2 | C4:4 |"""),
    "row-row": Sample("Row, Row, Row Your Boat", "C major", (6, 8), 90, """
        C4:1.5 C4:1.5 | C4 D4:.5 E4:1.5 | E4 D4:.5 E4 F4:.5 | G4:3 |
        C5:.5 C5:.5 C5:.5 G4:.5 G4:.5 G4:.5 | E4:.5 E4:.5 E4:.5 C4:.5 C4:.5 C4:.5 |
        G4 F4:.5 E4 D4:.5 | C4:3 |"""),
}


def parse_pitch(name: str) -> int:
    """'C4' -> 60, 'F#3' -> 54, 'Bb4' -> 70 (scientific pitch notation, C4 = middle C)."""
    letter, rest = name[0].upper(), name[1:]
    accidental = 0
    while rest and rest[0] in "#b":
        accidental += 1 if rest[0] == "#" else -1
        rest = rest[1:]
    return 12 * (int(rest) + 1) + _STEP[letter] + accidental


def parse_score(score: str, ppq: int, beats_per_bar: Fraction) -> list[Note]:
    notes, beat, bar_start = [], Fraction(0), Fraction(0)
    for token in score.split():
        if token == "|":
            if beat - bar_start != beats_per_bar:
                raise ValueError(f"bar at beat {bar_start} lasts {beat - bar_start} beats")
            bar_start = beat
            continue
        name, _, length = token.partition(":")
        beats = Fraction(length) if length else Fraction(1)
        if name != "r":
            start, end = round(beat * ppq), round((beat + beats) * ppq)
            notes.append(Note(start, parse_pitch(name), end - start, 90))
        beat += beats
    return notes


def load_sample(name: str, ppq: int = DEFAULT_PPQ) -> Composition:
    sample = SAMPLES.get(name)
    if sample is None:
        raise InvalidInputError(
            f"no sample called {name!r}; try one of: {', '.join(sorted(SAMPLES))}")
    num, den = sample.time_signature
    notes = parse_score(sample.score, ppq, Fraction(num * 4, den))
    return Composition(
        tracks=[Track(name="Melody", program=0, channel=0, notes=notes)],
        ppq=ppq,
        tempos=[Tempo.from_bpm(0, sample.bpm)],
        time_signature=sample.time_signature,
        key=Key.parse(sample.key),
        title=sample.title,
    )
