"""Piano-roll editing with real mouse and key events, and undo/redo of each gesture."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from deepcomposer_desktop.music import Note, load_sample
from deepcomposer_desktop.ui.document import Document
from deepcomposer_desktop.ui.roll_editor import RollEditor
from deepcomposer_desktop.ui.transport_state import TransportState


@pytest.fixture
def editor(qtbot):
    doc = Document()
    editor = RollEditor(doc, TransportState())
    qtbot.addWidget(editor)
    editor.resize(900, 500)
    editor.show()
    qtbot.waitExposed(editor)
    doc.load(load_sample("twinkle"))
    return editor


def point(editor, tick, pitch, dx=0.0):
    view = editor.view
    return QPoint(round(view.x(tick) + dx), round(view.y(pitch) + view.key_h / 2))


def test_click_selects_and_delete_removes_then_undo_restores(editor):
    doc, roll = editor.doc, editor.roll
    first = doc.track(0).notes[0]
    QTest.mouseClick(roll, Qt.MouseButton.LeftButton, pos=point(editor, first.start, first.pitch, 4))
    assert roll.selection == {first}
    QTest.keyClick(roll, Qt.Key.Key_Delete)
    assert first not in doc.track(0).notes
    doc.undo_stack.undo()
    assert first in doc.track(0).notes
    doc.undo_stack.redo()
    assert first not in doc.track(0).notes


def test_drag_moves_selection_as_one_undo_step(editor):
    doc, roll, view = editor.doc, editor.roll, editor.view
    QTest.keyClick(roll, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    before = sorted(doc.track(0).notes)
    assert roll.selection == set(before)
    note = before[0]
    start = point(editor, note.start, note.pitch, 3)
    end = QPoint(round(start.x() + doc.comp.ppq * view.px_per_tick), round(start.y() - 2 * view.key_h))
    count = doc.undo_stack.count()
    QTest.mousePress(roll, Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(roll, QPoint(start.x() + 5, start.y()))
    QTest.mouseMove(roll, end)
    QTest.mouseRelease(roll, Qt.MouseButton.LeftButton, pos=end)
    assert doc.undo_stack.count() == count + 1
    after = sorted(doc.track(0).notes)
    assert after == sorted(n.moved(start=n.start + doc.comp.ppq, pitch=n.pitch + 2) for n in before)
    doc.undo_stack.undo()
    assert sorted(doc.track(0).notes) == before


def test_draw_tool_draws_a_snapped_note(editor):
    doc, roll = editor.doc, editor.roll
    editor.findChild(type(editor.tools.buttons()[0]), "tool_draw").click()
    tick = doc.track(0).end + doc.comp.ppq * 2 + 37  # past the melody, off the grid
    QTest.mouseClick(roll, Qt.MouseButton.LeftButton, pos=point(editor, tick, 60, 0))
    drawn = [n for n in doc.track(0).notes if n.start >= doc.track(0).end - doc.comp.ppq]
    step = doc.comp.ppq // 4
    assert any(n.pitch == 60 and n.start % step == 0 and n.duration == step for n in drawn)


def test_transpose_keys_and_duplicate(editor):
    doc, roll = editor.doc, editor.roll
    roll.setFocus()
    QTest.keyClick(roll, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    before = sorted(doc.track(0).notes)
    QTest.keyClick(roll, Qt.Key.Key_Up)
    QTest.keyClick(roll, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert sorted(doc.track(0).notes) == [n.moved(pitch=n.pitch + 13) for n in before]
    QTest.keyClick(roll, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(doc.track(0).notes) == 2 * len(before)
    for _ in range(3):
        doc.undo_stack.undo()
    assert sorted(doc.track(0).notes) == before


def test_rubber_band_selects_notes_inside(editor):
    doc, roll = editor.doc, editor.roll
    notes = sorted(doc.track(0).notes)[:2]
    top_left = QPoint(round(editor.view.x(0)) + 1, round(editor.view.y(max(n.pitch for n in notes))) - 2)
    bottom = point(editor, notes[1].start, min(n.pitch for n in notes), 2)
    QTest.mousePress(roll, Qt.MouseButton.LeftButton, pos=QPoint(top_left.x(), 2))
    QTest.mouseMove(roll, QPoint(bottom.x(), bottom.y() + 4))
    QTest.mouseRelease(roll, Qt.MouseButton.LeftButton, pos=QPoint(bottom.x(), bottom.y() + 4))
    assert set(notes) <= roll.selection


def test_resize_by_dragging_right_edge(editor):
    doc, roll, view = editor.doc, editor.roll, editor.view
    view.zoom_x(2.0)
    note = sorted(doc.track(0).notes)[0]
    edge = point(editor, note.end, note.pitch, -2)
    target = QPoint(round(edge.x() + doc.comp.ppq * view.px_per_tick), edge.y())
    QTest.mousePress(roll, Qt.MouseButton.LeftButton, pos=edge)
    QTest.mouseMove(roll, target)
    QTest.mouseRelease(roll, Qt.MouseButton.LeftButton, pos=target)
    assert note.moved(duration=note.duration + doc.comp.ppq) in doc.track(0).notes


def test_velocity_lane_drag_changes_velocity(editor):
    doc, lane = editor.doc, editor.velocity
    note = sorted(doc.track(0).notes)[0]
    x = round(editor.view.x(note.start))
    QTest.mousePress(lane, Qt.MouseButton.LeftButton, pos=QPoint(x, lane.height() - 10))
    QTest.mouseRelease(lane, Qt.MouseButton.LeftButton, pos=QPoint(x, 2))
    changed = [n for n in doc.track(0).notes if n.start == note.start and n.pitch == note.pitch]
    assert changed and changed[0].velocity > 110


def test_screenshot(editor, artifacts):
    doc = editor.doc
    doc.track(0)  # the sample's melody plus a second track in another colour
    from deepcomposer_desktop.ui.commands import InsertTracks
    from deepcomposer_desktop.music import Track
    bass = Track("Bass", 33, 1, notes=[Note(n.start, n.pitch - 24, n.duration, 80)
                                        for n in doc.track(0).notes[::2]])
    doc.undo_stack.push(InsertTracks(doc, [bass]))
    doc.set_current_track(0)
    editor.roll.select_all()
    editor.fit()
    assert editor.grab().save(str(artifacts / "piano_roll.png"))


def test_many_notes_are_drawn_as_a_raster_where_the_notes_are(qtbot, artifacts):
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter

    from deepcomposer_desktop.music import Composition
    from deepcomposer_desktop.ui import roll_painter as rp

    comp = Composition()
    # 2 000 sixteenth notes on C4 and G4, alternating, far more than RASTER_ABOVE
    comp.add_track("Dense", notes=[Note(i * 120, 60 if i % 2 else 67, 120) for i in range(2000)])
    doc = Document(comp)
    editor = RollEditor(doc, TransportState())
    qtbot.addWidget(editor)
    editor.resize(1000, 600)
    editor.show()
    qtbot.waitExposed(editor)
    editor.fit()
    roll, view = editor.roll, editor.view
    assert rp.many_in_view(roll.index(0), view, QRectF(roll.rect()))
    image = QImage(roll.size(), QImage.Format.Format_ARGB32_Premultiplied)
    p = QPainter(image)
    roll.paint(p, QRectF(roll.rect()))
    p.end()
    color = QColor(doc.track_color(0))
    x = round(view.x(1000 * 120 + 60))
    for pitch, expected in ((60, True), (67, True), (64, False)):
        pixel = image.pixelColor(x, round(view.y(pitch) + view.key_h / 2))
        assert (pixel == color) is expected, (pitch, pixel.name())
    image.save(str(artifacts / "piano_roll_raster.png"))


def test_quantize_key_snaps_the_selection_to_the_grid(editor):
    from deepcomposer_desktop.music import Note as N
    doc, roll = editor.doc, editor.roll
    off_grid = N(doc.comp.ppq * 40 + 37, 72, 200, 90)
    roll._replace([], [off_grid], "Draw")
    roll.setFocus()
    editor.set_snap("1/8")
    QTest.keyClick(roll, Qt.Key.Key_Q)
    eighth = doc.comp.ppq // 2
    snapped = [n for n in doc.track(0).notes if n.pitch == 72]
    assert snapped == [N(doc.comp.ppq * 40, 72, eighth, 90)]
    doc.undo_stack.undo()
    assert off_grid in doc.track(0).notes
