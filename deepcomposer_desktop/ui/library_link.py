"""The window's link to the SQLite library (library/store.py): every song opened,
saved or generated on is recorded, with its versions, and every generation with
its mode, model, seed, values and result. File > Library searches them.

A library that cannot be opened (a read-only disk, a damaged file) never stops the
music: the link says why once, on the status line, and records nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QObject

from ..errors import DeepComposerError
from ..library.store import Library
from ..music import SAMPLE_PREFIX
from .document import Document

LIBRARY_ERRORS = (sqlite3.Error, OSError, DeepComposerError, ValueError)
LIBRARY_PREFIX = "library:"  # what `FileActions.opened` carries for a song opened from it


def source_of(path: str) -> str:
    """How the library names where a song came from: the absolute path, or sample:NAME."""
    if not path or path.startswith(SAMPLE_PREFIX):
        return path
    return str(Path(path).resolve())


class LibraryLink(QObject):
    def __init__(self, doc: Document, versions, parent: QObject | None = None,
                 path: Path | None = None) -> None:
        super().__init__(parent)
        self.doc, self.versions = doc, versions
        self.path = path
        self.comp_id: int | None = None  # the open song's row
        self.error: str | None = None
        self._library: Library | None = None

    @property
    def library(self) -> Library | None:
        if self._library is None and self.error is None:
            try:
                self._library = Library(self.path)
            except LIBRARY_ERRORS as exc:
                self._failed(exc)
        return self._library

    def _failed(self, exc: Exception) -> None:
        self.error = f"the library is not available: {exc}"
        window = self.parent()
        if window is not None and hasattr(window, "statusBar"):
            window.statusBar().showMessage(self.error, 8000)

    def close(self) -> None:
        if self._library is not None:
            self._library.close()

    # --- recording ---------------------------------------------------------------------
    def _ensure(self, source: str = "") -> int | None:
        lib = self.library
        if lib is None:
            return None
        if self.comp_id is None:
            source = source or (source_of(str(self.doc.path)) if self.doc.path else "")
            self.comp_id = lib.add_composition(self.doc.comp, source, self.versions.to_dict())
        return self.comp_id

    def song_opened(self, path: str) -> None:
        """A song was opened (`path`: a file, sample:NAME, or "" for a new song)."""
        self.comp_id = None
        if not path:
            return  # an empty new song is recorded once something happens to it
        if path.startswith(LIBRARY_PREFIX):  # opened from the library: its own row
            self.comp_id = int(path[len(LIBRARY_PREFIX):])
            return
        source = source_of(path)
        lib = self.library
        try:
            if lib is None:
                return
            found = lib.find_composition(source)
            if found is None:
                self._ensure(source)
            else:
                self.comp_id = found
                lib.update_composition(found, self.doc.comp, self.versions.to_dict())
        except LIBRARY_ERRORS as exc:
            self._failed(exc)

    def song_saved(self, path: str) -> None:
        try:
            if self._ensure(source_of(path)) is not None:
                self.library.update_composition(self.comp_id, self.doc.comp,
                                                self.versions.to_dict() or {},
                                                source=source_of(path))
        except LIBRARY_ERRORS as exc:
            self._failed(exc)

    def song_changed(self) -> None:
        """A version was kept: the library's copy follows the song."""
        try:
            if self._ensure() is not None:
                self.library.update_composition(self.comp_id, self.doc.comp,
                                                self.versions.to_dict() or {})
        except LIBRARY_ERRORS as exc:
            self._failed(exc)

    def record_generation(self, version) -> None:
        try:
            comp_id = self._ensure()
            if comp_id is None:
                return
            version.generation_id = self.library.add_generation(
                comp_id, version.mode, version.model_id, version.params, version.seed,
                version.seconds, summary=version.summary,
                version=version.number if version.tracks else None,
                input_track=version.input_name)
            self.library.update_composition(comp_id, self.doc.comp, self.versions.to_dict() or {})
        except LIBRARY_ERRORS as exc:
            self._failed(exc)

    # --- from the Library dialog -----------------------------------------------------------
    def open_entry(self, comp_id: int) -> bool:
        """Open a stored song, with its versions, as the current song (unsaved to a file)."""
        lib = self.library
        if lib is None:
            return False
        window = self.parent()
        try:
            comp = lib.composition(comp_id)
            versions = lib.composition_versions(comp_id)
        except (KeyError, *LIBRARY_ERRORS) as exc:
            if window is not None:
                window.show_error(f"cannot open that song from the library: {exc}")
            return False
        if window is not None and hasattr(window, "confirm_discard") and not window.confirm_discard():
            return False
        self.doc.load(comp, None)
        self.versions.load(versions)
        self.comp_id = comp_id
        if window is not None and hasattr(window, "files"):
            window.files.opened.emit(f"{LIBRARY_PREFIX}{comp_id}")
        return True
