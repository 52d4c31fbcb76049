"""Autosave and crash recovery.

The window calls `Autosaver.save(comp)` on a timer when the document changed;
each running instance writes its own file (so two windows never overwrite each
other), atomically, and removes it on a clean exit. After a crash the file stays
behind, and `recoverable()` lists it at the next start-up.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInputError
from ..music.composition import Composition
from .paths import autosave_dir
from .project import SUFFIX, load_project, save_project


@dataclass(frozen=True)
class Recoverable:
    path: Path
    title: str
    saved_at: float  # seconds since the epoch
    source: str  # the file the work came from, if any

    def load(self) -> Composition:
        return load_project(self.path)[0]


class Autosaver:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder else autosave_dir()
        self.path = self.folder / f"autosave-{os.getpid()}-{int(time.time())}{SUFFIX}"

    def save(self, comp: Composition, source: str | None = None, versions: dict | None = None) -> Path:
        """Write the autosave atomically; `versions`: the song's generated versions, kept
        in the project's `versions` field as a saved project keeps them."""
        return save_project(comp, self.path, view={"source": source or "", "saved_at": time.time()},
                            versions=versions)

    def discard(self) -> None:
        """Called on a clean exit or after the user saved: nothing to recover."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


DAMAGED_FOLDER = "damaged"


def recoverable(folder: Path | None = None, exclude: Path | None = None) -> list[Recoverable]:
    """Autosaves left by instances that did not exit cleanly, newest first.
    One that cannot be read (damaged, too deeply nested, not a file) is skipped and
    moved aside into the `damaged` sub-folder, kept there for a person to look at
    and never tried again; it never hides the others."""
    folder = Path(folder) if folder else autosave_dir()
    found = []
    for path in folder.glob(f"autosave-*{SUFFIX}"):
        if (exclude is not None and path == exclude) or _owner_alive(path):
            continue
        try:
            comp, view = load_project(path)
            saved_at = view.get("saved_at")
            if isinstance(saved_at, bool) or not isinstance(saved_at, (int, float)) \
                    or not math.isfinite(saved_at):
                saved_at = path.stat().st_mtime
        except (InvalidInputError, OSError):
            _keep_aside(path)
            continue
        source = view.get("source")
        found.append(Recoverable(path, comp.title, float(saved_at),
                                 source if isinstance(source, str) else ""))
    return sorted(found, key=lambda r: r.saved_at, reverse=True)


def _keep_aside(path: Path) -> None:
    """Move an unreadable autosave into the damaged sub-folder (best effort)."""
    aside = path.parent / DAMAGED_FOLDER
    try:
        aside.mkdir(exist_ok=True)
        os.replace(path, aside / path.name)
    except OSError:
        pass


def _owner_alive(path: Path) -> bool:
    """True while the instance that writes this autosave still runs (another window)."""
    try:
        pid = int(path.name.split("-")[1])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
