"""The computer keyboard as a piano, laid out as GarageBand's Musical Typing.

    W E   T Y U   O P            black keys
   A S D F G H J K L ; '         white keys: A is C, K the C an octave up, ' the F above
   Z X: octave down / up         C V: velocity down / up

Keys are the characters typed (case-insensitive). A key held down sends one
note-on, however often the system auto-repeats it, and its note-off is for the
pitch it started even if the octave changed in between. A widget turns key
events into `press`/`release` calls and plays what they return.
"""

from __future__ import annotations

from dataclasses import dataclass

# Semitones above the current octave's C.
NOTE_KEYS = {
    "a": 0, "w": 1, "s": 2, "e": 3, "d": 4, "f": 5, "t": 6, "g": 7, "y": 8, "h": 9,
    "u": 10, "j": 11, "k": 12, "o": 13, "l": 14, "p": 15, ";": 16, "'": 17,
}
OCTAVE_DOWN, OCTAVE_UP, VELOCITY_DOWN, VELOCITY_UP = "z", "x", "c", "v"
VELOCITIES = (1, 20, 40, 60, 80, 100, 120, 127)  # what C and V step through
DEFAULT_BASE = 60       # A plays middle C (C4)
DEFAULT_VELOCITY = 100
MIN_BASE = 0
MAX_BASE = 108         # the highest C whose whole row (up to ' = F, +17) stays within 0-127


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
        """The octave number of A's C in scientific pitch (middle C is C4)."""
        return self.base // 12 - 1

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
