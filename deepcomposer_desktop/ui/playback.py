"""Playback in the window: audio/player.py's pure-Python Player, with Qt adding only
a timer and signals.

The Player hands timed events to a sink. `TimerSink` keeps them in a heap and
plays each one on the first timer tick at or after its time (within TIMER_MS),
through LiveSound when there is a synth, silently otherwise: the playhead moves
either way, so the studio works on a machine without sound. `outputs` are further
sinks (the virtual MIDI output port) that get every event too, on their own clocks.
"""

from __future__ import annotations

import heapq
import itertools
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from ..audio.events import NOTE_ON, Event
from ..audio.player import Player, PlayerState
from ..music.composition import Composition
from .sound import LiveSound

TIMER_MS = 5


class TimerSink:
    """A Player sink on the performance-counter clock, played from the GUI timer.

    Once a synth is loaded, `use(SynthSink)` hands everything to FluidSynth's own
    sequencer instead (sample-exact timing); switch only while stopped, since the
    two clocks differ.
    """

    def __init__(self, sound: LiveSound | None) -> None:
        self.sound = sound
        self.clock = time.perf_counter
        self.target = None  # an audio.sequencer.SynthSink once the synth is there
        self._heap: list[tuple[float, int, Event]] = []
        self._order = itertools.count()
        self.outputs: list = []  # e.g. midi_input.virtual_out.MidiOutSink

    def use(self, target) -> None:
        self.cancel()
        self.target = target

    def prepare(self, composition: Composition) -> None:
        for out in self.outputs:
            out.prepare(composition)
        if self.target is not None:
            self.target.prepare(composition)
        elif self.sound is not None:
            self.sound.apply_tracks(composition)

    def now(self) -> float:
        return self.target.now() if self.target is not None else self.clock()

    def schedule(self, at: float, event: Event) -> None:
        if self.outputs:
            ahead = at - self.now()
            for out in self.outputs:
                out.schedule(out.now() + ahead, event)
        if self.target is not None:
            self.target.schedule(at, event)
        else:
            heapq.heappush(self._heap, (at, next(self._order), event))

    def cancel(self) -> None:
        self._heap.clear()
        for out in self.outputs:
            out.cancel()
        if self.target is not None:
            self.target.cancel()

    def send_now(self, event: Event) -> None:
        for out in self.outputs:
            out.send_now(event)
        self._sound_now(event)

    def _sound_now(self, event: Event) -> None:
        if self.target is not None:
            self.target.send_now(event)
            return
        if self.sound is None:
            return
        if event.kind == NOTE_ON:
            self.sound.note_on(event.channel, event.pitch, event.velocity)
        else:
            self.sound.note_off(event.channel, event.pitch)

    def flush(self) -> int:
        """Play every event that is due; returns how many."""
        now, count = self.clock(), 0
        while self._heap and self._heap[0][0] <= now:
            self._sound_now(heapq.heappop(self._heap)[2])  # outputs had it scheduled
            count += 1
        return count


class _Signals(QObject):
    position = Signal(int)
    state = Signal(str)
    finished = Signal()


class QtPlayer(Player):
    """The Player with a QTimer for its pump and Qt signals for its hooks."""

    def __init__(self, composition: Composition, sound: LiveSound | None = None,
                 parent: QObject | None = None) -> None:
        self.signals = _Signals(parent)
        self.sink = TimerSink(sound)
        self._timer = QTimer(self.signals)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TIMER_MS)
        self._timer.timeout.connect(self._tick)
        super().__init__(self.sink, composition, autopump=True)

    def _tick(self) -> None:
        self.pump()
        self.sink.flush()

    # hooks
    def timer_start(self) -> None:
        self._timer.start()

    def timer_stop(self) -> None:
        self._timer.stop()

    def position_changed(self, tick: int) -> None:
        self.signals.position.emit(int(tick))

    def state_changed(self, state: PlayerState) -> None:
        self.signals.state.emit(state.value)

    def finished(self) -> None:
        self.signals.finished.emit()

    @property
    def playing(self) -> bool:
        return self.state is PlayerState.PLAYING
