"""A take: notes played while recording, gathered and added to the selected track
as ONE undo step when recording stops (STYLE.md #7)."""

from __future__ import annotations

from ..music.composition import Note
from .commands import ReplaceNotes
from .document import Document


class TakeRecorder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.active = False
        self._open: dict[int, tuple[int, int]] = {}  # pitch -> (start tick, velocity)
        self.notes: list[Note] = []

    def start(self) -> None:
        self.active, self._open, self.notes = True, {}, []

    def note_on(self, pitch: int, velocity: int, tick: int) -> None:
        if self.active:
            if pitch in self._open:  # re-struck before release: close the first one
                self.note_off(pitch, tick)
            self._open[pitch] = (tick, max(1, min(127, velocity)))

    def note_off(self, pitch: int, tick: int) -> None:
        if self.active and pitch in self._open:
            start, velocity = self._open.pop(pitch)
            self.notes.append(Note(start, pitch, max(1, tick - start), velocity))

    def stop(self, tick: int) -> int:
        """Close held notes at `tick`, push the take on the undo stack; how many notes."""
        if not self.active:
            return 0
        for pitch in list(self._open):
            self.note_off(pitch, tick)
        self.active = False
        track = self.doc.current_track
        if not self.notes or track < 0:
            return 0
        self.doc.undo_stack.push(ReplaceNotes(self.doc, track, [], self.notes,
                                              f"Record {len(self.notes)} notes"))
        return len(self.notes)
