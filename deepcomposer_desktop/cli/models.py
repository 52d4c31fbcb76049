"""`deepcomposer models [--json]`: the installed models, shipped and the user's own,
with their card summary; refused models (bad card, hash mismatch) are listed with
the reason, and the exit status is 4 if any model is damaged."""

from __future__ import annotations

import json


def register(subparsers) -> None:
    p = subparsers.add_parser("models", help="list installed models and their cards")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args) -> int:
    from ..generation.registry import default_registry
    entries = default_registry().entries()
    if args.json:
        print(json.dumps([e.summary() for e in entries], indent=1))
    else:
        if not entries:
            print("no models installed")
        for e in entries:
            c = e.card or {}
            if e.ok:
                m = c["metrics"].get("model", {})
                line = f"{e.id:<24} {c['mode']:<12} {c.get('genre', '-'):<18} " \
                       f"{len(c.get('tracks', []))} tracks"
                if "tonal_distance" in m:
                    line += (f"  in-scale {m.get('in_scale_rate')}  "
                             f"tonal distance {m['tonal_distance']}")
                print(line)
            else:
                print(f"{e.id:<24} REFUSED: {e.problem}")
    return 4 if any(not e.ok for e in entries) else 0
