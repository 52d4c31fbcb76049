"""The Versions list: the song as it is, then every version Generate made.

Clicking one shows it in the piano roll and plays it; A/B switches between the
two last shown (a version and the song, or two versions) while playback goes on;
Keep makes the shown version the song, as one undo step. None of the others
touches the undo stack.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QPushButton, QVBoxLayout, QWidget)

from .versions import SONG, VersionsController, describe_version, tracks_text

ROLE_NUMBER = Qt.ItemDataRole.UserRole


class VersionsPanel(QWidget):
    def __init__(self, versions: VersionsController, parent=None) -> None:
        super().__init__(parent)
        self.versions = versions
        self.list = QListWidget(self)
        self.list.setObjectName("versions_list")
        self.list.setToolTip("Click a version to hear and see it; the song is not changed "
                             "until you Keep one")
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)  # a narrow dock wraps, never scrolls sideways
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.ab_button = QPushButton("A/B", self)
        self.ab_button.setObjectName("versions_ab")
        self.ab_button.setToolTip("Switch between the two you heard last (a version and the song, "
                                  "or two versions); playback goes on and nothing is undone")
        self.keep_button = QPushButton("Keep", self)
        self.keep_button.setObjectName("versions_keep")
        self.keep_button.setToolTip("Make the version shown the song (Edit > Undo takes it back "
                                    "in one step)")
        buttons = QHBoxLayout()
        buttons.addWidget(self.ab_button, 1)
        buttons.addWidget(self.keep_button, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.info)

        self.list.currentRowChanged.connect(self._row_changed)
        self.list.itemClicked.connect(lambda _item: versions.play())
        self.ab_button.clicked.connect(versions.toggle_ab)
        self.keep_button.clicked.connect(lambda: versions.keep())
        versions.changed.connect(self.rebuild)
        versions.shown_changed.connect(self._shown)
        self.rebuild()

    def rebuild(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        song = QListWidgetItem("The song, as it is\n    what you recorded, opened or kept")
        song.setData(ROLE_NUMBER, SONG)
        song.setToolTip("The song itself: no version shown")
        self.list.addItem(song)
        in_song = self.versions.in_song()
        for v in self.versions.versions:
            mark = "\u2713 in the song \u00b7 " if v.number in in_song else ""
            item = QListWidgetItem(f"{v.title()}\n    {mark}{v.summary} \u00b7 "
                                   f"{v.seconds:.1f} s \u00b7 {v.when()}")
            item.setData(ROLE_NUMBER, v.number)
            item.setToolTip(describe_version(v))
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._shown(self.versions.shown)

    def row_of(self, number: int) -> int:
        for row in range(self.list.count()):
            if self.list.item(row).data(ROLE_NUMBER) == number:
                return row
        return -1

    def click(self, number: int) -> None:
        """What a click on version `number` does (tests and the screenshot tool)."""
        row = self.row_of(number)
        self.list.setCurrentRow(row)
        self.list.itemClicked.emit(self.list.item(row))

    def _row_changed(self, row: int) -> None:
        item = self.list.item(row)
        if item is not None and item.data(ROLE_NUMBER) != self.versions.shown:
            self.versions.show(item.data(ROLE_NUMBER))

    def _shown(self, number: int) -> None:
        row = self.row_of(number)
        if row != self.list.currentRow():
            self.list.blockSignals(True)
            self.list.setCurrentRow(row)
            self.list.blockSignals(False)
        v = self.versions
        partner = v.partner
        self.ab_button.setEnabled(partner != number)
        names = [("song" if n == SONG else f"v{n}") for n in (number, partner)]
        self.ab_button.setText(f"A/B: {names[0]} \u21c4 {names[1]}" if partner != number else "A/B")
        self.keep_button.setEnabled(number != SONG and number not in v.in_song())
        if number == SONG:
            self.info.setText("Showing the song as it is." if v.versions else
                              "No versions yet: each Generate makes one here, without "
                              "changing the song.")
            return
        version = v.get(number)
        verb = "adds" if version.adds == "tracks" else "gives"
        self.info.setText(f"Showing {version.name}: {verb} {tracks_text(version)}. "
                          "Keep makes it the song.")


def install_versions(window) -> QDockWidget:
    """The Versions dock, the library link and File > Library, on `window` (which has
    `versions`, a VersionsController, and `files`)."""
    from .library_dialog import LibraryDialog
    from .library_link import LibraryLink
    versions: VersionsController = window.versions
    versions.attach(window)
    link = LibraryLink(window.doc, versions, window)
    versions.library = link
    window.library_link = link
    window.files.opened.connect(link.song_opened)
    if hasattr(window.files, "saved"):
        window.files.saved.connect(link.song_saved)
    dock = QDockWidget("Versions", window)
    dock.setObjectName("versions_dock")
    window.versions_panel = VersionsPanel(versions, dock)
    dock.setWidget(window.versions_panel)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    generate = getattr(window, "generate_dock", None)
    if generate is not None:
        window.splitDockWidget(generate, dock, Qt.Orientation.Vertical)
        window.resizeDocks([generate, dock], [640, 220], Qt.Orientation.Vertical)

    def show_library() -> LibraryDialog:
        dialog = LibraryDialog(link, window)
        dialog.open()  # window-modal, without blocking (tests drive it directly)
        window.library_dialog = dialog
        return dialog

    window.show_library = show_library
    action = QAction("&Library\u2026", window)
    action.setObjectName("action_library")
    action.setShortcut(QKeySequence("Ctrl+Shift+L"))
    action.setToolTip("Every song and generation you made: search, open, duplicate, delete")
    action.triggered.connect(lambda _c=False: show_library())
    window.library_action = action
    return dock
