"""The track list: a table view over TrackTableModel with an instrument picker."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import (QAbstractItemView, QColorDialog, QComboBox, QHeaderView,
                               QStyledItemDelegate, QTableView)

from ..music.gm import GM_PROGRAMS
from . import track_model as tm
from .document import Document
from .midi_drag import start_midi_drag, track_only


class InstrumentDelegate(QStyledItemDelegate):
    """A combo box of the 128 General MIDI programs, numbered as musicians count them."""

    def createEditor(self, parent, option, index):
        box = QComboBox(parent)
        box.addItems([f"{i + 1:3d} {name}" for i, name in enumerate(GM_PROGRAMS)])
        box.setMaxVisibleItems(20)
        return box

    def setEditorData(self, editor, index):
        editor.setCurrentIndex(int(index.data(Qt.ItemDataRole.EditRole)))

    def setModelData(self, editor, model, index):
        model.setData(index, editor.currentIndex(), Qt.ItemDataRole.EditRole)


class TrackList(QTableView):
    def __init__(self, doc: Document, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.setModel(tm.TrackTableModel(doc, self))
        self.setItemDelegateForColumn(tm.INSTRUMENT, InstrumentDelegate(self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(tm.NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(tm.INSTRUMENT, QHeaderView.ResizeMode.Stretch)
        for col, width in ((tm.MUTE, 28), (tm.SOLO, 28), (tm.VOLUME, 44), (tm.COLOR, 28)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            self.setColumnWidth(col, width)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: doc.set_current_track(cur.row()))
        doc.current_track_changed.connect(self._select_row)
        self.model().modelReset.connect(lambda: self._select_row(doc.current_track))
        self.doubleClicked.connect(self._pick_color)
        self._select_row(doc.current_track)
        self._press_pos = None
        self.setToolTip("Drag a track's name out of the window to drop it as a MIDI file")

    # drag a track out as a MIDI file
    def mousePressEvent(self, event) -> None:
        index = self.indexAt(event.position().toPoint())
        self._press_pos = event.position() if index.column() == tm.NAME else None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._press_pos is not None and event.buttons() & Qt.MouseButton.LeftButton and \
                (event.position() - self._press_pos).manhattanLength() > QApplication.startDragDistance():
            row = self.indexAt(self._press_pos.toPoint()).row()
            self._press_pos = None
            if row >= 0:
                start_midi_drag(self, track_only(self.doc.comp, row), self.doc.track(row).name)
            return
        super().mouseMoveEvent(event)

    def _select_row(self, row: int) -> None:
        if row >= 0 and self.currentIndex().row() != row:
            self.setCurrentIndex(self.model().index(row, tm.NAME))

    def _pick_color(self, index: QModelIndex) -> None:
        if index.column() != tm.COLOR:
            return
        from PySide6.QtGui import QColor
        color = QColorDialog.getColor(QColor(self.doc.track_color(index.row())), self, "Track colour")
        if color.isValid():
            self.model().set_attr(index.row(), "color", color.name())
