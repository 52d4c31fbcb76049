"""`deepcomposer generate --mode MODE [--model ID] --input IN --output OUT.mid [--seed N]`.

Modes plug in through MODES: a function (composition, args) -> Composition and an
option group registered in `register`. Without --model, the first installed model
of the mode is used. Exit 3 for bad input, 4 for a missing or damaged model.
"""

from __future__ import annotations

import sys

from ..music import load_composition, write_midi


def _gan(comp, args):
    from ..generation.gan import generate_accompaniment
    from ..generation.registry import default_registry
    model_id = args.model or default_registry().default_id("gan")
    key = None
    if args.key:
        from ..errors import InvalidInputError
        from ..music.keys import Key
        try:
            key = Key.parse(args.key)
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from exc
    return generate_accompaniment(comp, model_id, seed=args.seed, key_lock=not args.no_key_lock,
                                  key=key, track=args.track)


MODES = {"gan": _gan}


def register(subparsers) -> None:
    p = subparsers.add_parser("generate", help="accompany, enhance or continue a melody")
    p.add_argument("--mode", choices=sorted(MODES), default="gan")
    p.add_argument("--model", help="model id (see `deepcomposer models`)")
    p.add_argument("--input", required=True, help="a MIDI file or sample:NAME")
    p.add_argument("--output", required=True, help="the MIDI file to write")
    p.add_argument("--seed", type=int, help="the same seed gives the same output")
    p.add_argument("--track", type=int, default=0, help="the melody track (0 = first)")
    g = p.add_argument_group("gan")
    g.add_argument("--no-key-lock", action="store_true",
                   help="allow accompaniment notes outside the melody's key")
    g.add_argument("--key", help="key for the key lock, e.g. 'D major' (default: detected)")


def run(args) -> int:
    comp = load_composition(args.input)
    result = MODES[args.mode](comp, args)
    write_midi(result, args.output)
    notes = sum(len(t.notes) for t in result.tracks)
    print(f"wrote {args.output}: {len(result.tracks)} tracks, {notes} notes, "
          f"{result.bars} bars", file=sys.stderr)
    return 0
