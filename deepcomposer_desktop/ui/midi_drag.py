"""Drag a track or the whole song out of the window as a MIDI file (into a DAW,
a file manager, a mail): the file is written to a temporary folder first, as
drop targets expect a real file behind the URL."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QWidget

from ..music.composition import Composition
from ..music.midifile import write_midi

_DRAG_DIR: tempfile.TemporaryDirectory | None = None


def safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in " -_" else "_" for c in name).strip() or "Untitled"


def drag_file(comp: Composition, name: str) -> Path:
    """Write `comp` as `<name>.mid` in this session's drag folder."""
    global _DRAG_DIR
    if _DRAG_DIR is None:
        _DRAG_DIR = tempfile.TemporaryDirectory(prefix="deepcomposer-drag-")
    return write_midi(comp, Path(_DRAG_DIR.name) / f"{safe_name(name)}.mid")


def track_only(comp: Composition, index: int) -> Composition:
    out = comp.copy()
    out.tracks = [out.tracks[index]]
    out.title = comp.tracks[index].name
    return out


def start_midi_drag(source: QWidget, comp: Composition, name: str) -> Qt.DropAction:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(drag_file(comp, name)))])
    drag = QDrag(source)
    drag.setMimeData(mime)
    return drag.exec(Qt.DropAction.CopyAction)
