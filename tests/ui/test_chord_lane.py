"""The chord lane through the real window: Twinkle's chords are shown (suggested, then
the song's), every edit from the lane's menu is one undo step, an invalid symbol
changes nothing, the chords survive a project round trip and reach the MIDI file as
markers, and keeping a GAN version gives the song the chords it followed."""

from __future__ import annotations

import mido
import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialogButtonBox

from deepcomposer_desktop.music import read_midi
from deepcomposer_desktop.music.chords import Chord, ChordChange, chord_at, detect_song_chords
from deepcomposer_desktop.ui.chord_lane import normalized, with_region


def bar(win, n: int, beat: int = 1) -> int:
    """The tick of bar n (1-based), beat `beat`."""
    comp = win.doc.comp
    return (n - 1) * comp.ticks_per_bar + (beat - 1) * comp.ticks_per_beat


def trigger(lane, tick: int, name: str) -> None:
    menu = lane.menu_for(tick)
    action = menu.findChild(QAction, name)
    assert action is not None, f"no {name} in {[a.objectName() for a in menu.findChildren(QAction)]}"
    action.trigger()
    menu.deleteLater()


def test_lane_shows_twinkles_chords_and_detect_makes_them_the_songs(window, artifacts):
    doc, lane = window.doc, window.editor.chords
    detected = detect_song_chords(doc.comp, 0, doc.comp.key)
    assert lane.isVisible() and lane.width() == window.editor.roll.width()
    assert lane.suggesting and lane.chords() == detected
    symbols = [c.chord.symbol() for c in detected]
    assert symbols[:3] == ["C", "F", "G"] and symbols[-1] == "C"  # ends on the tonic
    assert "suggested" in lane.toolTip()
    before = doc.undo_stack.count()
    window.findChild(QAction, "action_detect_chords").trigger()  # Edit > Detect Chords
    assert doc.comp.chords == detected and not lane.suggesting
    assert doc.undo_stack.count() == before + 1 and doc.undo_stack.undoText() == "Detect chords"
    assert window.isWindowModified()
    window.editor.fit()
    window.editor.grab().save(str(artifacts / "chord_lane.png"))
    doc.undo_stack.undo()
    assert doc.comp.chords == [] and lane.suggesting and lane.chords() == detected


def test_changing_bar_3_is_one_undo_step_saved_in_the_project_and_exported(window, tmp_path):
    doc, lane = window.doc, window.editor.chords
    detected = lane.chords()
    tick = bar(window, 3) + 10
    old = chord_at(detected, tick)
    assert old == Chord.parse("F")
    before = doc.undo_stack.count()
    trigger(lane, tick, "chord_Am")  # the chord menu's "Am"
    assert doc.undo_stack.count() == before + 1
    assert doc.undo_stack.undoText() == "Chord F \u2192 Am at bar 3"
    am = Chord.parse("Am")
    assert chord_at(doc.comp.chords, tick) == am
    # the other suggestions became the song's, unchanged
    assert [c for c in doc.comp.chords if c.tick != bar(window, 3)] == \
        [c for c in detected if c.tick != bar(window, 3)]
    doc.undo_stack.undo()
    assert doc.comp.chords == [] and lane.chords() == detected
    doc.undo_stack.redo()
    assert chord_at(doc.comp.chords, tick) == am
    chords = list(doc.comp.chords)

    project = tmp_path / "twinkle.dcproj"
    assert window.files.save(project)
    assert window.files.open_path(str(project))
    assert window.doc.comp.chords == chords and not lane.suggesting
    assert chord_at(lane.chords(), tick) == am

    out = window.files.export_midi(tmp_path / "twinkle.mid")
    markers, now = [], 0
    for msg in mido.MidiFile(str(out)).tracks[0]:
        now += msg.time
        if msg.type == "marker":
            markers.append((now, msg.text))
    assert (bar(window, 3), "Am") in markers
    assert read_midi(out).chords == chords


def test_an_invalid_symbol_changes_nothing_and_says_why(window):
    doc, lane = window.doc, window.editor.chords
    lane.detect_all()
    chords, count = list(doc.comp.chords), doc.undo_stack.count()
    tick = bar(window, 3)
    for text, why in (("H7", "note name"), ("Cxyz", "not a chord quality"), ("D/Q", "bass"),
                      ("", "Type a chord symbol")):
        problem = lane.type_symbol(tick, text)
        assert problem is not None and why in problem
        assert window.statusBar().currentMessage() == problem
    assert doc.comp.chords == chords and doc.undo_stack.count() == count

    trigger(lane, tick, "chord_type")  # Type a Symbol…: the dialog (not modal in tests)
    dialog = lane.last_dialog
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.edit.text() == "F" and ok.isEnabled()
    dialog.edit.setText("H7")
    assert not ok.isEnabled() and "note name" in dialog.why.text()
    dialog.edit.setText("D/F#")
    assert ok.isEnabled() and dialog.why.text() == "D/F# = D F# A, F# in the bass"
    dialog.reject()
    assert doc.comp.chords == chords and doc.undo_stack.count() == count

    assert lane.type_symbol(tick, "G7") is None
    assert chord_at(doc.comp.chords, tick) == Chord.parse("G7")
    assert doc.undo_stack.count() == count + 1


