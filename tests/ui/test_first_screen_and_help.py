"""Issue 15: the first screen says what to do, Help lists the real shortcuts, Musical
Typing never takes a shortcut's key and shows its octave and velocity, every open
fits the song in view, and the small words are right."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDropEvent, QKeySequence
from PySide6.QtWidgets import QMenu
from PySide6.QtTest import QTest

from deepcomposer_desktop.library.project import save_project
from deepcomposer_desktop.midi_input.computer_keys import MusicalTyping
from deepcomposer_desktop.music.composition import Composition, Note, Tempo, Track
from deepcomposer_desktop.music.midifile import write_midi
from deepcomposer_desktop.ui.commands import ReplaceNotes
from deepcomposer_desktop.ui.main_window import MainWindow


def make_window(qtbot, show=True):
    win = MainWindow(audio=False, interactive=False)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    if show:
        win.show()
        qtbot.waitExposed(win)
    return win


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def high_long_song() -> Composition:
    """40 bars of a melody two octaves above middle C: far from the roll's first view."""
    notes = [Note(i * 480, 84 + (i * 5) % 13, 480, 90) for i in range(160)]
    return Composition(tracks=[Track("Descant", 73, 0, notes=notes)], tempos=[Tempo.from_bpm(0, 120)],
                       title="Descant")


def assert_song_in_view(win) -> None:
    view, roll = win.editor.view, win.editor.roll
    notes = [n for t in win.doc.comp.tracks for n in t.notes]
    assert notes
    xs = [view.x(n.start) for n in notes] + [view.x(n.end) for n in notes]
    ys = [view.y(n.pitch) for n in notes] + [view.y(n.pitch) + view.key_h for n in notes]
    assert 0 <= min(xs) and max(xs) <= roll.width(), (min(xs), max(xs), roll.width())
    assert 0 <= min(ys) and max(ys) <= roll.height(), (min(ys), max(ys), roll.height())


# --- the first screen ------------------------------------------------------------------
def test_an_empty_song_says_what_to_do_until_the_first_note(window):
    hint = window.empty_hint
    assert hint.isVisible()
    for words in ("R", "Space", "Sample Melodies", "Drop a MIDI file", "Ctrl+O"):
        assert words in hint.text()
    assert hint.geometry().intersects(window.editor.roll.rect())
    doc = window.doc
    doc.undo_stack.push(ReplaceNotes(doc, 0, [], [Note(0, 60, 480, 90)], "Draw a note"))
    assert not hint.isVisible()
    doc.undo_stack.undo()
    assert hint.isVisible()
    assert window.files.open_path("sample:twinkle")
    assert not hint.isVisible()


# --- Help ------------------------------------------------------------------------------
def test_help_lists_the_real_shortcuts_guide_and_about(window):
    from deepcomposer_desktop.ui.help_dialogs import shortcut_rows
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles[-1] == "Help"
    help_menu = window.menuBar().actions()[-1].menu()
    names = [a.text().replace("&", "") for a in help_menu.actions()]
    assert names == ["Keyboard Shortcuts", "User Guide", "About DeepComposer"]

    help_menu.actions()[0].trigger()
    dialog = window.last_dialog
    rows = {(menu, action): keys for menu, action, keys in dialog.rows}
    assert rows[("Transport", "Click")] == "K" and rows[("Transport", "Record")] == "R"
    assert rows[("Track", "Solo")] == "S" and rows[("Transport", "Loop")] == "L"
    assert rows[("File", "New Song")] == "Ctrl+N" and rows[("Edit", "Quantize to the snap grid")] == "Q"
    assert dialog.table.rowCount() == len(dialog.rows)
    # every action in a menu that has a shortcut is listed, with the keys it really has
    listed = {(text, keys) for _, text, keys in shortcut_rows(window)}
    checked = 0
    for action in window.findChildren(QAction):
        in_menu = any(isinstance(o, QMenu) for o in action.associatedObjects())
        if action.shortcuts() and in_menu:
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
            assert (action.text().replace("&", "").rstrip(".…"), keys) in listed
            checked += 1
    assert checked >= 20
    assert any("Musical Typing" in menu and "T Y U I O P" in keys for menu, _, keys in dialog.rows)
    dialog.close()

    help_menu.actions()[1].trigger()
    guide = window.last_dialog
    assert "Musical Typing" in guide.browser.toPlainText()
    guide.close()

    help_menu.actions()[2].trigger()
    about = window.last_dialog.text
    for words in ("DeepComposer Desktop 0.", "Models", "SoundFont", "Audio", "MIDI in"):
        assert words in about
    window.last_dialog.close()


