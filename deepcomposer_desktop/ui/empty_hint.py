"""What to do first, written across an empty piano roll.

Shown while the song has no notes at all (a new song, or every note deleted) and
nothing is being recorded; it lets every click through to the roll beneath, and
goes away with the first note.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

from ..midi_input.computer_keys import NOTE_KEYS

HINT = """<div style="color:#cfd8dc; font-size:15px">
<p style="font-size:20px; color:#ffffff"><b>An empty song: make a start</b></p>
<p><b>Record</b>: press <b>R</b> and play the piano below (click it, or use the computer
keys <b>{keys}</b>) or a USB keyboard; <b>R</b> again stops. The song grows as you play.</p>
<p><b>Play</b>: <b>Space</b>. <b>K</b> turns the click (metronome) on or off; Count-in is on
the toolbar.</p>
<p><b>Open a tune</b>: File &gt; Sample Melodies, or File &gt; Open (<b>Ctrl+O</b>).</p>
<p><b>Drop a MIDI file</b> anywhere on this window to open it.</p>
<p>Then <b>Generate</b> (on the right) adds an accompaniment.
Help &gt; Keyboard Shortcuts lists every key.</p>
</div>"""


class EmptySongHint(QLabel):
    def __init__(self, doc, transport, roll: QWidget) -> None:
        super().__init__(roll)
        self.doc, self.transport, self.roll = doc, transport, roll
        by_offset = {offset: key for key, offset in NOTE_KEYS.items()}
        keys = " ".join(by_offset[o].upper() for o in (0, 2, 4, 5, 7, 9))  # the white keys C-A
        self.setText(HINT.format(keys=f"{keys}…"))
        self.setObjectName("empty_song_hint")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("QLabel#empty_song_hint { background: rgba(20, 24, 28, 200);"
                           " border: 1px solid #455a64; border-radius: 8px; padding: 14px; }")
        roll.installEventFilter(self)
        for signal in (doc.reset, doc.tracks_changed, transport.switches_changed):
            signal.connect(self.refresh)
        doc.notes_changed.connect(lambda _i: self.refresh())
        self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.roll and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        width = min(620, max(200, self.roll.width() - 40))
        height = min(self.heightForWidth(width), max(60, self.roll.height() - 16))
        self.setFixedSize(width, height)
        self.move((self.roll.width() - width) // 2, max(8, (self.roll.height() - height) // 2))

    def refresh(self) -> None:
        empty = not any(t.notes for t in self.doc.comp.tracks) and not self.transport.recording
        if empty:
            self._place()
        self.setVisible(empty)
