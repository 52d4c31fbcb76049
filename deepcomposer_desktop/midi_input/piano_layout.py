"""Geometry of an on-screen piano, with no Qt: which key lies under a point, how hard
it was hit, and what a drag across the keys plays.

Keys run from a low to a high white key over the given width. Black keys are
`black_width` of a white key wide, `black_depth` of the height long, centred on
the line between their white neighbours, and lie on top: a point on one is that
black key. Velocity grows toward the front edge of the key struck, as on a real
piano where a finger near the front has the longest lever.
"""

from __future__ import annotations

from dataclasses import dataclass

from .computer_keys import KeyNote

BLACK = frozenset({1, 3, 6, 8, 10})
WHITE_INDEX = {0: 0, 2: 1, 4: 2, 5: 3, 7: 4, 9: 5, 11: 6}
# A black key's centre, in white-key widths from the C of its octave.
BLACK_CENTRE = {1: 1.0, 3: 2.0, 6: 4.0, 8: 5.0, 10: 6.0}
MIN_OCTAVES = 2


def is_black(pitch: int) -> bool:
    return pitch % 12 in BLACK


def _white_number(pitch: int) -> int:
    return (pitch // 12) * 7 + WHITE_INDEX[pitch % 12]


@dataclass(frozen=True)
class KeyRect:
    pitch: int
    x: float
    y: float
    width: float
    height: float

    @property
    def black(self) -> bool:
        return is_black(self.pitch)

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height


class PianoLayout:
    def __init__(self, low: int = 48, high: int = 84, width: float = 700.0, height: float = 90.0,
                 *, black_width: float = 0.6, black_depth: float = 0.62,
                 velocity_range: tuple[int, int] = (30, 127)) -> None:
        low -= is_black(low)     # a piano ends on white keys
        high += is_black(high)
        if not 0 <= low < high <= 127 or high - low < 12 * MIN_OCTAVES:
            raise ValueError(f"keys {low}-{high} must be at least {MIN_OCTAVES} octaves within 0-127")
        if width <= 0 or height <= 0:
            raise ValueError("a piano needs a positive width and height")
        self.low, self.high, self.width, self.height = low, high, float(width), float(height)
        self.black_width, self.black_depth = black_width, black_depth
        self.velocity_range = velocity_range
        self.white_width = self.width / (_white_number(high) - _white_number(low) + 1)
        self._keys = [self.rect(p) for p in range(low, high + 1)]

    def resized(self, width: float, height: float) -> "PianoLayout":
        return PianoLayout(self.low, self.high, width, height, black_width=self.black_width,
                           black_depth=self.black_depth, velocity_range=self.velocity_range)

    def rect(self, pitch: int) -> KeyRect:
        if not self.low <= pitch <= self.high:
            raise ValueError(f"pitch {pitch} is not on this piano ({self.low}-{self.high})")
        ww, first = self.white_width, _white_number(self.low)
        if is_black(pitch):
            centre = ((pitch // 12) * 7 + BLACK_CENTRE[pitch % 12] - first) * ww
            w = ww * self.black_width
            return KeyRect(pitch, centre - w / 2, 0.0, w, self.height * self.black_depth)
        return KeyRect(pitch, (_white_number(pitch) - first) * ww, 0.0, ww, self.height)

    def keys(self) -> list[KeyRect]:
        """Every key, low to high (paint the white ones first, then the black)."""
        return list(self._keys)

    def pitch_at(self, x: float, y: float) -> int | None:
        for key in self._keys:  # black keys lie on top of white ones
            if key.black and key.contains(x, y):
                return key.pitch
        if not 0 <= y < self.height or not 0 <= x < self.width:
            return None
        index = int(x // self.white_width)
        whites = [k for k in self._keys if not k.black]
        return whites[min(index, len(whites) - 1)].pitch

    def velocity_at(self, pitch: int, y: float) -> int:
        """Soft at the back of the key, loud at its front edge."""
        key = self.rect(pitch)
        fraction = min(1.0, max(0.0, (y - key.y) / key.height))
        low, high = self.velocity_range
        return max(1, min(127, round(low + (high - low) * fraction)))


class PianoDrag:
    """Click, drag and release on a PianoLayout: one note at a time, a glissando
    re-striking each key the pointer enters, at the velocity of where it entered."""

    def __init__(self, layout: PianoLayout) -> None:
        self.layout = layout
        self.pitch: int | None = None

    def press(self, x: float, y: float) -> list[KeyNote]:
        out = self.release()
        pitch = self.layout.pitch_at(x, y)
        if pitch is not None:
            self.pitch = pitch
            out.append(KeyNote(True, pitch, self.layout.velocity_at(pitch, y)))
        return out

    def move(self, x: float, y: float) -> list[KeyNote]:
        """Dragging: a new key under the pointer ends the last note and starts its own.
        Off the piano the held note goes on, as the pointer may come back."""
        if self.pitch is None:
            return []
        pitch = self.layout.pitch_at(x, y)
        if pitch is None or pitch == self.pitch:
            return []
        return self.press(x, y)

    def release(self) -> list[KeyNote]:
        if self.pitch is None:
            return []
        pitch, self.pitch = self.pitch, None
        return [KeyNote(False, pitch)]
