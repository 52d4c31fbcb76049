"""Long work off the GUI thread: request -> worker -> result.

`JobRunner` owns a one-thread pool. The GUI captures a job's inputs, submits a
plain function, and gets `progress`, `finished`, `failed` or `cancelled` back on
the GUI thread. A new submission cancels the job still running (its result is
stale), and Cancel asks the running function to stop at its next progress call.

The function receives a `Progress` object: call `progress(fraction, text)` from
time to time; it raises `Cancelled` (the core's, deepcomposer_desktop.progress)
once the job has been cancelled, so core jobs that take a `progress(fraction)`
stop at their next call.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..progress import Cancelled


class Progress:
    def __init__(self, job: "Job") -> None:
        self._job = job

    def __call__(self, fraction: float, text: str = "") -> None:
        if self._job.cancel_requested.is_set():
            raise Cancelled()
        self._job.signals.progress.emit(self._job.id, max(0.0, min(1.0, float(fraction))), text)

    @property
    def cancelled(self) -> bool:
        return self._job.cancel_requested.is_set()


class _JobSignals(QObject):
    # Emitted from the pool thread; Qt queues them to the receivers' (GUI) thread.
    progress = Signal(int, float, str)
    done = Signal(int, object, object)  # job id, result, error text (or None)


class Job(QRunnable):
    def __init__(self, job_id: int, fn: Callable[[Progress], Any]) -> None:
        super().__init__()
        self.id, self.fn = job_id, fn
        self.cancel_requested = threading.Event()
        self.signals = _JobSignals()
        self.setAutoDelete(False)  # the runner keeps it until its result is delivered

    def run(self) -> None:
        try:
            if self.cancel_requested.is_set():
                raise Cancelled()
            result, error = self.fn(Progress(self)), None
        except Cancelled:
            result, error = None, Cancelled
        except Exception as exc:  # reported to the GUI, which shows one clear line
            traceback.print_exc()
            result, error = None, f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)
        self.signals.done.emit(self.id, result, error)


class JobRunner(QObject):
    started = Signal(int, str)          # job id, title
    progress = Signal(int, float, str)  # job id, 0..1, text
    finished = Signal(int, object)      # job id, result
    failed = Signal(int, str)           # job id, message
    cancelled = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._next_id = 1
        self._jobs: dict[int, Job] = {}
        self._callbacks: dict[int, Callable[[Any], None] | None] = {}

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def submit(self, fn: Callable[[Progress], Any], title: str = "",
               on_result: Callable[[Any], None] | None = None) -> int:
        """Queue `fn(progress)`; older jobs still pending or running are cancelled."""
        for job in self._jobs.values():
            job.cancel_requested.set()
        job = Job(self._next_id, fn)
        self._next_id += 1
        job.signals.progress.connect(self._on_progress)
        job.signals.done.connect(self._on_done)
        self._jobs[job.id] = job
        self._callbacks[job.id] = on_result
        self.started.emit(job.id, title)
        self.pool.start(job)
        return job.id

    def cancel(self, job_id: int | None = None) -> None:
        for jid, job in self._jobs.items():
            if job_id is None or jid == job_id:
                job.cancel_requested.set()

    def wait(self, msecs: int = -1) -> bool:
        """Block until the pool is idle (tests and shutdown)."""
        return self.pool.waitForDone(msecs)

    def _on_progress(self, job_id: int, fraction: float, text: str) -> None:
        job = self._jobs.get(job_id)
        if job is not None and not job.cancel_requested.is_set():
            self.progress.emit(job_id, fraction, text)

    def _on_done(self, job_id: int, result, error) -> None:
        job = self._jobs.pop(job_id, None)
        callback = self._callbacks.pop(job_id, None)
        if job is None:
            return
        if error is Cancelled or job.cancel_requested.is_set():
            self.cancelled.emit(job_id)  # a stale or cancelled result is dropped, never applied
        elif error is not None:
            self.failed.emit(job_id, str(error))
        else:
            if callback is not None:
                callback(result)
            self.finished.emit(job_id, result)
