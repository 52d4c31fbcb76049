"""Autosave and crash recovery at start-up, through library/autosave.py.

Every change to the song (the undo stack's index moving) starts a short timer,
and the autosave is written when it fires, so changes in quick succession make
one write and no change waits more than AUTOSAVE_DELAY_MS. The GUI thread only
takes a snapshot of the song; serialising and the atomic write happen on one
writer thread, in order. A take being recorded is saved too, every
AUTOSAVE_DELAY_MS, before it becomes an undo step. The file is removed when the
user saves or quits cleanly, and left behind by a crash for `offer()` to bring
back at the next start.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from ..errors import DeepComposerError
from ..library.autosave import Autosaver, Recoverable, recoverable
from ..music.composition import Composition, Note
from .document import Document

log = logging.getLogger(__name__)

AUTOSAVE_DELAY_MS = 1000  # from a change to its autosave (the promise is: within 2 s)


class AutosaveController(QObject):
    saved = Signal(str)   # the autosave's path, after each write (on the GUI thread)
    failed = Signal(str)  # why a write failed (a full disk...); the next change retries

    def __init__(self, doc: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.autosaver = Autosaver()
        self.live_take: Callable[[], tuple[int, list[Note]] | None] | None = None
        self.versions: Callable[[], dict | None] | None = None  # the song's versions, to keep too
        self._versions_changed = False  # versions added or kept since the song was saved
        self._changes = 0  # undo stack moves so far (an index can come back with other content)
        self._saved_changes: int | None = None  # ...as many as the autosave holds
        self._saved_live: tuple[int, list[Note]] | None = None  # the take as last written
        self._enabled = False
        self._closed = False  # after discard(): the writer thread is gone
        self._lock = threading.Lock()  # one write, or one discard, at a time
        self._generation = 0           # bumped by each discard: older queued writes are void
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self._pending: Future | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(AUTOSAVE_DELAY_MS)
        self.timer.timeout.connect(self._due)
        doc.undo_stack.indexChanged.connect(self._changed)
        doc.undo_stack.cleanChanged.connect(self._clean_changed)
        doc.reset.connect(self._forget)
        self.failed.connect(self._write_failed)

    def start(self) -> None:
        self._enabled = True
        self._arm()

    def _changed(self, _index: int = 0) -> None:
        self._changes += 1
        self._arm()

    def versions_changed(self) -> None:
        """Something the autosave keeps besides the song changed (its versions)."""
        self._versions_changed = True
        self._changed()

    def _arm(self) -> None:
        if self._enabled and not self.timer.isActive():  # a burst of changes: one write
            self.timer.start()

    def follow_recording(self) -> None:
        """A take started: save it as it grows, every AUTOSAVE_DELAY_MS, until it stops."""
        self._arm()

    def _due(self) -> None:
        self.save_now()
        if self.live_take is not None and self.live_take() is not None:
            self.timer.start()  # still recording

    def _live_notes(self) -> tuple[int, list[Note]] | None:
        live = self.live_take() if self.live_take is not None else None
        return live if live and live[1] else None

    def save_now(self) -> bool:
        """Queue a write of the autosave if there is unsaved work it does not hold yet
        (`flush()` waits for it). Returns whether one was queued."""
        if self._closed:
            return False
        stack = self.doc.undo_stack
        live = self._live_notes()
        unsaved = ((not stack.isClean() or self._versions_changed)
                   and self._changes != self._saved_changes)
        if not unsaved and (live is None or live == self._saved_live):
            return False
        self._saved_live = live
        comp = snapshot(self.doc.comp)
        if live is not None and 0 <= live[0] < len(comp.tracks):
            track = comp.tracks[live[0]]
            track.notes = sorted([*track.notes, *live[1]])
        source = str(self.doc.path) if self.doc.path else None
        versions = self.versions() if self.versions is not None else None
        self._saved_changes = self._changes
        self._pending = self._writer.submit(self._write, comp, source, versions, self._generation)
        return True

    def _write(self, comp: Composition, source: str | None, versions: dict | None,
               generation: int) -> None:
        """On the writer thread: serialise and write atomically, unless discarded since."""
        with self._lock:
            if generation != self._generation:
                return
            try:
                path = self.autosaver.save(comp, source, versions)
            except (OSError, DeepComposerError) as exc:
                self.failed.emit(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                return
            except Exception as exc:  # a bug must not pass in silence on this thread, nor stop it
                log.exception("autosave failed")
                self.failed.emit(f"{type(exc).__name__}: {exc}")
                return
        self.saved.emit(str(path))

    def _write_failed(self, _why: str) -> None:
        self._saved_changes = self._saved_live = None  # a full disk must not stop the music: retry
        self._arm()

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until the writes queued so far are on disk (recovery, tests)."""
        pending = self._pending
        if pending is not None:
            pending.result(timeout)

    def _clean_changed(self, clean: bool) -> None:
        if clean:  # saved by the user: nothing left to recover
            self._forget()

    def _forget(self) -> None:
        self.timer.stop()
        self._saved_changes = self._saved_live = None
        self._versions_changed = False
        with self._lock:  # waits for a write in progress; later queued ones see the new generation
            self._generation += 1
            self.autosaver.discard()

    def discard(self) -> None:
        """A clean exit: no autosave is left behind, and none is written after."""
        self._enabled = False
        self._closed = True
        self._forget()
        self._writer.shutdown(wait=True)

    def offer(self, ask: Callable[[Recoverable], bool],
              load_versions: Callable[[dict | None], None] | None = None) -> bool:
        """Offer the newest autosave a crashed instance left; load it if `ask` agrees
        (and its versions through `load_versions`). Loaded work stays unsaved
        (modified) until the user saves it."""
        found = recoverable(exclude=self.autosaver.path)
        if not found or not ask(found[0]):
            return False
        try:
            comp = found[0].load()
        except DeepComposerError:
            return False
        self.doc.load(comp, None)
        if load_versions is not None:
            from ..library.project import load_project_versions
            load_versions(load_project_versions(found[0].path))
        self.doc.undo_stack.resetClean()  # unsaved: closing asks, saving clears the autosave
        self.save_now()  # kept safe under this instance's name before the old file goes
        self.flush()
        found[0].path.unlink(missing_ok=True)
        return True


def snapshot(comp: Composition) -> Composition:
    """A copy the writer thread may read while the song goes on changing: tracks and
    their note lists are new (notes themselves are immutable), the rest deep-copied."""
    tracks = comp.tracks
    copied = copy.deepcopy(comp, {id(tracks): []})  # everything but the tracks...
    copied.tracks = [track.copy() for track in tracks]  # ...which are copied shallowly
    return copied


def describe(found: Recoverable) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(found.saved_at))
    source = f" (from {found.source})" if found.source else ""
    return f"“{found.title}”{source}, autosaved {when}"
