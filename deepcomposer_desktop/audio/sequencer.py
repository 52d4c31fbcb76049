"""The player's sink for FluidSynth: events go into FluidSynth's own sequencer,
which starts each one on its time inside the synth's rendering, not when a
Python thread happens to wake up.

Its clock counts the samples the synth renders (the audio driver's, or
render_float's when `sample_clock=True` for offline use), so notes land on exact
frames and the clock is the one the listener hears. With no audio device nothing
renders, so nothing would ever play: the sink then keeps time with the system
clock and sends nothing, and the playhead still moves, in silence.
"""

from __future__ import annotations

import time

from ..music.composition import Composition
from .events import NOTE_ON, Event
from .synth import Synth


class SynthSink:
    def __init__(self, synth: Synth, sample_clock: bool | None = None) -> None:
        self.synth = synth
        self._forced = sample_clock
        self._seq = None
        self._dest = -1
        self._origin = time.monotonic()

    @property
    def sample_clock(self) -> bool:
        """True when events go to FluidSynth on its sample clock; False: silent, system clock."""
        return self._forced if self._forced is not None else self.synth.audio_driver is not None

    def prepare(self, composition: Composition) -> None:
        """Before each play(): the clock that fits the synth's output now; track settings."""
        if self.sample_clock and self._seq is None:
            self._seq, self._dest = self.synth.new_sequencer(sample_clock=True)
        elif not self.sample_clock:
            self.close()
        self.synth.apply_tracks(composition)

    def now(self) -> float:
        if self._seq is None:
            return time.monotonic() - self._origin
        return self._seq.get_tick() / 1000.0

    def schedule(self, at: float, event: Event) -> None:
        if self._seq is None:
            return
        ms = max(0, round(at * 1000.0))
        if event.kind == NOTE_ON:
            self._seq.note_on(ms, event.channel, event.pitch, event.velocity, dest=self._dest)
        else:
            self._seq.note_off(ms, event.channel, event.pitch, dest=self._dest)

    def cancel(self) -> None:
        if self._seq is not None:
            self.synth.cancel_scheduled(self._seq, self._dest)

    def send_now(self, event: Event) -> None:
        if self._seq is None:
            return
        if event.kind == NOTE_ON:
            self.synth.note_on(event.channel, event.pitch, event.velocity)
        else:
            self.synth.note_off(event.channel, event.pitch)

    def close(self) -> None:
        if self._seq is not None:
            self.synth.release_sequencer(self._seq)
            self._seq, self._dest = None, -1