def test_insert_remove_and_redetect_a_region(window):
    doc, lane = window.doc, window.editor.chords
    lane.detect_all()
    detected = list(doc.comp.chords)
    count = doc.undo_stack.count()
    beat3 = bar(window, 1, 3)
    menu = lane.menu_for(beat3 + 7)
    assert menu.findChild(QAction, "chord_insert").text() == "Insert a Change at Bar 1, beat 3"
    menu.findChild(QAction, "insert_Am").trigger()
    assert ChordChange(beat3, Chord.parse("Am")) in doc.comp.chords
    assert doc.undo_stack.count() == count + 1
    trigger(lane, beat3 + 7, "chord_remove")
    assert doc.comp.chords == detected and doc.undo_stack.count() == count + 2

    # bars 3-4 and bar 7 changed by hand; re-detect the loop region (bars 3-4) only
    lane.set_chord(bar(window, 3), Chord.parse("Dm"))
    lane.set_chord(bar(window, 4), Chord.parse("Em"))
    lane.set_chord(bar(window, 7), Chord.parse("Bb"))
    window.transport.set_loop(bar(window, 3), bar(window, 5))
    redetect = lane.menu_for(bar(window, 3)).findChild(QAction, "chord_redetect")
    assert redetect.text() == "Re-detect Chords in bars 3\u20134 (loop region)"
    count = doc.undo_stack.count()
    redetect.trigger()
    assert doc.undo_stack.count() == count + 1
    region = (bar(window, 3), bar(window, 5))
    assert [c for c in doc.comp.chords if region[0] <= c.tick < region[1]] == \
        [c for c in detected if region[0] <= c.tick < region[1]]
    assert chord_at(doc.comp.chords, bar(window, 7)) == Chord.parse("Bb")  # kept
    doc.undo_stack.undo()
    assert chord_at(doc.comp.chords, bar(window, 3)) == Chord.parse("Dm")


def test_region_helpers():
    c, f, g, am = (Chord.parse(s) for s in ("C", "F", "G", "Am"))
    assert normalized([ChordChange(0, c), ChordChange(960, c), ChordChange(960, f)]) == \
        [ChordChange(0, c), ChordChange(960, f)]
    song = [ChordChange(0, c), ChordChange(1920, f), ChordChange(5760, g)]
    new = [ChordChange(0, am)]
    # bars 2-3 from `new` (Am sounding there); F, which sounded at bar 4, resumes there
    assert with_region(song, new, 1920, 5760) == [ChordChange(0, c), ChordChange(1920, am),
                                                  ChordChange(5760, g)]
    assert with_region(song, new, 1920, 3840) == [ChordChange(0, c), ChordChange(1920, am),
                                                  ChordChange(3840, f), ChordChange(5760, g)]


def test_view_menu_hides_the_lane_and_remembers(window):
    lane, action = window.editor.chords, window.findChild(QAction, "action_show_chords")
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert action in view_menu.actions() and action.isChecked()
    action.trigger()
    assert not lane.isVisible() and not lane.label.isVisible()
    assert window.settings.get("roll/chords") is False
    action.trigger()
    assert lane.isVisible() and window.settings.get("roll/chords") is True


def test_keeping_a_gan_version_gives_the_song_the_chords_it_followed(window, qtbot):
    from deepcomposer_desktop.generation.modes import Request, generate
    panel, doc, lane = window.generate_panel, window.doc, window.editor.chords
    index = panel.model.findData("gan-bach-chorales")
    if index < 0:
        pytest.skip("gan-bach-chorales is not installed")
    panel.model.setCurrentIndex(index)
    suggested = lane.chords()
    # what the accompaniment follows on a song without a chord track: the lane's suggestions
    result = generate(panel.registry, "gan", doc.comp.copy(), Request("gan-bach-chorales", 0, 1))
    assert result.composition.chords == suggested
    panel.seed.setValue(1)
    with qtbot.waitSignal(window.jobs.finished, timeout=60000):
        panel.generate()
    assert lane.suggesting and lane.chords() == suggested  # shown with the version
    before = doc.undo_stack.count()
    assert window.versions.keep()
    assert doc.undo_stack.count() == before + 1 and len(doc.comp.tracks) == 4
    assert doc.comp.chords == suggested and not lane.suggesting
    doc.undo_stack.undo()  # one step: the tracks and the chords go together
    assert len(doc.comp.tracks) == 1 and doc.comp.chords == []
