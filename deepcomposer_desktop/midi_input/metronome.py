"""The recording metronome: a count-in, then clicks that follow the song's metre and tempo map.

A click falls on every beat of the time signature's denominator, the first of
each bar accented: three in 3/4, four in 4/4. Compound metres (6/8, 9/8, 12/8)
click every eighth with a second, lighter accent at the start of each group of
three, so 6/8 is heard as two beats of three, not as 3/4. `ClickSchedule` is pure
arithmetic on clock times (tests check it exactly); `Metronome` sounds it from a
thread of its own.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable

from ..music.composition import Composition
from ..music.meter import ClickLevel, bar_pattern, is_compound  # noqa: F401 (re-exported)
from .recorder import count_in_seconds


@dataclass(frozen=True)
class Click:
    at: float           # clock time
    level: ClickLevel
    tick: int           # song tick; count-in clicks count back from start_tick


class ClickSchedule:
    """The clicks of one take: `count_in_bars` whole bars ending at `music_start`
    (the clock time at which `start_tick` sounds), then, if `during_take`, every
    beat of the song from `start_tick` on."""

    def __init__(self, composition: Composition, start_tick: int, music_start: float,
                 count_in_bars: int = 0, *, during_take: bool = True) -> None:
        self.comp = composition
        self.start_tick = start_tick
        self.music_start = music_start
        self.during_take = during_take
        self.pattern = bar_pattern(composition.time_signature)
        self.beat_ticks = composition.ticks_per_beat
        self.count_in_beats = count_in_bars * len(self.pattern)
        self.count_in_start = music_start - count_in_seconds(composition, start_tick, count_in_bars)

    def clicks_between(self, begin: float, end: float) -> list[Click]:
        """Clicks with begin <= at < end, in time order."""
        clicks = []
        if self.count_in_beats and begin < self.music_start:
            beat_seconds = (self.music_start - self.count_in_start) / self.count_in_beats
            for i in range(self.count_in_beats):
                at = self.count_in_start + i * beat_seconds
                if begin <= at < end:
                    ticks_back = (self.count_in_beats - i) * self.beat_ticks
                    clicks.append(Click(at, self.pattern[i % len(self.pattern)],
                                        self.start_tick - ticks_back))
        if not self.during_take or end <= self.music_start:
            return clicks
        comp, beat = self.comp, self.beat_ticks
        origin = comp.seconds_at(self.start_tick)
        first = comp.tick_at(origin + max(begin, self.music_start) - self.music_start)
        # From a beat at or just before `begin` (float error either way), onto the bar grid.
        tick = max(self.start_tick, math.ceil(first - 1e-6))
        tick = -(-tick // beat) * beat
        bar = comp.ticks_per_bar
        while True:
            at = self.music_start + comp.seconds_at(tick) - origin
            if at >= end:
                return clicks
            if at >= begin:
                clicks.append(Click(at, self.pattern[(tick % bar) // beat], tick))
            tick += beat

    def next_click(self, after: float) -> Click | None:
        """The first click strictly after clock time `after`; None once a count-in-only
        schedule is over."""
        horizon = after + 1e-9
        span = max(1.0, count_in_seconds(self.comp, self.start_tick, 1) * 2)
        while True:
            clicks = self.clicks_between(horizon, horizon + span)
            if clicks or (not self.during_take and horizon >= self.music_start):
                return clicks[0] if clicks else None
            horizon += span


def synth_clicker(synth) -> Callable[[ClickLevel], None]:
    """Sound clicks on audio.synth.Synth's metronome channel (accent: a higher block)."""
    velocity = {ClickLevel.ACCENT: 120, ClickLevel.GROUP: 105, ClickLevel.BEAT: 80}

    def click(level: ClickLevel) -> None:
        synth.click(accent=level is ClickLevel.ACCENT, velocity=velocity[level])
    return click


class Metronome:
    """Sounds a ClickSchedule from a daemon thread, waking only when a click is due.
    A click found more than `late_tolerance` seconds late is skipped, never bunched."""

    late_tolerance = 0.05

    def __init__(self, click: Callable[[ClickLevel], None], *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.click = click
        self.clock = clock
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    def start(self, schedule: ClickSchedule) -> None:
        self.stop()
        stop = self._stop = threading.Event()

        def run() -> None:
            last = self.clock() - self.late_tolerance
            while not stop.is_set():
                nxt = schedule.next_click(last)
                if nxt is None:
                    return
                if stop.wait(max(0.0, nxt.at - self.clock())):
                    return
                if self.clock() - nxt.at <= self.late_tolerance:
                    self.click(nxt.level)
                last = nxt.at

        self._thread = threading.Thread(target=run, name="deepcomposer-metronome", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
            if self._thread is not None and self._thread is not threading.current_thread():
                self._thread.join(timeout=1.0)
        self._stop = self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
