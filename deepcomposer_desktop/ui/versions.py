"""The window's versions: library/versions.py's history around the one Document.

Showing a version (or switching A/B between two) changes what the player plays
and what the piano roll draws, never the song: nothing goes on the undo stack.
Keeping one changes the song as ONE undo step. Each version is recorded in the
SQLite library (ui/library_link.py) when it is made.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ..errors import DeepComposerError
from ..generation.cards import instrument
from ..generation.modes import MODES
from ..library.versions import Preview, Version, VersionHistory, note_changes
from .commands import InsertTracks, RemoveTrack, ReplaceNotes, adopt_detected_chords
from .document import Document

SONG = 0  # the number `shown` has while no version is shown: the song as it is


class VersionsController(QObject):
    changed = Signal()  # versions added, kept, or another song loaded
    shown_changed = Signal(int)  # the version now shown; SONG: the song as it is

    def __init__(self, doc: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.history = VersionHistory()
        self.shown = SONG
        self.partner = SONG  # the other side of A/B: what was shown before
        self.window = None
        self.library = None  # a LibraryLink, once the window has one
        self._preview: Preview | None = None
        self._showing = False  # the player and roll show a version (not the song)
        doc.reset.connect(self._reset)
        doc.notes_changed.connect(lambda _i: self._refresh())
        doc.track_changed.connect(lambda _i: self._refresh())
        doc.tracks_changed.connect(self._refresh)
        doc.song_changed.connect(self._refresh)

    def attach(self, window) -> None:
        """Play and draw through this window's player and piano roll."""
        self.window = window

    # --- the list ------------------------------------------------------------------------
    @property
    def versions(self) -> list[Version]:
        return self.history.versions

    def get(self, number: int) -> Version:
        return self.history.get(number)

    def in_song(self) -> set[int]:
        """Versions whose tracks the song holds now (kept, and not undone)."""
        return self.history.kept_versions(self.doc.comp)

    def generated_tracks(self) -> list[int]:
        return self.history.generated(self.doc.comp)

    def default_input(self) -> int:
        return self.history.default_input(self.doc.comp)

    def add(self, version: Version) -> Version | None:
        """A generation's result: recorded in the library; shown (and brought into
        view) when it changes something. A result without tracks (an unchanged
        take) is only recorded."""
        if not version.tracks:
            self._record(version)
            return None
        self.history.add(version)
        self._record(version)
        self.changed.emit()
        self.show(version.number, reveal=True)
        return version

    def _record(self, version: Version) -> None:
        if self.library is not None:
            self.library.record_generation(version)

    def to_dict(self) -> dict | None:
        """What a project file keeps (None for a song without versions)."""
        if not self.history.versions and not self.history.kept:
            return None
        return self.history.to_dict(self.doc.comp)

    def load(self, data) -> None:
        """The versions saved with the song just loaded (a project file, the library)."""
        self.history = VersionHistory.from_dict(data, self.doc.comp)
        self.shown = self.partner = SONG
        self._refresh()
        self.changed.emit()
        self.shown_changed.emit(SONG)

    def _reset(self) -> None:
        self.history = VersionHistory()
        self.shown = self.partner = SONG
        self._refresh()
        self.changed.emit()
        self.shown_changed.emit(SONG)

    # --- showing: the player and the roll, never the song --------------------------------
    def show(self, number: int, *, reveal: bool = False) -> None:
        if number != SONG:
            self.history.get(number)  # KeyError for a version that does not exist
        if number != self.shown:
            self.partner, self.shown = self.shown, number
        self._refresh()
        if reveal:
            self.reveal()
        self.shown_changed.emit(self.shown)

    def toggle_ab(self) -> int:
        """Switch to the other side of the comparison (what was shown before)."""
        self.show(self.partner)
        return self.shown

    def preview(self) -> Preview | None:
        return self._preview

    def _refresh(self) -> None:
        """Rebuild what is shown from the song as it is now (after any edit)."""
        try:
            self._preview = (self.history.preview(self.doc.comp, self.shown)
                             if self.shown != SONG else None)
        except KeyError:
            self.shown, self._preview = SONG, None
        window, shown = self.window, self._preview
        if window is None or (shown is None and not self._showing):
            return  # the song itself: the window already follows its changes
        self._showing = shown is not None
        window.player.set_composition(shown.composition if shown else self.doc.comp)
        window.editor.roll.set_overlay(shown.overlay if shown else [],
                                       shown.hidden if shown else set())

    def changed_notes(self) -> list:
        """The notes the version shown adds or changes (for bringing them into view)."""
        shown = self._preview
        if shown is None:
            return []
        if self.get(self.shown).adds == "take" and shown.hidden:
            before = self.doc.comp.tracks[next(iter(shown.hidden))].notes
            removed, added = note_changes(before, shown.overlay[0].notes)
            return removed + added
        return [n for t in shown.overlay for n in t.notes]

    def reveal(self) -> None:
        """Bring what the version shown changes into view: scrolled to, zoomed out only
        when it is wider than the roll (the window's reveal); else fit the song."""
        window = self.window
        if window is None:
            return
        notes = self.changed_notes()
        if notes and hasattr(window, "reveal"):
            window.reveal((min(n.start for n in notes), max(n.end for n in notes)),
                          (min(n.pitch for n in notes), max(n.pitch for n in notes)))
        else:
            window.editor.fit()

    def play(self) -> None:
        """Start playback (from where the playhead is) unless it runs or records."""
        window = self.window
        if window is None or window.player.playing or window.transport.recording:
            return
        window.player.play(window.transport.position)

    # --- keeping: one undo step ---------------------------------------------------------
    def keep(self, number: int | None = None) -> bool:
        number = self.shown if number is None else number
        if number == SONG:
            return False
        version = self.history.get(number)
        try:
            plan = self.history.keep_plan(self.doc.comp, number)
        except DeepComposerError as exc:
            if self.window is not None:
                self.window.show_error(str(exc))
            return False
        text = f"Keep {version.name} ({version.title(numbered=False)})"
        stack = self.doc.undo_stack
        if plan.replace is not None:
            index, removed, added = plan.replace
            if not removed and not added:
                return False
            self.shown = self.partner = SONG  # the song becomes what was shown
            stack.push(ReplaceNotes(self.doc, index, removed, added, text))
        else:
            self.history.mark_kept(number, plan.insert)
            self.shown = self.partner = SONG
            # GAN followed the chords detected from its input: a song without a chord
            # track gets them too, in the same undo step (ui/chord_lane.py shows them)
            chords = adopt_detected_chords(self.doc, self.history.input_index(self.doc.comp, version),
                                           text) if version.mode == "gan" else None
            stack.beginMacro(text)  # one undo step
            for index in plan.remove:
                stack.push(RemoveTrack(self.doc, index))
            stack.push(InsertTracks(self.doc, plan.insert, at=plan.at, text=text))
            if chords is not None:
                stack.push(chords)
            stack.endMacro()
        self._refresh()
        if self.library is not None:
            self.library.song_changed()
        self.changed.emit()
        self.shown_changed.emit(SONG)
        return True


# --- words for the list --------------------------------------------------------------------
def values_text(version: Version) -> str:
    """"Candidates 16, Key lock on" (the parameters as the run used them)."""
    spec = MODES.get(version.mode)
    if spec is None:
        return ", ".join(f"{k} {v}" for k, v in version.params.items())
    out = []
    for p in spec.params:
        if p.name in version.params:
            out.append(f"{p.label} {p.value_text(version.params[p.name])}")
    return ", ".join(out)


def tracks_text(version: Version) -> str:
    if version.adds == "take":
        return f"new notes for {version.input_name} ({version.summary})"
    return ", ".join(f"{t.name} ({instrument(t.program)})" for t in version.tracks)


def describe_version(version: Version) -> str:
    """A few lines: what it adds, from which input, with which model and values."""
    return "\n".join([
        version.title(),
        f"{'Adds' if version.adds == 'tracks' else 'Gives'} {tracks_text(version)}",
        f"Input: {version.input_track + 1} {version.input_name}",
        f"Model: {version.model_title or version.model_id}",
        f"Values: {values_text(version) or '-'}",
        f"Made at {version.when()} in {version.seconds:.1f} s: {version.summary}",
    ])
