"""The piano roll with its rulers, velocity lane, scroll bars, tool and snap pickers."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QGridLayout, QHBoxLayout, QLabel,
                               QScrollBar, QToolButton, QVBoxLayout, QWidget)

from .chord_lane import ChordLane
from .document import Document
from .piano_roll import PianoRoll
from .roll_geometry import SNAP_CHOICES, Viewport
from .roll_rulers import KeyboardRuler, TimeRuler, VelocityLane
from .transport_state import TransportState


class RollEditor(QWidget):
    seek = Signal(int)

    def __init__(self, doc: Document, transport: TransportState, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.view = Viewport(doc.comp.ppq, self)
        self.roll = PianoRoll(doc, self.view, transport, self)
        self.keys = KeyboardRuler(self.view, self)
        self.ruler = TimeRuler(doc, self.view, transport, self)
        self.velocity = VelocityLane(self.roll, self)
        self.chords = ChordLane(doc, self.view, transport, self.roll, self)  # under the ruler
        self.ruler.seek.connect(self.seek)
        self.hbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self.vbar = QScrollBar(Qt.Orientation.Vertical, self)
        self.hbar.valueChanged.connect(lambda v: self.view.set_scroll(x=v))
        self.vbar.valueChanged.connect(lambda v: self.view.set_scroll(y=v, view_h=self.roll.height()))
        self.view.changed.connect(self._sync_bars)
        doc.reset.connect(self._song_loaded)
        doc.notes_changed.connect(lambda _i: self._sync_bars())
        self._fit_when_shown = False  # a song opened before the window showed (command line)
        self.roll.installEventFilter(self)

        grid = QGridLayout()
        grid.setSpacing(0)
        top = QVBoxLayout()
        top.setSpacing(0)
        top.addWidget(self.ruler)
        top.addWidget(self.chords)
        grid.addLayout(top, 0, 1)
        grid.addWidget(self.chords.label, 0, 0, Qt.AlignmentFlag.AlignBottom)
        grid.addWidget(self.keys, 1, 0)
        grid.addWidget(self.roll, 1, 1)
        grid.addWidget(self.vbar, 1, 2)
        vel_label = QLabel("Vel", self)
        vel_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(vel_label, 2, 0)
        grid.addWidget(self.velocity, 2, 1)
        grid.addWidget(self.hbar, 3, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        outer.addLayout(self._tool_row())
        outer.addLayout(grid, 1)

    def _tool_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 0)
        self.tools = QButtonGroup(self)
        for name, text, tip in (("select", "Select", "Click to select, drag to move or resize, "
                                 "drag on empty space for a rubber band; double-click draws"),
                                ("draw", "Draw", "Click and drag to draw notes; right-click erases")):
            button = QToolButton(self)
            button.setText(text)
            button.setCheckable(True)
            button.setToolTip(tip)
            button.setChecked(name == self.roll.tool)
            button.setObjectName(f"tool_{name}")
            self.tools.addButton(button)
            button.toggled.connect(lambda on, n=name: on and setattr(self.roll, "tool", n))
            row.addWidget(button)
        row.addSpacing(12)
        row.addWidget(QLabel("Snap", self))
        self.snap_box = QComboBox(self)
        self.snap_box.addItems(list(SNAP_CHOICES))
        self.snap_box.setToolTip("Grid that notes snap to; hold Alt while dragging to ignore it")
        self.snap_box.currentTextChanged.connect(self.set_snap)
        self.snap_box.setCurrentText(self.roll.snap)
        row.addWidget(self.snap_box)
        row.addSpacing(12)
        for text, tip, slot in (("-", "Zoom out (Ctrl+wheel)", lambda: self.view.zoom_x(0.8)),
                                ("+", "Zoom in (Ctrl+wheel)", lambda: self.view.zoom_x(1.25)),
                                ("Fit", "Show the whole song", self.fit)):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        song = QToolButton(self)
        song.setText("Drag song")
        song.setToolTip("Drag this out of the window to drop the whole song as a MIDI file")
        song.pressed.connect(self._drag_song)
        row.addWidget(song)
        return row

    def _drag_song(self) -> None:
        from .midi_drag import start_midi_drag
        start_midi_drag(self, self.doc.comp, self.doc.comp.title or "Song")

    def set_snap(self, choice: str) -> None:
        self.roll.snap = choice
        if self.snap_box.currentText() != choice:
            self.snap_box.setCurrentText(choice)
        self.roll.update()

    def _song_loaded(self) -> None:
        self.view.ppq = self.doc.comp.ppq
        self.fit()
        self._fit_when_shown = not self.roll.isVisible()  # its size is not known yet

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.roll and self._fit_when_shown:
            if event.type() == QEvent.Type.Show:
                QTimer.singleShot(0, self._fit_pending)  # once the layout has sized the roll
            elif event.type() == QEvent.Type.Resize and self.roll.isVisible():
                self._fit_pending()
        return False

    def _fit_pending(self) -> None:
        if self._fit_when_shown and self.roll.isVisible():
            self._fit_when_shown = False
            self.fit()

    def reveal(self, start: int, end: int, low: int | None = None, high: int | None = None) -> None:
        """Bring ticks [start, end) (and pitches low..high) into view: leave the view alone
        if they are in it already, else scroll there, zooming out only if they are wider."""
        view, width, height = self.view, max(200, self.roll.width()), max(120, self.roll.height())
        end = max(end, start + 1)
        if not (view.x(start) >= 0 and view.x(end) <= width):
            if (end - start) * view.px_per_tick > width * 0.9:
                view.px_per_tick = max(Viewport.MIN_PX_PER_TICK, width * 0.9 / (end - start))
            view.set_scroll(x=start * view.px_per_tick - width * 0.05)
        if low is not None and high is not None and not (
                view.y(high) >= 0 and view.y(low) + view.key_h <= height):
            view.center_on_pitches(low, high, height)

    def content_end(self) -> int:
        """The last tick to show: the song's, or a shown version's if that is later."""
        return max([self.doc.comp.end] + [t.end for t in self.roll.overlay])

    def fit(self) -> None:
        """Show the whole song (with the version shown, if any) across the width, its
        pitch range centred."""
        comp = self.doc.comp
        end = max(self.content_end(), comp.ticks_per_bar * 4)
        width = max(200, self.roll.width())
        self.view.px_per_tick = min(Viewport.MAX_PX_PER_TICK,
                                    max(Viewport.MIN_PX_PER_TICK, width / (end * 1.05)))
        self.view.scroll_x = 0.0
        pitches = [n.pitch for t in [*comp.tracks, *self.roll.overlay] if not t.is_drum
                   for n in t.notes]
        low, high = (min(pitches), max(pitches)) if pitches else (48, 84)
        height = max(120, self.roll.height())
        # every row of the range on screen, a couple to spare, rows no taller than 14 px
        self.view.key_h = max(Viewport.MIN_KEY_H, min(14.0, height / (high - low + 5)))
        self.view.center_on_pitches(low, high, height)

    def _sync_bars(self) -> None:
        view = self.view
        content_w = max(self.content_end(), self.doc.comp.ticks_per_bar * 8) * view.px_per_tick * 1.25
        roll_w, roll_h = self.roll.width(), self.roll.height()
        for bar, value, maximum, page in (
                (self.hbar, view.scroll_x, max(content_w - roll_w, view.scroll_x), roll_w),
                (self.vbar, view.scroll_y, max(0, view.content_height - roll_h), roll_h)):
            bar.blockSignals(True)
            bar.setRange(0, int(maximum))
            bar.setPageStep(int(page))
            bar.setSingleStep(20)
            bar.setValue(int(value))
            bar.blockSignals(False)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._sync_bars()
