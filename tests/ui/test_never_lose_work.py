"""Issue 15, "work is never lost": the autosave follows every change within 2 s,
coalesced and written off the GUI thread; a studio killed with SIGKILL 5 s after its
last edit gets every edit back at the next start; Quit, New and Open offer Save,
Don't Save and Cancel, and Open checks the file before it asks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from deepcomposer_desktop.library.project import load_project
from deepcomposer_desktop.music.composition import Note
from deepcomposer_desktop.music.serialize import composition_to_dict
from deepcomposer_desktop.ui.commands import ReplaceNotes
from deepcomposer_desktop.ui.main_window import MainWindow
from deepcomposer_desktop.ui.recovery import AUTOSAVE_DELAY_MS

CHILD = Path(__file__).with_name("autosave_child.py")


class Answers:
    """Answers the message boxes the window opens, in order, by button text; notes
    each box's text. A box nobody expected is cancelled (and noted)."""

    def __init__(self, *buttons: str) -> None:
        self.buttons = list(buttons)
        self.seen: list[str] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def _poll(self) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible():
            return
        self.seen.append(box.text())
        wanted = self.buttons.pop(0) if self.buttons else "Cancel"
        for button in box.buttons():
            if button.text().replace("&", "") == wanted:
                button.click()
                return
        box.reject()
        self.seen.append(f"no button {wanted!r} in {[b.text() for b in box.buttons()]}")

    def stop(self) -> None:
        self.timer.stop()


@pytest.fixture
def window(qtbot):
    win = MainWindow(audio=False, interactive=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.files.open_path("sample:twinkle")
    return win


def add_note(win, pitch=90, start=0):
    win.doc.undo_stack.push(ReplaceNotes(win.doc, 0, [], [Note(start, pitch, 240, 80)], "Draw a note"))


def test_a_burst_of_edits_is_one_write_within_two_seconds_off_the_gui_thread(window, qtbot):
    auto = window.autosave
    threads, writes = [], []
    save = auto.autosaver.save
    auto.autosaver.save = lambda *args: (threads.append(threading.current_thread()), save(*args))[1]
    auto.saved.connect(lambda path: writes.append(time.monotonic()))
    first = time.monotonic()
    for k in range(20):  # a drag of many small edits, each its own undo step
        add_note(window, 80 + k % 10, k * 120)
    qtbot.waitUntil(lambda: bool(writes), timeout=3000)
    assert writes[0] - first < 2.0
    qtbot.wait(AUTOSAVE_DELAY_MS + 300)
    assert len(writes) == 1  # coalesced: one write for the burst
    assert threads and all(t is not threading.main_thread() for t in threads)
    comp, _view = load_project(auto.autosaver.path)
    assert sorted(comp.tracks[0].notes) == sorted(window.doc.track(0).notes)
    assert [p.name for p in auto.autosaver.folder.iterdir()] == [auto.autosaver.path.name]  # atomic
    add_note(window, 100)  # a later change: written again, within 2 s
    started = time.monotonic()
    qtbot.waitUntil(lambda: len(writes) == 2, timeout=3000)
    assert writes[1] - started < 2.0
    window.doc.undo_stack.setClean()  # as saving does: nothing left to recover
    assert not auto.autosaver.path.exists()


def test_a_take_being_recorded_is_autosaved_before_it_is_stopped(window, qtbot):
    window.transport.set_switch("count_in", False)
    window.add_track()
    auto = window.autosave
    qtbot.waitUntil(lambda: auto.autosaver.path.exists(), timeout=3000)
    window.toggle_record()
    qtbot.wait(100)
    window.live.play(67, 90, True)  # held: the autosave has it up to now
    before = auto.autosaver.path.stat().st_mtime_ns
    qtbot.waitUntil(lambda: auto.autosaver.path.stat().st_mtime_ns != before, timeout=3000)
    auto.flush()
    comp, _view = load_project(auto.autosaver.path)
    assert [n.pitch for n in comp.tracks[1].notes] == [67]
    window.live.play(67, 0, False)
    window.toggle_record()
    assert [n.pitch for n in window.doc.track(1).notes] == [67]


def test_sigkill_five_seconds_after_the_last_edit_loses_nothing(qtbot, tmp_path):
    """A child studio edits the song and is killed with SIGKILL 5 s after its last edit;
    the next start offers the work back and restores every edit."""
    expected_path = tmp_path / "expected.json"
    root = str(Path(__file__).parents[2])
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, str(CHILD), str(expected_path), str(tmp_path / "qsettings-child")]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    watchdog = threading.Timer(120, child.kill)  # a child that hangs must not hang the tests
    watchdog.start()
    try:
        line = child.stdout.readline()  # blocks until the child has made its edits
        assert line.startswith("EDITED"), (line, child.stderr.read() if child.poll() is not None else "")
        last_edit = float(line.split()[1])
        time.sleep(max(0.0, last_edit + 5.0 - time.time()))
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == -signal.SIGKILL
    expected = json.loads(expected_path.read_text(encoding="utf-8"))

    win = MainWindow(audio=False, interactive=True)  # the next start, as a person sees it
    qtbot.addWidget(win)
    answers = Answers("Yes")
    try:
        win.show()
        qtbot.waitUntil(lambda: bool(answers.seen), timeout=5000)
    finally:
        answers.stop()
    assert "Recover" in answers.seen[0] and "Twinkle" in answers.seen[0]
    assert composition_to_dict(win.doc.comp) == expected  # every edit is back
    assert [t.name for t in win.doc.comp.tracks] == ["Melody", "Counter-melody"]
    assert win.doc.track(1).mute and win.doc.is_modified
    win.doc.undo_stack.setClean()  # leave nothing for the next test's start
    win.close()


