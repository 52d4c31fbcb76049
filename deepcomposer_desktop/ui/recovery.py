"""Autosave on a timer and crash recovery at start-up, through library/autosave.py.

The autosave is written only when the song changed since the last one (the undo
stack's index moved), removed when the user saves or quits cleanly, and left
behind by a crash for `offer()` to bring back at the next start.
"""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QObject, QTimer

from ..errors import DeepComposerError
from ..library.autosave import Autosaver, Recoverable, recoverable
from .document import Document

AUTOSAVE_MS = 60_000


class AutosaveController(QObject):
    def __init__(self, doc: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.autosaver = Autosaver()
        self._saved_at_index: int | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.save_now)
        doc.undo_stack.cleanChanged.connect(self._clean_changed)
        doc.reset.connect(self._forget)

    def start(self) -> None:
        self.timer.start()

    def save_now(self) -> bool:
        """Write the autosave if there is unsaved work it does not hold yet."""
        stack = self.doc.undo_stack
        if stack.isClean() or stack.index() == self._saved_at_index:
            return False
        try:
            self.autosaver.save(self.doc.comp, str(self.doc.path) if self.doc.path else None)
        except (OSError, DeepComposerError):
            return False  # a full disk must not interrupt the music; the next tick retries
        self._saved_at_index = stack.index()
        return True

    def _clean_changed(self, clean: bool) -> None:
        if clean:  # saved by the user: nothing left to recover
            self._forget()

    def _forget(self) -> None:
        self._saved_at_index = None
        self.autosaver.discard()

    def discard(self) -> None:
        self.timer.stop()
        self._forget()

    def offer(self, ask: Callable[[Recoverable], bool]) -> bool:
        """Offer the newest autosave a crashed instance left; load it if `ask` agrees.
        Loaded work stays unsaved (modified) until the user saves it."""
        found = recoverable(exclude=self.autosaver.path)
        if not found or not ask(found[0]):
            return False
        try:
            comp = found[0].load()
        except DeepComposerError:
            return False
        self.doc.load(comp, None)
        self.doc.undo_stack.resetClean()  # unsaved: closing asks, saving clears the autosave
        self.save_now()  # kept safe under this instance's name before the old file goes
        found[0].path.unlink(missing_ok=True)
        return True


def describe(found: Recoverable) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(found.saved_at))
    source = f" (from {found.source})" if found.source else ""
    return f"“{found.title}”{source}, autosaved {when}"
