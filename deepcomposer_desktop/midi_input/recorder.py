"""The recorder: timed messages in, a take of Notes in ticks out.

Timestamps are seconds on the recorder's clock (injectable, so tests are exact;
time.monotonic by default, which is what the rtmidi callback reads). The tick of a
time goes through the Composition's tempo map from where recording started;
notes played during the count-in become pick-ups before that point, timed at the
count-in's tempo. The sustain pedal holds released notes until it lifts; notes
still held at stop, or when the keyboard is unplugged, end there. Pitch bend and
wheels are heard through thru but not written: a Composition keeps notes only.

Cycle recording: started with `cycle=(loop start, loop end)`, the recorder follows
the player round the loop; each pass is kept apart (`Take.passes`), a note held
over the loop's end is cut there, and the take's notes are the last pass played.
"""

from __future__ import annotations

import enum
import threading
import time
from dataclasses import dataclass
from typing import Callable

import mido

from ..music.composition import Composition, Note
from ..music.edit import quantize as quantize_notes
from .messages import SUSTAIN, is_note_off, is_note_on, is_played, pedal_down

MAX_COUNT_IN_BARS = 4


class RecordMode(str, enum.Enum):
    REPLACE = "replace"   # the take replaces what the track had where it was recorded
    OVERDUB = "overdub"   # the take is added to what the track had


class RecorderState(str, enum.Enum):
    IDLE = "idle"
    ARMED = "armed"
    RECORDING = "recording"  # counting in, or recording (see Recorder.counting_in)


@dataclass(frozen=True)
class Take:
    notes: tuple[Note, ...]  # sorted
    start_tick: int          # where recording started (after the count-in)
    end_tick: int            # where it stopped
    mode: RecordMode
    ended_by: str            # "stop", or "unplugged: <port name>"
    passes: tuple[tuple[Note, ...], ...] = ()  # cycle recording: each pass round the loop

    @property
    def takes(self) -> list[tuple[int, tuple[Note, ...]]]:
        """(pass number from 1, notes) of each cycle pass that holds notes."""
        return [(i + 1, notes) for i, notes in enumerate(self.passes) if notes]

    def apply_to(self, existing: list[Note]) -> list[Note]:
        """The track's notes after this take: for REPLACE, notes that started inside
        [start_tick, end_tick) go and notes sounding into it are cut at its start."""
        if self.mode is RecordMode.OVERDUB:
            return sorted([*existing, *self.notes])
        kept = []
        for n in existing:
            if n.start >= self.end_tick or n.end <= self.start_tick:
                kept.append(n)
            elif n.start < self.start_tick:
                kept.append(n.moved(duration=self.start_tick - n.start))
        return sorted([*kept, *self.notes])


def count_in_seconds(composition: Composition, tick: int, bars: int) -> float:
    """Length of `bars` bars at the tempo in force at `tick`."""
    tempo = composition.tempo_at(tick)
    return bars * composition.ticks_per_bar * tempo.usec_per_beat / 1e6 / composition.ppq


