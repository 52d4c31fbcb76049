"""Recording into the selected track through midi_input's Recorder.

The Recorder runs on the player's sink clock (the InputHub stamps each message
with it), so a note played while the player says tick T is written at tick T,
count-in included. When recording stops, the
take becomes ONE undo step on the Document.

A keyboard unplugged mid-take ends the take on the device poller's thread; the
Recorder keeps it for the next stop(), and `on_unplugged(reason)` tells the window
(which must hop to its own thread) so it can stop the transport and say why.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from ..midi_input.hub import InputHub
from ..midi_input.recorder import Recorder, RecordMode
from ..music.composition import Note
from .commands import ReplaceNotes
from .document import Document


def note_difference(old: list[Note], new: list[Note]) -> tuple[list[Note], list[Note]]:
    """(removed, added) turning `old` into `new`, duplicates counted."""
    a, b = Counter(old), Counter(new)
    return sorted((a - b).elements()), sorted((b - a).elements())


class TakeRecorder:
    def __init__(self, doc: Document, hub: InputHub, clock: Callable[[], float],
                 mode: RecordMode = RecordMode.OVERDUB,
                 on_unplugged: Callable[[str], None] | None = None) -> None:
        self.doc, self.hub, self.clock, self.mode = doc, hub, clock, mode
        self.on_unplugged = on_unplugged
        self._recorder: Recorder | None = None
        self._track = -1

    @property
    def active(self) -> bool:
        return self._recorder is not None

    def start(self, start_tick: int, at: float, count_in_bars: int) -> None:
        """Record the current track from `start_tick`; the count-in begins at clock `at`."""
        self._track = self.doc.current_track
        self._recorder = Recorder(self.doc.comp, clock=self.clock, mode=self.mode,
                                  count_in_bars=count_in_bars, on_take_ended=self._ended)
        self._recorder.arm()
        self._recorder.start(start_tick, at=at)
        self.hub.recorder = self._recorder

    def _ended(self, take) -> None:
        if take.ended_by != "stop" and self.on_unplugged is not None:
            self.on_unplugged(take.ended_by)

    def notes_so_far(self) -> list[Note]:
        """The take as it stands, held notes up to now (painted live in the roll)."""
        return self._recorder.notes_so_far() if self._recorder is not None else []

    def stop(self) -> int:
        """End the take; push it as one undo command. Returns the number of notes."""
        recorder, self._recorder = self._recorder, None
        self.hub.recorder = None
        take = recorder.stop() if recorder is not None else None
        if take is None or not take.notes or not 0 <= self._track < len(self.doc.comp.tracks):
            return 0
        old = list(self.doc.track(self._track).notes)
        removed, added = note_difference(old, take.apply_to(old))
        self.doc.undo_stack.push(ReplaceNotes(self.doc, self._track, removed, added,
                                              f"Record {len(take.notes)} notes"))
        return len(take.notes)
