"""Live MIDI thru: what a musician plays sounds through the synth at once.

`LiveThru.handle` runs inside the rtmidi callback (rtmidi's own thread), never in
a polling loop on the GUI thread, and does the least work it can before calling
the synth. It remembers which notes, pedals and bends each source holds, so an
unplugged keyboard or a lost window focus never leaves a note hanging.
"""

from __future__ import annotations

import threading
from typing import Protocol

import mido

from .messages import SWITCH_PEDALS, is_note_off, is_note_on, is_played, pedal_down


class NoteSink(Protocol):
    """What thru plays into: audio.synth.Synth, or a recording stand-in in tests."""

    def note_on(self, channel: int, pitch: int, velocity: int) -> None: ...
    def note_off(self, channel: int, pitch: int) -> None: ...
    def control_change(self, channel: int, control: int, value: int) -> None: ...
    def pitch_bend(self, channel: int, value: int) -> None: ...  # -8192..8191
    def all_notes_off(self) -> None: ...


class LiveThru:
    """Forwards notes, pedals, wheels and pitch bend to a NoteSink.

    `channel` is where the sound goes (the armed track's channel, so a player
    hears that track's instrument); None keeps the keyboard's own channel.
    With `sink` None thru is silent but still keeps its books."""

    def __init__(self, sink: NoteSink | None = None, channel: int | None = None) -> None:
        self.sink = sink
        self.channel = channel
        self._lock = threading.Lock()
        # (source, in channel, pitch) -> out channel it sounds on; the out channel
        # may change while a key is held, and its note-off must follow the note-on.
        self._notes: dict[tuple[str, int, int], int] = {}
        self._pedals: set[tuple[str, int, int]] = set()  # (source, out channel, pedal) held down
        self._bent: set[tuple[str, int]] = set()         # (source, out channel) with a bend

    def handle(self, msg: mido.Message, source: str = "") -> bool:
        """Sound one message; False (and nothing sent) for strays."""
        if not is_played(msg):
            return False
        sink, fixed = self.sink, self.channel
        out = msg.channel if fixed is None else fixed
        with self._lock:
            if is_note_on(msg):
                key = (source, msg.channel, msg.note)
                previous = self._notes.get(key)
                self._notes[key] = out
                if sink is not None:
                    if previous is not None and previous != out:
                        sink.note_off(previous, msg.note)
                    sink.note_on(out, msg.note, msg.velocity)
            elif is_note_off(msg):
                out = self._notes.pop((source, msg.channel, msg.note), out)
                if sink is not None:
                    sink.note_off(out, msg.note)
            elif msg.type == "pitchwheel":
                (self._bent.add if msg.pitch else self._bent.discard)((source, out))
                if sink is not None:
                    sink.pitch_bend(out, msg.pitch)
            else:  # a controller from THRU_CONTROLS
                self._track_pedal(source, out, msg.control, msg.value)
                if sink is not None:
                    sink.control_change(out, msg.control, msg.value)
        return True

    def _track_pedal(self, source: str, out: int, control: int, value: int) -> None:
        if control in SWITCH_PEDALS:
            key = (source, out, control)
            (self._pedals.add if pedal_down(value) else self._pedals.discard)(key)

    def held(self, source: str | None = None) -> set[int]:
        """Pitches held now (by `source`, or by anyone)."""
        with self._lock:
            return {p for (s, _, p) in self._notes if source is None or s == source}

    def release_source(self, source: str) -> None:
        """Let go of everything `source` holds: its notes, pedals and pitch bend.

        For an unplugged keyboard or the computer keys losing focus: the synth
        must not go on sounding notes whose note-off can never come."""
        with self._lock:
            notes = [(out, pitch) for (s, _, pitch), out in self._notes.items() if s == source]
            pedals = [(out, control) for (s, out, control) in self._pedals if s == source]
            bent = [out for (s, out) in self._bent if s == source]
            self._notes = {k: v for k, v in self._notes.items() if k[0] != source}
            self._pedals = {k for k in self._pedals if k[0] != source}
            self._bent = {k for k in self._bent if k[0] != source}
            sink = self.sink
            if sink is None:
                return
            for out, pitch in notes:
                sink.note_off(out, pitch)
            for out, control in pedals:
                sink.control_change(out, control, 0)
            for out in bent:
                sink.pitch_bend(out, 0)

    def panic(self) -> None:
        """Forget every source and silence the synth (the transport's panic button)."""
        with self._lock:
            self._notes.clear()
            self._pedals.clear()
            self._bent.clear()
            if self.sink is not None:
                self.sink.all_notes_off()
