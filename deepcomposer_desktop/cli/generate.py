"""`deepcomposer generate --mode MODE [--model ID] --input IN --output OUT.mid [--seed N]`.

gan: adds accompaniment tracks. arcnn: enhances (or, with --region-bars, inpaints)
the melody track. transformer: continues the melody track by --extend-seconds.

The mode-specific options are built from generation/modes.py: one option per
parameter name; a parameter two modes share (--temperature) takes each mode's
default and range. Without --model, the first installed model of the mode is used.
Exit 3 for bad input, 4 for a missing or damaged model.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import InvalidInputError
from ..fileio import check_not_input, output_target
from ..generation.modes import MODES, Param, Request, preferred_model, check_seed
from ..music import write_midi
from ._shared import ProgressLine, add_progress_option, load_input


def _key(text: str | None):
    if not text:
        return None
    from ..music.keys import Key
    try:
        return Key.parse(text)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc


def _span(text: str | None, what: str) -> tuple[int, int] | None:
    """'A-B' (or 'A') -> (A, B), inclusive."""
    if not text:
        return None
    try:
        lo, _, hi = text.partition("-")
        span = (int(lo), int(hi or lo))
    except ValueError:
        raise InvalidInputError(f"{what} {text!r}: expected A-B, e.g. 3-4") from None
    if span[0] > span[1]:
        raise InvalidInputError(f"{what} {text!r}: the range is backwards")
    return span


def _option_help(params: dict[str, Param]) -> str:
    """One help line for an option that one or more modes declare."""
    def default(p: Param) -> str:
        rng = f", {p.range_text()}" if p.kind == "int" or p.kind == "float" else ""
        return f"default {p.default_text()}{rng}".replace("%", "%%")  # argparse formats help

    first = next(iter(params.values()))
    if all(p.help == first.help for p in params.values()):
        where = "; ".join(f"{m + ': ' if len(params) > 1 else ''}{default(p)}"
                          for m, p in params.items())
        return f"{first.help.replace('%', '%%')} ({where})"
    return "; ".join(f"{m}: {p.help.replace('%', '%%')} ({default(p)})" for m, p in params.items())


def _cli_params() -> dict[str, dict[str, Param]]:
    """Parameter name -> {mode: its Param} over every mode, in declaration order."""
    out: dict[str, dict[str, Param]] = {}
    for mode in MODES.values():
        for p in mode.params:
            out.setdefault(p.name, {})[mode.name] = p
    return out


def register(subparsers) -> None:
    p = subparsers.add_parser("generate", help="accompany, enhance or continue a melody")
    p.add_argument("--mode", choices=list(MODES), default="gan",
                   help="; ".join(f"{m.name}: {m.summary.lower()}" for m in MODES.values()))
    p.add_argument("--model", help="model id (see `deepcomposer models`)")
    p.add_argument("--input", required=True, help="a MIDI file, a .dcproj or sample:NAME")
    p.add_argument("--output", required=True, help="the MIDI file to write")
    p.add_argument("--seed", type=int, help="the same seed gives the same output (0-4294967295)")
    add_progress_option(p)
    p.add_argument("--track", type=int, default=0, help="the melody track (0 = first)")
    p.add_argument("--key", help="key for the key lock, e.g. 'D major' (default: the song's "
                   "key, else detected)")
    p.add_argument("--chords", metavar="'C G/B | Am F | ...'",
                   help="the chords to follow, one or more symbols a bar, | between bars "
                   "(default: the song's chord track, else detected from the melody)")
    g = p.add_argument_group("mode parameters (the modes each option applies to in its help)")
    for name, params in _cli_params().items():
        first = next(iter(params.values()))
        kwargs: dict = {"dest": name, "default": None, "help": _option_help(params)}
        if first.kind == "bool":
            kwargs["action"] = argparse.BooleanOptionalAction
        elif first.kind == "choice":  # checked by the mode (exit 3), like every value
            kwargs["metavar"] = "|".join(dict.fromkeys(c for q in params.values() for c in q.choices))
        else:
            kwargs["type"] = _number
            kwargs["metavar"] = "N"
        g.add_argument(first.flag, **kwargs)
    inpaint = [m.name for m in MODES.values() if m.inpaints]
    g.add_argument("--region-bars", help=f"{', '.join(inpaint)}: change only these bars, "
                   "e.g. 3-4 (from bar 1)")
    g.add_argument("--pitch-range", help=f"{', '.join(inpaint)}: change only these MIDI "
                   "pitches, e.g. 60-72")


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def request(args, comp) -> tuple[str, Request]:
    """The mode's values from the options (checked against the mode's ranges)."""
    from ..generation.registry import default_registry
    mode = MODES[args.mode]
    check_seed(args.seed)
    given = {p.name: getattr(args, p.name) for p in mode.params}
    stray = [q.flag for name, params in _cli_params().items() for q in params.values()
             if mode.name not in params and getattr(args, name) is not None][:1]
    if stray:
        raise InvalidInputError(f"{stray[0]} does not apply to --mode {mode.name}")
    try:
        mode.values(given)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None
    region = pitches = None
    if args.region_bars or args.pitch_range:
        if not mode.inpaints:
            raise InvalidInputError(f"--region-bars and --pitch-range do not apply to --mode "
                                    f"{mode.name}")
        bars = _span(args.region_bars, "--region-bars")
        if bars is not None:
            if bars[0] < 1:
                raise InvalidInputError("--region-bars counts from bar 1")
            region = ((bars[0] - 1) * comp.ticks_per_bar, bars[1] * comp.ticks_per_bar)
        pitches = _span(args.pitch_range, "--pitch-range")
    model = args.model or preferred_model(default_registry(), mode.name, comp, args.track)
    return mode.name, Request(model, args.track, args.seed, given, _key(args.key), region, pitches)


def run(args) -> int:
    from ..generation.modes import generate
    from ..generation.registry import default_registry
    comp = load_input(args.input)
    check_not_input(args.output, args.input)  # never write over what we read
    output_target(args.output)  # a folder or a device there: say so before generating
    if not 0 <= args.track < len(comp.tracks):
        raise InvalidInputError(f"--track {args.track}: the input has {len(comp.tracks)} track(s)")
    if args.chords:
        from ..music.chords import parse_progression
        try:
            comp.chords = parse_progression(args.chords, comp.ticks_per_bar)
        except ValueError as exc:
            raise InvalidInputError(f"--chords: {exc}") from None
    mode, req = request(args, comp)
    line = ProgressLine(MODES[mode].verb, args.progress)
    result = generate(default_registry(), mode, comp, req, progress=line).composition
    line.done()
    write_midi(result, args.output)
    notes = sum(len(t.notes) for t in result.tracks)
    print(f"wrote {args.output}: {len(result.tracks)} tracks, {notes} notes, "
          f"{result.bars} bars", file=sys.stderr)
    return 0
