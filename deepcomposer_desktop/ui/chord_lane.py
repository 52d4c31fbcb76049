"""The chord lane: the song's chord track (`Composition.chords`) as chord symbols above
the piano roll, under the bar ruler, scrolling and zooming with it.

A song without a chord track shows the chords detected from its melody (the first
pitched track with notes that no version added), lighter and in italics: they are
suggestions, the ones GAN accompaniment follows. They become the song's when the
user edits one, chooses Detect Chords, or keeps a GAN version (ui/versions.py).

A click on a chord opens a menu: the key's chords and the common borrowed ones,
Type a Symbol… (`Am7`, `D/F#`, `G7`; an invalid one says why and changes nothing),
Insert a Change at the clicked beat, Remove This Change, Re-detect the loop region
(or the selected notes, or the bar), Detect Chords and Clear. Every edit is ONE undo
step (`commands.SetChords`); the chords are saved in projects and exported to MIDI as
markers by music/serialize.py and music/midifile.py.
"""

from __future__ import annotations

import bisect
import re

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QLineEdit, QMenu,
                               QVBoxLayout, QWidget)

from ..music.chords import QUALITIES, Chord, ChordChange, detect_song_chords, suggestions
from ..music.keys import Key, detect_key
from ..music.meter import is_compound
from .commands import SetChords
from .document import Document
from .roll_geometry import Viewport
from .roll_painter import LOOP_FILL, PLAYHEAD_PEN
from .transport_state import TransportState

LANE_BG = QColor("#25272b")
BAR_LINE = QColor("#3d4046")
SONG_FILL = QColor("#3b4354")
SONG_EDGE = QColor("#7fa7d9")
SONG_TEXT = QColor("#f1f3f4")
HOVER_FILL = QColor("#4d5870")
SUGGESTED_EDGE = QColor(150, 156, 168, 150)
SUGGESTED_TEXT = QColor("#a3a9b5")
HINT_TEXT = QColor("#7d828c")
DETECT_DELAY_MS = 250  # re-detect the suggestions this long after the melody last changed


# --- the chord list, edited as plain data ---------------------------------------------
def normalized(changes) -> list[ChordChange]:
    """Sorted, one change a tick (the later one given wins), no change repeating the
    chord before it."""
    by_tick: dict[int, Chord] = {}
    for change in changes:
        by_tick[max(0, int(change.tick))] = change.chord
    out: list[ChordChange] = []
    for tick in sorted(by_tick):
        if not out or out[-1].chord != by_tick[tick]:
            out.append(ChordChange(tick, by_tick[tick]))
    return out


def change_index(changes: list[ChordChange], tick: float) -> int:
    """The index of the change sounding at `tick`; -1 before the first one."""
    return bisect.bisect_right([c.tick for c in changes], tick) - 1


def with_region(changes: list[ChordChange], new: list[ChordChange], start: int,
                end: int) -> list[ChordChange]:
    """`changes` with [start, end) taken from `new`; what sounded at `end` goes on after it."""
    outside = [c for c in changes if c.tick < start or c.tick >= end]
    after = change_index(changes, end)
    resume = ([ChordChange(end, changes[after].chord)]
              if after >= 0 and changes[after].tick < end else [])
    inside = [c for c in new if start <= c.tick < end]
    opening = change_index(new, start)
    if opening >= 0 and new[opening].tick < start:  # the chord new has sounding at `start`
        inside.insert(0, ChordChange(start, new[opening].chord))
    return normalized(outside + inside + resume)


def symbol_problem(text: str) -> str | None:
    """Why `text` is not a chord symbol, in words; None when it is one."""
    text = text.strip()
    if not text:
        return "Type a chord symbol such as Am7, D/F# or G7."
    try:
        Chord.parse(text)
        return None
    except ValueError:
        pass
    m = re.match(r"^([A-Ga-g])([#b♯♭]*)([^/]*)(?:/(.*))?$", text)
    if not m:
        return f"“{text}” does not begin with a note name (A to G)."
    quality, bass = m.group(3).strip(), m.group(4)
    if bass is not None and not re.fullmatch(r"\s*[A-Ga-g][#b♯♭]*\s*", bass):
        return f"“{text}”: after “/” comes the bass note's name, as in D/F#."
    return (f"“{text}”: “{quality}” is not a chord quality; use m, 7, maj7, m7, 6, m6, dim, "
            "dim7, m7b5, aug, sus2 or sus4 (or none for a major chord).")


