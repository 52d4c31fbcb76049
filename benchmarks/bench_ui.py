"""Piano-roll redraw with 20 000 notes (goal: a frame in under 16.7 ms, 60 fps).

Paints the roll into an offscreen QImage the size of a large window's roll
(1600 x 800 px) through the same code its paintEvent runs, for a typical view
(16 bars), the whole song zoomed out (every note on screen), and a drag preview.
Peers, measured in the same run: the same frame of an empty song (the grid, rulers
and background alone), the plain 16-bar frame for the drag and the edit, and for
the Generate click the engine's generate() alone (no panel, worker or repaint).
"""

from __future__ import annotations

import os
import random

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF  # noqa: E402
from PySide6.QtGui import QImage, QPainter  # noqa: E402

from benchmarks import summary, timeit  # noqa: E402
from deepcomposer_desktop.music.composition import Composition, Note  # noqa: E402

W, H = 1600, 800
NOTES = 20_000


def song(n_notes: int = NOTES, tracks: int = 4, seed: int = 0) -> Composition:
    """Four tracks of 16th-to-half notes, about 8 notes per bar per track (625 bars)."""
    rng = random.Random(seed)
    comp = Composition()
    for t in range(tracks):
        tick, notes = 0, []
        for _ in range(n_notes // tracks):
            duration = rng.choice((120, 240, 240, 480, 960))
            notes.append(Note(tick, rng.randrange(36 + 12 * t, 60 + 12 * t), duration,
                              rng.randrange(40, 127)))
            tick += rng.choice((0, 120, 240, 240, 480))
        comp.add_track(f"Track {t + 1}", notes=notes)
    return comp


def main(args=None) -> list[dict]:
    from deepcomposer_desktop.ui.app import create_app
    from deepcomposer_desktop.ui.document import Document
    from deepcomposer_desktop.ui.roll_editor import RollEditor
    from deepcomposer_desktop.ui.transport_state import TransportState

    create_app()
    doc = Document(song())
    editor = RollEditor(doc, TransportState())
    roll = editor.roll
    roll.resize(W, H)
    image = QImage(W, H, QImage.Format.Format_ARGB32_Premultiplied)
    rect = QRectF(0, 0, W, H)

    def frame():
        p = QPainter(image)
        roll.paint(p, rect)
        p.end()

    blank = RollEditor(Document(Composition()), TransportState())
    blank.roll.resize(W, H)

    def empty_frame():  # the same view of a song without notes
        blank.view.px_per_tick, blank.view.key_h = editor.view.px_per_tick, editor.view.key_h
        blank.view.scroll_x, blank.view.scroll_y = editor.view.scroll_x, editor.view.scroll_y
        p = QPainter(image)
        blank.roll.paint(p, rect)
        p.end()

    rows = []
    plain = "roll frame, 16 bars, 20 000-note song"
    empty16 = "roll frame, 16 bars, an empty song (grid and background only)"
    empty_all = "roll frame, whole-song zoom, an empty song (grid and background only)"
    editor.view.zoom_x(W / (16 * doc.comp.ticks_per_bar) / editor.view.px_per_tick)
    editor.view.set_scroll(x=editor.view.x(100 * doc.comp.ticks_per_bar) + editor.view.scroll_x,
                           y=40 * editor.view.key_h, view_h=H)
    visible = sum(len(roll.index(i).in_range(editor.view.tick(0), editor.view.tick(W)))
                  for i in range(len(doc.comp.tracks)))
    times = timeit(frame, repeat=50)
    rows.append(summary(plain, times, visible_notes=visible, peer=empty16,
                        fps=round(1 / sorted(times)[len(times) // 2], 1)))
    rows.append(summary(empty16, timeit(empty_frame, repeat=50), peer_only=True))

    roll.select_all()
    anchor = next(iter(roll.selection))
    roll._drag = {"mode": "move", "origin": None, "anchor": anchor, "dt": 480, "dp": 2, "dd": 0}
    selected = len(roll.selection)
    times = timeit(frame, repeat=30)
    roll._drag = None
    roll.clear_selection()
    rows.append(summary("roll frame, 16 bars, dragging a 5 000-note selection", times, peer=plain,
                        selected=selected, fps=round(1 / sorted(times)[len(times) // 2], 1)))

    editor.view.px_per_tick = W / doc.comp.end
    editor.view.set_scroll(x=0, y=0, view_h=H)
    editor.view.key_h = H / 128
    times = timeit(frame, repeat=20)
    rows.append(summary("roll frame, whole song (all 20 000 notes on screen)", times, peer=empty_all,
                        fps=round(1 / sorted(times)[len(times) // 2], 1)))
    rows.append(summary(empty_all, timeit(empty_frame, repeat=20), peer_only=True))

    def edit_and_frame():
        # an edit invalidates the track's index: the next frame rebuilds it
        doc._apply_notes(0, doc.track(0).notes)
        frame()
    editor.view.zoom_x(W / (16 * doc.comp.ticks_per_bar) / editor.view.px_per_tick)
    times = timeit(edit_and_frame, repeat=20)
    rows.append(summary("edit + frame, 16 bars (re-index a 5 000-note track)", times, peer=plain,
                        fps=round(1 / sorted(times)[len(times) // 2], 1)))

    from deepcomposer_desktop.ui.commands import ReplaceNotes
    track = sorted(doc.track(1).notes)

    def delete_and_undo():
        doc.undo_stack.push(ReplaceNotes(doc, 1, track, [], "Delete"))
        doc.undo_stack.undo()
    times = timeit(delete_and_undo, repeat=10)
    rows.append(summary("delete 5 000 notes of a 20 000-note song, then undo", times))
    rows += bench_generate()
    return rows


def bench_generate() -> list[dict]:
    """Generate-panel click to new tracks on screen (worker round trip included), GAN,
    'twinkle', with the first installed GAN model; nothing when none is installed."""
    from PySide6.QtCore import QEventLoop

    from deepcomposer_desktop.generation.registry import default_registry
    from deepcomposer_desktop.ui.main_window import MainWindow
    models = [e.id for e in default_registry().models("gan")]
    if not models:
        return []
    window = MainWindow(audio=False, interactive=False)
    window.files.open_path("sample:twinkle")
    panel = window.generate_panel
    panel.model.setCurrentIndex(panel.model.findData(models[0]))
    panel.seed.setValue(7)
    panel.seed_lock.setChecked(True)  # the same run each time

    def generate():  # each click makes a version, shown over the song
        loop = QEventLoop()
        window.jobs.finished.connect(loop.quit)
        panel.generate()
        loop.exec()
        window.jobs.finished.disconnect(loop.quit)
    times = timeit(generate, repeat=10, warmup=1)
    window.close()
    from deepcomposer_desktop.generation.modes import Request
    from deepcomposer_desktop.generation.modes import generate as engine
    from deepcomposer_desktop.music import load_sample
    twinkle, reg = load_sample("twinkle"), default_registry()
    alone = timeit(lambda: engine(reg, "gan", twinkle, Request(models[0], seed=7)), repeat=10)
    peer = f"generate() alone, twinkle, {models[0]} (no panel, worker or repaint)"
    return [summary(f"GAN generate from the panel, twinkle, {models[0]}", times, peer=peer),
            summary(peer, alone, peer_only=True)]


if __name__ == "__main__":
    for row in main():
        print(row)
