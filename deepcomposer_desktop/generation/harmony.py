"""Harmony rules that steer an accompaniment model along a chord track.

The GAN proposes a score for every (voice, step, pitch); these rules reshape the
scores before the voices are decoded, then tidy the decoded notes, so that what the
model plays is its genre's texture on the song's chords:

- on every beat and at every chord change each voice sounds a tone of the chord (or
  rests); between beats a tone outside the chord may pass or neighbour, and it must
  then be approached and left by step from chord tones;
- a voice never sounds at or above the melody, and the bass is the lowest voice;
- pitches that sit consonantly under the melody (thirds, sixths, fifths) are
  preferred to fourths and to doubling the melody at the unison or octave, and the
  bass leans on the chord's bass note at each change.

Rolls here are the model's window: pitch index i is MIDI pitch `lowest + i - shift`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..music.chords import ChordChange, chord_at
from ..music.composition import Note
from ..music.keys import Key
from ..music.meter import is_compound
from ..music.pianoroll import RollGrid

FORBIDDEN = -2.0  # the score of a forbidden cell: below every rest threshold
# Preference by the interval from an accompaniment pitch up to the melody, mod 12.
INTERVAL_BONUS = np.array([-0.35, -0.8, -0.6, 0.25, 0.25, -0.3, -0.8, 0.2, 0.25, 0.25, -0.6, -0.8])
NON_CHORD_PENALTY = 0.8  # an off-beat tone outside the chord
BASS_NOTE_BONUS = 0.4  # the chord's bass note in the lowest voice at a beat
CHORD_TONE_BONUS = 0.5  # a chord tone on a beat, over resting
OUT_OF_KEY_PULL = 0.25  # a tone outside the key and the chord, when the key lock is off
SPACING = 12  # semitones an upper voice may lie below the voice above it
LOWEST_BASS = 28  # E1, the lowest string of a double bass: no voice goes below it
# The bottom of instruments with a firm one (General MIDI programs): a cello part
# never goes below its C string.
LOWEST_BY_PROGRAM = {40: 55, 41: 48, 42: 36}


def lowest_pitch(program: int) -> int:
    """The lowest pitch a voice played by GM `program` may take."""
    return LOWEST_BY_PROGRAM.get(program, LOWEST_BASS)


@dataclass(frozen=True)
class StepChords:
    """The chord track on the roll's steps."""
    tones: np.ndarray  # (steps, 12) bool: the pitch classes of the chord sounding
    bass: np.ndarray  # (steps,) int: the chord's bass pitch class (-1: no chord)
    strong: np.ndarray  # (steps,) bool: a beat or a chord change

    @classmethod
    def build(cls, chords: list[ChordChange], n_steps: int, grid: RollGrid,
              time_signature: tuple[int, int]) -> "StepChords":
        """Beats are the time signature's (a dotted quarter in compound metres)."""
        tones = np.zeros((n_steps, 12), bool)
        bass = np.full(n_steps, -1)
        strong = np.zeros(n_steps, bool)
        beat = grid.ppq * 4 // time_signature[1] * (3 if is_compound(time_signature) else 1)
        strong[::max(1, grid.step_of(beat))] = True
        # Each change holds from its step to the next change's (one pass, not a search a step).
        starts = [max(grid.step_of(c.tick), 0) for c in chords] + [n_steps]
        for c, s0, s1 in zip(chords, starts, starts[1:]):
            tones[s0:s1] = False
            tones[s0:s1, sorted(c.chord.pitch_classes)] = True
            bass[s0:s1] = c.chord.lowest
            if s0 < n_steps:
                strong[s0] = True
        return cls(tones, bass, strong)


