"""One way in for everything played: USB keyboards, the on-screen piano, the computer keys.

Each source hands its messages to `InputHub.handle(msg, source)`: a port's rtmidi
callback on rtmidi's thread, the piano widget and the computer keys on the GUI
thread. The hub stamps the message with the clock first (the time it was played),
sounds it through thru, then gives it to the recorder and to listeners (a
widget lighting up held keys must hand the call over to the GUI thread itself).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import mido

from .messages import is_played
from .recorder import Recorder
from .thru import LiveThru, NoteSink

log = logging.getLogger(__name__)

ON_SCREEN_PIANO = "on-screen piano"
COMPUTER_KEYS = "computer keys"
Listener = Callable[[mido.Message, str], None]


class InputHub:
    def __init__(self, sink: NoteSink | None = None, *, channel: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.thru = LiveThru(sink, channel)
        self.clock = clock
        self.recorder: Recorder | None = None
        self._listeners: list[Listener] = []
        self._listeners_lock = threading.Lock()

    def handle(self, msg: mido.Message, source: str = "") -> None:
        """Play and record one message. Strays (clock, active sensing, SysEx...)
        stop here. Never raises: an exception in rtmidi's thread would be lost."""
        if not is_played(msg):
            return
        at = self.clock()
        try:
            self.thru.handle(msg, source)
            recorder = self.recorder
            if recorder is not None:
                recorder.feed(msg, at, source)
            for listener in self._listeners:
                listener(msg, source)
        except Exception:  # keep the callback alive for the next note
            log.exception("MIDI input from %r failed on %s", source, msg)

    def source_lost(self, source: str) -> None:
        """A keyboard was unplugged (or a widget lost focus): release its notes and
        end a take it may be part of, keeping every note played so far."""
        at = self.clock()
        self.thru.release_source(source)
        recorder = self.recorder
        if recorder is None:
            return
        if source in (ON_SCREEN_PIANO, COMPUTER_KEYS):
            recorder.release_source(source, at)
        else:
            recorder.device_lost(source, at)

    # --- listeners (e.g. the piano widget showing held keys) -------------------------
    def add_listener(self, listener: Listener) -> None:
        with self._listeners_lock:
            self._listeners = [*self._listeners, listener]  # copy-on-write: handle() never locks

    def remove_listener(self, listener: Listener) -> None:
        with self._listeners_lock:
            self._listeners = [x for x in self._listeners if x is not listener]
