"""A QAbstractItemModel over the Document's plain Track objects.

The table never stores tracks itself: it reads `doc.comp.tracks` and turns edits
into undo commands, then refreshes when the Document announces a change.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from ..music.gm import program_name
from .commands import SetTrackAttr
from .document import Document

NAME, INSTRUMENT, MUTE, SOLO, VOLUME, COLOR = range(6)
HEADERS = ["Track", "Instrument", "M", "S", "Vol", ""]
TOOLTIPS = ["Track name (double-click to rename)", "General MIDI instrument",
            "Mute (M)", "Solo (S)", "Volume 0-127 (MIDI CC7)", "Colour in the piano roll"]

Index = QModelIndex | QPersistentModelIndex


class TrackTableModel(QAbstractTableModel):
    def __init__(self, doc: Document, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        doc.reset.connect(self._reset)
        doc.tracks_changed.connect(self._reset)
        doc.track_changed.connect(self._row_changed)

    def _reset(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def _row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    # --- read ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.doc.comp.tracks)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return TOOLTIPS[section]
        return None

    def data(self, index: Index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        track, col = self.doc.track(index.row()), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == NAME:
                return track.name
            if col == INSTRUMENT:
                if role == Qt.ItemDataRole.EditRole:
                    return track.program
                return "Drums" if track.is_drum else program_name(track.program)
            if col == VOLUME:
                return track.volume
        if role == Qt.ItemDataRole.CheckStateRole and col in (MUTE, SOLO):
            on = track.mute if col == MUTE else track.solo
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and col == COLOR:
            return QColor(self.doc.track_color(index.row()))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{track.name}: {len(track.notes)} notes, channel {track.channel + 1}"
        return None

    def flags(self, index: Index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        col = index.column()
        if col in (MUTE, SOLO):
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if col in (NAME, VOLUME) or (col == INSTRUMENT and not self.doc.track(index.row()).is_drum):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    # --- write: every edit is an undo command ---------------------------------------
    def setData(self, index: Index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.CheckStateRole and col in (MUTE, SOLO):
            on = Qt.CheckState(value) == Qt.CheckState.Checked
            return self.set_attr(row, "mute" if col == MUTE else "solo", on)
        if role != Qt.ItemDataRole.EditRole:
            return False
        if col == NAME and str(value).strip():
            return self.set_attr(row, "name", str(value).strip())
        if col == INSTRUMENT:
            return self.set_attr(row, "program", max(0, min(127, int(value))))
        if col == VOLUME:
            return self.set_attr(row, "volume", max(0, min(127, int(value))))
        return False

    def set_attr(self, row: int, attr: str, value) -> bool:
        if getattr(self.doc.track(row), attr) == value:
            return False
        self.doc.undo_stack.push(SetTrackAttr(self.doc, row, attr, value))
        return True
