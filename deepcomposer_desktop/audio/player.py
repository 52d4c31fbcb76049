"""The player: pure Python with hooks (after Frescobaldi's midifile/player.py).

It never sleeps until a note is due. Each `pump()` stamps every event due within
`lookahead` seconds with its absolute time on the sink's clock and hands it over;
the sink (FluidSynth's sequencer, see sequencer.py) plays it on that exact time.
Times come from one anchor (clock time, tick) through the tempo map, never from
summed intervals, so nothing drifts however long the piece. A late or irregular
pump only shortens the margin; it does not move a note.

Threads: a daemon thread pumps by default; a Qt subclass overrides
`timer_start`/`timer_stop` with a QTimer and `position_changed`/`state_changed`
to emit signals. Every public method takes one lock; hooks run outside it.
"""

from __future__ import annotations

import bisect
import enum
import threading
from typing import Callable, Protocol

from ..music.composition import Composition
from .events import Event, build_events, click_events
from .sounding import SoundingNotes


class PlayerState(str, enum.Enum):
    STOPPED = "stopped"
    PLAYING = "playing"
    PAUSED = "paused"


class Sink(Protocol):
    """Where events go. `now()` and `schedule(at, ...)` share one clock, in seconds."""

    def prepare(self, composition: Composition) -> None: ...  # programs, volumes, pans
    def now(self) -> float: ...
    def schedule(self, at: float, event: Event) -> None: ...
    def cancel(self) -> None: ...  # drop everything scheduled and not yet played
    def send_now(self, event: Event) -> None: ...


