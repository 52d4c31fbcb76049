"""Everything played live, into midi_input's InputHub: USB keyboards (through its
DeviceManager, polled off the GUI thread), the on-screen piano and the computer
keys. The hub sounds each note through LiveSound on the selected track's channel
and feeds the recorder; this QObject hands what it hears to the GUI thread as
signals (held keys light up on the piano, the status line names the keyboards).
"""

from __future__ import annotations

import threading
from typing import Callable

import mido
from PySide6.QtCore import QObject, Signal

from ..midi_input.hub import COMPUTER_KEYS, ON_SCREEN_PIANO, InputHub
from ..midi_input.messages import is_note_off, is_note_on
from .sound import LiveSound

__all__ = ["LiveInput", "ON_SCREEN_PIANO", "COMPUTER_KEYS"]


class LiveInput(QObject):
    key_changed = Signal(int, bool)     # pitch, held (from any source)
    devices_changed = Signal(list)      # names of the keyboards open now

    def __init__(self, sound: LiveSound, clock: Callable[[], float],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hub = InputHub(sound, channel=0, clock=clock)
        self.hub.add_listener(self._heard)
        self.devices = None
        self.device_error: str | None = None

    def set_channel(self, channel: int) -> None:
        self.hub.thru.channel = channel

    def play(self, pitch: int, velocity: int, on: bool, source: str = ON_SCREEN_PIANO) -> None:
        msg = (mido.Message("note_on", note=pitch, velocity=max(1, velocity)) if on
               else mido.Message("note_off", note=pitch))
        self.hub.handle(msg, source)

    def release(self, source: str) -> None:
        self.hub.source_lost(source)

    def _heard(self, msg: mido.Message, _source: str) -> None:
        # may run on rtmidi's thread: a signal crosses to the GUI thread safely
        if is_note_on(msg):
            self.key_changed.emit(msg.note, True)
        elif is_note_off(msg):
            self.key_changed.emit(msg.note, False)

    # --- USB keyboards -----------------------------------------------------------------
    def start_devices(self) -> None:
        """Open every MIDI keyboard and watch for more, from a background thread."""
        threading.Thread(target=self._open_devices, daemon=True, name="midi-devices").start()

    def _open_devices(self) -> None:
        try:
            from ..midi_input.backend import open_backend
            from ..midi_input.devices import DeviceManager
            backend = open_backend()
            self.devices = DeviceManager(self.hub.handle, backend=backend,
                                         on_lost=self.hub.source_lost,
                                         on_change=lambda names: self.devices_changed.emit(list(names)))
            self.devices.start()
            self.devices_changed.emit(self.devices.open_names)
        except Exception as exc:  # no MIDI system: the screen and computer keys still play
            self.device_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.devices_changed.emit([])

    def close(self) -> None:
        if self.devices is not None:
            self.devices.stop()
            self.devices = None
