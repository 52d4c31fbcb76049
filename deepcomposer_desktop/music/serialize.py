"""Composition <-> plain dict (JSON), for project files, autosave and the library.

Loading validates everything a hand-edited or damaged file may get wrong and
raises InvalidInputError naming the problem; nothing is ever unpickled.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInputError
from .composition import Composition, Note, Tempo, Track
from .chords import Chord, ChordChange
from .keys import Key

MAX_NOTES = 2_000_000


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
        return _from_dict(data)
    except InvalidInputError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise InvalidInputError(f"damaged composition data ({type(exc).__name__}: {exc})") from None


def _from_dict(data: dict) -> Composition:
    if not isinstance(data, dict):
        raise InvalidInputError("damaged composition data (not an object)")
    tracks, total = [], 0
    for t in data.get("tracks", []):
        raw = t.get("notes", [])
        total += len(raw)
        if total > MAX_NOTES:
            raise InvalidInputError(f"the composition has more than {MAX_NOTES:,} notes")
        notes = [Note(int(s), int(p), int(d), int(v)) for s, p, d, v in raw]
        tracks.append(Track(
            name=str(t.get("name", "Track")), program=int(t.get("program", 0)),
            channel=int(t.get("channel", 0)), is_drum=bool(t.get("is_drum", False)),
            notes=notes, mute=bool(t.get("mute", False)), solo=bool(t.get("solo", False)),
            volume=int(t.get("volume", 100)), pan=int(t.get("pan", 64)),
            color=str(t.get("color", "")),
        ))
    num, den = data.get("time_signature", [4, 4])
    key = data.get("key")
    return Composition(
        tracks=tracks,
        ppq=int(data.get("ppq", 480)),
        tempos=[Tempo(int(tick), int(us)) for tick, us in data.get("tempos", [[0, 500000]])],
        time_signature=(int(num), int(den)),
        key=Key.parse(key) if key else None,
        title=str(data.get("title", "Untitled")),
        chords=[ChordChange(int(tick), Chord.parse(str(symbol)))
                for tick, symbol in data.get("chords", [])],
    )
