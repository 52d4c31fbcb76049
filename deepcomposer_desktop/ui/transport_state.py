"""Where the song is: play position, loop region and the transport switches.

One QObject shared by the transport bar, the piano roll (playhead, loop shading)
and the player, so none of them needs to know about the others.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class TransportState(QObject):
    position_changed = Signal(int)      # tick
    loop_changed = Signal()
    switches_changed = Signal()         # playing, recording, metronome, count-in, loop on/off

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.position = 0
        self.loop_start, self.loop_end = 0, 0
        self.loop_on = False
        self.playing = False
        self.recording = False
        self.metronome = False
        self.count_in = True

    def set_position(self, tick: int) -> None:
        tick = max(0, int(tick))
        if tick != self.position:
            self.position = tick
            self.position_changed.emit(tick)

    def set_loop(self, start: int, end: int) -> None:
        start, end = sorted((max(0, int(start)), max(0, int(end))))
        self.loop_start, self.loop_end = start, end
        self.loop_on = end > start
        self.loop_changed.emit()
        self.switches_changed.emit()

    @property
    def has_loop(self) -> bool:
        return self.loop_on and self.loop_end > self.loop_start

    def set_switch(self, name: str, on: bool) -> None:
        if name not in ("playing", "recording", "metronome", "count_in", "loop_on"):
            raise ValueError(f"unknown transport switch {name!r}")
        if getattr(self, name) != on:
            setattr(self, name, on)
            if name == "loop_on":
                self.loop_changed.emit()
            self.switches_changed.emit()
