"""More of the window's behaviour, as a mixin of MainWindow: the Help menu, the
takes chooser of cycle recordings, the Save / Don't Save / Cancel question,
Musical Typing's octave and velocity on the status line, and `reveal`.

Like transport_control.py it uses the window's doc, recorder, piano, editor,
files and status line.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QLabel, QMenu, QMessageBox

from ..music.composition import Note
from .commands import plural


class StudioActions:
    # --- Help ---------------------------------------------------------------------------
    def _build_help_menu(self) -> None:
        from .help_dialogs import AboutDialog, ShortcutsDialog, UserGuideDialog
        menu = self.menuBar().addMenu("&Help")
        for name, text, keys, dialog in (("shortcuts", "&Keyboard Shortcuts", "Ctrl+/", ShortcutsDialog),
                                          ("guide", "&User Guide", "F1", UserGuideDialog),
                                          ("about", "&About DeepComposer", None, AboutDialog)):
            menu.addAction(self._action(text, keys, lambda d=dialog: self.show_dialog(d(self)),
                                        f"help_{name}"))

    def show_dialog(self, dialog: QDialog) -> QDialog:
        """Modal for a person; shown and returned (for a test to read) when not interactive."""
        self.last_dialog = dialog
        if self.interactive:
            dialog.exec()
        else:
            dialog.show()
        return dialog

    # --- takes of a cycle recording -------------------------------------------------------
    def _build_takes_menu(self, track_menu: QMenu) -> QMenu:
        self.takes_menu = menu = track_menu.addMenu("Ta&kes")
        menu.setObjectName("takes_menu")
        menu.setToolTip("Record with a loop region on: each pass round the loop is a take")
        menu.aboutToShow.connect(lambda: self._fill_takes_menu(menu))
        self.tracks.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tracks.customContextMenuRequested.connect(self._track_context_menu)
        return menu

    def _fill_takes_menu(self, menu: QMenu) -> None:
        menu.clear()
        index = self.doc.current_track
        takes = self.recorder.takes_for(index)
        if takes is None:
            menu.addAction("(no takes: record with a loop region on)").setEnabled(False)
            return
        chosen = self.recorder.chosen_take(index)
        for number, notes in takes.takes:
            action = menu.addAction(f"Take {number} ({plural(len(notes), 'note')})")
            action.setCheckable(True)
            action.setChecked(number == chosen)
            action.setObjectName(f"action_take_{number}")
            action.triggered.connect(lambda _c=False, n=number: self.choose_take(n))

    def choose_take(self, number: int) -> bool:
        index = self.doc.current_track
        if self.recorder.choose_take(index, number):
            self.statusBar().showMessage(f"Take {number} is in {self.doc.track(index).name}", 4000)
            return True
        return False

    def _track_context_menu(self, pos) -> None:
        row = self.tracks.indexAt(pos).row()
        if row < 0:
            return
        self.doc.set_current_track(row)
        menu = QMenu(self)
        for name in ("mute", "solo", "delete_track"):
            action = self.findChild(QAction, f"action_{name}")
            if action is not None:
                menu.addAction(action)
        takes = menu.addMenu("Takes")
        self._fill_takes_menu(takes)
        menu.exec(self.tracks.viewport().mapToGlobal(pos))

    def _live_take(self) -> tuple[int, list[Note]] | None:
        """The take being recorded, for the autosave (None when not recording)."""
        if not self.recorder.active:
            return None
        return self.recorder.track, self.recorder.notes_so_far()

    # --- Musical Typing on the status line -----------------------------------------------
    def _build_typing_label(self) -> QLabel:
        self.typing_label = QLabel(self.piano.typing_text(), self)
        self.typing_label.setObjectName("typing_label")
        self.typing_label.setToolTip("Z/X: octave down/up, C/V: softer/louder, with the piano focused")
        self.piano.typing_changed.connect(self._typing_changed)
        return self.typing_label

    def _typing_changed(self, text: str) -> None:
        self.typing_label.setText(text)
        if self.piano.hasFocus():
            self.statusBar().showMessage(text, 2000)

    # --- Save, Don't Save, Cancel ------------------------------------------------------
    def ask_save_changes(self) -> QMessageBox.StandardButton:
        title = self.doc.path.name if self.doc.path else (self.doc.comp.title or "Untitled")
        box = QMessageBox(QMessageBox.Icon.Warning, "Save changes?",
                          f"Do you want to save the changes to \u201c{title}\u201d?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText("Your changes are lost if you don't save them.")
        box.button(QMessageBox.StandardButton.Discard).setText("Don't Save")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        box.setObjectName("save_changes_box")
        return QMessageBox.StandardButton(box.exec())

    def confirm_discard(self) -> bool:
        """Before the song is replaced or the window closes: True to go on. Unsaved
        changes ask Save (then go on only if it was saved), Don't Save, or Cancel."""
        if not self.doc.is_modified or not self.interactive:
            return True
        answer = self.ask_save_changes()
        if answer == QMessageBox.StandardButton.Save:
            return self.files.save()
        return answer == QMessageBox.StandardButton.Discard

    # --- bringing music into view -----------------------------------------------------------
    def reveal(self, tick_range: tuple[int, int] | None = None,
               pitch_range: tuple[int, int] | None = None) -> None:
        """Show ticks [start, end) (and pitches low..high) in the roll, e.g. a generation's
        result; with no range, fit the whole song."""
        if tick_range is None:
            self.editor.fit()
            return
        low, high = pitch_range if pitch_range else (None, None)
        self.editor.reveal(tick_range[0], tick_range[1], low, high)
