"""The Help menu: Keyboard Shortcuts, User Guide and About.

The shortcuts are read from the window's own menus, so the list is always the
keys that really work; Musical Typing's keys come from midi_input/computer_keys.py.
The User Guide is docs/USER_GUIDE.md (the README when it is missing), from the
repository or the bundle (bundle.app_root), with a button to the docs/ folder;
About names the version, the models, the SoundFont, the audio
driver and the MIDI keyboards open now.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QLabel, QMenu, QPushButton,
                               QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout)

from .. import __version__
from ..bundle import app_root
from ..midi_input.computer_keys import (NOTE_KEYS, OCTAVE_DOWN, OCTAVE_UP, VELOCITY_DOWN,
                                        VELOCITY_UP)

ROOT = app_root()  # the repository, or the bundle's data folder when frozen
README = ROOT / "README.md"
DOCS = ROOT / "docs"
GUIDE = DOCS / "USER_GUIDE.md"
NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(".…")


def shortcut_rows(window) -> list[tuple[str, str, str]]:
    """(menu, action, keys) of every menu action with a shortcut, in menu order."""
    rows: list[tuple[str, str, str]] = []

    def walk(menu: QMenu, title: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{title} > {_plain(action.menu().title())}")
            elif action.shortcuts():
                keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText)
                                 for s in action.shortcuts())
                rows.append((title, _plain(action.text()), keys))

    for action in window.menuBar().actions():
        if action.menu() is not None:
            walk(action.menu(), _plain(action.menu().title()))
    return rows


def typing_rows() -> list[tuple[str, str, str]]:
    """Musical Typing's keys, as the on-screen piano plays them (T on C4 at first)."""
    by_offset = sorted((offset, key) for key, offset in NOTE_KEYS.items())
    whites = " ".join(k.upper() for o, k in by_offset if "#" not in NAMES[o % 12])
    blacks = " ".join(k.upper() for o, k in by_offset if "#" in NAMES[o % 12])
    section = "Musical Typing (click the piano first)"
    return [(section, "White keys, from C", whites), (section, "Black keys", blacks),
            (section, "Octave down, up", f"{OCTAVE_DOWN.upper()}, {OCTAVE_UP.upper()}"),
            (section, "Softer, louder", f"{VELOCITY_DOWN.upper()}, {VELOCITY_UP.upper()}")]


class ShortcutsDialog(QDialog):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard Shortcuts")
        self.rows = shortcut_rows(window) + typing_rows()
        self.table = QTableWidget(len(self.rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Menu", "Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, row in enumerate(self.rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        note = QLabel("A key that is a shortcut stays the shortcut while the piano plays: "
                      "Musical Typing uses only keys no menu takes.", self)
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(620, 560)


class UserGuideDialog(QDialog):
    """docs/USER_GUIDE.md (else the README), rendered with its pictures; links to other
    pages of docs/ open here, web links in the browser."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.setWindowTitle("DeepComposer User Guide")
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        if GUIDE.is_file():
            self.browser.setSearchPaths([str(DOCS)])
            self.browser.setMarkdown(GUIDE.read_text(encoding="utf-8"))
        elif README.is_file():
            self.browser.setSearchPaths([str(ROOT)])
            self.browser.setMarkdown(README.read_text(encoding="utf-8"))
        else:
            self.browser.setPlainText("The user guide (README.md and docs/) is not installed "
                                      "with this copy of DeepComposer.")
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        if DOCS.is_dir():
            docs = QPushButton("Open the docs folder", self)
            docs.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(DOCS))))
            buttons.addButton(docs, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 640)


def about_text(window) -> str:
    """Version, models, SoundFont, audio and MIDI devices, one fact a line."""
    lines = [f"DeepComposer Desktop {__version__}",
             f"Python {sys.version.split()[0]}, Qt {_qt_version()}"]
    try:
        from ..generation.registry import default_registry
        entries = default_registry().entries()
    except Exception as exc:  # no onnxruntime, unreadable folder: say so, never fail
        lines.append(f"Models: not available ({str(exc).splitlines()[0] if str(exc) else exc!r})")
    else:
        ok = [e for e in entries if e.ok]
        lines.append(f"Models ({len(ok)}): " + (", ".join(
            f"{e.id} ({e.card.mode})" for e in ok) if ok else "none installed"))
        for e in entries:
            if not e.ok:
                lines.append(f"  refused: {e.id}: {e.problem}")
    lines.append(window.sound.soundfont_text)
    lines.append(window.sound.audio_text)
    devices = window.live.devices
    names = list(devices.open_names) if devices is not None else []
    midi = ", ".join(names) if names else "none"
    if window.live.device_error:
        midi += f" ({window.live.device_error})"
    lines.append(f"MIDI in: {midi}")
    outputs = window.player.sink.outputs
    lines.append("MIDI out: " + ('"DeepComposer Playback"' if outputs else "off"))
    return "\n".join(lines)


def _qt_version() -> str:
    from PySide6 import __version__ as pyside
    return pyside


class AboutDialog(QDialog):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.setWindowTitle("About DeepComposer Desktop")
        self.text = about_text(window)
        label = QLabel(self.text, self)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Compose with AI accompaniment, offline, on your computer.</b>", self))
        layout.addWidget(label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 320)
