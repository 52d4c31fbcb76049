"""`deepcomposer [FILE]` / `deepcomposer studio [FILE]`: open the studio window."""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidInputError, MissingResourceError


def register(subparsers) -> None:
    p = subparsers.add_parser("studio", help="open the studio window (the default command)")
    p.add_argument("file", nargs="?", help="a MIDI file, a .dcproj project or sample:NAME to open")


def run(args) -> int:
    if args.file and not args.file.startswith("sample:") and not Path(args.file).is_file():
        raise InvalidInputError(f"no such file: {args.file}")
    try:
        from ..ui.app import run_studio
    except ImportError as exc:  # PySide6 missing or its system libraries absent
        raise MissingResourceError(f"the studio window needs PySide6 ({exc})") from None
    return run_studio(args.file)
