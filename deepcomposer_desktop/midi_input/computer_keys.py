"""The computer keyboard as a piano (Musical Typing, after GarageBand's).

      6 7   9 0 -                black keys
     T Y U I O P [ ] \\           white keys: T is C, ] the C an octave up, \\ the D above
   Z X: octave down / up         C V: velocity down / up

The notes sit on the top row, where no key is one of the window's shortcuts:
GarageBand's home row (A S D F ...) would take S (solo), K (click) and L (loop),
and a musician must keep those while playing. Keys are the characters typed
(case-insensitive). A key held down sends one
note-on, however often the system auto-repeats it, and its note-off is for the
pitch it started even if the octave changed in between. A widget turns key
events into `press`/`release` calls and plays what they return.
"""

from __future__ import annotations

from dataclasses import dataclass

# Semitones above the current octave's C.
NOTE_KEYS = {
    "t": 0, "6": 1, "y": 2, "7": 3, "u": 4, "i": 5, "9": 6, "o": 7, "0": 8, "p": 9,
    "-": 10, "[": 11, "]": 12, "\\": 14,
}
HIGHEST_OFFSET = max(NOTE_KEYS.values())
OCTAVE_DOWN, OCTAVE_UP, VELOCITY_DOWN, VELOCITY_UP = "z", "x", "c", "v"
VELOCITIES = (1, 20, 40, 60, 80, 100, 120, 127)  # what C and V step through
DEFAULT_BASE = 60       # T plays middle C (C4)
DEFAULT_VELOCITY = 100
MIN_BASE = 0
MAX_BASE = 108         # the highest C whose whole row (up to the D above, +14) stays within 0-127


@dataclass(frozen=True)
class KeyNote:
    on: bool
    pitch: int
    velocity: int = 0  # 0 for note-offs


def pitch_for_key(key: str, base: int = DEFAULT_BASE) -> int | None:
    """The pitch a key plays with A on `base`, or None for a key that plays nothing."""
    offset = NOTE_KEYS.get(key.lower()) if key else None
    return None if offset is None else base + offset


class MusicalTyping:
    def __init__(self, base: int = DEFAULT_BASE, velocity: int = DEFAULT_VELOCITY) -> None:
        if base % 12 or not MIN_BASE <= base <= MAX_BASE:
            raise ValueError(f"base {base} must be a C from {MIN_BASE} to {MAX_BASE}")
        if not 1 <= velocity <= 127:
            raise ValueError(f"velocity {velocity} is outside 1-127")
        self.base = base
        self.velocity = velocity
        self._down: dict[str, int | None] = {}  # key held -> pitch it started (None: a control key)

    @staticmethod
    def handles(key: str) -> bool:
        """Whether the key belongs to Musical Typing (so a window's shortcut must wait)."""
        return bool(key) and (key.lower() in NOTE_KEYS
                              or key.lower() in (OCTAVE_DOWN, OCTAVE_UP, VELOCITY_DOWN, VELOCITY_UP))

    @property
    def octave(self) -> int:
        """The octave number of T's C in scientific pitch (middle C is C4)."""
        return self.base // 12 - 1

    @property
    def range_text(self) -> str:
        """The notes the keys play now, e.g. "C4-D5"."""
        names = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
        high = self.base + HIGHEST_OFFSET
        return f"C{self.octave}\u2013{names[high % 12]}{high // 12 - 1}"

    @staticmethod
    def key_for_pitch_offset(offset: int) -> str | None:
        """The key that plays `offset` semitones above the current C (for labels)."""
        return next((k for k, v in NOTE_KEYS.items() if v == offset), None)

    def pitch_for_key(self, key: str) -> int | None:
        return pitch_for_key(key, self.base)

    def held(self) -> set[int]:
        return {p for p in self._down.values() if p is not None}

    def press(self, key: str) -> list[KeyNote]:
        """A key went down: the notes to play (none for auto-repeat and control keys)."""
        key = key.lower()
        if not self.handles(key) or key in self._down:  # auto-repeat sends presses only
            return []
        if key not in NOTE_KEYS:
            self._down[key] = None
            self._control(key)
            return []
        pitch = self.base + NOTE_KEYS[key]
        if pitch in self.held():  # the same pitch is already down on another key
            self._down[key] = None
            return []
        self._down[key] = pitch
        return [KeyNote(True, pitch, self.velocity)]

    def release(self, key: str) -> list[KeyNote]:
        pitch = self._down.pop(key.lower(), None)
        return [] if pitch is None else [KeyNote(False, pitch)]

    def release_all(self) -> list[KeyNote]:
        """Focus went elsewhere: no key-up will come, so end every note now."""
        notes = [KeyNote(False, p) for p in self._down.values() if p is not None]
        self._down.clear()
        return notes

    def _control(self, key: str) -> None:
        if key == OCTAVE_DOWN:
            self.base = max(MIN_BASE, self.base - 12)
        elif key == OCTAVE_UP:
            self.base = min(MAX_BASE, self.base + 12)
        else:
            step = -1 if key == VELOCITY_DOWN else 1
            i = min(range(len(VELOCITIES)), key=lambda k: abs(VELOCITIES[k] - self.velocity))
            self.velocity = VELOCITIES[max(0, min(len(VELOCITIES) - 1, i + step))]
