"""The piano roll: every track in its colour, the current one editable.

Mouse: in the Select tool a click selects (Shift adds), a drag on a note moves the
selection, a drag on a note's right edge resizes it, a drag on empty space draws a
rubber band, a double-click draws a note. The Draw tool draws with a single click.
Alt held while dragging ignores the snap grid. Each gesture is pushed as ONE undo
command on mouse release; until then only a preview is painted.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import QWidget

from ..music.composition import Note, Track
from ..music.edit import quantize
from . import roll_painter as rp
from .commands import ReplaceNotes, plural
from .document import Document
from .roll_gestures import RollGestures
from .roll_geometry import NoteIndex, Viewport, snap_floor, snap_round, snap_ticks
from .transport_state import TransportState


class PianoRoll(RollGestures, QWidget):
    selection_changed = Signal()
    note_previewed = Signal(int, int)  # pitch, velocity: sound a note being drawn/moved

    def __init__(self, doc: Document, view: Viewport, transport: TransportState, parent=None) -> None:
        super().__init__(parent)
        self.doc, self.view, self.transport = doc, view, transport
        self.snap = "1/16"
        self.tool = "select"
        self.selection: set[Note] = set()
        self._indexes: dict[int, NoteIndex] = {}
        self._drag: dict | None = None
        self.live_notes = None  # a callable giving the take being recorded, or None
        # A version shown from the Versions list: its tracks drawn over the song (not
        # part of it, so never edited) and the song's tracks it replaces drawn faintly.
        self.overlay: list[Track] = []
        self.hidden: set[int] = set()
        self._overlay_indexes: list[NoteIndex] = []
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(200, 120)
        doc.reset.connect(self._forget_all)
        doc.tracks_changed.connect(self._forget_all)
        doc.notes_changed.connect(self._forget_track)
        doc.track_changed.connect(self.update)
        doc.song_changed.connect(self.update)
        doc.current_track_changed.connect(lambda _i: self.clear_selection())
        view.changed.connect(self.update)
        transport.position_changed.connect(self._playhead_moved)
        transport.loop_changed.connect(self.update)
        self.actions_by_name = self._make_actions()

    # --- actions: shortcuts that work while the roll has focus --------------------------
    def _make_actions(self) -> dict[str, QAction]:
        specs = [("select_all", "Select all notes", QKeySequence.StandardKey.SelectAll, self.select_all),
                 ("delete", "Delete notes", QKeySequence.StandardKey.Delete, self.delete_selection),
                 ("duplicate", "Duplicate notes", "Ctrl+D", self.duplicate_selection),
                 ("quantize", "Quantize to the snap grid", "Q", self.quantize_selection),
                 ("up", "Transpose up", "Up", lambda: self.transpose_selection(1)),
                 ("down", "Transpose down", "Down", lambda: self.transpose_selection(-1)),
                 ("octave_up", "Transpose up an octave", "Ctrl+Up", lambda: self.transpose_selection(12)),
                 ("octave_down", "Transpose down an octave", "Ctrl+Down",
                  lambda: self.transpose_selection(-12))]
        actions = {}
        for name, text, keys, slot in specs:
            action = QAction(text, self)
            extra = [QKeySequence("Backspace")] if name == "delete" else []
            action.setShortcuts([QKeySequence(keys), *extra])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            actions[name] = action
        return actions

    # --- note lookup ----------------------------------------------------------------------
    def index(self, track: int) -> NoteIndex:
        if track not in self._indexes:
            self._indexes[track] = NoteIndex.build(self.doc.track(track).notes)
        return self._indexes[track]

    def set_overlay(self, tracks: list[Track], hidden: set[int]) -> None:
        """Show a version: `tracks` over the song, the song's `hidden` tracks faint."""
        self.overlay, self.hidden = list(tracks), set(hidden)
        self._overlay_indexes = [NoteIndex.build(t.notes) for t in self.overlay]
        self.update()

    def _forget_all(self) -> None:
        self._indexes.clear()
        self.selection.clear()
        self.selection_changed.emit()
        self.update()

    def _forget_track(self, track: int) -> None:
        self._indexes.pop(track, None)
        if track == self.doc.current_track:
            alive = set(self.doc.track(track).notes)
            self.selection &= alive
            self.selection_changed.emit()
        self.update()

    def note_at(self, pos: QPointF) -> Note | None:
        track = self.doc.current_track
        if track < 0:
            return None
        tick, pitch = self.view.tick(pos.x()), self.view.pitch(pos.y())
        hits = self.index(track).in_range(tick, tick + 1, pitch, pitch)
        return hits[-1] if hits else None

    def snap_step(self) -> int:
        return snap_ticks(self.doc.comp.ppq, self.snap)

    # --- selection and keyboard edits -------------------------------------------------
    def set_selection(self, notes) -> None:
        self.selection = set(notes)
        self.selection_changed.emit()
        self.update()

    def clear_selection(self) -> None:
        self.set_selection(())

    def select_all(self) -> None:
        if self.doc.current_track >= 0:
            self.set_selection(self.doc.track(self.doc.current_track).notes)

    def _replace(self, removed: list[Note], added: list[Note], text: str) -> None:
        if self.doc.current_track < 0 or (not removed and not added):
            return
        self.doc.undo_stack.push(ReplaceNotes(self.doc, self.doc.current_track, removed, added, text))
        self.set_selection(added)

    def delete_selection(self) -> None:
        if self.selection:
            self._replace(sorted(self.selection), [], f"Delete {plural(len(self.selection), 'note')}")

    def duplicate_selection(self) -> None:
        if not self.selection:
            return
        start = min(n.start for n in self.selection)
        span = max(n.end for n in self.selection) - start
        step = self.snap_step()
        shift = -(-span // step) * step  # round the span up to the grid
        self._replace([], [n.moved(start=n.start + shift) for n in sorted(self.selection)],
                      f"Duplicate {plural(len(self.selection), 'note')}")

    def quantize_selection(self) -> None:
        """Snap starts (and ends) of the selection, or of the whole track, to the grid."""
        if self.doc.current_track < 0 or self.snap == "off":
            return
        notes = sorted(self.selection) or sorted(self.doc.track(self.doc.current_track).notes)
        snapped = quantize(notes, self.doc.comp.ppq, self.snap.lower(), ends=True)
        if snapped != notes:
            self._replace(notes, snapped, f"Quantize {plural(len(notes), 'note')} to {self.snap}")

    def transpose_selection(self, semitones: int) -> None:
        notes = sorted(self.selection)
        if not notes or not all(0 <= n.pitch + semitones <= 127 for n in notes):
            return
        self._replace(notes, [n.moved(pitch=n.pitch + semitones) for n in notes],
                      f"Transpose {semitones:+d}")

    # --- painting -------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        self.paint(p, QRectF(event.rect()))
        p.end()

    def paint(self, p: QPainter, rect: QRectF) -> None:
        view, comp, current = self.view, self.doc.comp, self.doc.current_track
        rp.paint_background(p, view, rect, comp, self.snap_step())
        for i in range(len(comp.tracks)):
            if i != current:
                color = QColor(self.doc.track_color(i))
                color.setAlpha(30 if i in self.hidden else 70 if comp.tracks[i].mute else 130)
                index = self.index(i)
                if rp.many_in_view(index, view, rect):
                    rp.paint_notes_raster(p, view, rect, index, color)
                else:
                    rp.paint_notes(p, view, rect, rp.visible_notes(index, view, rect), color,
                                   outline=False)
        if current not in self.hidden:
            self._paint_overlay(p, rect)
        if current >= 0:
            color = QColor(self.doc.track_color(current))
            if current in self.hidden:
                color.setAlpha(60)
            index = self.index(current)
            moving = self._drag is not None and self._drag["mode"] in ("move", "resize")
            if rp.many_in_view(index, view, rect) and not moving:
                rp.paint_notes_raster(p, view, rect, index, color)
            else:
                shown = rp.visible_notes(index, view, rect)
                if moving:
                    shown = [n for n in shown if n not in self.selection]
                rp.paint_notes(p, view, rect, shown, color, outline=True, velocity_shade=True)
            self._paint_selection(p, color, moving)
        if current in self.hidden:  # a take of the current track: drawn over it
            self._paint_overlay(p, rect)
        if self.live_notes is not None and current >= 0:
            take = [n for n in self.live_notes() if n.end > view.tick(rect.left())]
            rp.paint_notes(p, view, rect, take, QColor("#ff8a65"), outline=True)
        loop = (self.transport.loop_start, self.transport.loop_end) if self.transport.has_loop else None
        rp.paint_loop_and_playhead(p, view, rect, loop, self.transport.position)

    def overlay_color(self, k: int) -> QColor:
        """A take keeps the colour of the track it replaces; new tracks the palette's next."""
        if len(self.hidden) == 1 and len(self.overlay) == 1:
            color = QColor(self.doc.track_color(next(iter(self.hidden))))
        else:
            from .document import PALETTE
            color = QColor(PALETTE[(len(self.doc.comp.tracks) + k) % len(PALETTE)])
        return color

    def _paint_overlay(self, p: QPainter, rect: QRectF) -> None:
        for k, index in enumerate(self._overlay_indexes):
            color = self.overlay_color(k)
            color.setAlpha(70 if self.overlay[k].mute else 200)
            if rp.many_in_view(index, self.view, rect):
                rp.paint_notes_raster(p, self.view, rect, index, color)
            else:
                rp.paint_notes(p, self.view, rect, rp.visible_notes(index, self.view, rect),
                               color, outline=True)

    def _paint_selection(self, p: QPainter, color: QColor, moving: bool) -> None:
        drag = self._drag or {}
        dt, dp, dd = (drag.get("dt", 0), drag.get("dp", 0), drag.get("dd", 0)) if moving else (0, 0, 0)
        p.setPen(rp.SELECTED_PEN)
        p.setBrush(color.lighter(130))
        p.drawRects([rp.note_rect(self.view, n, dt, dp, dd) for n in self.selection])
        if drag.get("mode") == "draw":
            p.drawRect(rp.note_rect(self.view, drag["note"], dd=drag.get("dd", 0)))
        if drag.get("mode") == "rubber":
            p.setPen(QPen(QColor("#ffffff"), 1, Qt.PenStyle.DashLine))
            p.setBrush(QColor(255, 255, 255, 30))
            p.drawRect(QRectF(drag["origin"], drag["pos"]).normalized())

    def _playhead_moved(self, tick: int) -> None:
        x = round(self.view.x(tick))
        if self.transport.playing and not 0 <= x < self.width() and self._drag is None:
            # follow playback a page at a time, as DAWs do
            self.view.set_scroll(x=max(0.0, tick * self.view.px_per_tick - self.width() * 0.1))
            self._last_playhead_x = None
            return
        # repaint only the strips the playhead leaves and enters, not the whole roll
        old = getattr(self, "_last_playhead_x", None)
        self._last_playhead_x = x
        for px in (old, x):
            if px is not None:
                self.update(QRect(px - 3, 0, 6, self.height()))

    def snapped(self, tick: float, *, floor: bool = False, free: bool = False) -> int:
        if free:
            return max(0, int(round(tick)))
        step = self.snap_step()
        return max(0, snap_floor(tick, step) if floor else snap_round(tick, step))
