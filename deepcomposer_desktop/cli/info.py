"""`deepcomposer info FILE [--json]`: what a MIDI file, project or sample holds: its
tracks, key and chords a bar (the song's chord track, else detected from the first
track with notes)."""

from __future__ import annotations

import json

from ._shared import load_input
from ..music.chords import detect_song_chords, format_progression
from ..music.gm import program_name
from ..music.keys import detect_key


def register(sub) -> None:
    p = sub.add_parser("info", help="describe a MIDI file, a .dcproj or sample:NAME")
    p.add_argument("file", help="a MIDI file, a .dcproj or sample:NAME (e.g. sample:twinkle)")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args) -> int:
    comp = load_input(args.file)
    info = comp.summary()
    melody = next((i for i, t in enumerate(comp.tracks) if t.notes and not t.is_drum), None)
    key = comp.key
    if key is None and melody is not None:
        notes = comp.tracks[melody].notes
        key = detect_key([n.pitch for n in notes], [n.duration for n in notes])
        info["key"] = f"{key.name} (detected)"
    chords = comp.chords or (detect_song_chords(comp, melody, key) if melody is not None else [])
    info["chords"] = format_progression(chords, comp.ticks_per_bar, comp.bars, key)
    info["chords_detected"] = not comp.chords
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['title']}: {info['bars']} bars, {info['seconds']:.1f} s, "
          f"{info['tempo_bpm']:g} bpm, {info['time_signature']}, key {info['key'] or 'unknown'}")
    for t in info["tracks"]:
        instrument = "Drums" if t["is_drum"] else program_name(t["program"])
        print(f"  {t['name']:<24} ch {t['channel'] + 1:>2}  {instrument:<28} {t['notes']} notes")
    if info["chords"]:
        where = "detected from the melody" if info["chords_detected"] else "the song's chord track"
        print(f"Chords ({where}), a bar each:")
        for i in range(0, len(info["chords"]), 8):
            print("  " + " | ".join(f"{c:<7}" for c in info["chords"][i:i + 8]).rstrip())
    return 0