def chord_name(chord: Chord, key: Key | None) -> str:
    """The symbol as a musician spells it in `key`: with the key's sharps or flats, but
    the flat degrees of a major key flat (Bb, Ab, Eb, Db in C major, not A# ...), the
    raised fourth and a minor key's leading tone sharp (F#dim in C, C#dim7 in D minor),
    and a slash bass that is the root's major third sharp unless the root is flat
    (D/F#, E/G#)."""
    root, _, bass = chord.symbol(key).partition("/")
    root = root[:len(root) - len(chord.quality)]
    if key is not None:
        degree = (chord.root - key.tonic) % 12
        flat, sharp = ((1, 3, 8, 10), (6,)) if key.mode == "major" else ((1,), (6, 11))
        root = _FLATS[chord.root] if degree in flat else _SHARPS[chord.root] if degree in sharp else root
    if chord.bass is not None and (chord.bass - chord.root) % 12 == 4 and "b" not in root:
        bass = _SHARPS[chord.bass]
    return root + chord.quality + (f"/{bass}" if bass else "")


_SHARPS = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
_FLATS = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]


def spelled(chord: Chord, key: Key | None) -> str:
    """'Am7 = A C E G', 'D/F# = D F# A, F# in the bass'."""
    name = chord_name(chord, key)
    root = name[:2] if name[1:2] in ("#", "b") else name[:1]
    tones = [_FLATS[(chord.root + i) % 12] if "b" in root or ("#" not in root and i in (1, 3, 6, 10))
             else _SHARPS[(chord.root + i) % 12] for i in QUALITIES[chord.quality]]
    bass = f", {name.rsplit('/', 1)[1]} in the bass" if chord.bass is not None else ""
    return f"{name} = {' '.join([root] + tones[1:])}{bass}"


class SymbolDialog(QDialog):
    """A line edit for one chord symbol: it spells a valid one, says why an invalid one
    is not, and OK stays off until the symbol is valid."""

    def __init__(self, key: Key | None, initial: str = "", title: str = "Chord",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setWindowTitle(title)
        self.edit = QLineEdit(initial, self)
        self.edit.setObjectName("chord_symbol")
        self.edit.setPlaceholderText("Am7, D/F#, G7, Bbmaj7, Esus4 …")
        self.why = QLabel(self)
        self.why.setObjectName("chord_symbol_why")
        self.why.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Chord symbol:", self))
        layout.addWidget(self.edit)
        layout.addWidget(self.why)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._check)
        self.edit.selectAll()
        self._check(initial)

    def _check(self, text: str) -> None:
        problem = symbol_problem(text)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(problem is None)
        self.why.setStyleSheet("color: #e57373;" if problem and text.strip() else "")
        self.why.setText(problem or spelled(Chord.parse(text), self.key))

    def chord(self) -> Chord | None:
        return None if symbol_problem(self.edit.text()) else Chord.parse(self.edit.text())


