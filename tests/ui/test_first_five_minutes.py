"""Issue 15: a musician's first five minutes, through the real window.

A new song in 3/4 at 90 bpm, one bar of count-in, the click on, and 8 bars played
from Musical Typing, a USB keyboard (an in-memory MIDI port) and the on-screen
piano: each gives the same notes at the expected ticks, recorded past the end of
the (empty) song. The clock is the player's sink clock, set by hand, so every
tick is exact. Then cycle recording round a loop keeps each pass as a take.
"""

from __future__ import annotations

import sys
from pathlib import Path

import mido
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from deepcomposer_desktop.audio.events import METRONOME_CHANNEL, NOTE_ON
from deepcomposer_desktop.music.composition import Note

PPQ = 480
BEATS = 24  # 8 bars of 3/4
MELODY_KEYS = "tyuiop[]"  # C D E F G A B C on Musical Typing
MELODY = [60, 62, 64, 65, 67, 69, 71, 72]


class HandClock:
    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def window(blank_window):
    return blank_window  # a new, empty song


def settle(ms: int = 0) -> None:
    """Let the player's timer pump at the clock's new time."""
    QApplication.processEvents()
    if ms:
        QTest.qWait(ms)


def new_song_in_three_four_at_90(window, qtbot, clock) -> list:
    """Ctrl+N, 3/4 and 90 bpm on the toolbar, count-in and click on; the clock by hand.
    Returns the log of events the player schedules."""
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    doc, bar = window.doc, window.transport_bar
    assert not any(t.notes for t in doc.comp.tracks) and window.empty_hint.isVisible()
    bar.meter.setCurrentText("3/4")
    bar.meter.activated.emit(bar.meter.currentIndex())
    bar.tempo.setValue(90.0)
    assert doc.comp.time_signature == (3, 4) and round(doc.comp.bpm) == 90
    bar.actions_by_name["count_in"].setChecked(True)
    window.piano.setFocus()
    qtbot.waitUntil(window.piano.hasFocus, timeout=2000)
    QTest.keyClick(window.piano, "k")  # K: the click, even with the piano focused
    assert window.transport.metronome and window.player.metronome
    window.player.sink.clock = clock
    log = []
    schedule = window.player.sink.schedule
    window.player.sink.schedule = lambda at, event: (log.append((at, event)), schedule(at, event))
    return log


def play_melody(clock, music_start, beat, down, up) -> None:
    """A note on every beat for 8 bars, each held half a beat; the clock moves first."""
    for b in range(BEATS):
        clock.t = music_start + b * beat
        settle()
        down(b)
        clock.t = music_start + (b + 0.5) * beat
        settle()
        up(b)


