"""The on-screen piano at the bottom of the window.

Geometry, velocity and glissando come from midi_input/piano_layout.py, the
computer keyboard from midi_input/computer_keys.py (Musical Typing: T Y U I ...
play, Z/X change octave, C/V velocity); this widget only paints and turns Qt
events into their calls. Click the piano first to give it the keys; the letters
are painted on the keys they play. A key that is one of the window's shortcuts
(K click, S solo, L loop...) always stays the shortcut. Keys held from any
source, a USB keyboard included, light up through `set_held`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..midi_input.computer_keys import NOTE_KEYS, MusicalTyping
from ..midi_input.hub import COMPUTER_KEYS, ON_SCREEN_PIANO
from ..midi_input.piano_layout import PianoDrag, PianoLayout

PRESSED = QColor("#ff8a65")
TYPING_RANGE = QColor(79, 195, 247, 70)  # the octave Musical Typing plays, tinted


class PianoKeyboard(QWidget):
    played = Signal(int, int, bool, str)  # pitch, velocity, on, source
    released_all = Signal(str)            # source: every note it held must end
    typing_changed = Signal(str)          # Musical Typing's octave and velocity, in words

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
                        "focused, the computer keys play it: T Y U I O P [ ] \\ white keys, "
                        "6 7 9 0 - black keys, Z/X octave, C/V velocity.")

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

    def typing_text(self) -> str:
        return (f"Musical Typing {self.typing.range_text}, velocity {self.typing.velocity}"
                f"{'' if self.hasFocus() else ' (click the piano to play with the keys)'}")

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setPen(QPen(QColor("#555555"), 1))
        letters = {self.typing.base + offset: key.upper() for key, offset in NOTE_KEYS.items()}
        focused = self.hasFocus()
        keys = self.layout_.keys()
        for key in keys:
            if not key.black:
                rect = QRectF(key.x, key.y, key.width, key.height)
                p.setBrush(PRESSED if key.pitch in self.held else QColor("#fafafa"))
                p.drawRect(rect)
                if focused and key.pitch in letters:
                    p.fillRect(rect.adjusted(1, rect.height() * 0.75, -1, -1), TYPING_RANGE)
                if key.pitch % 12 == 0:
                    p.drawText(rect.adjusted(0, 0, 0, -4), Qt.AlignmentFlag.AlignHCenter
                               | Qt.AlignmentFlag.AlignBottom, f"C{key.pitch // 12 - 1}")
        for key in keys:
            if key.black:
                p.setBrush(PRESSED if key.pitch in self.held else QColor("#1b1b1b"))
                p.drawRect(QRectF(key.x, key.y, key.width, key.height))
        if focused:  # the letter that plays each key, on the key
            for key in keys:
                if key.pitch in letters:
                    p.setPen(QColor("#fafafa" if key.black else "#0277bd"))
                    rect = QRectF(key.x, key.y + key.height * (0.35 if key.black else 0.5),
                                  key.width, key.height * 0.3)
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, letters[key.pitch])
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
    def shortcut_keys(self) -> set[str]:
        """Single keys (no modifier) that are shortcuts of an enabled action in the window:
        Musical Typing leaves them to their actions."""
        keys = set()
        for action in self.window().findChildren(QAction):
            if not action.isEnabled():
                continue
            for seq in action.shortcuts():
                if seq.count() == 1 and not seq[0].keyboardModifiers():
                    keys.add(QKeySequence(seq[0].key()).toString().lower())
        return keys

    def _typing_key(self, event) -> str:
        if event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                                | Qt.KeyboardModifier.MetaModifier):
            return ""
        text = event.text()
        if not MusicalTyping.handles(text) or text.lower() in self.shortcut_keys():
            return ""
        return text

    def event(self, event) -> bool:
        # Musical Typing's keys reach keyPressEvent before the window's shortcuts, except a
        # key that is a shortcut itself: that one stays the shortcut.
        if event.type() == QEvent.Type.ShortcutOverride and self._typing_key(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        key = self._typing_key(event)
        if not key:
            return super().keyPressEvent(event)
        before = (self.typing.base, self.typing.velocity)
        self._send(self.typing.press(key), COMPUTER_KEYS)  # auto-repeat gives nothing
        if (self.typing.base, self.typing.velocity) != before:
            self.typing_changed.emit(self.typing_text())
        self.update()

    def keyReleaseEvent(self, event) -> None:
        key = self._typing_key(event)
        if key and not event.isAutoRepeat():
            self._send(self.typing.release(key), COMPUTER_KEYS)

    def focusInEvent(self, event) -> None:
        self.typing_changed.emit(self.typing_text())
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:
        self._send(self.typing.release_all(), COMPUTER_KEYS)  # never leave a note hanging
        self.released_all.emit(COMPUTER_KEYS)
        self.typing_changed.emit(self.typing_text())
        self.update()
        super().focusOutEvent(event)
