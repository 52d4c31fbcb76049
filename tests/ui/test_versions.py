"""Versions through the real window, with the shipped models: Generate makes a
version instead of stacking tracks, reads the user's melody (never a generated
track), draws a new seed each click; A/B never touches the undo stack; Keep is one
undo step; versions survive a save and a reopen and are recorded in the library,
which File > Library searches, opens, duplicates and trashes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from deepcomposer_desktop.generation.registry import SHIPPED_DIR, Registry
from deepcomposer_desktop.ui.main_window import MainWindow

BACH, MONTEVERDI, ARCNN = "gan-bach-chorales", "gan-monteverdi", "arcnn-bach-chorales"


@pytest.fixture(scope="module")
def shipped():
    registry = Registry([SHIPPED_DIR])
    have = {e.id for e in registry.entries() if e.ok}
    if not {BACH, MONTEVERDI, ARCNN} <= have:
        pytest.skip("the shipped GAN and AR-CNN models are not installed")
    return registry


@pytest.fixture
def window(qtbot, shipped, monkeypatch):
    import deepcomposer_desktop.generation.registry as registry_module
    monkeypatch.setattr(registry_module, "_DEFAULT", shipped)
    win = MainWindow(audio=False, interactive=False)
    qtbot.addWidget(win)
    win.resize(1400, 860)
    win.show()
    qtbot.waitExposed(win)
    win.files.open_path("sample:twinkle")
    yield win
    win.player.stop()


def _generate(win, qtbot, model: str, mode: str = "gan", **values) -> None:
    panel = win.generate_panel
    panel.mode.setCurrentIndex(panel.mode.findData(mode))
    panel.model.setCurrentIndex(panel.model.findData(model))
    for name, value in values.items():
        panel.params.inputs[name].setValue(value)
    failures = []
    win.jobs.failed.connect(lambda _id, msg: failures.append(msg))
    with qtbot.waitSignal(win.jobs.finished, timeout=60000):
        QTest.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    assert failures == []


def _state(doc):
    return doc.undo_stack.count(), doc.undo_stack.index(), doc.is_modified


def test_two_genres_make_two_versions_and_leave_the_song_alone(window, qtbot):
    doc, versions = window.doc, window.versions
    melody = sorted(doc.track(0).notes)
    before = _state(doc)
    _generate(window, qtbot, BACH)
    doc.set_current_track(0)
    _generate(window, qtbot, MONTEVERDI)
    v1, v2 = versions.versions
    assert len(doc.comp.tracks) == 1 and sorted(doc.track(0).notes) == melody
    assert _state(doc) == before  # nothing on the undo stack, nothing to save
    assert (v1.input_track, v1.input_name) == (v2.input_track, v2.input_name) == (0, "Melody")
    assert v1.seed != v2.seed  # a new seed each click
    assert (v1.model_id, v2.model_id) == (BACH, MONTEVERDI)
    assert v2.params == {"key_lock": True, "candidates": 16}  # the card's values, not "model's"
    assert v2.seconds > 0 and v2.summary.startswith("+3 tracks, ")
    # v2 is shown: the melody with its three parts, drawn over the song and played
    assert versions.shown == 2
    assert [t.name for t in window.editor.roll.overlay] == ["Alto", "Tenore", "Basso continuo"]
    assert [t.name for t in window.player._comp.tracks] == ["Melody", "Alto", "Tenore",
                                                             "Basso continuo"]
    assert window.versions_panel.list.count() == 3  # the song, v1, v2
    assert window.generate_panel.status.text().startswith("v2: +3 tracks, ")


def test_regenerating_after_keep_reads_the_melody_and_never_stacks(window, qtbot):
    doc, panel, versions = window.doc, window.generate_panel, window.versions
    melody = sorted(doc.track(0).notes)
    _generate(window, qtbot, BACH)
    count = doc.undo_stack.count()
    QTest.mouseClick(window.versions_panel.keep_button, Qt.MouseButton.LeftButton)
    assert doc.undo_stack.count() == count + 1  # Keep is one undo step
    assert [t.name for t in doc.comp.tracks] == ["Melody", "Alto", "Tenor", "Bass (organ)"]
    doc.set_current_track(1)  # the Alto is selected, as after the old Generate
    assert panel.input_track() == 0 and panel.input.currentText() == "1 Melody"
    assert panel.input.itemText(1) == "2 Alto (generated)"
    _generate(window, qtbot, MONTEVERDI)
    assert versions.versions[-1].input_name == "Melody"  # never the Alto
    assert len(window.player._comp.tracks) == 4  # shown in place of v1's parts, not beside them
    assert window.editor.roll.hidden == {1, 2, 3}
    count = doc.undo_stack.count()
    assert versions.keep()
    assert doc.undo_stack.count() == count + 1
    assert [t.name for t in doc.comp.tracks] == ["Melody", "Alto", "Tenore", "Basso continuo"]
    assert sorted(doc.track(0).notes) == melody
    doc.undo_stack.undo()
    assert [t.name for t in doc.comp.tracks] == ["Melody", "Alto", "Tenor", "Bass (organ)"]
    doc.undo_stack.undo()
    assert len(doc.comp.tracks) == 1
    # an explicit choice is respected, even a generated track
    doc.undo_stack.redo()
    panel.set_input_track(2)
    _generate(window, qtbot, MONTEVERDI)
    assert versions.versions[-1].input_name == "Tenor"


def test_ab_and_showing_versions_leave_the_undo_stack_as_it_was(window, qtbot):
    doc, versions, vp = window.doc, window.versions, window.versions_panel
    _generate(window, qtbot, BACH)
    _generate(window, qtbot, MONTEVERDI)
    before = _state(doc)
    vp.click(1)  # a click shows and plays it
    assert versions.shown == 1 and window.player.playing
    assert [t.name for t in window.editor.roll.overlay] == ["Alto", "Tenor", "Bass (organ)"]
    assert vp.ab_button.text() == "A/B: v1 \u21c4 v2"
    for expected in (2, 1, 2, 1):
        QTest.mouseClick(vp.ab_button, Qt.MouseButton.LeftButton)
        assert versions.shown == expected
    vp.click(0)  # the song itself
    assert window.player._comp is doc.comp and window.editor.roll.overlay == []
    QTest.mouseClick(vp.ab_button, Qt.MouseButton.LeftButton)  # back to v1
    assert versions.shown == 1
    assert _state(doc) == before and len(doc.comp.tracks) == 1
    window.player.stop()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(doc.comp.tracks) == 1 and _state(doc) == before  # nothing to undo


def test_versions_survive_save_and_reopen(window, qtbot, tmp_path):
    doc, versions = window.doc, window.versions
    _generate(window, qtbot, BACH)
    _generate(window, qtbot, MONTEVERDI)
    versions.keep(1)
    saved = [v.to_dict() for v in versions.versions]
    song = [(t.name, sorted(t.notes)) for t in doc.comp.tracks]
    assert window.files.save(tmp_path / "twinkle.dcproj")
    window.files.open_path("sample:mary")
    assert versions.versions == [] and window.versions_panel.list.count() == 1
    assert window.files.open_path(str(tmp_path / "twinkle.dcproj"))
    assert [v.to_dict() for v in versions.versions] == saved
    assert [(t.name, sorted(t.notes)) for t in doc.comp.tracks] == song
    assert versions.in_song() == {1}  # v1's tracks are known as generated again
    assert window.generate_panel.input.itemText(1) == "2 Alto (generated)"
    assert "\u2713 in the song" in window.versions_panel.list.item(1).text()
    vp = window.versions_panel
    vp.click(2)
    assert len(window.player._comp.tracks) == 4 and window.editor.roll.hidden == {1, 2, 3}
    window.player.stop()


def test_an_unchanged_take_is_reported_and_not_added(window, qtbot):
    doc = window.doc
    _generate(window, qtbot, ARCNN, mode="arcnn", iterations=0)
    status = window.generate_panel.status.text()
    assert status.startswith("No change: try a higher creative risk") and "nothing was added" in status
    assert window.versions.versions == [] and len(doc.comp.tracks) == 1
    assert window.player._comp is doc.comp  # nothing doubles the melody
    generations = window.library_link.library.generations()
    assert [g["summary"] for g in generations] == ["no change: try a higher creative risk"]


def test_a_generation_brings_its_result_into_view(window, qtbot, shipped):
    if not shipped.models("transformer"):
        pytest.skip("no shipped Transformer model")
    editor, doc = window.editor, window.doc
    editor.view.zoom_x(4.0)  # zoomed in on the first bars: the song's end is off screen
    song_end = doc.comp.end
    assert editor.view.x(song_end) > editor.roll.width()
    _generate(window, qtbot, shipped.models("transformer")[0].id, mode="transformer",
              extend_seconds=6.0, input_seconds=4.0)
    changed = window.versions.changed_notes()
    assert changed and max(n.end for n in changed) > song_end  # a continuation
    view = editor.view
    assert 0 <= view.x(min(n.start for n in changed))
    assert view.x(max(n.end for n in changed)) <= editor.roll.width()
    assert len(doc.comp.tracks) == 1 and editor.content_end() > song_end


def test_the_library_records_songs_and_generations_and_finds_them(window, qtbot, tmp_path,
                                                                   artifacts):
    _generate(window, qtbot, BACH)
    window.files.open_path("sample:mary")
    _generate(window, qtbot, MONTEVERDI)
    window.files.save(tmp_path / "mary.dcproj")
    link = window.library_link
    rows = link.library.compositions()
    assert [r["title"] for r in rows] == ["Mary Had a Little Lamb", "Twinkle, Twinkle, Little Star"]
    assert rows[0]["source"] == str((tmp_path / "mary.dcproj").resolve())
    assert [r["generations"] for r in rows] == [1, 1]

    window.library_action.trigger()  # File > Library
    dialog = window.library_dialog
    qtbot.waitExposed(dialog)
    assert dialog.table.rowCount() == 2
    QTest.keyClicks(dialog.search, "monteverdi")
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 0).text().startswith("Mary")
    dialog.search.clear()
    dialog.select(rows[1]["id"])
    copy = dialog.duplicate_selected()
    assert dialog.table.rowCount() == 3 and dialog.selected() == copy
    dialog.grab().save(str(artifacts / "library_dialog.png"))
    dialog.delete_button.click()  # the copy goes to the trash
    assert dialog.table.rowCount() == 2 and copy not in dialog.ids()
    dialog.trash.setChecked(True)
    assert dialog.ids() == [copy]
    dialog.trash.setChecked(False)
    dialog.select(rows[1]["id"])  # Twinkle, with its version
    assert dialog.open_selected()
    assert window.doc.comp.title == "Twinkle, Twinkle, Little Star"
    assert [v.model_id for v in window.versions.versions] == [BACH]
    _generate(window, qtbot, MONTEVERDI)  # recorded on the same song, not a new one
    assert [r["generations"] for r in link.library.compositions()
            if r["title"].startswith("Twinkle")] == [2]


def test_models_and_values_are_described_in_plain_words(window, shipped):
    from deepcomposer_desktop.generation.cards import plain_description
    from deepcomposer_desktop.library.versions import Version
    from deepcomposer_desktop.music.gm import program_name
    from deepcomposer_desktop.ui.versions import values_text
    for entry in shipped.entries():
        text = plain_description(entry.card)
        for statistic in ("nats", " vs ", "baseline", "pitch classes", "0.", "candidate"):
            assert statistic not in text, (entry.id, statistic)
        assert "Learnt from" in text
        for track in entry.card.tracks[1:] if entry.card.mode == "gan" else ():
            assert f"{track.program + 1} {program_name(track.program)}" in text  # as listed
    assert "Alto (53 Choir Aahs)" in plain_description(shipped.get(BACH).card)
    panel = window.generate_panel
    panel.model.setCurrentIndex(panel.model.findData(MONTEVERDI))
    assert panel.params.inputs["candidates"].value() == 16
    assert "Default for this model: 16." in panel.params.inputs["candidates"].toolTip()
    assert "nats" not in panel.card.text() and not panel.details.isVisibleTo(panel)
    words = values_text(Version(1, "transformer", "t", "", "", 3,
                                {"threshold": None, "temperature": 1.0, "extend_seconds": 20.0},
                                0, "Melody", 0, 0, "", "take"))
    assert words == "Extend by 20 s, Creative risk 1, Threshold auto (k 40 or p 0.9)"
