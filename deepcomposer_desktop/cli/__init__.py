"""`deepcomposer`: the command line of docs/ARCHITECTURE.md ("The CLI contract").

Each sub-command lives in its own module with `register(subparsers)` and
`run(args) -> int`. Exit status: 0 done, 2 usage, 3 unreadable input, 4 a model
or SoundFont missing or damaged; errors are one line on stderr, no traceback
(set DEEPCOMPOSER_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .. import __version__
from ..errors import DeepComposerError

# Sub-command modules, in the order `--help` lists them.
COMMANDS = ["studio", "info", "models", "generate", "render", "train", "devices"]


def _available_commands() -> dict:
    modules = {}
    for name in COMMANDS:
        try:
            modules[name] = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    return modules


def build_parser(modules: dict) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deepcomposer",
        description="DeepComposer Desktop: AI accompaniment, melody enhancement and "
                    "continuation, offline. With no command, opens the studio window.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in modules.values():
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    modules = _available_commands()
    # `deepcomposer [FILE]` opens the studio, as a desktop app's launcher expects.
    if "studio" in modules and (not argv or (argv[0] not in modules and not argv[0].startswith("-"))):
        argv = ["studio", *argv]
    parser = build_parser(modules)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(modules[args.command].run(args) or 0)
    except DeepComposerError as exc:
        print(f"deepcomposer: error: {_one_line(exc)}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("deepcomposer: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output went away (`deepcomposer models | head`)
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        print("deepcomposer: error: the output pipe was closed", file=sys.stderr)
        return 3
    except OSError as exc:  # a file the command reads or writes: the disk, not the app
        if os.environ.get("DEEPCOMPOSER_DEBUG"):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"deepcomposer: error: {where}{_one_line(exc.strerror or exc)}", file=sys.stderr)
        return 3
    except Exception as exc:  # a bug: still one line unless asked for more
        if os.environ.get("DEEPCOMPOSER_DEBUG"):
            raise
        print(f"deepcomposer: internal error: {type(exc).__name__}: {_one_line(exc)} "
              "(set DEEPCOMPOSER_DEBUG=1 for details)", file=sys.stderr)
        return 1


def _one_line(text: object) -> str:
    """A message as the one line of stderr the contract allows."""
    return " ".join(str(text).split())
