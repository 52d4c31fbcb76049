"""The open song as the window sees it: a Composition, its undo stack, and signals.

Views never change the Composition themselves: they push commands (ui/commands.py)
on `undo_stack`; each command calls one of the `_apply_*` methods below, which
change the plain model and then announce what changed. Views
subscribe to the signals and repaint; nothing else keeps a copy of the song.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ..music.composition import Composition, Note, Track

# A palette for tracks whose `color` is empty: distinct hues that read on a dark roll.
PALETTE = ["#4fc3f7", "#ffb74d", "#81c784", "#e57373", "#ba68c8", "#fff176",
           "#4db6ac", "#f06292", "#a1887f", "#90a4ae", "#aed581", "#7986cb"]


class Document(QObject):
    reset = Signal()              # a different song was loaded
    notes_changed = Signal(int)   # notes of track i changed
    tracks_changed = Signal()     # tracks added, removed or re-ordered
    track_changed = Signal(int)   # a property of track i changed (name, mute, colour...)
    song_changed = Signal()       # tempo, time signature, key or title changed
    chords_changed = Signal()     # the chord track (comp.chords) changed
    current_track_changed = Signal(int)
    modified_changed = Signal(bool)

    def __init__(self, comp: Composition | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.comp = comp or Composition(tracks=[Track(name="Melody")])
        self.path: Path | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._current = 0 if self.comp.tracks else -1

    def _clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    # --- reading -------------------------------------------------------------------
    @property
    def current_track(self) -> int:
        return self._current

    def set_current_track(self, index: int) -> None:
        index = max(-1, min(index, len(self.comp.tracks) - 1))
        if index != self._current:
            self._current = index
            self.current_track_changed.emit(index)

    def track(self, index: int) -> Track:
        return self.comp.tracks[index]

    def track_color(self, index: int) -> str:
        track = self.comp.tracks[index]
        return track.color or PALETTE[index % len(PALETTE)]

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    # --- replacing the whole song (not undoable: like opening a file) --------------
    def load(self, comp: Composition, path: str | Path | None = None) -> None:
        self.undo_stack.clear()
        self.comp = comp
        self.path = Path(path) if path else None
        self._current = 0 if comp.tracks else -1
        self.undo_stack.setClean()
        self.reset.emit()
        self.current_track_changed.emit(self._current)

    # --- the only mutators; called by undo commands --------------------------------
    def _apply_notes(self, index: int, notes: list[Note]) -> None:
        self.comp.tracks[index].notes = sorted(notes)
        self.notes_changed.emit(index)

    def _apply_track_attr(self, index: int, attr: str, value) -> None:
        setattr(self.comp.tracks[index], attr, value)
        self.track_changed.emit(index)

    def _insert_tracks(self, at: int, tracks: list[Track]) -> None:
        self.comp.tracks[at:at] = tracks
        self.tracks_changed.emit()
        self.set_current_track(at)

    def _remove_tracks(self, at: int, count: int) -> list[Track]:
        removed = self.comp.tracks[at:at + count]
        del self.comp.tracks[at:at + count]
        if self._current >= len(self.comp.tracks):
            self._current = len(self.comp.tracks) - 1
        self.tracks_changed.emit()
        self.current_track_changed.emit(self._current)
        return removed

    def _apply_song_attr(self, attr: str, value) -> None:
        setattr(self.comp, attr, value)
        self.song_changed.emit()

    def _apply_chords(self, chords: list) -> None:
        self.comp.chords = sorted(chords)
        self.chords_changed.emit()
