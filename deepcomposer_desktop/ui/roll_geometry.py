"""Coordinates shared by the piano roll and its rulers, the snap grid, and a fast
lookup of the notes inside a visible rectangle (so 20 000 notes paint quickly).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from PySide6.QtCore import QObject, Signal

from ..music.composition import Note

# Snap grids as fractions of a quarter note; "T" are triplets. Order is the menu's.
SNAP_CHOICES = {"1/4": 1.0, "1/8": 0.5, "1/8T": 1 / 3, "1/16": 0.25, "1/16T": 1 / 6,
                "1/32": 0.125, "off": 0.0}
PITCHES = 128


def snap_ticks(ppq: int, choice: str) -> int:
    """Ticks per snap step (1 when snapping is off)."""
    if choice not in SNAP_CHOICES:
        raise ValueError(f"unknown snap {choice!r}; choose one of {', '.join(SNAP_CHOICES)}")
    return max(1, round(ppq * SNAP_CHOICES[choice])) if SNAP_CHOICES[choice] else 1


def snap_round(tick: float, step: int) -> int:
    return int(round(tick / step)) * step


def snap_floor(tick: float, step: int) -> int:
    return int(tick // step) * step


class Viewport(QObject):
    """Zoom and scroll of the roll: tick <-> x and pitch <-> y, in widget pixels."""

    changed = Signal()

    MIN_PX_PER_TICK, MAX_PX_PER_TICK = 0.002, 2.0
    MIN_KEY_H, MAX_KEY_H = 3.0, 40.0

    def __init__(self, ppq: int = 480, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ppq = ppq
        self.px_per_tick = 48 / ppq  # a quarter note is 48 px wide
        self.key_h = 12.0
        self.scroll_x = 0.0  # pixels of content left of the view
        self.scroll_y = (PITCHES - 84) * self.key_h  # show C6 at the top

    # conversions
    def x(self, tick: float) -> float:
        return tick * self.px_per_tick - self.scroll_x

    def tick(self, x: float) -> float:
        return max(0.0, (x + self.scroll_x) / self.px_per_tick)

    def y(self, pitch: int) -> float:
        """Top edge of the row of `pitch`."""
        return (PITCHES - 1 - pitch) * self.key_h - self.scroll_y

    def pitch(self, y: float) -> int:
        return max(0, min(127, PITCHES - 1 - int((y + self.scroll_y) // self.key_h)))

    @property
    def content_height(self) -> float:
        return PITCHES * self.key_h

    # changes
    def set_scroll(self, x: float | None = None, y: float | None = None, view_h: float = 0) -> None:
        if x is not None:
            self.scroll_x = max(0.0, x)
        if y is not None:
            self.scroll_y = max(0.0, min(y, self.content_height - view_h))
        self.changed.emit()

    def zoom_x(self, factor: float, anchor_x: float = 0.0) -> None:
        tick = (anchor_x + self.scroll_x) / self.px_per_tick
        self.px_per_tick = min(self.MAX_PX_PER_TICK, max(self.MIN_PX_PER_TICK, self.px_per_tick * factor))
        self.scroll_x = max(0.0, tick * self.px_per_tick - anchor_x)
        self.changed.emit()

    def zoom_y(self, factor: float, anchor_y: float = 0.0) -> None:
        row = (anchor_y + self.scroll_y) / self.key_h
        self.key_h = min(self.MAX_KEY_H, max(self.MIN_KEY_H, self.key_h * factor))
        self.scroll_y = max(0.0, row * self.key_h - anchor_y)
        self.changed.emit()

    def center_on_pitches(self, low: int, high: int, view_h: float) -> None:
        mid = (PITCHES - 1 - (low + high) / 2) * self.key_h
        self.set_scroll(y=mid - view_h / 2, view_h=view_h)


@dataclass
class NoteIndex:
    """Notes of one track sorted by start, with the longest duration, for range queries."""

    notes: list[Note]
    starts: list[int]
    longest: int
    arrays: np.ndarray = field(default=None, repr=False)  # (n, 3) start, end, pitch: for rasters

    @classmethod
    def build(cls, notes: list[Note]) -> "NoteIndex":
        ordered = sorted(notes)
        arrays = np.array([(n.start, n.end, n.pitch) for n in ordered], dtype=np.int64).reshape(-1, 3)
        return cls(ordered, [n.start for n in ordered], max((n.duration for n in ordered), default=0),
                   arrays)

    def bounds(self, t0: float, t1: float) -> tuple[int, int]:
        """Index range of the notes that may sound in [t0, t1) (a superset)."""
        return bisect.bisect_left(self.starts, t0 - self.longest), bisect.bisect_left(self.starts, t1)

    def in_range(self, t0: float, t1: float, p_low: int = 0, p_high: int = 127) -> list[Note]:
        """Notes sounding somewhere in [t0, t1) with pitch in [p_low, p_high]."""
        i0 = bisect.bisect_left(self.starts, t0 - self.longest)
        i1 = bisect.bisect_left(self.starts, t1)
        return [n for n in self.notes[i0:i1] if n.end > t0 and p_low <= n.pitch <= p_high]