def expected_notes(velocity=None) -> list[Note]:
    return [Note(b * PPQ, MELODY[b % 8], PPQ // 2, velocity) for b in range(BEATS)]


def record_journey(window, qtbot, clock, log, down, up) -> tuple[list[Note], float]:
    doc, tr = window.doc, window.transport
    steps = doc.undo_stack.count()
    QTest.keyClick(window.piano, "r")  # R records, even with the piano focused
    assert tr.recording and tr.playing
    beat = doc.comp.tempos[0].usec_per_beat / 1e6
    music_start = window.player.music_start
    assert music_start == pytest.approx(clock.t + window.player.start_delay + 3 * beat)
    clock.t = music_start - 0.1  # in the count-in: the playhead waits at the start
    settle()
    assert tr.position == 0 and tr.recording
    play_melody(clock, music_start, beat, down, up)
    clock.t = music_start + (BEATS + 0.5) * beat  # past the end of the song: still recording
    settle(20)
    assert tr.recording and tr.position > BEATS * PPQ
    QTest.keyClick(window.piano, "r")
    assert not tr.recording and not tr.playing
    assert doc.undo_stack.count() == steps + 1
    assert doc.undo_stack.undoText() == f"Record {BEATS} notes"
    assert doc.comp.end == (BEATS - 1) * PPQ + PPQ // 2  # the song grew to the 8 bars
    clicks = sorted(at for at, e in log if e.channel == METRONOME_CHANNEL and e.kind == NOTE_ON)
    assert clicks[:3] == pytest.approx([music_start - (3 - i) * beat for i in range(3)])  # count-in
    assert clicks[3:3 + BEATS] == pytest.approx([music_start + b * beat for b in range(BEATS)])
    return sorted(doc.track(0).notes), music_start


def test_musical_typing_records_eight_bars_at_the_expected_ticks(window, qtbot):
    clock = HandClock()
    log = new_song_in_three_four_at_90(window, qtbot, clock)
    piano = window.piano
    QTest.keyClick(piano, "v")  # louder: 100 -> 120, and the window says so
    assert "velocity 120" in window.typing_label.text()
    assert "C4" in window.typing_label.text()
    notes, _ = record_journey(window, qtbot, clock, log,
                              lambda b: QTest.keyPress(piano, MELODY_KEYS[b % 8]),
                              lambda b: QTest.keyRelease(piano, MELODY_KEYS[b % 8]))
    assert notes == expected_notes(120)
    assert not window.empty_hint.isVisible()


def test_a_usb_keyboard_records_the_same_eight_bars(window, qtbot, monkeypatch):
    sys.path.insert(0, str(Path(__file__).parents[1] / "midi_input"))
    import midi_memory_backend

    import deepcomposer_desktop.midi_input.backend as backend_module
    midi_memory_backend.reset()
    backend = mido.Backend("midi_memory_backend")
    monkeypatch.setattr(backend_module, "open_backend", lambda *a, **k: backend)
    keyboard = backend.open_output("Keyboard", client_name="Test Keyboard")
    try:
        window.live.start_devices()
        qtbot.waitUntil(lambda: window.live.devices is not None
                        and window.live.devices.open_names == ["Test Keyboard:Keyboard"], timeout=5000)
        qtbot.waitUntil(lambda: "Test Keyboard" in window.midi_label.text(), timeout=5000)
        clock = HandClock()
        log = new_song_in_three_four_at_90(window, qtbot, clock)
        notes, _ = record_journey(
            window, qtbot, clock, log,
            lambda b: keyboard.send(mido.Message("note_on", note=MELODY[b % 8], velocity=77)),
            lambda b: keyboard.send(mido.Message("note_off", note=MELODY[b % 8])))
        assert notes == expected_notes(77)
    finally:
        window.live.close()
        keyboard.close()
        midi_memory_backend.reset()


def test_the_on_screen_piano_records_the_same_eight_bars(window, qtbot):
    clock = HandClock()
    log = new_song_in_three_four_at_90(window, qtbot, clock)
    piano = window.piano

    def where(b):
        return piano.key_rect(MELODY[b % 8]).center().toPoint()

    notes, _ = record_journey(
        window, qtbot, clock, log,
        lambda b: QTest.mousePress(piano, Qt.MouseButton.LeftButton, pos=where(b)),
        lambda b: QTest.mouseRelease(piano, Qt.MouseButton.LeftButton, pos=where(b)))
    velocity = notes[0].velocity  # set by where the key is hit: the same spot each time
    assert notes == expected_notes(velocity)


def test_recording_a_new_empty_song_without_count_in_goes_on_until_stopped(window, qtbot):
    """The issue's first failure: Ctrl+N, R, play: "Recorded 0 notes" at once."""
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    window.transport.set_switch("count_in", False)
    QTest.keyClick(window, Qt.Key.Key_R)
    qtbot.wait(300)
    assert window.transport.recording
    window.live.play(60, 90, True)
    qtbot.wait(50)
    window.live.play(60, 0, False)
    QTest.keyClick(window, Qt.Key.Key_R)
    assert [n.pitch for n in window.doc.track(0).notes] == [60]
    assert window.statusBar().currentMessage() == "Recorded 1 note"


def test_cycle_recording_keeps_each_pass_as_a_take_to_choose_from(window, qtbot):
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    doc, tr = window.doc, window.transport
    window.transport_bar.tempo.setValue(120.0)  # a 4/4 bar: 2 s
    tr.set_switch("count_in", False)
    tr.set_loop(0, 4 * PPQ)  # as a drag on the ruler does
    clock = HandClock()
    window.player.sink.clock = clock
    QTest.keyClick(window, Qt.Key.Key_R)
    music_start = window.player.music_start
    passes = {1: [60, 64], 2: [62, 65, 69], 3: [67]}
    for number, pitches in passes.items():
        for k, pitch in enumerate(pitches):
            clock.t = music_start + (number - 1) * 2.0 + k * 0.5
            settle()
            window.live.play(pitch, 90, True)
            clock.t += 0.25
            settle()
            window.live.play(pitch, 0, False)
        if number == 2:
            assert [n.pitch for n in window.recorder.notes_so_far()] == [62, 65, 69]  # this pass
    clock.t = music_start + 3 * 2.0 + 1.0  # half-way round a fourth pass, played silent
    settle(20)
    assert tr.recording and tr.position < 4 * PPQ  # the playhead went round the loop
    steps = doc.undo_stack.count()
    QTest.keyClick(window, Qt.Key.Key_R)
    assert doc.undo_stack.count() == steps + 1
    assert "3 takes" in window.statusBar().currentMessage()

    def pitches():
        return [n.pitch for n in sorted(doc.track(0).notes)]

    assert pitches() == [67]  # the last pass is in the track
    assert [n.start for n in sorted(doc.track(0).notes)] == [0]
    window.takes_menu.aboutToShow.emit()
    actions = [a for a in window.takes_menu.actions() if a.objectName().startswith("action_take_")]
    assert [a.text() for a in actions] == ["Take 1 (2 notes)", "Take 2 (3 notes)", "Take 3 (1 note)"]
    assert [a.isChecked() for a in actions] == [False, False, True]
    actions[0].trigger()  # choose take 1: one undo step
    assert pitches() == [60, 64]
    assert [n.start for n in sorted(doc.track(0).notes)] == [0, PPQ]
    assert doc.undo_stack.count() == steps + 2 and doc.undo_stack.undoText() == "Choose take 1"
    window.takes_menu.aboutToShow.emit()
    checked = [a.text() for a in window.takes_menu.actions() if a.isChecked()]
    assert checked == ["Take 1 (2 notes)"]
    doc.undo_stack.undo()
    assert pitches() == [67]
    assert window.recorder.chosen_take(0) == 3  # read from the notes: undo keeps it in step
    window.choose_take(2)
    assert pitches() == [62, 65, 69]
