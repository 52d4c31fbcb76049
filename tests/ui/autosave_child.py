"""The studio in a child process, for the kill test (test_never_lose_work.py).

    python autosave_child.py EXPECTED.json QSETTINGS_DIR

Opens the window offscreen on a sample, makes edits through the window (delete a
note with the Delete key, a new track with Ctrl+T, the tempo on the toolbar, a
rename in the track list, a note drawn by a double-click, mute with M), writes the
song it ends with to EXPECTED.json, prints "EDITED <time of the last edit>" and
then waits, running its event loop, for the SIGKILL.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, QSettings, QStandardPaths, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from deepcomposer_desktop.music.serialize import composition_to_dict  # noqa: E402
from deepcomposer_desktop.ui.app import create_app  # noqa: E402


def main(expected_path: str, settings_dir: str) -> int:
    QStandardPaths.setTestModeEnabled(True)
    app = create_app()
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, settings_dir)
    from deepcomposer_desktop.ui.main_window import MainWindow
    window = MainWindow(audio=False, interactive=False)
    window.resize(1280, 800)
    window.show()
    QTest.qWaitForWindowExposed(window)
    assert window.files.open_path("sample:twinkle")
    QTest.qWait(50)
    roll, view, doc = window.editor.roll, window.editor.view, window.doc

    def click(tick, pitch, double=False):
        pos = QPoint(round(view.x(tick) + 4), round(view.y(pitch) + view.key_h / 2))
        (QTest.mouseDClick if double else QTest.mouseClick)(roll, Qt.MouseButton.LeftButton, pos=pos)

    edits = []
    note = sorted(doc.track(0).notes)[2]
    click(note.start, note.pitch)
    QTest.keyClick(roll, Qt.Key.Key_Delete)
    edits.append("delete a note")
    QTest.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    edits.append("new track")
    window.transport_bar.tempo.setValue(84.0)
    edits.append("tempo")
    model = window.tracks.model()
    model.setData(model.index(1, 0), "Counter-melody")
    edits.append("rename")
    roll.setFocus()
    QTest.qWait(300)  # edits a person makes over a few moments, some seconds apart
    click(8 * doc.comp.ppq, 76, double=True)  # draws a note in the new, current track
    edits.append("draw a note")
    QTest.keyClick(window, Qt.Key.Key_M)
    edits.append("mute")
    last_edit = time.time()
    assert doc.undo_stack.count() == len(edits), doc.undo_stack.count()
    with open(expected_path, "w", encoding="utf-8") as f:
        json.dump(composition_to_dict(doc.comp), f)
    print(f"EDITED {last_edit!r}", flush=True)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