def guide(steps: StepChords, melody: np.ndarray, pitch_classes: np.ndarray, tracks: int,
          key: Key | None, strict_key: bool) -> tuple[np.ndarray, np.ndarray]:
    """(forbidden (tracks, steps, pitches) bool, bonus (tracks, steps, pitches)) for a
    (steps, pitches) melody roll whose pitch index i has pitch class pitch_classes[i]."""
    n, p = melody.shape
    chord_tone = steps.tones[:, pitch_classes]  # (steps, pitches)
    has_chord = steps.bass >= 0
    forbid = np.zeros((n, p), bool)
    bonus = np.zeros((n, p), np.float32)
    # On the beats and at changes: chord tones only; between them a passing tone costs.
    forbid |= (steps.strong & has_chord)[:, None] & ~chord_tone
    bonus -= np.where(has_chord[:, None] & ~chord_tone, NON_CHORD_PENALTY, 0.0)
    # ... and the chord sounds there, even one the model would not have chosen.
    bonus += np.where((steps.strong & has_chord)[:, None] & chord_tone, CHORD_TONE_BONUS, 0.0)
    if key is not None:  # the key lock (or its pull) yields to the chord's own tones
        out_of_key = ~np.isin(pitch_classes, sorted(key.scale))[None, :] & ~chord_tone
        if strict_key:
            forbid |= out_of_key
        else:
            bonus -= np.where(out_of_key, OUT_OF_KEY_PULL, 0.0)
    # Never at or above the lowest melody note sounding.
    sounding = melody.any(axis=1)
    low = np.where(sounding, melody.argmax(axis=1), p)
    forbid |= np.arange(p)[None, :] >= low[:, None]
    # Consonance with every melody pitch class sounding.
    mel_pcs = np.zeros((n, 12), bool)
    rows, cols = np.nonzero(melody)
    mel_pcs[rows, pitch_classes[cols]] = True
    for pc in range(12):
        on = mel_pcs[:, pc]
        if on.any():
            bonus[on] += INTERVAL_BONUS[(pc - pitch_classes) % 12][None, :]
    forbid3 = np.repeat(forbid[None], tracks, axis=0)
    bonus3 = np.repeat(bonus[None], tracks, axis=0)
    lean = steps.strong & has_chord  # the bass takes the chord's bass note on the beats
    bonus3[-1] += np.where(lean[:, None] & (pitch_classes[None, :] == steps.bass[:, None]),
                           BASS_NOTE_BONUS, 0.0)
    return forbid3, bonus3


def sound_the_bass(raw: np.ndarray, steps: StepChords, pitch_classes: np.ndarray,
                   melody: np.ndarray, rest: float, margin: float = 0.2) -> None:
    """Lift, in place, the bass's (steps, pitches) scores so that through every beat
    that begins with the melody playing, one of the chord's tones beats resting (`rest`,
    the decoder's threshold) by `margin` at each step: the harmony always has its
    foundation, even on a chord the model would not have chosen."""
    n = raw.shape[0]
    beat_start = np.maximum.accumulate(np.where(steps.strong, np.arange(n), 0))
    begins = steps.strong & (steps.bass >= 0) & melody.any(axis=1)
    within = begins[beat_start]  # each step, by the beat it belongs to
    tones = steps.tones[:, pitch_classes] & (raw > FORBIDDEN)
    best = np.where(tones, raw, -np.inf).max(axis=1)
    lift = np.where(within & np.isfinite(best), np.maximum(0.0, rest + margin - best), 0.0)
    raw += np.where(tones, lift[:, None], 0.0).astype(raw.dtype)