def test_new_open_and_quit_offer_save_dont_save_and_cancel(qtbot, tmp_path):
    win = MainWindow(audio=False, interactive=True)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.files.open_path("sample:twinkle")
    project = tmp_path / "twinkle.dcproj"
    assert win.files.save(project)
    add_note(win)
    answers = Answers("Cancel", "Don't Save")
    try:
        assert not win.files.new_song()  # Cancel: the song stays as it is
        assert win.doc.is_modified and len(win.doc.track(0).notes) == 43
        assert win.files.new_song()  # Don't Save
        assert not win.doc.track(0).notes and not win.doc.is_modified
        assert answers.seen == ["Do you want to save the changes to \u201ctwinkle.dcproj\u201d?"] * 2
    finally:
        answers.stop()

    assert win.files.open_path(str(project))
    add_note(win)
    answers = Answers("Save")
    try:
        assert win.files.open_path("sample:ode-to-joy")  # Save, then open
    finally:
        answers.stop()
    assert len(answers.seen) == 1 and win.doc.comp.title == "Ode to Joy"
    comp, _view = load_project(project)
    assert len(comp.tracks[0].notes) == 43  # the change was saved before the other song came

    add_note(win)
    answers = Answers("Cancel", "Don't Save")
    try:
        win.close()  # Quit: Cancel keeps the window
        assert win.isVisible()
        win.close()
        assert not win.isVisible()
    finally:
        answers.stop()
    assert len(answers.seen) == 2
    assert not win.autosave.autosaver.path.exists()  # Don't Save on quit leaves no recovery


def test_open_checks_the_file_before_asking(qtbot, tmp_path):
    win = MainWindow(audio=False, interactive=True)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.files.open_path("sample:twinkle")
    add_note(win)
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd but not really")
    answers = Answers("OK")
    try:
        assert not win.files.open_path(str(bad))
    finally:
        answers.stop()
    assert len(answers.seen) == 1 and "Save" not in answers.seen[0]  # only the error, no question
    assert win.doc.is_modified and win.doc.comp.title.startswith("Twinkle")
    win.doc.undo_stack.setClean()
    win.close()
