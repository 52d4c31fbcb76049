"""`deepcomposer info FILE [--json]`: what a MIDI file or sample holds."""

from __future__ import annotations

import json

from ..music import load_composition
from ..music.gm import program_name


def register(sub) -> None:
    p = sub.add_parser("info", help="describe a MIDI file or sample:NAME")
    p.add_argument("file", help="a MIDI file or sample:NAME (e.g. sample:twinkle)")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args) -> int:
    comp = load_composition(args.file)
    info = comp.summary()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['title']}: {info['bars']} bars, {info['seconds']:.1f} s, "
          f"{info['tempo_bpm']:g} bpm, {info['time_signature']}, key {info['key'] or 'unknown'}")
    for t in info["tracks"]:
        instrument = "Drums" if t["is_drum"] else program_name(t["program"])
        print(f"  {t['name']:<24} ch {t['channel'] + 1:>2}  {instrument:<28} {t['notes']} notes")
    return 0
