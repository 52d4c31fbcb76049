"""The on-screen piano at the bottom of the window.

Click or drag across keys to play (lower on a key is louder, as on a real one);
with the piano focused, the computer keyboard plays it too (Musical Typing, via
midi_input/computer_keys.py when that module is installed). Keys held from any
source, a USB keyboard included, light up through `set_held`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

BLACK = {1, 3, 6, 8, 10}
# x of each black key's centre, in white-key widths from the C of its octave
BLACK_OFFSET = {1: 1.0, 3: 2.0, 6: 4.0, 8: 5.0, 10: 6.0}
WHITE_INDEX = {0: 0, 2: 1, 4: 2, 5: 3, 7: 4, 9: 5, 11: 6}


def key_rects(low: int, high: int, width: float, height: float) -> dict[int, QRectF]:
    """Rectangles of the keys from `low` to `high` (both white keys) in a widget."""
    def white_pos(p: int) -> int:
        return (p // 12) * 7 + WHITE_INDEX[p % 12]
    first, count = white_pos(low), white_pos(high) - white_pos(low) + 1
    ww = width / count
    rects = {}
    for p in range(low, high + 1):
        if p % 12 in BLACK:
            cx = ((p // 12) * 7 + BLACK_OFFSET[p % 12] - first) * ww
            rects[p] = QRectF(cx - ww * 0.3, 0, ww * 0.6, height * 0.62)
        else:
            rects[p] = QRectF((white_pos(p) - first) * ww, 0, ww, height)
    return rects


class PianoKeyboard(QWidget):
    note_on = Signal(int, int)   # pitch, velocity
    note_off = Signal(int)

    def __init__(self, low: int = 36, high: int = 96, parent=None) -> None:
        super().__init__(parent)
        self.low, self.high = low, high
        self.held: set[int] = set()
        self._mouse_pitch: int | None = None
        self._typing = self._load_typing_map()
        self._typed: dict[int, int] = {}  # Qt key -> pitch it started
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(90)
        tip = "Click to play."
        if self._typing is not None:
            tip += " Click here first, then play with the computer keys (Musical Typing)."
        self.setToolTip(tip)

    def sizeHint(self) -> QSize:
        return QSize(900, 90)

    @staticmethod
    def _load_typing_map():
        try:
            from ..midi_input import computer_keys
        except ImportError:
            return None
        return computer_keys

    # --- showing held keys -----------------------------------------------------------
    def set_held(self, pitch: int, on: bool) -> None:
        (self.held.add if on else self.held.discard)(pitch)
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        rects = key_rects(self.low, self.high, self.width(), self.height())
        pressed = QColor("#ff8a65")
        p.setPen(QPen(QColor("#555555"), 1))
        for pitch, rect in rects.items():
            if pitch % 12 not in BLACK:
                p.setBrush(pressed if pitch in self.held else QColor("#fafafa"))
                p.drawRect(rect)
                if pitch % 12 == 0:
                    p.drawText(rect.adjusted(0, 0, 0, -4), Qt.AlignmentFlag.AlignHCenter
                               | Qt.AlignmentFlag.AlignBottom, f"C{pitch // 12 - 1}")
        for pitch, rect in rects.items():
            if pitch % 12 in BLACK:
                p.setBrush(pressed if pitch in self.held else QColor("#1b1b1b"))
                p.drawRect(rect)
        p.end()

    # --- mouse -----------------------------------------------------------------------
    def pitch_at(self, x: float, y: float) -> int | None:
        rects = key_rects(self.low, self.high, self.width(), self.height())
        for pitch, rect in rects.items():  # black keys lie on top: test them first
            if pitch % 12 in BLACK and rect.contains(x, y):
                return pitch
        for pitch, rect in rects.items():
            if pitch % 12 not in BLACK and rect.contains(x, y):
                return pitch
        return None

    def _velocity(self, y: float) -> int:
        return max(30, min(127, int(40 + 87 * y / max(1, self.height()))))

    def _press(self, pitch: int | None, velocity: int) -> None:
        if pitch is not None:
            self.set_held(pitch, True)
            self.note_on.emit(pitch, velocity)

    def _release(self, pitch: int | None) -> None:
        if pitch is not None:
            self.set_held(pitch, False)
            self.note_off.emit(pitch)

    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        self._mouse_pitch = self.pitch_at(pos.x(), pos.y())
        self._press(self._mouse_pitch, self._velocity(pos.y()))

    def mouseMoveEvent(self, event) -> None:
        if self._mouse_pitch is None:
            return
        pos = event.position()
        pitch = self.pitch_at(pos.x(), pos.y())
        if pitch is not None and pitch != self._mouse_pitch:  # glissando
            self._release(self._mouse_pitch)
            self._mouse_pitch = pitch
            self._press(pitch, self._velocity(pos.y()))

    def mouseReleaseEvent(self, event) -> None:
        self._release(self._mouse_pitch)
        self._mouse_pitch = None

    # --- computer keyboard ---------------------------------------------------------
    def _typed_pitch(self, event) -> int | None:
        if self._typing is None or event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                                       | Qt.KeyboardModifier.AltModifier):
            return None
        return self._typing.pitch_for_key(event.text()) if event.text() else None

    def event(self, event) -> bool:
        # Letters that play notes must reach keyPressEvent, not the window's R/L/K/M/S shortcuts.
        if event.type() == QEvent.Type.ShortcutOverride and self._typed_pitch(event) is not None:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        pitch = self._typed_pitch(event)
        if pitch is None or event.isAutoRepeat():
            return super().keyPressEvent(event) if pitch is None else None
        self._typed[event.key()] = pitch
        self._press(pitch, self._typing.velocity() if hasattr(self._typing, "velocity") else 100)

    def keyReleaseEvent(self, event) -> None:
        if event.isAutoRepeat():
            return
        self._release(self._typed.pop(event.key(), None))

    def focusOutEvent(self, event) -> None:
        for pitch in list(self._typed.values()):  # never leave a note hanging
            self._release(pitch)
        self._typed.clear()
        super().focusOutEvent(event)
