"""A virtual MIDI output port, so a DAW or another synth can listen to the app's playback.

`open_virtual_output(backend)` creates the port "DeepComposer Playback" on the MIDI
system (ALSA, JACK or CoreMIDI; Windows MM has no virtual ports). `MidiOutSink` is a
sink for audio.player.Player that sends each event on its time from a thread of its
own (ui/playback.py drives it beside the synth). The metronome's channel (16) is the
synth's alone and is never sent.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Callable

import mido

from ..audio.events import NOTE_ON, Event
from ..music.composition import Composition
from .backend import CLIENT_NAME, VIRTUAL_OUTPUT_NAME

MIDI_CHANNELS = 16


def open_virtual_output(backend, name: str = VIRTUAL_OUTPUT_NAME):
    """A mido output port others can connect to; the MIDI system's error if it can't."""
    return backend.open_output(name, virtual=True, client_name=CLIENT_NAME)


def event_message(event: Event) -> mido.Message | None:
    if not 0 <= event.channel < MIDI_CHANNELS:
        return None
    if event.kind == NOTE_ON:
        return mido.Message("note_on", channel=event.channel, note=event.pitch,
                            velocity=event.velocity)
    return mido.Message("note_off", channel=event.channel, note=event.pitch, velocity=0)


def track_messages(composition: Composition) -> list[mido.Message]:
    """Program, volume and pan of every track, as Synth.apply_tracks sets them."""
    audible = {id(t) for t in composition.audible_tracks()}
    msgs = []
    for track in sorted(composition.tracks, key=lambda t: id(t) in audible):
        ch = track.channel
        if not track.is_drum:
            msgs.append(mido.Message("program_change", channel=ch, program=track.program))
        msgs.append(mido.Message("control_change", channel=ch, control=7,
                                 value=track.volume if id(track) in audible else 0))
        msgs.append(mido.Message("control_change", channel=ch, control=10, value=track.pan))
    return msgs


class MidiOutSink:
    """audio.player's Sink protocol over a mido output port, on `clock` (seconds)."""

    def __init__(self, port, clock: Callable[[], float] = time.monotonic) -> None:
        self.port = port
        self.clock = clock
        self._queue: list[tuple[float, int, mido.Message]] = []
        self._order = itertools.count()  # equal times keep the Player's order (offs first)
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="deepcomposer-midi-out",
                                        daemon=True)
        self._thread.start()

    def prepare(self, composition: Composition) -> None:
        for msg in track_messages(composition):
            self.port.send(msg)

    def now(self) -> float:
        return self.clock()

    def schedule(self, at: float, event: Event) -> None:
        msg = event_message(event)
        if msg is None:
            return
        with self._wake:
            heapq.heappush(self._queue, (at, next(self._order), msg))
            self._wake.notify()

    def cancel(self) -> None:
        with self._wake:
            self._queue.clear()

    def send_now(self, event: Event) -> None:
        msg = event_message(event)
        if msg is not None:
            self.port.send(msg)

    def _run(self) -> None:
        with self._wake:
            while not self._closed:
                if not self._queue:
                    self._wake.wait()
                    continue
                delay = self._queue[0][0] - self.clock()
                if delay > 0:
                    self._wake.wait(delay)
                    continue
                _, _, msg = heapq.heappop(self._queue)
                self.port.send(msg)

    def close(self) -> None:
        """Stop the sender and release every note on the port (CC 123 on each channel)."""
        with self._wake:
            self._closed = True
            self._queue.clear()
            self._wake.notify()
        self._thread.join(timeout=1.0)
        for ch in range(MIDI_CHANNELS):
            self.port.send(mido.Message("control_change", channel=ch, control=123, value=0))