def decode_in_order(decode, raw: np.ndarray, melody: np.ndarray, floor: int | list[int] = 0,
                    grain: int = 1, bass: tuple[StepChords, np.ndarray, float] | None = None
                    ) -> np.ndarray:
    """Decode (voices, steps, pitches) scores one voice at a time from the top, as a
    choir is spaced: each voice below the lowest pitch of the voice above at every
    step (the first below the melody), the upper voices within SPACING semitones of it, and
    no voice below pitch index `floor` (one for all, or each voice's instrument's
    lowest); so voices never cross and the bass is the lowest. With `grain` > 1 the
    lines move only every `grain` steps (an eighth for genres with next to no shorter
    notes). `bass` (the chords, window pitch classes,
    rest score) has the bass sound on every beat of melody (sound_the_bass). `decode`
    maps (1, steps, pitches) scores to bool rolls."""
    voices, n, p = raw.shape
    rolls = np.zeros(raw.shape, bool)
    pitches = np.arange(p)[None, :]
    above = melody.any(axis=1)
    ceiling = np.where(above, melody.argmax(axis=1), p)
    coarse = n // grain
    floors = np.broadcast_to(np.asarray(floor), (voices,))
    for v in range(voices):
        spaced = above & (v < voices - 1)  # the bass may lie further down
        out = (pitches >= ceiling[:, None]) | (pitches < floors[v]) | (raw[v] <= FORBIDDEN)
        out |= spaced[:, None] & (pitches < ceiling[:, None] - SPACING)
        scores = np.where(out, FORBIDDEN, raw[v])
        if bass is not None and v == voices - 1:
            sound_the_bass(scores, bass[0], bass[1], melody, bass[2])
        scores = scores[: coarse * grain]
        cells = scores.reshape(coarse, grain, p).mean(axis=1)
        cells[out[: coarse * grain].reshape(coarse, grain, p).any(axis=1)] = FORBIDDEN
        line = np.repeat(decode(cells[None])[0], grain, axis=0)
        rolls[v, : coarse * grain] = line
        sounding = rolls[v].any(axis=1)  # where this voice rests, the ceiling stays
        ceiling = np.where(sounding, rolls[v].argmax(axis=1), ceiling)
        above = above | sounding
    return rolls


def _sounding(notes: list[Note], start: int, end: int) -> list[int]:
    return [n.pitch for n in notes if n.start < end and n.end > start]


def _below(pitch: int, ceiling: int) -> int:
    """`pitch` moved down by octaves until it is below `ceiling`."""
    while pitch >= ceiling and pitch - 12 >= 0:
        pitch -= 12
    return pitch


def tidy(voices: list[list[Note]], melody: list[Note], chords: list[ChordChange],
         floors: list[int] | None = None) -> list[list[Note]]:
    """Decoded voices (highest first, bass last) -> the same, with every note below
    the melody sounding with it, the bass below the other voices, and each tone
    outside its chord either a passing or neighbour tone (by step from and to chord
    tones of its voice) or moved to the nearest chord tone. `floors`: each voice's
    lowest pitch (its instrument's), which no move goes below."""
    floors = floors or [LOWEST_BASS] * len(voices)
    out = []
    for notes, floor in zip(voices, floors):
        fixed = []
        notes = sorted(notes)
        for i, n in enumerate(notes):
            pitch = n.pitch
            chord = chord_at(chords, n.start)
            if chord is not None and pitch % 12 not in chord.pitch_classes:
                prev = notes[i - 1] if i > 0 and notes[i - 1].end >= n.start else None
                nxt = notes[i + 1] if i + 1 < len(notes) and notes[i + 1].start <= n.end else None
                passing = all(
                    m is not None and abs(m.pitch - pitch) <= 2
                    and (c := chord_at(chords, m.start)) is not None
                    and m.pitch % 12 in c.pitch_classes for m in (prev, nxt))
                if not passing:
                    pitch = min((q for q in range(max(floor, pitch - 6), min(127, pitch + 6) + 1)
                                 if q % 12 in chord.pitch_classes),
                                key=lambda q: (abs(q - pitch), q))
            above = _sounding(melody, n.start, n.end)
            if above:
                pitch = _below(pitch, min(above))
                if pitch < floor:  # out of the instrument's reach under this melody: rest
                    continue
            fixed.append(n.moved(pitch=pitch))
        out.append(fixed)
    if len(out) > 1:  # the bass is the lowest voice
        upper = [n for v in out[:-1] for n in v]
        bass = []
        for n in out[-1]:
            others = _sounding(upper, n.start, n.end)
            lower = _below(n.pitch, min(others)) if others else n.pitch
            bass.append(n.moved(pitch=lower) if lower >= floors[-1] else n)
        out[-1] = bass
    return out
