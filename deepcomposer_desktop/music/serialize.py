"""Composition <-> plain dict (JSON), for project files, autosave and the library.

Loading validates everything a hand-edited or damaged file may get wrong, field by
field (types, and the ranges MIDI import uses: music/limits.py), and raises
InvalidInputError naming the field; nothing is ever unpickled.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..errors import InvalidInputError
from .composition import Composition, Note, Tempo, Track
from .chords import Chord, ChordChange
from .keys import Key
from .limits import MAX_NOTES, MAX_PPQ, MAX_TICK, MAX_TRACKS, check_song, time_signature_problem

MAX_TEMPOS = 1_000_000
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def composition_to_dict(comp: Composition) -> dict[str, Any]:
    return {
        "title": comp.title,
        "ppq": comp.ppq,
        "tempos": [[t.tick, t.usec_per_beat] for t in comp.tempos],
        "time_signature": list(comp.time_signature),
        "key": comp.key.name if comp.key else None,
        "chords": [[c.tick, c.chord.symbol(comp.key)] for c in comp.chords],
        "tracks": [
            {
                "name": t.name, "program": t.program, "channel": t.channel, "is_drum": t.is_drum,
                "mute": t.mute, "solo": t.solo, "volume": t.volume, "pan": t.pan, "color": t.color,
                # Columns rather than objects: a 20 000-note song stays a small file.
                "notes": [[n.start, n.pitch, n.duration, n.velocity] for n in sorted(t.notes)],
            }
            for t in comp.tracks
        ],
    }


def composition_from_dict(data: Any) -> Composition:
    try:
        comp = _from_dict(data)
    except InvalidInputError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise InvalidInputError(f"damaged composition data ({type(exc).__name__}: {exc})") from None
    check_song(comp)  # the bounds MIDI import checks: length, ticks, metre
    return comp


def _bad(where: str, what: str) -> InvalidInputError:
    return InvalidInputError(f"damaged composition data ({where} {what})")


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a huge number"
    return text if len(text) <= 40 else text[:37] + "..."


def _int(value: Any, where: str, low: int, high: int) -> int:
    """A whole number (an integral float is accepted) within low..high."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(where, f"must be a whole number, not {_show(value)}")
    if not low <= value <= high:
        raise _bad(where, f"{_show(value)} is outside {low}-{high}")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _bad(where, f"must be true or false, not {_show(value)}")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _bad(where, f"must be text, not {_show(value)}")
    return value


def _list(value: Any, where: str, most: int, length: int | None = None) -> list:
    if not isinstance(value, list):
        raise _bad(where, f"must be a list, not {_show(value)}")
    if len(value) > most or (length is not None and len(value) != length):
        raise _bad(where, f"has {len(value):,} items; expected "
                          f"{length if length is not None else f'at most {most:,}'}")
    return value


def _notes(raw: Any, where: str, budget: int) -> list[Note]:
    raw = _list(raw, where, MAX_NOTES)
    if len(raw) > budget:
        raise InvalidInputError(f"the composition has more than {MAX_NOTES:,} notes")
    notes = []
    for i, n in enumerate(raw):
        # The common case, checked fast: four plain ints in range.
        if type(n) is list and len(n) == 4 and all(type(x) is int for x in n):
            s, p, d, v = n
            if 0 <= s <= MAX_TICK and 0 <= p <= 127 and 1 <= d <= MAX_TICK and 1 <= v <= 127:
                notes.append(Note(s, p, d, v))
                continue
        at = f"{where}.{i}"
        s, p, d, v = _list(n, at, 4, 4)
        notes.append(Note(_int(s, f"{at} start", 0, MAX_TICK), _int(p, f"{at} pitch", 0, 127),
                          _int(d, f"{at} duration", 1, MAX_TICK),
                          _int(v, f"{at} velocity", 1, 127)))
    return notes


def _track(t: Any, where: str, budget: int) -> Track:
    if not isinstance(t, dict):
        raise _bad(where, "must be an object")
    color = _str(t.get("color", ""), f"{where}.color")
    if color and not _COLOR.fullmatch(color):
        raise _bad(f"{where}.color", f"{_show(color)} is not a colour like #ff8800")
    return Track(
        name=_str(t.get("name", "Track"), f"{where}.name"),
        program=_int(t.get("program", 0), f"{where}.program", 0, 127),
        channel=_int(t.get("channel", 0), f"{where}.channel", 0, 15),
        is_drum=_bool(t.get("is_drum", False), f"{where}.is_drum"),
        notes=_notes(t.get("notes", []), f"{where}.notes", budget),
        mute=_bool(t.get("mute", False), f"{where}.mute"),
        solo=_bool(t.get("solo", False), f"{where}.solo"),
        volume=_int(t.get("volume", 100), f"{where}.volume", 0, 127),
        pan=_int(t.get("pan", 64), f"{where}.pan", 0, 127),
        color=color)


def _from_dict(data: dict) -> Composition:
    if not isinstance(data, dict):
        raise InvalidInputError("damaged composition data (not an object)")
    tracks, total = [], 0
    for i, t in enumerate(_list(data.get("tracks", []), "tracks", MAX_TRACKS)):
        track = _track(t, f"tracks.{i}", MAX_NOTES - total)
        total += len(track.notes)
        tracks.append(track)
    ppq = _int(data.get("ppq", 480), "ppq", 1, MAX_PPQ)
    num, den = _list(data.get("time_signature", [4, 4]), "time_signature", 2, 2)
    num = _int(num, "time_signature numerator", 1, 255)
    den = _int(den, "time_signature denominator", 1, 64)
    problem = time_signature_problem(num, den, ppq)
    if problem:
        raise InvalidInputError(f"damaged composition data ({problem})")
    tempos = []
    for i, pair in enumerate(_list(data.get("tempos", [[0, 500000]]), "tempos", MAX_TEMPOS)):
        tick, us = _list(pair, f"tempos.{i}", 2, 2)
        tempos.append(Tempo(_int(tick, f"tempos.{i} tick", 0, MAX_TICK),
                            _int(us, f"tempos.{i} microseconds per beat", 1, 0xFFFFFF)))
    key = data.get("key")
    if key is not None:
        try:
            key = Key.parse(_str(key, "key"))
        except ValueError:
            raise _bad("key", f"{_show(key)} is not a key") from None
    chords = []
    for i, pair in enumerate(_list(data.get("chords", []), "chords", MAX_TEMPOS)):
        tick, symbol = _list(pair, f"chords.{i}", 2, 2)
        try:
            chord = Chord.parse(_str(symbol, f"chords.{i} symbol"))
        except ValueError:
            raise _bad(f"chords.{i}", f"{_show(symbol)} is not a chord symbol") from None
        chords.append(ChordChange(_int(tick, f"chords.{i} tick", 0, MAX_TICK), chord))
    return Composition(tracks=tracks, ppq=ppq, tempos=tempos, time_signature=(num, den),
                       key=key, title=_str(data.get("title", "Untitled"), "title"), chords=chords)
