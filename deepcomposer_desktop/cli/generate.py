"""`deepcomposer generate --mode MODE [--model ID] --input IN --output OUT.mid [--seed N]`.

gan: adds accompaniment tracks. arcnn: enhances (or, with --region-bars, inpaints)
the melody track. transformer: continues the melody track by --extend-seconds.

Modes plug in through MODES: a function (composition, args) -> Composition and an
option group registered in `register`. Without --model, the first installed model
of the mode is used. Exit 3 for bad input, 4 for a missing or damaged model.
"""

from __future__ import annotations

import sys

from ..errors import InvalidInputError
from ..music import load_composition, write_midi


def _key(args):
    if not args.key:
        return None
    from ..music.keys import Key
    try:
        return Key.parse(args.key)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc


def _check_track(comp, args) -> None:
    if not 0 <= args.track < len(comp.tracks):
        raise InvalidInputError(f"--track {args.track}: the input has {len(comp.tracks)} track(s)")


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


def _validated(params):
    """Parameters out of range are the user's input error (exit 3)."""
    try:
        params.validate()
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None
    return params


def _session(args, mode: str):
    from ..generation.registry import default_registry
    registry = default_registry()
    return registry.session(args.model or registry.default_id(mode), mode)


def _gan(comp, args):
    from ..generation.gan import generate_accompaniment
    from ..generation.registry import default_registry
    model_id = args.model or default_registry().default_id("gan")
    key_lock = False if args.no_key_lock else (True if args.key_lock else None)
    return generate_accompaniment(comp, model_id, seed=args.seed, key_lock=key_lock,
                                  key=_key(args), track=args.track, candidates=args.candidates)


def _arcnn(comp, args):
    from ..generation.arcnn import ArcnnRunner, EnhanceParams, enhance
    session, card = _session(args, "arcnn")
    grid = card["grid"]
    runner = ArcnnRunner(session, grid.get("lowest", 36), grid.get("pitches", 64),
                         grid.get("steps", 128))
    bars = _span(args.region_bars, "--region-bars")
    region = None
    if bars is not None:
        if bars[0] < 1:
            raise InvalidInputError("--region-bars counts from bar 1")
        region = ((bars[0] - 1) * comp.ticks_per_bar, bars[1] * comp.ticks_per_bar)
    params = EnhanceParams(iterations=args.iterations, max_add=args.max_add,
                           max_remove_percent=args.max_remove_percent,
                           temperature=args.temperature, key_lock=args.key_lock,
                           key=_key(args) or comp.key, region=region,
                           pitch_region=_span(args.pitch_range, "--pitch-range"),
                           seed=args.seed, track=args.track)
    return enhance(comp, runner, _validated(params))


def _transformer(comp, args):
    from ..generation.transformer import ExtendParams, TokenRunner, extend
    session, card = _session(args, "transformer")
    runner = TokenRunner(session, card["transformer"].get("max_len", 1024))
    params = ExtendParams(extend_seconds=args.extend_seconds, input_seconds=args.input_seconds,
                          temperature=args.temperature, sampling=args.sampling,
                          threshold=args.threshold, max_rest_seconds=args.max_rest_seconds,
                          max_chord_notes=args.max_chord_notes, key=_key(args) or comp.key,
                          key_lock=args.key_lock, quantize=args.quantize, seed=args.seed,
                          track=args.track)
    return extend(comp, runner, _validated(params))


MODES = {"gan": _gan, "arcnn": _arcnn, "transformer": _transformer}


def register(subparsers) -> None:
    p = subparsers.add_parser("generate", help="accompany, enhance or continue a melody")
    p.add_argument("--mode", choices=sorted(MODES), default="gan")
    p.add_argument("--model", help="model id (see `deepcomposer models`)")
    p.add_argument("--input", required=True, help="a MIDI file or sample:NAME")
    p.add_argument("--output", required=True, help="the MIDI file to write")
    p.add_argument("--seed", type=int, help="the same seed gives the same output")
    p.add_argument("--track", type=int, default=0, help="the melody track (0 = first)")
    p.add_argument("--key", help="key for the key lock, e.g. 'D major' (default: the song's "
                   "key, else detected)")
    p.add_argument("--temperature", type=float, default=1.0,
                   help="creative risk (arcnn, transformer): higher is bolder; arcnn 0.5-6")
    g = p.add_argument_group("gan")
    g.add_argument("--no-key-lock", action="store_true",
                   help="allow accompaniment notes outside the melody's key (default: the "
                   "model card's)")
    g.add_argument("--candidates", type=int, metavar="N",
                   help="accompaniments drawn for every 2 bars, the one most consonant with the "
                   "melody kept (1-64; default: the model card's)")
    a = p.add_argument_group("all modes")
    a.add_argument("--key-lock", action="store_true",
                   help="new notes only from the key's scale (off by default for arcnn and "
                   "transformer; gan: the model card's default)")
    a = p.add_argument_group("arcnn")
    a.add_argument("--iterations", type=int, default=100,
                   help="sampling iterations: one note cell added or removed each (0-100, more allowed)")
    a.add_argument("--max-add", type=int, default=500, help="maximum note cells to add (50-1000)")
    a.add_argument("--max-remove-percent", type=float, default=100.0,
                   help="maximum %% of the input's note cells to remove (0-100)")
    a.add_argument("--region-bars", help="inpaint only these bars, e.g. 3-4 (from bar 1)")
    a.add_argument("--pitch-range", help="inpaint only these MIDI pitches, e.g. 60-72")
    t = p.add_argument_group("transformer")
    t.add_argument("--extend-seconds", type=float, default=20.0,
                   help="seconds of music to add (default 20, up to 600)")
    t.add_argument("--input-seconds", type=float, default=10.0,
                   help="prime with the last S seconds of the melody")
    t.add_argument("--sampling", choices=("topk", "nucleus"), default="topk")
    t.add_argument("--threshold", type=float,
                   help="k for topk (default 40) or p for nucleus (default 0.9)")
    t.add_argument("--max-rest-seconds", type=float, default=2.0,
                   help="longer silences in the continuation are shortened to this")
    t.add_argument("--max-chord-notes", type=int, default=4,
                   help="at most this many new notes sounding at once")
    t.add_argument("--quantize", help="snap the continuation to a grid, e.g. 1/16")


def run(args) -> int:
    comp = load_composition(args.input)
    _check_track(comp, args)
    result = MODES[args.mode](comp, args)
    write_midi(result, args.output)
    notes = sum(len(t.notes) for t in result.tracks)
    print(f"wrote {args.output}: {len(result.tracks)} tracks, {notes} notes, "
          f"{result.bars} bars", file=sys.stderr)
    return 0
