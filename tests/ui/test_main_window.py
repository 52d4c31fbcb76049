"""The studio window end to end: load a sample, edit, undo/redo, export and re-import,
shortcuts, settings, drag-and-drop, playback and recording (silent: no audio here)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest

from deepcomposer_desktop.music import read_midi
from deepcomposer_desktop.ui.main_window import MainWindow


def click_note(win, note):
    view, roll = win.editor.view, win.editor.roll
    QTest.mouseClick(roll, Qt.MouseButton.LeftButton,
                     pos=QPoint(round(view.x(note.start) + 4), round(view.y(note.pitch) + view.key_h / 2)))


def test_edit_undo_redo_export_reimport(window, tmp_path, artifacts):
    doc = window.doc
    notes = sorted(doc.track(0).notes)
    click_note(window, notes[3])
    QTest.keyClick(window.editor.roll, Qt.Key.Key_Delete)
    assert len(doc.track(0).notes) == len(notes) - 1
    assert window.isWindowModified()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert sorted(doc.track(0).notes) == notes
    QTest.keyClick(window, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(doc.track(0).notes) == len(notes) - 1
    window.add_track()
    assert len(doc.comp.tracks) == 2 and doc.current_track == 1
    out = window.files.export_midi(tmp_path / "song.mid")
    back = read_midi(out)
    assert [len(t.notes) for t in back.tracks] == [len(notes) - 1] or \
        [len(t.notes) for t in back.tracks][:1] == [len(notes) - 1]
    assert sorted(back.tracks[0].notes) == sorted(doc.track(0).notes)
    assert window.files.open_path(str(out))
    assert sorted(window.doc.track(0).notes) == sorted(back.tracks[0].notes)
    assert window.settings.get("files/recent")[0] == str(out.resolve())
    window.grab().save(str(artifacts / "main_window.png"))


def test_track_shortcuts_and_table_edits(window):
    doc = window.doc
    window.editor.roll.setFocus()
    QTest.keyClick(window, Qt.Key.Key_M)
    assert doc.track(0).mute
    QTest.keyClick(window, Qt.Key.Key_S)
    assert doc.track(0).solo
    model = window.tracks.model()
    model.setData(model.index(0, 1), 40)  # instrument column: violin
    assert doc.track(0).program == 40
    doc.undo_stack.undo()
    assert doc.track(0).program == 0
    model.setData(model.index(0, 0), "Lead")
    assert doc.track(0).name == "Lead"


def test_transport_tempo_key_and_meter_are_undoable(window):
    doc, bar = window.doc, window.transport_bar
    bar.tempo.setValue(140.0)
    assert round(doc.comp.bpm) == 140
    bar._key_edited("A minor")
    assert doc.comp.key.name == "A minor"
    bar._meter_edited("3/4")
    assert doc.comp.time_signature == (3, 4)
    for _ in range(3):
        doc.undo_stack.undo()
    assert round(doc.comp.bpm) == 100 and doc.comp.key.name == "C major"
    assert doc.comp.time_signature == (4, 4)


def test_playback_moves_playhead_and_space_stops(window, qtbot):
    tr = window.transport
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert tr.playing
    qtbot.waitUntil(lambda: tr.position > 0, timeout=3000)
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert not tr.playing


def test_recording_from_on_screen_piano_is_one_undo_step(window, qtbot):
    doc, tr = window.doc, window.transport
    tr.set_switch("count_in", False)
    window.add_track()
    count = doc.undo_stack.count()
    QTest.keyClick(window, Qt.Key.Key_R)
    assert tr.recording
    piano = window.piano
    c4 = piano.key_rect(60).center()
    qtbot.waitUntil(lambda: tr.position > 0, timeout=3000)
    QTest.mousePress(piano, Qt.MouseButton.LeftButton, pos=c4.toPoint())
    qtbot.waitUntil(lambda: tr.position > 200, timeout=3000)
    assert [n.pitch for n in window.recorder.notes_so_far()] == [60]  # painted live in the roll
    QTest.mouseRelease(piano, Qt.MouseButton.LeftButton, pos=c4.toPoint())
    QTest.keyClick(window, Qt.Key.Key_R)
    assert not tr.recording
    assert doc.undo_stack.count() == count + 1
    assert [n.pitch for n in doc.track(1).notes] == [60]


def test_drop_a_midi_file_opens_it(window, tmp_path):
    path = window.files.export_midi(tmp_path / "dropped.mid")
    twinkle = sorted(window.doc.track(0).notes)
    window.files.open_path("sample:ode-to-joy")
    assert sorted(window.doc.track(0).notes) != twinkle
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert sorted(window.doc.track(0).notes) == twinkle


def test_bad_file_gives_one_line_error(window, tmp_path):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"not midi")
    assert not window.files.open_path(str(bad))
    assert window.last_error and "\n" not in window.last_error


def test_geometry_and_folders_are_remembered(qtbot, tmp_path):
    win = MainWindow(audio=False, interactive=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.resize(780, 560)  # inside the offscreen screen (800x600), where restore clamps
    win.split.setSizes([150, 600])
    track_list_width = win.split.sizes()[0]
    win.files.export_midi(tmp_path / "x.mid")
    win.close()
    again = MainWindow(audio=False, interactive=False)
    qtbot.addWidget(again)
    assert (again.size().width(), again.size().height()) == (780, 560)
    again.show()
    qtbot.waitExposed(again)
    assert again.split.sizes()[0] == track_list_width
    assert again.settings.get("folders/export") == str(tmp_path.resolve())


def test_export_wav_runs_in_the_worker(window, qtbot, tmp_path):
    synth = pytest.importorskip("deepcomposer_desktop.audio.synth")
    if not synth.fluidsynth_available():
        pytest.skip("FluidSynth is not installed")
    from deepcomposer_desktop.audio.soundfonts import find_soundfont
    if find_soundfont() is None:
        pytest.skip("no SoundFont installed")
    target = tmp_path / "song.wav"
    with qtbot.waitSignals([window.jobs.finished], raising=True, timeout=30000,
                           check_params_cbs=None):
        window.jobs.failed.connect(lambda _id, msg: pytest.fail(msg))
        window.files.export_wav(target)
    assert target.read_bytes()[:4] == b"RIFF" and target.stat().st_size > 100_000


def test_drag_out_writes_a_midi_file_of_the_track(window):
    from deepcomposer_desktop.ui.midi_drag import drag_file, track_only
    window.add_track()
    path = drag_file(track_only(window.doc.comp, 0), window.doc.track(0).name)
    back = read_midi(path)
    assert path.name == "Melody.mid" and len(back.tracks) == 1
    assert sorted(back.tracks[0].notes) == sorted(window.doc.track(0).notes)


def test_loop_region_wraps_playback_and_view_follows(window, qtbot):
    tr, comp = window.transport, window.doc.comp
    tr.set_loop(0, comp.ticks_per_beat)  # one beat: 0.6 s at 100 bpm
    wraps = []
    tr.position_changed.connect(lambda t: wraps.append(t))
    window.toggle_play()
    qtbot.waitUntil(lambda: any(b < a for a, b in zip(wraps, wraps[1:])), timeout=5000)
    window.toggle_play()
    assert max(wraps) <= comp.ticks_per_beat
    view = window.editor.view
    view.zoom_x(8.0)
    tr.set_loop(0, 0)
    tr.set_switch("playing", True)  # as the player reports while playing
    tr.set_position(comp.ticks_per_bar * 10)
    assert 0 <= view.x(tr.position) < window.editor.roll.width()
    tr.set_switch("playing", False)


def test_computer_keys_play_and_record_while_piano_has_focus(window, qtbot):
    doc, tr = window.doc, window.transport
    tr.set_switch("count_in", False)
    window.add_track()  # record into a new, empty track
    heard = []
    window.live.key_changed.connect(lambda p, on: heard.append((p, on)))
    piano = window.piano
    piano.setFocus()
    qtbot.waitUntil(piano.hasFocus, timeout=2000)
    QTest.keyClick(window, Qt.Key.Key_R)  # R is not a Musical Typing key: still records
    assert tr.recording
    qtbot.waitUntil(lambda: tr.position > 0, timeout=3000)
    QTest.keyPress(piano, "y")  # Y: D4
    qtbot.waitUntil(lambda: tr.position > 300, timeout=3000)
    QTest.keyRelease(piano, "y")
    QTest.keyClick(piano, "s")  # S stays the window's Solo shortcut, and plays nothing
    assert doc.track(1).solo
    assert heard == [(62, True), (62, False)]
    QTest.keyClick(window, Qt.Key.Key_R)
    assert [n.pitch for n in doc.track(1).notes] == [62]


def test_autosave_after_an_edit_and_recovery_after_a_crash(window, qtbot):
    from deepcomposer_desktop.library.project import save_project
    from deepcomposer_desktop.music import load_sample
    auto = window.autosave
    assert not auto.save_now()  # nothing changed yet
    window.add_track()
    assert auto.save_now()
    auto.flush()  # written on the autosave thread
    assert auto.autosaver.path.exists()
    assert not auto.save_now()  # nothing new since
    window.files.save(auto.autosaver.path.parent / "mine.dcproj")
    assert not auto.autosaver.path.exists()  # saved by the user: nothing to recover
    # a crashed instance (a pid that cannot exist) left its autosave behind
    crashed = auto.autosaver.folder / "autosave-999999999-1.dcproj"
    save_project(load_sample("ode-to-joy"), crashed, view={"saved_at": 1.0})
    asked = []
    assert auto.offer(lambda found: asked.append(found.title) or True)
    assert asked == ["Ode to Joy"] and window.doc.comp.title == "Ode to Joy"
    assert not crashed.exists()
    assert window.doc.is_modified and auto.autosaver.path.exists()


def test_count_in_holds_the_playhead_then_records_from_the_start(window, qtbot):
    doc, tr = window.doc, window.transport
    window.transport_bar.tempo.setValue(300.0)  # a 4-beat count-in lasts 0.8 s
    tr.set_switch("count_in", True)
    window.add_track()
    counting = []
    tr.position_changed.connect(lambda t: counting.append(t))
    QTest.keyClick(window, Qt.Key.Key_R)
    qtbot.wait(400)  # inside the count-in
    assert tr.recording and max(counting, default=0) == 0
    qtbot.waitUntil(lambda: tr.position > 240, timeout=3000)
    window.live.play(64, 90, True)
    qtbot.wait(100)
    window.live.play(64, 0, False)
    QTest.keyClick(window, Qt.Key.Key_R)
    notes = doc.track(1).notes
    assert [n.pitch for n in notes] == [64] and notes[0].start > 0


def test_new_song_starts_empty_and_is_not_undoable_into_the_old(window):
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    doc = window.doc
    assert [t.name for t in doc.comp.tracks] == ["Melody"] and not doc.track(0).notes
    assert doc.undo_stack.count() == 0


def test_shortcuts_toggle_loop_and_metronome(window):
    tr = window.transport
    tr.set_loop(0, window.doc.comp.ticks_per_bar)
    QTest.keyClick(window, Qt.Key.Key_L)
    assert not tr.loop_on
    QTest.keyClick(window, Qt.Key.Key_L)
    assert tr.loop_on
    QTest.keyClick(window, Qt.Key.Key_K)
    assert tr.metronome and window.player.metronome


def test_a_keyboard_unplugged_mid_take_stops_recording_and_keeps_its_notes(window, qtbot):
    import threading

    import mido
    doc, tr = window.doc, window.transport
    tr.set_switch("count_in", False)
    window.add_track()
    count = doc.undo_stack.count()
    QTest.keyClick(window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: tr.position > 0, timeout=3000)
    window.live.hub.handle(mido.Message("note_on", note=67, velocity=90), "USB Keyboard")
    qtbot.wait(50)
    # the device poller notices the unplug on its own thread
    lost = threading.Thread(target=window.live.hub.source_lost, args=("USB Keyboard",))
    lost.start()
    lost.join()
    qtbot.waitUntil(lambda: not tr.recording, timeout=3000)
    assert not tr.playing
    assert doc.undo_stack.count() == count + 1
    assert [n.pitch for n in doc.track(1).notes] == [67]  # the held note, closed at the unplug
    assert "unplugged: USB Keyboard" in window.statusBar().currentMessage()


def test_playback_goes_to_the_virtual_midi_port_when_asked(window, qtbot, monkeypatch):
    import sys
    from pathlib import Path

    import mido
    sys.path.insert(0, str(Path(__file__).parents[1] / "midi_input"))
    import midi_memory_backend
    import deepcomposer_desktop.midi_input.backend as backend_module
    midi_memory_backend.reset()
    backend = mido.Backend("midi_memory_backend")
    monkeypatch.setattr(backend_module, "open_backend", lambda *a, **k: backend)
    window.midi_out_action.setChecked(True)
    assert window.settings.get("midi/playback_port")
    [name] = backend.get_input_names()
    got = []
    daw = backend.open_input(name, callback=got.append)
    try:
        QTest.keyClick(window, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: sum(m.type == "note_on" for m in got) >= 2, timeout=5000)
        QTest.keyClick(window, Qt.Key.Key_Space)
        first = sorted(window.doc.track(0).notes)[:2]
        assert [m.note for m in got if m.type == "note_on"][:2] == [n.pitch for n in first]
        assert any(m.type == "program_change" for m in got)
        window.midi_out_action.setChecked(False)
        assert not window.player.sink.outputs and not backend.get_input_names()
        assert sum(m.is_cc(123) for m in got) == 16  # every note released on close
    finally:
        daw.close()
        midi_memory_backend.reset()
