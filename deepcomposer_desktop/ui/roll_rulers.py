"""The piano roll's companions: keyboard ruler (left), time ruler (top), velocity lane.

All three follow the shared Viewport; none owns song data.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from ..music.keys import PITCH_NAMES
from .commands import ReplaceNotes, plural
from .roll_geometry import Viewport
from .roll_painter import BLACK_KEYS, LOOP_FILL, PLAYHEAD_PEN


class KeyboardRuler(QWidget):
    """Piano keys beside the roll; pressing one sounds its pitch."""

    pitch_pressed = Signal(int)
    pitch_released = Signal(int)

    def __init__(self, view: Viewport, parent=None) -> None:
        super().__init__(parent)
        self.view = view
        self._held: int | None = None
        self.setFixedWidth(56)
        view.changed.connect(self.update)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        rect, view = QRectF(event.rect()), self.view
        p.fillRect(rect, QColor("#e8e8e8"))
        for pitch in range(view.pitch(rect.bottom()), view.pitch(rect.top()) + 1):
            y, h = view.y(pitch), view.key_h
            black = pitch % 12 in BLACK_KEYS
            if black or pitch == self._held:
                color = QColor("#ff8a65") if pitch == self._held else QColor("#202124")
                p.fillRect(QRectF(0, y, self.width() * (0.62 if black else 1.0), h), color)
            if pitch % 12 in (0, 5):  # white-key boundaries B|C and E|F
                p.setPen(QColor("#9e9e9e"))
                p.drawLine(0, round(y + h), self.width(), round(y + h))
            if pitch % 12 == 0 and h >= 7:
                p.setPen(QColor("#424242"))
                p.drawText(QRectF(0, y, self.width() - 4, h), Qt.AlignmentFlag.AlignRight
                           | Qt.AlignmentFlag.AlignVCenter, f"C{pitch // 12 - 1}")
        p.end()

    def mousePressEvent(self, event) -> None:
        self._held = self.view.pitch(event.position().y())
        self.pitch_pressed.emit(self._held)
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        if self._held is not None:
            self.pitch_released.emit(self._held)
        self._held = None
        self.update()

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        self.view.set_scroll(y=self.view.scroll_y - steps * 3 * self.view.key_h, view_h=self.height())


class TimeRuler(QWidget):
    """Bar numbers. A click moves the play position; a drag sets the loop region."""

    seek = Signal(int)

    def __init__(self, doc, view: Viewport, transport, parent=None) -> None:
        super().__init__(parent)
        self.doc, self.view, self.transport = doc, view, transport
        self._origin: float | None = None
        self.setFixedHeight(22)
        self.setToolTip("Click: move the play position. Drag: set the loop region.")
        view.changed.connect(self.update)
        doc.song_changed.connect(self.update)
        doc.reset.connect(self.update)
        transport.position_changed.connect(self.update)
        transport.loop_changed.connect(self.update)

    def sizeHint(self) -> QSize:
        return QSize(400, 22)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#1e1f22"))
        view, bar = self.view, self.doc.comp.ticks_per_bar
        if self.transport.has_loop:
            x0, x1 = view.x(self.transport.loop_start), view.x(self.transport.loop_end)
            p.fillRect(QRectF(x0, 0, x1 - x0, self.height()), LOOP_FILL.lighter(300))
        every = max(1, int(40 / max(bar * view.px_per_tick, 1e-6)) + 1)  # keep labels apart
        first = int(view.tick(0) // bar)
        p.setPen(QColor("#b0b3b8"))
        n = first - first % every
        while view.x(n * bar) < self.width():
            x = round(view.x(n * bar))
            p.drawLine(x, self.height() - 8, x, self.height())
            p.drawText(x + 3, 13, str(n + 1))
            n += every
        p.setPen(PLAYHEAD_PEN)
        x = round(view.x(self.transport.position))
        p.drawLine(x, 0, x, self.height())
        p.end()

    def _snapped(self, x: float) -> int:
        beat = self.doc.comp.ticks_per_beat
        return int(round(self.view.tick(x) / beat)) * beat

    def mousePressEvent(self, event) -> None:
        self._origin = event.position().x()

    def mouseMoveEvent(self, event) -> None:
        if self._origin is not None and abs(event.position().x() - self._origin) > 4:
            self.transport.set_loop(self._snapped(self._origin), self._snapped(event.position().x()))

    def mouseReleaseEvent(self, event) -> None:
        if self._origin is not None and abs(event.position().x() - self._origin) <= 4:
            self.seek.emit(int(self.view.tick(event.position().x())))
        self._origin = None


class VelocityLane(QWidget):
    """Velocity bars of the current track's notes; drag one (or the selection) to change it."""

    def __init__(self, roll, parent=None) -> None:
        super().__init__(parent)
        self.roll, self.view, self.doc = roll, roll.view, roll.doc
        self._drag: dict | None = None
        self.setFixedHeight(70)
        self.setToolTip("Velocity: drag a bar up or down (the selection moves together)")
        for signal in (self.view.changed, roll.selection_changed, self.doc.reset,
                       self.doc.current_track_changed, self.doc.notes_changed):
            signal.connect(self.update)

    def _visible(self):
        track = self.doc.current_track
        if track < 0:
            return []
        return self.roll.index(track).in_range(self.view.tick(0), self.view.tick(self.width()) + 1)

    def _velocity_at(self, y: float) -> int:
        return max(1, min(127, round(127 * (1 - y / max(1, self.height() - 4)))))

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#1e1f22"))
        track = self.doc.current_track
        if track >= 0:
            color = QColor(self.doc.track_color(track))
            drag = self._drag or {}
            for note in self._visible():
                vel = drag["velocity"] if note in drag.get("notes", ()) else note.velocity
                h = (self.height() - 4) * vel / 127
                x = self.view.x(note.start)
                selected = note in self.roll.selection
                p.setPen(QPen(QColor("#ffffff") if selected else color, 2))
                p.drawLine(round(x), self.height(), round(x), round(self.height() - h))
                p.drawEllipse(QRectF(x - 2.5, self.height() - h - 2.5, 5, 5))
        p.end()

    def mousePressEvent(self, event) -> None:
        x = event.position().x()
        near = [n for n in self._visible() if abs(self.view.x(n.start) - x) <= 4]
        if not near:
            return
        hit = min(near, key=lambda n: abs(self.view.x(n.start) - x))
        notes = self.roll.selection if hit in self.roll.selection else {hit}
        self._drag = {"notes": set(notes), "velocity": self._velocity_at(event.position().y())}
        self.update()

    def mouseMoveEvent(self, event) -> None:
        if self._drag is not None:
            self._drag["velocity"] = self._velocity_at(event.position().y())
            self.update()

    def mouseReleaseEvent(self, event) -> None:
        drag, self._drag = self._drag, None
        if drag:
            drag["velocity"] = self._velocity_at(event.position().y())
            old = sorted(n for n in drag["notes"] if n.velocity != drag["velocity"])
            if old:
                new = [n.moved(velocity=drag["velocity"]) for n in old]
                self.doc.undo_stack.push(ReplaceNotes(self.doc, self.doc.current_track, old, new,
                                                      f"Velocity of {plural(len(old), 'note')}"))
                if drag["notes"] <= self.roll.selection or len(drag["notes"]) > 1:
                    self.roll.set_selection((self.roll.selection - set(old)) | set(new))
        self.update()


def pitch_name(pitch: int) -> str:
    return f"{PITCH_NAMES[pitch % 12]}{pitch // 12 - 1}"
