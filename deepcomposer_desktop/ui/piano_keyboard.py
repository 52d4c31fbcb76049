"""The on-screen piano at the bottom of the window.

Geometry, velocity and glissando come from midi_input/piano_layout.py, the
computer keyboard from midi_input/computer_keys.py (GarageBand's Musical Typing:
A S D F ... play, Z/X change octave, C/V velocity); this widget only paints and
turns Qt events into their calls. Click the piano first to give it the keys.
Keys held from any source, a USB keyboard included, light up through `set_held`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..midi_input.computer_keys import MusicalTyping
from ..midi_input.hub import COMPUTER_KEYS, ON_SCREEN_PIANO
from ..midi_input.piano_layout import PianoDrag, PianoLayout

PRESSED = QColor("#ff8a65")
TYPING_RANGE = QColor(79, 195, 247, 70)  # the octave Musical Typing plays, tinted


class PianoKeyboard(QWidget):
    played = Signal(int, int, bool, str)  # pitch, velocity, on, source
    released_all = Signal(str)            # source: every note it held must end

    def __init__(self, low: int = 36, high: int = 96, parent=None) -> None:
        super().__init__(parent)
        self.layout_ = PianoLayout(low, high, 900, 90)
        self.drag = PianoDrag(self.layout_)
        self.typing = MusicalTyping()
        self.held: set[int] = set()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(90)
        self.setToolTip("Click to play (nearer the front of a key is louder). With the piano "
                        "focused, the computer keys play it: A-K white keys, W E T Y U black "
                        "keys, Z/X octave, C/V velocity.")

    @property
    def low(self) -> int:
        return self.layout_.low

    @property
    def high(self) -> int:
        return self.layout_.high

    def sizeHint(self) -> QSize:
        return QSize(900, 90)

    def resizeEvent(self, event) -> None:
        self.layout_ = self.layout_.resized(max(1, self.width()), max(1, self.height()))
        self.drag.layout = self.layout_
        super().resizeEvent(event)

    def key_rect(self, pitch: int) -> QRectF:
        k = self.layout_.rect(pitch)
        return QRectF(k.x, k.y, k.width, k.height)

    # --- showing held keys -----------------------------------------------------------
    def set_held(self, pitch: int, on: bool) -> None:
        (self.held.add if on else self.held.discard)(pitch)
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setPen(QPen(QColor("#555555"), 1))
        typing_low = self.typing.base
        typing_high = typing_low + 17
        keys = self.layout_.keys()
        for key in keys:
            if not key.black:
                rect = QRectF(key.x, key.y, key.width, key.height)
                p.setBrush(PRESSED if key.pitch in self.held else QColor("#fafafa"))
                p.drawRect(rect)
                if self.hasFocus() and typing_low <= key.pitch <= typing_high:
                    p.fillRect(rect.adjusted(1, rect.height() * 0.75, -1, -1), TYPING_RANGE)
                if key.pitch % 12 == 0:
                    p.drawText(rect.adjusted(0, 0, 0, -4), Qt.AlignmentFlag.AlignHCenter
                               | Qt.AlignmentFlag.AlignBottom, f"C{key.pitch // 12 - 1}")
        for key in keys:
            if key.black:
                p.setBrush(PRESSED if key.pitch in self.held else QColor("#1b1b1b"))
                p.drawRect(QRectF(key.x, key.y, key.width, key.height))
        p.end()

    def _send(self, notes, source: str) -> None:
        for note in notes:
            self.set_held(note.pitch, note.on)
            self.played.emit(note.pitch, note.velocity, note.on, source)

    # --- mouse -----------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        self._send(self.drag.press(pos.x(), pos.y()), ON_SCREEN_PIANO)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        self._send(self.drag.move(pos.x(), pos.y()), ON_SCREEN_PIANO)

    def mouseReleaseEvent(self, event) -> None:
        self._send(self.drag.release(), ON_SCREEN_PIANO)

    # --- computer keyboard (Musical Typing) ----------------------------------------------
    @staticmethod
    def _typing_key(event) -> str:
        if event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                                | Qt.KeyboardModifier.MetaModifier):
            return ""
        text = event.text()
        return text if MusicalTyping.handles(text) else ""

    def event(self, event) -> bool:
        # Keys Musical Typing uses must reach keyPressEvent, not the window's shortcuts (S, K...).
        if event.type() == QEvent.Type.ShortcutOverride and self._typing_key(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        key = self._typing_key(event)
        if not key:
            return super().keyPressEvent(event)
        self._send(self.typing.press(key), COMPUTER_KEYS)  # auto-repeat gives nothing
        self.update()

    def keyReleaseEvent(self, event) -> None:
        key = self._typing_key(event)
        if key and not event.isAutoRepeat():
            self._send(self.typing.release(key), COMPUTER_KEYS)

    def focusOutEvent(self, event) -> None:
        self._send(self.typing.release_all(), COMPUTER_KEYS)  # never leave a note hanging
        self.released_all.emit(COMPUTER_KEYS)
        self.update()
        super().focusOutEvent(event)
