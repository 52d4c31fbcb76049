"""Two small painted views of the Train a Genre window, in plain QPainter (the app
ships PySide6-Essentials, which has no QtCharts, and needs no plotting package):

- `LinePlot`: series of (x, y) points that grow as a run reports them, dashed
  reference lines (the real data's values) and a legend; a long series is drawn
  as the mean of each pixel column, so a night's steps cost what a screen's do.
- `MiniRoll`: a composition's notes, one colour per track, with a playhead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..music.composition import Composition

PALETTE = ("#2f7ed8", "#e4572e", "#29a35a", "#a05cc6", "#d4a017", "#17becf")


@dataclass
class Series:
    color: QColor
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)


def nice_ticks(low: float, high: float, most: int = 4) -> list[float]:
    """Round values (1, 2 or 5 times a power of ten apart) between low and high."""
    span = high - low
    if span <= 0 or not math.isfinite(span):
        return [low]
    raw = span / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000 or abs(value) < 0.01:
        return f"{value:.0e}"
    return f"{value:.3g}"


class LinePlot(QWidget):
    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent)
        self.title = title
        self.series: dict[str, Series] = {}
        self.refs: dict[str, tuple[float, QColor]] = {}
        self.setMinimumSize(200, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # --- data ---------------------------------------------------------------------------
    def add_series(self, name: str, color: str | None = None) -> Series:
        if name not in self.series:
            self.series[name] = Series(QColor(color or PALETTE[len(self.series) % len(PALETTE)]))
        return self.series[name]

    def add_point(self, name: str, x: float, y: float | None) -> None:
        """A point; None (nothing to measure) breaks the line there."""
        s = self.add_series(name)
        s.xs.append(float(x))
        s.ys.append(float(y) if y is not None and math.isfinite(y) else math.nan)
        self.update()

    def set_reference(self, name: str, y: float | None, color: str = "#666666") -> None:
        if y is None or not math.isfinite(y):
            self.refs.pop(name, None)
        else:
            self.refs[name] = (float(y), QColor(color))
        self.update()

    def point_count(self, name: str | None = None) -> int:
        """Points with a value (of one series, or of all)."""
        chosen = [self.series[name]] if name in self.series else [] if name else \
            list(self.series.values())
        return sum(1 for s in chosen for y in s.ys if not math.isnan(y))

    def clear(self) -> None:
        for s in self.series.values():
            s.xs.clear()
            s.ys.clear()
        self.refs.clear()
        self.update()

    # --- painting -----------------------------------------------------------------------
    def _ranges(self) -> tuple[float, float, float, float] | None:
        xs = [x for s in self.series.values() for x in s.xs]
        ys = [y for s in self.series.values() for y in s.ys if not math.isnan(y)]
        if not xs or not ys:
            return None
        ys += [y for y, _ in self.refs.values()]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        if x1 == x0:
            x0, x1 = x0 - 0.5, x1 + 0.5
        pad = (y1 - y0) * 0.08 or max(abs(y1) * 0.1, 0.05)
        return x0, x1, y0 - pad, y1 + pad

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        fm = p.fontMetrics()
        text = pal.text().color()
        p.setPen(text)
        entries = [(name, s.color, False) for name, s in self.series.items() if s.ys]
        entries += [(name, color, True) for name, (_y, color) in self.refs.items()]
        legend = sum(fm.horizontalAdvance(name) + 22 for name, _c, _d in entries)
        title = fm.elidedText(self.title, Qt.TextElideMode.ElideRight,
                              max(40, self.width() - legend - 20))
        p.drawText(QRectF(6, 2, self.width() - 12, fm.height()), Qt.AlignmentFlag.AlignLeft, title)
        left, top = fm.horizontalAdvance("-0.000") + 10, fm.height() + 6
        plot = QRectF(left, top, max(10, self.width() - left - 8),
                      max(10, self.height() - top - fm.height() - 6))
        p.setPen(QPen(QColor(text.red(), text.green(), text.blue(), 70)))
        p.drawRect(plot)
        ranges = self._ranges()
        if ranges is None:
            p.setPen(QColor(text.red(), text.green(), text.blue(), 140))
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "waiting for the first points")
            return
        x0, x1, y0, y1 = ranges

        def to_px(x: float, y: float) -> QPointF:
            return QPointF(plot.left() + (x - x0) / (x1 - x0) * plot.width(),
                           plot.bottom() - (y - y0) / (y1 - y0) * plot.height())

        grid = QColor(text.red(), text.green(), text.blue(), 35)
        for tick in nice_ticks(y0, y1):
            pt = to_px(x0, tick)
            p.setPen(QPen(grid))
            p.drawLine(QPointF(plot.left(), pt.y()), QPointF(plot.right(), pt.y()))
            p.setPen(text)
            p.drawText(QRectF(0, pt.y() - fm.height() / 2, left - 4, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, _label(tick))
        for tick in nice_ticks(x0, x1, 5):
            pt = to_px(tick, y0)
            p.setPen(text)
            p.drawText(QRectF(pt.x() - 30, plot.bottom() + 2, 60, fm.height()),
                       Qt.AlignmentFlag.AlignHCenter, _label(tick))
        p.save()
        p.setClipRect(plot.adjusted(-1, -1, 1, 1))
        for y, color in self.refs.values():
            pen = QPen(color, 1.4, Qt.PenStyle.DashLine)
            p.setPen(pen)
            pt = to_px(x0, y)
            p.drawLine(QPointF(plot.left(), pt.y()), QPointF(plot.right(), pt.y()))
        columns = max(1, int(plot.width()))
        for s in self.series.values():
            if not s.xs:
                continue
            path, pen_down = QPainterPath(), False
            for x, y in self._thinned(s, x0, x1, columns):
                if math.isnan(y):
                    pen_down = False
                    continue
                if pen_down:
                    path.lineTo(to_px(x, y))
                else:
                    path.moveTo(to_px(x, y))
                    pen_down = True
            p.setPen(QPen(s.color, 1.6))
            p.drawPath(path)
            if len(s.xs) <= 40:  # few points (epochs): mark each one
                p.setBrush(s.color)
                for x, y in zip(s.xs, s.ys):
                    if not math.isnan(y):
                        p.drawEllipse(to_px(x, y), 2.5, 2.5)
                p.setBrush(Qt.BrushStyle.NoBrush)
        p.restore()
        # legend: series, then reference lines
        x = plot.right()  # in the title's row, right-aligned: never over the curves
        for name, color, dashed in reversed(entries):
            w = fm.horizontalAdvance(name) + 22
            x -= w
            y = 2 + fm.height() / 2
            p.setPen(QPen(color, 2, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine))
            p.drawLine(QPointF(x, y), QPointF(x + 14, y))
            p.setPen(text)
            p.drawText(QPointF(x + 17, y + fm.ascent() / 2 - 1), name)

    @staticmethod
    def _thinned(s: Series, x0: float, x1: float, columns: int):
        """At most one point per pixel column: the mean of the column's points (NaN,
        a break in the line, where none of them has a value)."""
        if len(s.xs) <= 2 * columns:
            yield from zip(s.xs, s.ys)
            return
        width = (x1 - x0) / columns
        bucket, sx, sy, n, valued = None, 0.0, 0.0, 0, 0
        for x, y in zip(s.xs, s.ys):
            b = int((x - x0) / width) if width else 0
            if b != bucket and n:
                yield sx / n, (sy / valued if valued else math.nan)
                sx = sy = 0.0
                n = valued = 0
            bucket = b
            sx, n = sx + x, n + 1
            if not math.isnan(y):
                sy, valued = sy + y, valued + 1
        if n:
            yield sx / n, (sy / valued if valued else math.nan)


class MiniRoll(QWidget):
    """A small read-only piano roll of a composition, one colour per track."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.comp: Composition | None = None
        self.playhead: int | None = None
        self.message = "No epoch to listen to yet"
        self.setMinimumSize(240, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_composition(self, comp: Composition | None, message: str = "") -> None:
        self.comp = comp
        self.playhead = None
        if message:
            self.message = message
        self.update()

    def set_playhead(self, tick: int | None) -> None:
        self.playhead = tick
        self.update()

    def note_count(self) -> int:
        return sum(len(t.notes) for t in self.comp.tracks) if self.comp else 0

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        text = pal.text().color()
        notes = [(i, n) for i, t in enumerate(self.comp.tracks) for n in t.notes] \
            if self.comp else []
        if not notes:
            p.setPen(QColor(text.red(), text.green(), text.blue(), 140))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            return
        comp = self.comp
        low = min(n.pitch for _, n in notes) - 1
        high = max(n.pitch for _, n in notes) + 1
        end = max(max(n.end for _, n in notes), 1)
        w, h = self.width(), self.height()
        row = h / (high - low + 1)
        per_bar = comp.ticks_per_bar
        p.setPen(QPen(QColor(text.red(), text.green(), text.blue(), 40)))
        for bar in range(0, end + 1, max(per_bar, 1)):
            x = bar / end * w
            p.drawLine(QPointF(x, 0), QPointF(x, h))
        for i, n in notes:
            color = QColor(PALETTE[i % len(PALETTE)])
            rect = QRectF(n.start / end * w, (high - n.pitch) * row,
                          max(2.0, n.duration / end * w - 1), max(2.0, row - 0.5))
            p.fillRect(rect, color)
        if self.playhead is not None:
            x = self.playhead / end * w
            p.setPen(QPen(QColor("#d62728"), 1.5))
            p.drawLine(QPointF(x, 0), QPointF(x, h))
