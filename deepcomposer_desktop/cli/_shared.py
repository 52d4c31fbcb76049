"""What several sub-commands share: reading an input, and progress on stderr."""

from __future__ import annotations

import argparse
import sys

from ..music import Composition, load_composition


def load_input(source: str) -> Composition:
    """sample:NAME, a .dcproj project or a MIDI file (InvalidInputError if unreadable)."""
    if str(source).lower().endswith(".dcproj"):
        from ..library.project import load_project
        return load_project(source)[0]
    return load_composition(source)


def add_progress_option(parser) -> None:
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show progress on stderr (default: when stderr is a terminal)")


class ProgressLine:
    """A long job's progress on stderr: one line redrawn in place on a terminal; with
    --progress elsewhere, a line every 10 %; nothing unless one of those."""

    def __init__(self, label: str, enabled: bool | None = None) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.enabled = self.tty if enabled is None else enabled
        self.shown = -1

    def __call__(self, fraction: float) -> None:
        if not self.enabled:
            return
        percent = int(fraction * 100)
        if self.tty:
            if percent != self.shown:
                print(f"\r{self.label} {percent:3d}%", end="", file=sys.stderr, flush=True)
                self.shown = percent
        elif percent // 10 * 10 > self.shown:
            self.shown = percent // 10 * 10
            print(f"{self.label} {self.shown}%", file=sys.stderr, flush=True)

    def done(self) -> None:
        """End the redrawn line (before the command's own last line)."""
        if self.enabled and self.tty and self.shown >= 0:
            print(file=sys.stderr, flush=True)