class Player:
    lookahead = 0.25   # seconds of music handed to the sink ahead of time
    interval = 0.02    # seconds between pumps of the default timer thread
    start_delay = 0.03  # the first note of play()/seek() lands this far ahead, never late
    forget_after = 0.5  # a played note-off is forgotten this long after its time
    click_chunk_bars = 16  # open-ended play (recording) lays clicks this many bars ahead

    def __init__(self, sink: Sink, composition: Composition | None = None, *,
                 autopump: bool = True) -> None:
        self._sink = sink
        self._autopump = autopump
        self._lock = threading.RLock()
        self._state = PlayerState.STOPPED
        self._position = 0          # while not playing
        self._start_tick = 0        # where the last play() started; stop() returns here
        self._loop: tuple[int, int] | None = None
        self._metronome = False
        self._open_end = False      # recording: go on past the song's end until stop()
        self._click_until = 0       # open-ended: clicks are laid up to this tick
        self.music_start = 0.0      # clock time at which the last play()'s first tick sounds
        self._anchors: list[tuple[float, int]] = []  # (clock time, tick), oldest first
        self._next = 0              # index of the next event to schedule
        self._sounding = SoundingNotes(sink)
        self._thread_stop: threading.Event | None = None
        self.position_listeners: list[Callable[[int], None]] = []
        self.state_listeners: list[Callable[[PlayerState], None]] = []
        self.set_composition(composition or Composition())

    # --- the song -----------------------------------------------------------------
    def set_composition(self, composition: Composition) -> None:
        """Play `composition` from now on (also after edits, mute or solo changes)."""
        with self._lock:
            self._comp = composition
            self.refresh()

    def refresh(self) -> None:
        """Re-read the composition; while playing, go on from the current position."""
        with self._lock:
            self._events = build_events(self._comp, self._metronome and not self._open_end)
            if self._open_end and self._metronome:  # clicks past the end, laid ahead in chunks
                comp = self._comp
                bar = comp.ticks_per_bar
                self._click_until = (-(-max(comp.end, self.position) // bar) + self.click_chunk_bars) * bar
                self._events = sorted(self._events + click_events(comp, 0, self._click_until))
            self._ticks = [e.tick for e in self._events]
            self._end_tick = max(self._comp.end, self._ticks[-1] if self._ticks else 0)
            if self._state is PlayerState.PLAYING:
                self._replan(self.position)

    @property
    def metronome(self) -> bool:
        return self._metronome

    @metronome.setter
    def metronome(self, on: bool) -> None:
        with self._lock:
            self._metronome = bool(on)
            self.refresh()

    @property
    def loop(self) -> tuple[int, int] | None:
        return self._loop

    def set_loop(self, start_tick: int, end_tick: int) -> None:
        """Repeat [start, end) whenever the play position runs into it."""
        if not 0 <= start_tick < end_tick:
            raise ValueError(f"loop {start_tick}-{end_tick} must start at 0 or later and before it ends")
        with self._lock:
            self._loop = (int(start_tick), int(end_tick))
            if self._state is PlayerState.PLAYING:
                self._replan(self.position)

    def clear_loop(self) -> None:
        with self._lock:
            self._loop = None
            if self._state is PlayerState.PLAYING:
                self._replan(self.position)

    # --- transport ----------------------------------------------------------------
    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def position(self) -> int:
        """The tick being heard now."""
        with self._lock:
            if self._state is PlayerState.PLAYING:
                return self._position_at(self._sink.now())
            return self._position

    def play(self, from_tick: int | None = None, count_in_bars: int = 0,
             open_end: bool = False) -> None:
        """Start (or resume) at `from_tick` or the current position; at the end of the
        song, from the start. `count_in_bars` of metronome clicks come first.
        `open_end` (recording) plays on past the song's end, clicks included, until
        stop(), and starts where asked even beyond the end."""
        with self._lock:
            playing = self._state is PlayerState.PLAYING
            if not playing:
                if open_end != self._open_end:
                    self._open_end = open_end
                    self.refresh()
                self._begin(from_tick, count_in_bars)
        if playing:
            if from_tick is not None:
                self.seek(from_tick)
            return
        self.state_changed(PlayerState.PLAYING)
        if self._autopump:
            self.timer_start()
        self.pump()

    def _begin(self, from_tick: int | None, count_in_bars: int) -> None:
        tick = self._position if from_tick is None else max(0, int(from_tick))
        if tick >= self._end_tick and not (self._loop and tick < self._loop[1]) and not self._open_end:
            tick = self._loop[0] if self._loop else 0
        self._sink.prepare(self._comp)
        self._start_tick = tick
        begin = self._sink.now() + self.start_delay
        if count_in_bars > 0:
            begin = self._schedule_count_in(begin, tick, count_in_bars)
        self._start_at(begin, tick)
        self.music_start = begin
        self._state = PlayerState.PLAYING

    def pause(self) -> None:
        """Stop sounding and keep the position; play() goes on from there."""
        self._halt(PlayerState.PAUSED, rewind=False)

    def stop(self) -> None:
        """Stop sounding and go back to where the last play() started."""
        self._halt(PlayerState.STOPPED, rewind=True)

    def seek(self, tick: int) -> None:
        tick = max(0, int(tick))
        with self._lock:
            if self._state is PlayerState.PLAYING:
                self._replan(tick)
            else:
                self._position = tick
        self.position_changed(tick)

    def close(self) -> None:
        self.stop()
        self.timer_stop()

    # --- the work -----------------------------------------------------------------
    def pump(self) -> None:
        """Hand the sink everything due within `lookahead`; report the position;
        notice the end. Call it often (the timer does); calling it late is safe."""
        with self._lock:
            if self._state is not PlayerState.PLAYING:
                return
            now = self._sink.now()
            self._schedule_until(now + self.lookahead)
            self._sounding.forget(now - self.forget_after)
            position = self._position_at(now)
            finished = (not self._open_end and self._segment_end() is None
                        and self._next >= len(self._events) and now >= self._time_of(self._end_tick))
            if finished:
                changed, position = self._halt_locked(PlayerState.STOPPED, rewind=True)
        if finished:
            self._after_halt(PlayerState.STOPPED, changed, position)
            self.finished()
        else:
            self.position_changed(position)

    def _time_of(self, tick: int) -> float:
        """Clock time of `tick` in the current pass (since the newest anchor)."""
        time, origin = self._anchors[-1]
        return time + self._comp.seconds_at(tick) - self._comp.seconds_at(origin)

    def _segment_end(self) -> int | None:
        """The loop's end while the current pass started inside the loop, else None."""
        if self._loop and self._anchors[-1][1] < self._loop[1]:
            return self._loop[1]
        return None

    def _schedule_until(self, horizon: float) -> None:
        while True:
            limit = self._segment_end()
            if (self._open_end and self._metronome and limit is None and self._next >= len(self._events)
                    and self._time_of(self._click_until) <= horizon):
                self._lay_more_clicks()
            while self._next < len(self._events):
                event = self._events[self._next]
                if limit is not None and event.tick >= limit:
                    break
                at = self._time_of(event.tick)
                if at > horizon:
                    return
                self._sounding.send(at, event)
                self._next += 1
            if limit is None:
                return
            wrap_at = self._time_of(limit)
            if wrap_at > horizon:
                return
            self._sounding.cut_at(wrap_at)
            self._start_at(wrap_at, self._loop[0])

    def _lay_more_clicks(self) -> None:
        """Open-ended play ran past the clicks laid so far: add the next chunk (all later
        than every event, so the list stays sorted)."""
        start = self._click_until
        self._click_until += self.click_chunk_bars * self._comp.ticks_per_bar
        more = click_events(self._comp, start, self._click_until)
        self._events.extend(more)
        self._ticks.extend(e.tick for e in more)
        self._end_tick = max(self._end_tick, self._ticks[-1])

    def _start_at(self, time: float, tick: int) -> None:
        """A new pass: `tick` sounds at clock `time`."""
        self._anchors.append((time, tick))
        self._next = bisect.bisect_left(self._ticks, tick)

    def _replan(self, tick: int) -> None:
        self._sounding.silence()
        self._anchors.clear()
        self._start_at(self._sink.now() + self.start_delay, tick)

    def _position_at(self, now: float) -> int:
        while len(self._anchors) > 1 and self._anchors[1][0] <= now:
            self._anchors.pop(0)  # passes already over
        time, tick = self._anchors[0]
        if now <= time:
            return tick
        seconds = self._comp.seconds_at(tick) + now - time
        position = int(self._comp.tick_at(seconds))
        if self._open_end or self._segment_end() is not None:
            return position
        return min(position, self._end_tick)

    def _schedule_count_in(self, begin: float, tick: int, bars: int) -> float:
        """Clicks for `bars` bars at the tempo of `tick`; returns when the music starts."""
        comp = self._comp
        beat_seconds = comp.tempo_at(tick).usec_per_beat / 1e6 * comp.ticks_per_beat / comp.ppq
        beats = bars * comp.ticks_per_bar // comp.ticks_per_beat
        clicks = click_events(comp, 0, beats * comp.ticks_per_beat)
        for event in clicks:
            self._sounding.send(begin + event.tick / comp.ticks_per_beat * beat_seconds, event)
        return begin + beats * beat_seconds

    def _halt(self, state: PlayerState, rewind: bool) -> None:
        with self._lock:
            changed, position = self._halt_locked(state, rewind)
        self._after_halt(state, changed, position)

    def _halt_locked(self, state: PlayerState, rewind: bool) -> tuple[bool, int]:
        was = self._state
        if was is PlayerState.STOPPED and state is PlayerState.STOPPED:
            return False, self._position  # a second stop() leaves a seek alone
        if was is PlayerState.PLAYING:
            self._position = self._position_at(self._sink.now())
            self._sounding.silence()
            self._anchors.clear()
        if rewind:
            self._position = self._start_tick
        self._state = state
        if self._open_end and state is PlayerState.STOPPED:
            self._open_end = False
            self.refresh()
        return was is not state, self._position

    def _after_halt(self, state: PlayerState, changed: bool, position: int) -> None:
        self.timer_stop()
        if changed:
            self.state_changed(state)
            self.position_changed(position)

    # --- hooks: override in a subclass or add listeners ------------------------------
    def position_changed(self, tick: int) -> None:
        for listener in list(self.position_listeners):
            listener(tick)

    def state_changed(self, state: PlayerState) -> None:
        for listener in list(self.state_listeners):
            listener(state)

    def finished(self) -> None:
        """The song reached its end (not called on stop())."""

    # --- the timer: a daemon thread here, a QTimer in the Qt subclass ------------------
    def timer_start(self) -> None:
        with self._lock:
            if self._thread_stop is not None:
                return
            stop = self._thread_stop = threading.Event()

        def run() -> None:
            while not stop.wait(self.interval):
                self.pump()

        threading.Thread(target=run, name="deepcomposer-player", daemon=True).start()

    def timer_stop(self) -> None:
        with self._lock:
            if self._thread_stop is not None:
                self._thread_stop.set()
                self._thread_stop = None
