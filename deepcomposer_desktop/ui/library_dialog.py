"""File > Library: every song the app has seen and the generations made on it,
searchable; open one (with its versions), duplicate it, or move it to the trash
(and back)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDialog, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout)

from ..music import SAMPLE_PREFIX, SAMPLES
from .library_link import LIBRARY_ERRORS, LibraryLink

COLUMNS = ("Song", "From", "Changed", "Generations", "Models")
ROLE_ID = Qt.ItemDataRole.UserRole


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))


def _origin(source: str) -> tuple[str, str]:
    """Where a song came from, short (the file's name) and in full (the tooltip)."""
    if not source:
        return "(not saved to a file)", "Made here and not saved to a file yet"
    if source.startswith(SAMPLE_PREFIX):
        sample = SAMPLES.get(source[len(SAMPLE_PREFIX):])
        return "Sample melody", f"{sample.title if sample else source} (a sample melody)"
    return Path(source).name, source


class LibraryDialog(QDialog):
    def __init__(self, link: LibraryLink, parent=None) -> None:
        super().__init__(parent)
        self.link = link
        self.setWindowTitle("Library")
        self.resize(880, 420)
        self.search = QLineEdit(self)
        self.search.setObjectName("library_search")
        self.search.setPlaceholderText("Search songs, files and models")
        self.search.setClearButtonEnabled(True)
        self.trash = QCheckBox("Show the trash", self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("library_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.note = QLabel(self)
        self.open_button = QPushButton("Open", self)
        self.open_button.setDefault(True)
        self.duplicate_button = QPushButton("Duplicate", self)
        self.delete_button = QPushButton("Move to Trash", self)
        close = QPushButton("Close", self)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.trash)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        for b in (self.open_button, self.duplicate_button, self.delete_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        self.search.textChanged.connect(lambda _t: self.refresh())
        self.trash.toggled.connect(lambda _on: self.refresh())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.open_button.clicked.connect(self.open_selected)
        self.duplicate_button.clicked.connect(self.duplicate_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        close.clicked.connect(self.reject)
        self.refresh()

    # --- the list ----------------------------------------------------------------------
    def refresh(self, select: int | None = None) -> None:
        lib = self.link.library
        rows = []
        if lib is None:
            self.note.setText(self.link.error or "The library is not available.")
        else:
            try:
                rows = lib.compositions(self.search.text(), trashed=self.trash.isChecked())
            except LIBRARY_ERRORS as exc:
                self.note.setText(f"The library cannot be read: {exc}")
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            models = ", ".join(sorted(m for m in row["models"].split(",") if m))
            origin, full = _origin(row["source"])
            cells = (row["title"], origin, _when(row["modified"]), str(row["generations"]), models)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ROLE_ID, row["id"])
                item.setToolTip(full if c == 1 else text)
                if c == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(r, c, item)
        for c in (2, 3, 4):
            self.table.resizeColumnToContents(c)
        if rows and lib is not None:
            shown = "in the trash" if self.trash.isChecked() else "in the library"
            self.note.setText(f"{len(rows)} song{'s' * (len(rows) != 1)} {shown}")
        elif lib is not None:
            self.note.setText("Nothing matches." if self.search.text() else
                              "The trash is empty." if self.trash.isChecked() else
                              "Songs you open, save or generate on appear here.")
        target = next((r for r, row in enumerate(rows) if row["id"] == select), 0)
        if rows:
            self.table.selectRow(target)
        self.delete_button.setText("Restore" if self.trash.isChecked() else "Move to Trash")
        self._selection_changed()

    def ids(self) -> list[int]:
        return [self.table.item(r, 0).data(ROLE_ID) for r in range(self.table.rowCount())]

    def selected(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).data(ROLE_ID) if rows else None

    def select(self, comp_id: int) -> None:
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(ROLE_ID) == comp_id:
                self.table.selectRow(r)

    def _selection_changed(self) -> None:
        chosen = self.selected() is not None
        self.open_button.setEnabled(chosen and not self.trash.isChecked())
        self.duplicate_button.setEnabled(chosen and not self.trash.isChecked())
        self.delete_button.setEnabled(chosen)

    # --- actions -----------------------------------------------------------------------
    def open_selected(self) -> bool:
        comp_id = self.selected()
        if comp_id is None or self.trash.isChecked():
            return False
        if self.link.open_entry(comp_id):
            self.accept()
            return True
        return False

    def duplicate_selected(self) -> int | None:
        comp_id = self.selected()
        if comp_id is None:
            return None
        try:
            new = self.link.library.duplicate_composition(comp_id)
        except (KeyError, *LIBRARY_ERRORS) as exc:
            self.note.setText(f"Could not duplicate: {exc}")
            return None
        self.refresh(select=new)
        return new

    def delete_selected(self) -> None:
        """Move to the trash, or (showing the trash) restore."""
        comp_id = self.selected()
        if comp_id is None:
            return
        try:
            if self.trash.isChecked():
                self.link.library.restore_composition(comp_id)
            else:
                self.link.library.trash_composition(comp_id)
                if comp_id == self.link.comp_id:
                    self.link.comp_id = None  # the open song is recorded afresh if it changes
        except LIBRARY_ERRORS as exc:
            self.note.setText(f"Could not change the library: {exc}")
        self.refresh()