# --- the lane --------------------------------------------------------------------------
class ChordLane(QWidget):
    message = Signal(str)  # what an edit did, or why it did nothing: for the status line

    HEIGHT = 26

    def __init__(self, doc: Document, view: Viewport, transport: TransportState, roll=None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc, self.view, self.transport, self.roll = doc, view, transport, roll
        self.interactive = True  # False: Type a Symbol… opens no modal dialog (tests)
        # Tracks not to read the melody from (the window: tracks a kept version added).
        self.generated = lambda: set()
        self.label = QLabel("Chords", parent)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setFixedHeight(self.HEIGHT)
        self.label.setToolTip("The chord track")
        self._detected: list[ChordChange] | None = None
        self._key: Key | None = None
        self._dirty = True
        self._hover = -1
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DETECT_DELAY_MS)
        self._timer.timeout.connect(self._refresh_suggestions)
        self.setFixedHeight(self.HEIGHT)
        self.setMouseTracking(True)
        self.setToolTip(self._tip())
        doc.reset.connect(self._song_loaded)
        for signal in (doc.tracks_changed, doc.song_changed):
            signal.connect(self._melody_changed)
        for signal in (doc.notes_changed, doc.track_changed):  # notes; a track made drums
            signal.connect(lambda _i: self._melody_changed())
        doc.chords_changed.connect(self._chords_changed)
        view.changed.connect(self.update)
        transport.loop_changed.connect(self.update)
        transport.position_changed.connect(lambda _t: self.update())
        self.actions_by_name = self._make_actions()

    def _make_actions(self) -> dict[str, QAction]:
        detect = QAction("Detect &Chords", self)
        detect.setObjectName("action_detect_chords")
        detect.setToolTip("Make the chords detected from the melody the song's chord track "
                          "(one undo step)")
        detect.triggered.connect(lambda _c=False: self.detect_all())
        clear = QAction("Clear Chord Track", self)
        clear.setObjectName("action_clear_chords")
        clear.setToolTip("Remove the song's chords: the lane suggests chords from the melody again")
        clear.triggered.connect(lambda _c=False: self.clear())
        show = QAction("&Chords", self, checkable=True)
        show.setObjectName("action_show_chords")
        show.setChecked(True)
        show.setToolTip("Show the chord lane above the piano roll")
        show.toggled.connect(self.set_shown)
        return {"detect": detect, "clear": clear, "show": show}

    def set_shown(self, on: bool) -> None:
        self.setVisible(on)
        self.label.setVisible(on)
        if self.actions_by_name["show"].isChecked() != on:
            self.actions_by_name["show"].setChecked(on)

    # --- what the lane shows -------------------------------------------------------------
    @property
    def suggesting(self) -> bool:
        """True while the song has no chord track: the lane shows detected chords."""
        return not self.doc.comp.chords

    def chords(self) -> list[ChordChange]:
        """The chords shown: the song's, or (without a chord track) the detected ones."""
        return list(self.doc.comp.chords) or self.suggestions()

    def suggestions(self) -> list[ChordChange]:
        """The chords detected from the melody as it is now."""
        if self._dirty or self._detected is None:
            self._refresh_suggestions(repaint=False)
        return list(self._detected or [])

    def key(self) -> Key:
        """The song's key, else the melody's, else C major: the menu's chords, the spelling."""
        if self._dirty or self._detected is None:
            self._refresh_suggestions(repaint=False)
        return self.doc.comp.key or self._key or Key(0, "major")

    def melody_track(self) -> int:
        """The track chords are detected from: the first pitched one with notes that no
        version added, else the current track if it has notes; -1 when there is none."""
        comp, skip = self.doc.comp, self.generated()
        for i, track in enumerate(comp.tracks):
            if i not in skip and not track.is_drum and track.notes:
                return i
        current = self.doc.current_track
        if 0 <= current < len(comp.tracks) and comp.tracks[current].notes:
            return current
        return -1

    def _melody_changed(self) -> None:
        self._dirty = True
        self._timer.start()  # detection waits until edits pause
        self.setToolTip(self._tip())
        self.update()

    def _song_loaded(self) -> None:
        self._detected = None  # never the last song's chords, not even for a moment
        self._hover = -1
        self._melody_changed()

    def _chords_changed(self) -> None:
        self.setToolTip(self._tip())
        self.update()

    def _refresh_suggestions(self, repaint: bool = True) -> None:
        self._timer.stop()
        self._dirty = False
        comp, track = self.doc.comp, self.melody_track()
        notes = comp.tracks[track].notes if track >= 0 else []
        self._key = detect_key([n.pitch for n in notes], [n.duration for n in notes]) if notes else None
        self._detected = detect_song_chords(comp, track, comp.key or self._key) if notes else []
        if repaint:
            self.setToolTip(self._tip())
            self.update()

    def _tip(self) -> str:
        if not self.suggesting:
            return "The song's chords: click one to change it, insert or remove a change, or re-detect"
        track = self.melody_track() if not self._dirty else -1
        source = f" from {self.doc.track(track).name}" if track >= 0 else " from the melody"
        return (f"Chords suggested{source} (GAN accompaniment follows them). Click one to "
                "change it, or Edit > Detect Chords to make them the song's")

    def lane_end(self, chords: list[ChordChange]) -> int:
        bar = self.doc.comp.ticks_per_bar
        end = -(-self.doc.comp.end // bar) * bar
        return max(end, (chords[-1].tick + bar) if chords else 0)

    def boxes(self, chords: list[ChordChange]) -> list[tuple[int, int]]:
        """Each change's span in ticks: to the next change, the last to the song's end."""
        end = self.lane_end(chords)
        return [(c.tick, chords[i + 1].tick if i + 1 < len(chords) else end)
                for i, c in enumerate(chords)]

    # --- painting ------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect, view, comp = QRectF(event.rect()), self.view, self.doc.comp
        p.fillRect(rect, LANE_BG)
        if self.transport.has_loop:
            x0, x1 = view.x(self.transport.loop_start), view.x(self.transport.loop_end)
            p.fillRect(QRectF(x0, 0, x1 - x0, self.height()), LOOP_FILL.lighter(200))
        bar = comp.ticks_per_bar
        if bar * view.px_per_tick >= 6:
            p.setPen(BAR_LINE)
            tick = int(view.tick(rect.left()) // bar) * bar
            while view.x(tick) <= rect.right():
                x = round(view.x(tick))
                p.drawLine(x, 0, x, self.height())
                tick += bar
        suggested = self.suggesting
        if self._detected is None and suggested:
            self._refresh_suggestions(repaint=False)
        chords = list(comp.chords) or list(self._detected or [])
        if not chords:
            p.setPen(HINT_TEXT)
            p.drawText(QRectF(6, 0, max(0, self.width() - 12), self.height()),
                       Qt.AlignmentFlag.AlignVCenter, "Click to add a chord")
        else:
            self._paint_chords(p, rect, chords, suggested)
        x = round(view.x(self.transport.position))
        p.setPen(PLAYHEAD_PEN)
        p.drawLine(x, 0, x, self.height())
        p.end()

    def _paint_chords(self, p: QPainter, rect: QRectF, chords: list[ChordChange],
                      suggested: bool) -> None:
        view, key = self.view, self.doc.comp.key or self._key
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, font.pointSizeF()))
        font.setBold(not suggested)
        font.setItalic(suggested)
        p.setFont(font)
        metrics = p.fontMetrics()
        edge = QPen(SUGGESTED_EDGE if suggested else SONG_EDGE, 1,
                    Qt.PenStyle.DashLine if suggested else Qt.PenStyle.SolidLine)
        for i, (change, (t0, t1)) in enumerate(zip(chords, self.boxes(chords))):
            x0, x1 = view.x(t0), view.x(t1)
            if x1 < rect.left() - 1 or x0 > rect.right() + 1:
                continue
            box = QRectF(x0 + 1.5, 3.5, max(2.0, x1 - x0 - 3), self.height() - 7)
            p.setPen(edge)
            fill = HOVER_FILL if i == self._hover else (QColor(0, 0, 0, 0) if suggested else SONG_FILL)
            p.setBrush(fill)
            p.drawRoundedRect(box, 3, 3)
            left = max(box.left(), rect.left(), 0.0) + 4  # a long chord keeps its name in view
            right = box.right() - 3
            if right - left < 7:
                continue
            text = metrics.elidedText(chord_name(change.chord, key), Qt.TextElideMode.ElideRight,
                                      int(right - left))
            p.setPen(SUGGESTED_TEXT if suggested else SONG_TEXT)
            p.drawText(QRectF(left, 0, right - left, self.height()),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)

    # --- the mouse -----------------------------------------------------------------------
    def mouseMoveEvent(self, event) -> None:
        chords = list(self.doc.comp.chords) or list(self._detected or [])
        hover = change_index(chords, self.view.tick(event.position().x()))
        if hover != self._hover:
            self._hover = hover
            self.update()

    def leaveEvent(self, event) -> None:
        self._hover = -1
        self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return
        menu = self.menu_for(int(self.view.tick(event.position().x())))
        menu.exec(self.mapToGlobal(event.position().toPoint()))
        menu.deleteLater()

    # --- positions in words ------------------------------------------------------------------
    def beat_ticks(self) -> int:
        comp = self.doc.comp
        return comp.ticks_per_beat * (3 if is_compound(comp.time_signature) else 1)

    def where(self, tick: int) -> str:
        """'bar 3' or 'bar 3, beat 2' (beats as the metre counts them)."""
        bar, within = divmod(tick, self.doc.comp.ticks_per_bar)
        beat = within // self.beat_ticks()
        return f"bar {bar + 1}" + (f", beat {beat + 1}" if within else "")

    def bars_text(self, start: int, end: int) -> str:
        bar = self.doc.comp.ticks_per_bar
        first, last = start // bar + 1, max(start // bar + 1, -(-end // bar))
        return f"bar {first}" if first == last else f"bars {first}\u2013{last}"

    def span_text(self, start: int, end: int) -> str:
        """'bar 3, beats 1–2' for part of a bar, else 'bars 3–4' (or 'bar 3')."""
        bar, beat = self.doc.comp.ticks_per_bar, self.beat_ticks()
        first, within = divmod(start, bar)
        if end - start >= bar or (end - 1) // bar != first:
            return self.bars_text(start, end)
        k0, k1 = within // beat + 1, max(within // beat + 1, -(-(end - first * bar) // beat))
        return f"bar {first + 1}, beat {k0}" if k0 == k1 else f"bar {first + 1}, beats {k0}\u2013{k1}"

    def region_for(self, tick: int) -> tuple[int, int, str]:
        """What Re-detect covers: the loop region, else the selected notes, else the
        clicked bar; in whole bars. Returns start, end and the words for it."""
        bar = self.doc.comp.ticks_per_bar
        if self.transport.has_loop:
            start, end, what = self.transport.loop_start, self.transport.loop_end, "loop region"
        elif self.roll is not None and self.roll.selection:
            start = min(n.start for n in self.roll.selection)
            end = max(n.end for n in self.roll.selection)
            what = "selection"
        else:
            start, end, what = tick, tick + 1, ""
        start = start // bar * bar
        end = max(start + bar, -(-end // bar) * bar)
        words = self.bars_text(start, end)
        return start, end, f"{words} ({what})" if what else words

    # --- the menu ----------------------------------------------------------------------
    def menu_for(self, tick: int) -> QMenu:
        """The menu a click at `tick` opens (tests trigger its actions by objectName)."""
        chords, key = self.chords(), self.key()
        i = change_index(chords, tick)
        current = chords[i] if i >= 0 else None
        suggested = self.suggesting
        menu = QMenu(self)
        menu.setObjectName("chord_menu")
        if current is not None:
            t0, t1 = self.boxes(chords)[i]
            head = f"{chord_name(current.chord, key)}: {self.span_text(t0, t1)}"
            head += " (suggested)" if suggested else ""
        else:
            head = f"{self.bars_text(tick, tick + 1).capitalize()}: no chord"
        menu.addAction(head).setEnabled(False)
        offered = sorted(suggestions(key), key=lambda c: not c.pitch_classes <= key.scale)
        for k, chord in enumerate(offered):
            if k and offered[k - 1].pitch_classes <= key.scale and not chord.pitch_classes <= key.scale:
                menu.addSection("Borrowed and secondary")
            symbol = chord_name(chord, key)
            action = menu.addAction(symbol)
            action.setObjectName(f"chord_{symbol}")
            action.setCheckable(True)
            action.setChecked(current is not None and chord == current.chord)
            action.triggered.connect(lambda _c=False, c=chord: self.set_chord(tick, c))
        typed = menu.addAction("Type a Symbol\u2026")
        typed.setObjectName("chord_type")
        typed.setToolTip("Any chord: Am7, D/F#, G7, Bbmaj7, Esus4 …")
        typed.triggered.connect(lambda _c=False: self.ask_symbol(tick))
        menu.addSeparator()
        beat = tick // self.beat_ticks() * self.beat_ticks()
        sounding = chords[change_index(chords, beat)].chord if change_index(chords, beat) >= 0 else None
        insert = menu.addMenu(f"Insert a Change at {self.where(beat).capitalize()}")
        insert.menuAction().setObjectName("chord_insert")
        for chord in offered:
            if chord == sounding:
                continue
            symbol = chord_name(chord, key)
            action = insert.addAction(symbol)
            action.setObjectName(f"insert_{symbol}")
            action.triggered.connect(lambda _c=False, c=chord: self.insert_change(beat, c))
        typed = insert.addAction("Type a Symbol\u2026")
        typed.setObjectName("insert_type")
        typed.triggered.connect(lambda _c=False: self.ask_symbol(beat, insert=True))
        remove = menu.addAction("Remove This Change")
        remove.setObjectName("chord_remove")
        remove.setEnabled(current is not None)
        remove.triggered.connect(lambda _c=False: self.remove_change(tick))
        menu.addSeparator()
        start, end, words = self.region_for(tick)
        redetect = menu.addAction(f"Re-detect Chords in {words}")
        redetect.setObjectName("chord_redetect")
        redetect.setEnabled(self.melody_track() >= 0)
        redetect.triggered.connect(lambda _c=False: self.redetect(start, end))
        menu.addAction(self.actions_by_name["detect"])
        menu.addAction(self.actions_by_name["clear"])
        self.actions_by_name["clear"].setEnabled(not suggested)
        return menu

    def ask_symbol(self, tick: int, insert: bool = False) -> bool:
        """Type a Symbol…: a dialog that only accepts a valid symbol."""
        chords, key = self.chords(), self.key()
        i = change_index(chords, tick)
        initial = "" if insert or i < 0 else chord_name(chords[i].chord, key)
        dialog = SymbolDialog(key, initial, f"Chord at {self.where(tick)}", self)
        dialog.setObjectName("chord_symbol_dialog")
        self.last_dialog = dialog
        if not self.interactive:
            dialog.show()
            return False
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        return self.type_symbol(tick, dialog.edit.text(), insert) is None

    # --- edits: each one undo step ------------------------------------------------------------
    def _push(self, chords: list[ChordChange], text: str) -> bool:
        new = normalized(chords)
        if new == list(self.doc.comp.chords):
            return False
        self.doc.undo_stack.push(SetChords(self.doc, new, text))
        self.message.emit(text)
        return True

    def set_chord(self, tick: int, chord: Chord) -> bool:
        """Change the chord sounding at `tick` (before the first change: add one at the
        bar). Without a chord track, the suggestions become the song's with it."""
        chords, key = self.chords(), self.key()
        i = change_index(chords, tick)
        name = chord_name(chord, key)
        if i < 0:
            bar = tick // self.doc.comp.ticks_per_bar * self.doc.comp.ticks_per_bar
            return self._push(chords + [ChordChange(bar, chord)], f"Chord {name} at {self.where(bar)}")
        old = chords[i]
        if old.chord == chord:
            return self.suggesting and self._push(chords, "Use the suggested chords")
        chords[i] = ChordChange(old.tick, chord)
        return self._push(chords, f"Chord {chord_name(old.chord, key)} \u2192 {name} "
                                  f"at {self.where(old.tick)}")

    def insert_change(self, tick: int, chord: Chord) -> bool:
        """A new change at `tick` (a beat), to `chord`."""
        chords = self.chords()
        return self._push(chords + [ChordChange(tick, chord)],
                          f"Insert chord {chord_name(chord, self.key())} at {self.where(tick)}")

    def remove_change(self, tick: int) -> bool:
        """Remove the change sounding at `tick`: the chord before it lasts longer."""
        chords = self.chords()
        i = change_index(chords, tick)
        if i < 0:
            return False
        old = chords.pop(i)
        return self._push(chords, f"Remove chord {chord_name(old.chord, self.key())} "
                                  f"at {self.where(old.tick)}")

    def type_symbol(self, tick: int, text: str, insert: bool = False) -> str | None:
        """Set (or with `insert`, insert at `tick`) the chord typed; returns why the text
        is not a chord symbol, changing nothing, or None."""
        problem = symbol_problem(text)
        if problem is not None:
            self.message.emit(problem)
            return problem
        chord = Chord.parse(text)
        if insert:
            self.insert_change(tick, chord)
        else:
            self.set_chord(tick, chord)
        return None

    def redetect(self, start: int, end: int) -> bool:
        """Detected chords for bars [start, end), the others kept. Detection reads the
        whole melody, so the region's chords fit the phrase around them."""
        if self.melody_track() < 0:
            self.message.emit("No melody to detect chords from: a track with notes")
            return False
        detected = self.suggestions()
        text = f"Re-detect chords in {self.bars_text(start, end)}"
        if not self._push(with_region(self.chords(), detected, start, end), text):
            self.message.emit(f"{text}: no change")
            return False
        return True

    def detect_all(self) -> bool:
        """Edit > Detect Chords: the detected chords become the song's chord track."""
        if self.melody_track() < 0:
            self.message.emit("No melody to detect chords from: a track with notes")
            return False
        detected = self.suggestions()
        if not self._push(detected, "Detect chords"):
            self.message.emit("The chord track already holds the detected chords")
            return False
        return True

    def clear(self) -> bool:
        return self._push([], "Clear chord track")
