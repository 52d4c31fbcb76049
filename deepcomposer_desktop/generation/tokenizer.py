"""Performance-event tokens (Magenta style, as in DeepComposer's Transformer sample).

310 tokens: PAD, START, NOTE_ON and NOTE_OFF for the 88 piano keys (A0..C8),
TIME_SHIFT in 10 ms steps from 10 ms to 1 s, and VELOCITY in 32 bins. Time is in
seconds, so the tokens follow the music's performed timing; callers convert
from and to ticks through the composition's tempo map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LOWEST, HIGHEST = 21, 108
N_KEYS = HIGHEST - LOWEST + 1  # 88
N_SHIFTS = 100  # 10 ms .. 1 s
N_VELOCITY = 32
SHIFT_SECONDS = 0.01

PAD = 0
START = 1
NOTE_ON = 2
NOTE_OFF = NOTE_ON + N_KEYS
TIME_SHIFT = NOTE_OFF + N_KEYS
VELOCITY = TIME_SHIFT + N_SHIFTS
VOCAB_SIZE = VELOCITY + N_VELOCITY  # 310


@dataclass(frozen=True, slots=True)
class TimedNote:
    start: float  # seconds
    end: float
    pitch: int
    velocity: int


def velocity_to_bin(velocity: int) -> int:
    return min(max(velocity, 1), 127) * N_VELOCITY // 128


def bin_to_velocity(b: int) -> int:
    return min(127, b * 128 // N_VELOCITY + 128 // N_VELOCITY // 2)


def is_note_on(token: int) -> bool:
    return NOTE_ON <= token < NOTE_OFF


def note_on_pitch(token: int) -> int:
    return token - NOTE_ON + LOWEST


def is_note_off(token: int) -> bool:
    return NOTE_OFF <= token < TIME_SHIFT


def note_off_pitch(token: int) -> int:
    return token - NOTE_OFF + LOWEST


def note_off(pitch: int) -> int:
    """The NOTE_OFF token of a MIDI pitch in LOWEST..HIGHEST."""
    return NOTE_OFF + pitch - LOWEST


def shift_seconds(token: int) -> float:
    return (token - TIME_SHIFT + 1) * SHIFT_SECONDS


def note_on_mask(pitch_ok: np.ndarray) -> np.ndarray:
    """A vocabulary-sized bool mask that is False for NOTE_ON tokens whose MIDI
    pitch fails `pitch_ok` (a 128-long bool array) and True elsewhere."""
    mask = np.ones(VOCAB_SIZE, dtype=bool)
    mask[NOTE_ON:NOTE_OFF] = pitch_ok[LOWEST:HIGHEST + 1]
    return mask


def shift_tokens(seconds: float) -> list[int]:
    steps = int(round(seconds / SHIFT_SECONDS))
    out = []
    while steps > 0:
        n = min(steps, N_SHIFTS)
        out.append(TIME_SHIFT + n - 1)
        steps -= n
    return out


def encode(notes: list[TimedNote], *, start: bool = True) -> list[int]:
    """Notes -> tokens. Pitches outside the piano's 88 keys are folded in by octaves."""
    events = []  # (time, order, kind, pitch, velocity): offs before ons at one instant
    for n in notes:
        p = n.pitch
        while p < LOWEST:
            p += 12
        while p > HIGHEST:
            p -= 12
        end = max(n.end, n.start + SHIFT_SECONDS)
        events.append((round(n.start / SHIFT_SECONDS), 1, p, n.velocity))
        events.append((round(end / SHIFT_SECONDS), 0, p, 0))
    events.sort()
    tokens = [START] if start else []
    now, velocity_bin, sounding = 0, -1, {}
    for step, is_on, pitch, velocity in events:
        if step > now:
            tokens += shift_tokens((step - now) * SHIFT_SECONDS)
            now = step
        if is_on:
            b = velocity_to_bin(velocity)
            if b != velocity_bin:
                tokens.append(VELOCITY + b)
                velocity_bin = b
            tokens.append(NOTE_ON + pitch - LOWEST)
            sounding[pitch] = sounding.get(pitch, 0) + 1
        elif sounding.get(pitch):
            tokens.append(note_off(pitch))
            sounding[pitch] -= 1
    return tokens


def decode(tokens, *, offset: float = 0.0, close_at: float | None = None) -> list[TimedNote]:
    """Tokens -> notes (seconds from `offset`). Notes left sounding are closed at
    the last time reached (or `close_at`); a NOTE_OFF with no NOTE_ON is ignored."""
    now, velocity = offset, 64
    sounding: dict[int, list[tuple[float, int]]] = {}
    notes = []
    for t in tokens:
        t = int(t)
        if is_note_on(t):
            sounding.setdefault(note_on_pitch(t), []).append((now, velocity))
        elif is_note_off(t):
            starts = sounding.get(note_off_pitch(t))
            if starts:
                s, v = starts.pop(0)
                notes.append(TimedNote(s, max(now, s + SHIFT_SECONDS), note_off_pitch(t), v))
        elif TIME_SHIFT <= t < VELOCITY:
            now += shift_seconds(t)
        elif VELOCITY <= t < VOCAB_SIZE:
            velocity = bin_to_velocity(t - VELOCITY)
    end = now if close_at is None else close_at
    for pitch, starts in sounding.items():
        for s, v in starts:
            notes.append(TimedNote(s, max(end, s + SHIFT_SECONDS), pitch, v))
    return sorted(notes, key=lambda n: (n.start, n.pitch))
