"""The transport bar: play/stop, record, loop, metronome, count-in, tempo, time
signature, key and the position display. Song settings change through undo commands.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QToolBar

from ..music.composition import Tempo
from ..music.keys import PITCH_NAMES, Key
from .commands import SetSongAttr
from .document import Document
from .transport_state import TransportState

TIME_SIGNATURES = ["2/4", "3/4", "4/4", "5/4", "6/8", "7/8", "9/8", "12/8"]
NO_KEY = "No key"


class TransportBar(QToolBar):
    play_toggled = Signal()
    record_toggled = Signal()

    def __init__(self, doc: Document, transport: TransportState, parent=None) -> None:
        super().__init__("Transport", parent)
        self.setObjectName("transport")
        self.doc, self.transport = doc, transport
        self.actions_by_name: dict[str, QAction] = {}
        self._action("play", "Play", "Space", "Play / stop (Space)", self.play_toggled.emit)
        self._action("record", "Record", "R", "Record into the selected track (R)", self.record_toggled.emit)
        self.addSeparator()
        self._action("loop", "Loop", "L", "Loop the region dragged on the ruler (L)",
                     lambda on: transport.set_switch("loop_on", on), checkable=True)
        self._action("metronome", "Click", "K", "Metronome (K)",
                     lambda on: transport.set_switch("metronome", on), checkable=True)
        self._action("count_in", "Count-in", None, "One bar of clicks before recording",
                     lambda on: transport.set_switch("count_in", on), checkable=True)
        self.addSeparator()
        self.tempo = QDoubleSpinBox(self)
        self.tempo.setRange(20.0, 300.0)
        self.tempo.setDecimals(1)
        self.tempo.setSuffix(" bpm")
        self.tempo.setToolTip("Tempo at the start of the song")
        self.tempo.setKeyboardTracking(False)
        self.tempo.valueChanged.connect(self._tempo_edited)
        self.addWidget(self.tempo)
        self.meter = QComboBox(self)
        self.meter.addItems(TIME_SIGNATURES)
        self.meter.setToolTip("Time signature")
        self.meter.activated.connect(lambda _i: self._meter_edited(self.meter.currentText()))
        self.addWidget(self.meter)
        self.key = QComboBox(self)
        self.key.addItem(NO_KEY)
        for mode in ("major", "minor"):
            self.key.addItems([f"{name} {mode}" for name in PITCH_NAMES])
        self.key.setToolTip("Key: out-of-key rows are shaded in the piano roll")
        self.key.activated.connect(lambda _i: self._key_edited(self.key.currentText()))
        self.addWidget(self.key)
        self.addSeparator()
        self.position = QLabel(self)
        self.position.setObjectName("position")
        self.position.setMinimumWidth(150)
        self.position.setToolTip("Bar.beat.tick and minutes:seconds")
        self.addWidget(self.position)
        doc.reset.connect(self.refresh)
        doc.song_changed.connect(self.refresh)
        transport.position_changed.connect(self._show_position)
        transport.switches_changed.connect(self._sync_switches)
        self.refresh()

    def _action(self, name, text, keys, tip, slot, checkable=False) -> QAction:
        action = QAction(text, self)
        action.setObjectName(f"action_{name}")
        action.setToolTip(tip)
        action.setCheckable(checkable or name in ("play", "record"))
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if checkable:
            action.toggled.connect(slot)
        else:
            action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    # --- model -> widgets ----------------------------------------------------------
    def refresh(self) -> None:
        comp = self.doc.comp
        for widget, value in ((self.tempo, comp.bpm),):
            widget.blockSignals(True)
            widget.setValue(value)
            widget.blockSignals(False)
        sig = f"{comp.time_signature[0]}/{comp.time_signature[1]}"
        if self.meter.findText(sig) < 0:
            self.meter.addItem(sig)
        self.meter.setCurrentText(sig)
        self.key.setCurrentText(comp.key.name if comp.key else NO_KEY)
        self._show_position(self.transport.position)

    def _sync_switches(self) -> None:
        tr = self.transport
        for name, on in (("play", tr.playing), ("record", tr.recording), ("loop", tr.loop_on),
                         ("metronome", tr.metronome), ("count_in", tr.count_in)):
            action = self.actions_by_name[name]
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)
        self.actions_by_name["play"].setText("Stop" if tr.playing else "Play")

    def _show_position(self, tick: int) -> None:
        comp = self.doc.comp
        bar, rest = divmod(tick, comp.ticks_per_bar)
        beat, sub = divmod(rest, comp.ticks_per_beat)
        seconds = comp.seconds_at(tick)
        self.position.setText(f"{bar + 1}.{beat + 1}.{sub:03d}   {int(seconds // 60)}:{seconds % 60:04.1f}")

    # --- widgets -> undo commands ----------------------------------------------------
    def _tempo_edited(self, bpm: float) -> None:
        tempos = [Tempo.from_bpm(0, bpm), *self.doc.comp.tempos[1:]]
        if tempos != self.doc.comp.tempos:
            self.doc.undo_stack.push(SetSongAttr(self.doc, "tempos", tempos, "Change tempo"))

    def _meter_edited(self, text: str) -> None:
        num, den = (int(x) for x in text.split("/"))
        if (num, den) != self.doc.comp.time_signature:
            self.doc.undo_stack.push(SetSongAttr(self.doc, "time_signature", (num, den)))

    def _key_edited(self, text: str) -> None:
        key = None if text == NO_KEY else Key.parse(text)
        if key != self.doc.comp.key:
            self.doc.undo_stack.push(SetSongAttr(self.doc, "key", key))
