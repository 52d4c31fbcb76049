"""Mouse gestures of the piano roll, as a mixin of PianoRoll.

A gesture keeps its state in `self._drag` and paints a preview; the model changes
once, on release, as one undo command.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt

from ..music.composition import Note
from .commands import plural
from .roll_geometry import PITCHES

EDGE_PX = 5


def _alt(event) -> bool:
    return bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)


class RollGestures:
    """Expects: doc, view, selection, _drag, snap_step(), snapped(), note_at(), _replace()."""

    def _near_end(self, note: Note, x: float) -> bool:
        right = self.view.x(note.end)
        return right - EDGE_PX <= x <= right + 1 and note.duration * self.view.px_per_tick > 2 * EDGE_PX

    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if self.doc.current_track < 0:
            return
        pos = event.position()
        note = self.note_at(pos)
        if event.button() == Qt.MouseButton.RightButton:
            if note is not None:  # right-click erases, as in most DAWs' pencil
                self._replace([note], [], "Delete note")
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if note is None and self.tool == "draw":
            self._start_draw(pos, _alt(event))
        elif note is not None:
            if shift:
                self.set_selection(self.selection ^ {note})
            elif note not in self.selection:
                self.set_selection({note})
            if note in self.selection:
                mode = "resize" if self._near_end(note, pos.x()) else "move"
                self._drag = {"mode": mode, "origin": pos, "anchor": note, "dt": 0, "dp": 0, "dd": 0}
                self.note_previewed.emit(note.pitch, note.velocity)
        else:
            if not shift:
                self.clear_selection()
            self._drag = {"mode": "rubber", "origin": pos, "pos": pos, "base": set(self.selection)}

    def _start_draw(self, pos, free: bool) -> None:
        start = self.snapped(self.view.tick(pos.x()), floor=True, free=free)
        note = Note(start, self.view.pitch(pos.y()), self.snap_step() if not free else
                    max(1, self.snap_step()), 100)
        self._drag = {"mode": "draw", "origin": pos, "note": note, "dd": 0}
        self.note_previewed.emit(note.pitch, note.velocity)
        self.update()

    def mouseMoveEvent(self, event) -> None:
        pos, drag = event.position(), self._drag
        if drag is None:
            note = self.note_at(pos)
            resize = note is not None and self._near_end(note, pos.x())
            self.setCursor(Qt.CursorShape.SizeHorCursor if resize else Qt.CursorShape.ArrowCursor)
            return
        free = _alt(event)
        dtick = (pos.x() - drag["origin"].x()) / self.view.px_per_tick
        mode = drag["mode"]
        if mode == "move":
            anchor = drag["anchor"]
            dt = self.snapped(anchor.start + dtick, free=free) - anchor.start
            drag["dt"] = max(dt, -min(n.start for n in self.selection))
            dp = self.view.pitch(pos.y()) - self.view.pitch(drag["origin"].y())
            low, high = min(n.pitch for n in self.selection), max(n.pitch for n in self.selection)
            dp = max(-low, min(PITCHES - 1 - high, dp))
            if dp != drag["dp"]:
                drag["dp"] = dp
                self.note_previewed.emit(anchor.pitch + dp, anchor.velocity)
        elif mode == "resize":
            anchor = drag["anchor"]
            dd = self.snapped(anchor.end + dtick, free=free) - anchor.end
            drag["dd"] = max(dd, 1 - min(n.duration for n in self.selection))
        elif mode == "draw":
            note = drag["note"]
            end = self.snapped(self.view.tick(pos.x()), free=free)
            drag["dd"] = max(end, note.start + (1 if free else self.snap_step())) - note.end
        elif mode == "rubber":
            drag["pos"] = pos
            box = QRectF(drag["origin"], pos).normalized()
            hits = self.index(self.doc.current_track).in_range(
                self.view.tick(box.left()), self.view.tick(box.right()),
                self.view.pitch(box.bottom()), self.view.pitch(box.top()))
            self.selection = drag["base"] | set(hits)
            self.selection_changed.emit()
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        drag, self._drag = self._drag, None
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            self.update()
            return
        notes = sorted(self.selection)
        mode = drag["mode"]
        if mode == "move" and (drag["dt"] or drag["dp"]):
            moved = [n.moved(start=n.start + drag["dt"], pitch=n.pitch + drag["dp"]) for n in notes]
            self._replace(notes, moved, f"Move {plural(len(notes), 'note')}")
        elif mode == "resize" and drag["dd"]:
            resized = [n.moved(duration=n.duration + drag["dd"]) for n in notes]
            self._replace(notes, resized, f"Resize {plural(len(notes), 'note')}")
        elif mode == "draw":
            note = drag["note"]
            self._replace([], [note.moved(duration=note.duration + drag["dd"])], "Draw note")
        self.update()

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.note_at(event.position()) is None \
                and self.doc.current_track >= 0:
            self._drag = None
            pos = event.position()
            start = self.snapped(self.view.tick(pos.x()), floor=True, free=_alt(event))
            self._replace([], [Note(start, self.view.pitch(pos.y()), self.snap_step(), 100)], "Draw note")

    def wheelEvent(self, event) -> None:
        mods, delta = event.modifiers(), event.angleDelta()
        steps = (delta.y() or delta.x()) / 120
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        if ctrl and shift:
            self.view.zoom_y(1.15 ** steps, event.position().y())
        elif ctrl:
            self.view.zoom_x(1.25 ** steps, event.position().x())
        elif shift or delta.x():
            self.view.set_scroll(x=self.view.scroll_x - steps * 60)
        else:
            self.view.set_scroll(y=self.view.scroll_y - steps * 3 * self.view.key_h, view_h=self.height())
        event.accept()
