"""The one progress-and-cancel protocol of every long job (generation, rendering,
training steps run in process).

A job takes a `Progress`, a callable it calls now and then with the fraction done
(0 to 1). To stop a job, the caller's callable raises `Cancelled`; the job never
catches it, so nothing half-done is returned. The window's worker and the CLI pass
their own callables; `None` means nobody is watching.
"""

from __future__ import annotations

from typing import Callable, Optional

Progress = Optional[Callable[[float], None]]


class Cancelled(Exception):
    """Raised from a progress callable when the user stopped the job."""


def report(progress: Progress, fraction: float) -> None:
    """Call `progress` (if any) with `fraction` clamped to 0..1."""
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))))


def part(progress: Progress, start: float, end: float) -> Progress:
    """A progress for a sub-job that covers `start`..`end` of its parent's."""
    if progress is None:
        return None
    return lambda f: report(progress, start + (end - start) * f)
