"""Undo commands: each changes the Composition through the Document, never a
widget. A gesture (a drag of twenty notes, a generation that adds four tracks) is ONE
command or one macro, pushed when the gesture ends.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtGui import QUndoCommand

from ..music.chords import ChordChange, detect_song_chords
from ..music.composition import Note, Track
from .document import Document


def plural(count: int, noun: str) -> str:
    """'1 note', '2 notes': the words of undo steps and status lines."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


# Command ids for QUndoCommand.mergeWith: consecutive changes of one slider merge.
_MERGE_TRACK_ATTR = 1


class ReplaceNotes(QUndoCommand):
    """Replace some notes of one track by others (draw, delete, move, resize, velocity...).

    Stores only the difference, so an edit of one note in a 20 000-note track stays small.
    """

    def __init__(self, doc: Document, track: int, removed: list[Note], added: list[Note],
                 text: str, parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self.doc, self.index = doc, track
        self.removed, self.added = list(removed), list(added)

    def _swap(self, take: list[Note], put: list[Note]) -> None:
        # One pass with a multiset, not list.remove per note: deleting 5 000 of 20 000
        # notes stays a few milliseconds instead of a second.
        left = Counter(take)
        kept = []
        for note in self.doc.track(self.index).notes:
            if left[note] > 0:
                left[note] -= 1
            else:
                kept.append(note)
        if +left:
            raise RuntimeError(f"undo history does not match track {self.index}: {+left}")
        self.doc._apply_notes(self.index, kept + list(put))

    def redo(self) -> None:
        self._swap(self.removed, self.added)

    def undo(self) -> None:
        self._swap(self.added, self.removed)


class SetTrackAttr(QUndoCommand):
    """Change one property of one track: name, program, mute, solo, volume, colour..."""

    def __init__(self, doc: Document, track: int, attr: str, value,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(f"Change {attr}", parent)
        self.doc, self.index, self.attr = doc, track, attr
        self.old, self.new = getattr(doc.track(track), attr), value

    def redo(self) -> None:
        self.doc._apply_track_attr(self.index, self.attr, self.new)

    def undo(self) -> None:
        self.doc._apply_track_attr(self.index, self.attr, self.old)

    def id(self) -> int:
        return _MERGE_TRACK_ATTR if self.attr == "volume" else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetTrackAttr) or (other.index, other.attr) != (self.index, self.attr):
            return False
        self.new = other.new
        return True


class InsertTracks(QUndoCommand):
    """Add tracks at a position (new track, generation results, recording take)."""

    def __init__(self, doc: Document, tracks: list[Track], at: int | None = None,
                 text: str = "Add track", parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self.doc, self.tracks = doc, list(tracks)
        self.at = len(doc.comp.tracks) if at is None else at

    def redo(self) -> None:
        self.doc._insert_tracks(self.at, self.tracks)

    def undo(self) -> None:
        self.doc._remove_tracks(self.at, len(self.tracks))


class RemoveTrack(QUndoCommand):
    def __init__(self, doc: Document, index: int, parent: QUndoCommand | None = None) -> None:
        super().__init__(f"Delete track {doc.track(index).name}", parent)
        self.doc, self.index, self.track = doc, index, doc.track(index)

    def redo(self) -> None:
        self.doc._remove_tracks(self.index, 1)

    def undo(self) -> None:
        self.doc._insert_tracks(self.index, [self.track])


class SetSongAttr(QUndoCommand):
    """Change tempos, time_signature, key or title of the song."""

    def __init__(self, doc: Document, attr: str, value, text: str | None = None,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(text or f"Change {attr.replace('_', ' ')}", parent)
        self.doc, self.attr = doc, attr
        self.old, self.new = getattr(doc.comp, attr), value

    def redo(self) -> None:
        self.doc._apply_song_attr(self.attr, self.new)

    def undo(self) -> None:
        self.doc._apply_song_attr(self.attr, self.old)


class SetChords(QUndoCommand):
    """Replace the song's chord track (Composition.chords): an edit in the chord lane,
    Detect Chords, or the chords a kept GAN version followed."""

    def __init__(self, doc: Document, chords: list[ChordChange], text: str,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self.doc = doc
        self.old, self.new = list(doc.comp.chords), sorted(chords)

    def redo(self) -> None:
        self.doc._apply_chords(self.new)

    def undo(self) -> None:
        self.doc._apply_chords(self.old)


def adopt_detected_chords(doc: Document, track: int, text: str,
                          parent: QUndoCommand | None = None) -> SetChords | None:
    """For a song without a chord track: the command giving it the chords detected from
    `track`, the ones GAN accompaniment followed (generation/gan.py detects them the
    same way); None when the song has chords or the track has no notes. Push it in the
    macro of the tracks it came with, so both are one undo step."""
    comp = doc.comp
    if comp.chords or not 0 <= track < len(comp.tracks) or not comp.tracks[track].notes:
        return None
    chords = detect_song_chords(comp, track, comp.key)
    return SetChords(doc, chords, text, parent) if chords else None