class Recorder:
    """Arm, start (with a count-in of 0-4 bars), feed messages, stop -> Take.

    `quantize` is a grid such as "1/16" (see music.edit.quantize), applied to each
    note as it is closed, so what is shown while recording is already on the grid.
    `on_take_ended(take)` is called on whichever thread ended the take (the device
    poller's, for an unplug): a GUI hands it over to its own thread."""

    def __init__(self, composition: Composition, *, clock: Callable[[], float] = time.monotonic,
                 mode: RecordMode | str = RecordMode.REPLACE, quantize: str | None = None,
                 quantize_strength: float = 1.0, count_in_bars: int = 0,
                 on_take_ended: Callable[[Take], None] | None = None) -> None:
        self.composition = composition
        self.clock = clock
        self.mode = RecordMode(mode)
        self.quantize = quantize
        self.quantize_strength = quantize_strength
        self.count_in_bars = count_in_bars
        self.on_take_ended = on_take_ended
        self.state = RecorderState.IDLE
        self._lock = threading.Lock()
        self._unclaimed: Take | None = None  # ended by an unplug, not yet returned by stop()
        self._reset(0, 0.0)

    @property
    def count_in_bars(self) -> int:
        return self._count_in_bars

    @count_in_bars.setter
    def count_in_bars(self, bars: int) -> None:
        if not 0 <= int(bars) <= MAX_COUNT_IN_BARS:
            raise ValueError(f"count-in of {bars} bars is outside 0-{MAX_COUNT_IN_BARS}")
        self._count_in_bars = int(bars)

    def _reset(self, start_tick: int, music_start: float,
               cycle: tuple[int, int] | None = None) -> None:
        self.start_tick = start_tick
        self.music_start = music_start  # clock time at which start_tick sounds
        self.cycle = cycle  # (loop start, loop end) while cycle recording
        self._notes: list[tuple[int, Note]] = []  # (pass round the loop, note)
        self._open: dict[tuple[str, int, int], tuple[float, int]] = {}       # -> (on time, velocity)
        self._sustained: dict[tuple[str, int, int], tuple[float, int]] = {}  # released under the pedal
        self._pedal: set[tuple[str, int]] = set()                           # (source, channel) down

    # --- transport ----------------------------------------------------------------
    def arm(self) -> None:
        with self._lock:
            if self.state is RecorderState.IDLE:
                self.state = RecorderState.ARMED

    def disarm(self) -> None:
        with self._lock:
            if self.state is RecorderState.ARMED:
                self.state = RecorderState.IDLE

    def start(self, start_tick: int = 0, at: float | None = None,
              cycle: tuple[int, int] | None = None, music_start: float | None = None) -> float:
        """Begin the count-in at clock time `at` (default now); recording of
        `start_tick` begins when it ends (or at `music_start`, when the player says
        exactly when). Returns that clock time. With `cycle` = (start, end) the
        player loops there and each pass is kept apart."""
        if start_tick < 0:
            raise ValueError("recording cannot start before tick 0")
        if cycle is not None and not 0 <= cycle[0] <= start_tick < cycle[1]:
            raise ValueError(f"cycle {cycle} must hold the start tick {start_tick}")
        with self._lock:
            if self.state is not RecorderState.ARMED:
                raise RuntimeError(f"arm the recorder before starting it (it is {self.state.value})")
            at = self.clock() if at is None else at
            self._unclaimed = None  # a new take: on_take_ended told of the old one
            if music_start is None:
                music_start = at + count_in_seconds(self.composition, start_tick, self.count_in_bars)
            self._reset(int(start_tick), music_start, tuple(cycle) if cycle else None)
            self.state = RecorderState.RECORDING
            return self.music_start

    def counting_in(self, now: float | None = None) -> bool:
        now = self.clock() if now is None else now
        return self.state is RecorderState.RECORDING and now < self.music_start

    def stop(self, at: float | None = None, ended_by: str = "stop") -> Take | None:
        """End the take at clock time `at` (default now), closing every held note
        there. The recorder goes back to armed. When a take already ended because
        its keyboard was unplugged, the first stop() after returns that take (so a
        caller that only calls start and stop loses nothing); else None."""
        with self._lock:
            if self.state is not RecorderState.RECORDING:
                if ended_by != "stop":  # another unplug must not consume the unclaimed take
                    return None
                take, self._unclaimed = self._unclaimed, None
                return take
            at = self.clock() if at is None else at
            for key, (on, velocity) in [*self._open.items(), *self._sustained.items()]:
                self._close(key[2], on, at, velocity)
            take = self._take(at, ended_by)
            self._reset(self.start_tick, self.music_start, self.cycle)
            self._unclaimed = take if ended_by != "stop" else None
            self.state = RecorderState.ARMED
        if self.on_take_ended is not None:
            self.on_take_ended(take)
        return take

    def _take(self, at: float, ended_by: str) -> Take:
        last_pass, end = self._locate(at)
        end = max(self.start_tick, end)
        if self.cycle is None:
            return Take(tuple(sorted(n for _, n in self._notes)), self.start_tick, end, self.mode, ended_by)
        passes = tuple(tuple(sorted(n for k, n in self._notes if k == i)) for i in range(last_pass + 1))
        chosen = next((notes for notes in reversed(passes) if notes), ())
        return Take(chosen, self.start_tick, self.cycle[1] if last_pass else end, self.mode,
                    ended_by, passes)

    def device_lost(self, source: str, at: float | None = None) -> Take | None:
        """A keyboard went away mid-take: end the take there, keeping every note."""
        return self.stop(at, ended_by=f"unplugged: {source}")

    def release_source(self, source: str, at: float | None = None) -> None:
        """End the notes and lift the pedals of one source at `at`, the take going
        on (the computer keys lost focus: no key-up will come)."""
        with self._lock:
            if self.state is not RecorderState.RECORDING:
                return
            at = self.clock() if at is None else at
            for held in (self._open, self._sustained):
                for key in [k for k in held if k[0] == source]:
                    on, velocity = held.pop(key)
                    self._close(key[2], on, at, velocity)
            self._pedal = {p for p in self._pedal if p[0] != source}

    # --- input --------------------------------------------------------------------
    def feed(self, msg: mido.Message, at: float | None = None, source: str = "") -> None:
        """One message played at clock time `at`; strays and anything outside a take
        are ignored. Thread-safe: each port's callback thread may call it."""
        if not is_played(msg):
            return
        with self._lock:
            if self.state is not RecorderState.RECORDING:
                return
            at = self.clock() if at is None else at
            if is_note_on(msg) or is_note_off(msg):
                key = (source, msg.channel, msg.note)
                if is_note_on(msg):
                    for held in (self._open, self._sustained):  # re-struck: the last one ends
                        if key in held:
                            on, velocity = held.pop(key)
                            self._close(msg.note, on, at, velocity)
                    self._open[key] = (at, msg.velocity)
                elif key in self._open:  # an off for a note begun before the take is ignored
                    if (source, msg.channel) in self._pedal:
                        self._sustained[key] = self._open.pop(key)
                    else:
                        on, velocity = self._open.pop(key)
                        self._close(msg.note, on, at, velocity)
            elif msg.type == "control_change" and msg.control == SUSTAIN:
                pedal = (source, msg.channel)
                if pedal_down(msg.value):
                    self._pedal.add(pedal)
                elif pedal in self._pedal:
                    self._pedal.discard(pedal)
                    for key in [k for k in self._sustained if k[:2] == pedal]:
                        on, velocity = self._sustained.pop(key)
                        self._close(key[2], on, at, velocity)

    def notes_so_far(self, now: float | None = None) -> list[Note]:
        """The take as it stands, held notes drawn up to `now` (for a live view)."""
        with self._lock:
            if self.state is not RecorderState.RECORDING:
                return []
            now = self.clock() if now is None else now
            kept = self._notes
            self._notes = []
            for key, (on, velocity) in [*self._open.items(), *self._sustained.items()]:
                self._close(key[2], on, max(now, on), velocity)
            live, self._notes = self._notes, kept
            current = self._locate(now)[0] if self.cycle is not None else 0
            return sorted(n for k, n in [*kept, *live] if k == current)  # cycling: this pass's

    # --- time -----------------------------------------------------------------------
    def tick_at(self, at: float) -> int:
        """The tick sounding at clock time `at` in this take, through the tempo map;
        before the music starts, at the count-in's tempo."""
        comp = self.composition
        if at < self.music_start:
            usec = comp.tempo_at(self.start_tick).usec_per_beat
            return round(self.start_tick - (self.music_start - at) * 1e6 * comp.ppq / usec)
        return round(comp.tick_at(comp.seconds_at(self.start_tick) + at - self.music_start))

    def _locate(self, at: float) -> tuple[int, int]:
        """(pass round the cycle, tick) of clock time `at`; pass 0 without a cycle."""
        tick = self.tick_at(at)
        if self.cycle is None or at < self.music_start:
            return 0, tick
        low, high = self.cycle
        if tick < high:
            return 0, tick
        comp = self.composition
        first = comp.seconds_at(high) - comp.seconds_at(self.start_tick)
        length = comp.seconds_at(high) - comp.seconds_at(low)
        laps, rest = divmod(max(0.0, at - self.music_start - first), length)
        number, tick = 1 + int(laps), round(comp.tick_at(comp.seconds_at(low) + rest))
        if tick >= high:  # rounding put the loop's first tick at the end of the pass before
            number, tick = number + 1, low + tick - high
        return number, tick

    def _close(self, pitch: int, on: float, off: float, velocity: int) -> None:
        """A finished note. A pick-up from before tick 0 starts at 0; none is lost.
        Cycling, a note held over the loop's end ends there."""
        number, start = self._locate(on)
        start = max(0, start)
        off_number, end = self._locate(off)
        if off_number > number:
            end = self.cycle[1]
        end = max(start + 1, end)
        note = Note(start, pitch, end - start, velocity)
        if self.quantize:
            note = quantize_notes([note], self.composition.ppq, self.quantize,
                                  strength=self.quantize_strength)[0]
        self._notes.append((number, note))
