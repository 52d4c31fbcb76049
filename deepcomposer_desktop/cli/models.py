"""`deepcomposer models [--json]`: the installed models, shipped and the user's own,
with their card summary; refused models (bad card, hash mismatch, a network that does
not fit its card) are listed with the reason, and the exit status is 4 if any model is
damaged. When a refused copy shadows an intact one of the same id, both are listed and
say which one is used. The JSON gives each usable model's parameters as its mode
declares them, with the card's defaults."""

from __future__ import annotations

import json


def register(subparsers) -> None:
    p = subparsers.add_parser("models", help="list installed models and their cards")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args) -> int:
    from ..generation.modes import MODES
    from ..generation.registry import default_registry
    entries = default_registry().entries()
    if args.json:
        out = []
        for e in entries:
            row = e.summary()
            if e.ok:
                mode = MODES[e.card.mode]
                defaults = mode.defaults(e.card)
                row["parameters"] = [
                    {"name": p.name, "option": p.flag, "label": p.label, "kind": p.kind,
                     "default": defaults[p.name], "low": p.low, "high": p.high, "unit": p.unit,
                     "choices": list(p.choices), "help": p.help} for p in mode.params]
            out.append(row)
        print(json.dumps(out, indent=1))
    else:
        if not entries:
            print("no models installed")
        for e in entries:
            c = e.card
            if e.ok:
                m = c.metrics.get("model", {})
                line = f"{e.id:<24} {c.mode:<12} {c.genre or '-':<18} {len(c.tracks)} tracks"
                if isinstance(m, dict) and "tonal_distance" in m:
                    line += (f"  in-scale {m.get('in_scale_rate')}  "
                             f"tonal distance {m['tonal_distance']}")
                print(line + (f"  ({e.note})" if e.note else ""))
            else:
                print(f"{e.id:<24} REFUSED: {e.problem}" + (f" ({e.note})" if e.note else ""))
    return 4 if any(not e.ok for e in entries) else 0
