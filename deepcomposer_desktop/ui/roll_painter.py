"""Painting the piano roll: only what lies inside the exposed rectangle.

Kept apart from the widget's mouse handling so the benchmark can time exactly
what a frame costs (benchmarks/bench_ui.py).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from ..music.composition import Composition, Note
from .roll_geometry import NoteIndex, Viewport

BLACK_KEYS = {1, 3, 6, 8, 10}
BG_WHITE = QColor("#2b2d31")
BG_BLACK = QColor("#232428")
OUT_OF_KEY = QColor(0, 0, 0, 40)
BAR_PEN = QPen(QColor("#5c5f66"), 1)
BEAT_PEN = QPen(QColor("#3d4046"), 1)
STEP_PEN = QPen(QColor("#303237"), 1)
OCTAVE_PEN = QPen(QColor("#44474d"), 1)
LOOP_FILL = QColor(90, 160, 255, 28)
LOOP_PEN = QPen(QColor(90, 160, 255, 160), 1)
PLAYHEAD_PEN = QPen(QColor("#ff5252"), 2)
SELECTED_PEN = QPen(QColor("#ffffff"), 2)
NOTE_PEN = QPen(QColor(0, 0, 0, 160), 1)
# Above this many notes in view, a track is drawn as one raster image built with
# numpy instead of one rectangle per note (20 000 rectangles cost ~30 ms a frame).
RASTER_ABOVE = 1500


def visible_pitches(view: Viewport, rect: QRectF) -> tuple[int, int]:
    return view.pitch(rect.bottom()), view.pitch(rect.top())


def paint_background(p: QPainter, view: Viewport, rect: QRectF, comp: Composition,
                     snap: int) -> None:
    low, high = visible_pitches(view, rect)
    scale = comp.key.scale if comp.key else None
    for pitch in range(low, high + 1):
        y = view.y(pitch)
        row = QRectF(rect.left(), y, rect.width(), view.key_h)
        p.fillRect(row, BG_BLACK if pitch % 12 in BLACK_KEYS else BG_WHITE)
        if scale is not None and pitch % 12 not in scale:
            p.fillRect(row, OUT_OF_KEY)
        if pitch % 12 == 0:  # a line under every C
            p.setPen(OCTAVE_PEN)
            p.drawLine(int(rect.left()), int(y + view.key_h), int(rect.right()), int(y + view.key_h))
    # vertical grid: bars, beats, and snap steps where they are far enough apart
    t0, t1 = view.tick(rect.left()), view.tick(rect.right()) + 1
    bar, beat = comp.ticks_per_bar, comp.ticks_per_beat
    for step, pen in ((snap, STEP_PEN), (beat, BEAT_PEN), (bar, BAR_PEN)):
        if step * view.px_per_tick < 6:
            continue
        p.setPen(pen)
        tick = int(t0 // step) * step
        while tick <= t1:
            x = round(view.x(tick))
            p.drawLine(x, int(rect.top()), x, int(rect.bottom()))
            tick += step


def note_rect(view: Viewport, note: Note, dt: int = 0, dp: int = 0, dd: int = 0) -> QRectF:
    x = view.x(note.start + dt)
    w = max(2.0, (note.duration + dd) * view.px_per_tick - 1)
    return QRectF(x, view.y(note.pitch + dp) + 1, w, max(1.0, view.key_h - 2))


def paint_notes(p: QPainter, view: Viewport, rect: QRectF, notes: list[Note], color: QColor,
                *, outline: bool, velocity_shade: bool = False) -> None:
    """Fill the notes in one colour (drawRects in one call: fast)."""
    if not notes:
        return
    p.setPen(NOTE_PEN if outline and view.key_h >= 6 else Qt.PenStyle.NoPen)
    if not velocity_shade:
        p.setBrush(color)
        p.drawRects([note_rect(view, n) for n in notes])
        return
    # the edited track: louder notes are brighter, in 4 bands so calls stay few
    bands: dict[int, list[QRectF]] = {}
    for n in notes:
        bands.setdefault(min(3, n.velocity // 32), []).append(note_rect(view, n))
    for band, rects in bands.items():
        p.setBrush(color.darker(100 + (3 - band) * 22))
        p.drawRects(rects)


def visible_notes(index: NoteIndex, view: Viewport, rect: QRectF) -> list[Note]:
    low, high = visible_pitches(view, rect)
    return index.in_range(view.tick(rect.left()), view.tick(rect.right()) + 1, low, high)


def paint_loop_and_playhead(p: QPainter, view: Viewport, rect: QRectF, loop: tuple[int, int] | None,
                            playhead: int | None) -> None:
    if loop:
        x0, x1 = view.x(loop[0]), view.x(loop[1])
        p.fillRect(QRectF(x0, rect.top(), x1 - x0, rect.height()), LOOP_FILL)
        p.setPen(LOOP_PEN)
        p.drawLine(round(x0), int(rect.top()), round(x0), int(rect.bottom()))
        p.drawLine(round(x1), int(rect.top()), round(x1), int(rect.bottom()))
    if playhead is not None:
        x = round(view.x(playhead))
        if rect.left() - 2 <= x <= rect.right() + 2:
            p.setPen(PLAYHEAD_PEN)
            p.drawLine(x, int(rect.top()), x, int(rect.bottom()))


def paint_notes_raster(p: QPainter, view: Viewport, rect: QRectF, index: NoteIndex,
                       color: QColor) -> None:
    """All notes of a track in view as one image: a row per pitch, a column per pixel.

    Spans are marked with +1/-1 at their ends and summed along each row, so the cost
    is a few numpy passes whatever the number of notes. Rows are then stretched to
    the key height (no smoothing: edges stay sharp)."""
    x_left, width = int(rect.left()), int(rect.width()) + 1
    i0, i1 = index.bounds(view.tick(rect.left()), view.tick(rect.right()) + 1)
    spans = index.arrays[i0:i1]
    if not len(spans) or width <= 0:
        return
    ppt, offset = view.px_per_tick, view.scroll_x + x_left
    x0 = np.floor(spans[:, 0] * ppt - offset).astype(np.int64)
    x1 = np.maximum(x0 + 2, np.floor(spans[:, 1] * ppt - offset).astype(np.int64))  # >= 2 px, as rects
    keep = (x1 > 0) & (x0 < width)
    x0, x1, rows = np.clip(x0[keep], 0, width), np.clip(x1[keep], 0, width), 127 - spans[keep, 2]
    edges = np.zeros((128, width + 1), np.int32)
    np.add.at(edges, (rows, x0), 1)
    np.add.at(edges, (rows, x1), -1)
    on = np.cumsum(edges[:, :width], axis=1) > 0
    pixels = np.zeros((128, width), np.uint32)
    a = color.alpha()
    pixels[on] = (a << 24) | ((color.red() * a // 255) << 16) | ((color.green() * a // 255) << 8) \
        | (color.blue() * a // 255)  # premultiplied ARGB32
    image = QImage(pixels.data, width, 128, width * 4, QImage.Format.Format_ARGB32_Premultiplied)
    p.save()
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    p.drawImage(QRectF(x_left, view.y(127), width, 128 * view.key_h), image)
    p.restore()


def many_in_view(index: NoteIndex, view: Viewport, rect: QRectF) -> bool:
    i0, i1 = index.bounds(view.tick(rect.left()), view.tick(rect.right()) + 1)
    return i1 - i0 > RASTER_ABOVE