# --- Musical Typing and shortcuts --------------------------------------------------------
def test_musical_typing_never_takes_a_shortcut_key(window, qtbot):
    single = set()
    for action in window.findChildren(QAction):
        for seq in action.shortcuts():
            if seq.count() == 1 and not seq[0].keyboardModifiers():
                single.add(seq.toString().lower())
    assert {"k", "s", "l", "m", "r", "space"} <= single
    assert not [key for key in single if MusicalTyping.handles(key)]
    assert window.piano.shortcut_keys() >= {"k", "s", "l", "m", "r"}

    doc, tr, piano = window.doc, window.transport, window.piano
    assert window.files.open_path("sample:twinkle")
    tr.set_loop(0, doc.comp.ticks_per_bar)
    heard = []
    window.live.key_changed.connect(lambda p, on: heard.append(p))
    piano.setFocus()
    qtbot.waitUntil(piano.hasFocus, timeout=2000)
    QTest.keyClick(piano, "k")
    QTest.keyClick(piano, "s")
    QTest.keyClick(piano, "l")
    QTest.keyClick(piano, "m")
    assert tr.metronome and doc.track(0).solo and not tr.loop_on and doc.track(0).mute
    assert heard == []  # none of them played a note
    QTest.keyClick(piano, "t")
    assert heard == [60, 60]  # T plays (and releases) middle C


def test_octave_and_velocity_are_shown_and_change_with_feedback(window, qtbot):
    piano, label = window.piano, window.typing_label
    assert "C4" in label.text() and "velocity 100" in label.text()
    piano.setFocus()
    qtbot.waitUntil(piano.hasFocus, timeout=2000)
    QTest.keyClick(piano, "x")
    assert label.text().startswith("Musical Typing C5") and "C5" in window.statusBar().currentMessage()
    QTest.keyClick(piano, "c")
    assert "velocity 80" in label.text() and "velocity 80" in window.statusBar().currentMessage()
    QTest.keyClick(piano, "z")
    assert "C4" in label.text()
    img = piano.grab().toImage()  # the letters are painted on the keys while it has focus
    assert not img.isNull()


# --- every open fits the song ---------------------------------------------------------------
def test_a_song_opened_before_the_window_shows_is_fitted(qtbot, tmp_path):
    """As `deepcomposer song.dcproj` (and a .mid) does: open, then show."""
    song = high_long_song()
    for path in (save_project(song, tmp_path / "descant.dcproj"), write_midi(song, tmp_path / "descant.mid")):
        win = make_window(qtbot, show=False)
        assert win.files.open_path(str(path))
        win.show()
        qtbot.waitExposed(win)
        qtbot.wait(20)
        assert_song_in_view(win)
        win.doc.undo_stack.setClean()
        win.close()


def test_open_drop_and_samples_fit_the_song(window, tmp_path):
    path = write_midi(high_long_song(), tmp_path / "descant.mid")
    window.editor.view.zoom_x(8.0)
    window.editor.view.set_scroll(y=0)
    assert window.files.open_path(str(path))  # File > Open goes through here too
    assert_song_in_view(window)
    assert window.files.open_path("sample:greensleeves")
    assert_song_in_view(window)
    window.editor.view.zoom_x(8.0)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    window.dropEvent(QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    assert window.doc.comp.title == "Descant"
    assert_song_in_view(window)


def test_reveal_brings_a_range_into_view(window):
    assert window.files.open_path("sample:twinkle")
    view, roll = window.editor.view, window.editor.roll
    view.zoom_x(6.0)
    bar = window.doc.comp.ticks_per_bar
    window.reveal((40 * bar, 42 * bar), (96, 100))
    assert 0 <= view.x(40 * bar) and view.x(42 * bar) <= roll.width()
    assert 0 <= view.y(100) and view.y(96) + view.key_h <= roll.height()
    scroll = view.scroll_x
    window.reveal((40 * bar + 10, 41 * bar))  # already in view: nothing moves
    assert view.scroll_x == scroll
    window.reveal()
    assert_song_in_view(window)


# --- the small words ----------------------------------------------------------------------
def test_plurals_export_name_and_the_save_folder(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog
    doc, roll = window.doc, window.editor.roll
    assert window.files.open_path("sample:twinkle")
    assert doc.comp.title == "Twinkle, Twinkle, Little Star"
    note = sorted(doc.track(0).notes)[0]
    roll.set_selection([note])
    roll.delete_selection()
    assert doc.undo_stack.undoText() == "Delete 1 note"
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, title, start, filt: (asked.append(start), ("", ""))[1])
    window.files.export_midi()
    assert Path(asked[-1]).name == "Twinkle Twinkle Little Star.mid"
    folder = tmp_path / "songs"
    folder.mkdir()
    assert window.files.save(folder / "twinkle.dcproj")
    window.files.save(ask=True)  # Save As starts where the last project was saved
    assert Path(asked[-1]).parent == folder.resolve()
    assert Path(asked[-1]).name == "Twinkle Twinkle Little Star.dcproj"
