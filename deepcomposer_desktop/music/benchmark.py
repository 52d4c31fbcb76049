"""The user-melody benchmark kept in the repository, read without music21.

resources/benchmark/melodies.json: folk melodies (music21's Essen, O'Neill and Ryan
collections, never trained on) in 2/4, 3/4, 6/8 and 4/4, for `make eval`.
resources/benchmark/leadsheets.json: melodies with chords written by people, for
checking chord detection. Both are written by
`python -m deepcomposer_desktop.training.benchmark_build`; see its docstring for
how the tunes were chosen. Notes are [start, pitch, duration] in ticks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidInputError
from .composition import Composition, Note, Tempo, Track
from .keys import Key

BENCHMARK_DIR = Path(__file__).resolve().parents[2] / "resources" / "benchmark"
MELODIES = BENCHMARK_DIR / "melodies.json"
LEADSHEETS = BENCHMARK_DIR / "leadsheets.json"
TRIAD_QUALITIES = ("major", "minor", "diminished", "augmented")


@dataclass(frozen=True)
class HumanChord:
    tick: int
    root: int  # pitch class
    quality: str  # one of TRIAD_QUALITIES, or "other" (a suspension, an augmented sixth...)
    label: str  # as the person wrote it: "G7", "a: viio6"


@dataclass(frozen=True)
class BenchmarkTune:
    id: str
    title: str
    source: str
    licence: str
    metre: tuple[int, int]
    key: Key
    tempo_bpm: float
    ppq: int
    notes: tuple[Note, ...]
    chords: tuple[HumanChord, ...] = field(default=())

    def composition(self) -> Composition:
        """The melody as a song: one track, its metre, key and tempo."""
        return Composition(tracks=[Track("Melody", 0, 0, notes=list(self.notes))], ppq=self.ppq,
                           tempos=[Tempo.from_bpm(0, self.tempo_bpm)],
                           time_signature=self.metre, key=self.key, title=self.title)


def _tune(item: dict, ppq: int) -> BenchmarkTune:
    num, den = (int(v) for v in item["metre"].split("/"))
    notes = tuple(sorted(Note(int(s), int(p), int(d)) for s, p, d in item["notes"]))
    chords = tuple(HumanChord(int(t), int(r), str(q), str(label))
                   for t, r, q, label in item.get("chords", []))
    return BenchmarkTune(item["id"], item.get("title", item["id"]), item["source"],
                         item.get("licence", ""), (num, den), Key.parse(item["key"]),
                         float(item["tempo_bpm"]), ppq, notes, chords)


def _load(path: Path, list_key: str, limit: int | None) -> list[BenchmarkTune]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        items = data[list_key]
        ppq = int(data["ppq"])
        tunes = [_tune(it, ppq) for it in items[:limit]]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InvalidInputError(f"{path}: not a benchmark file ({e})") from None
    return tunes


def load_melodies(path: Path | str = MELODIES, limit: int | None = None) -> list[BenchmarkTune]:
    """The benchmark's melodies, in the file's order (the first `limit` of them)."""
    return _load(Path(path), "melodies", limit)


def load_leadsheets(path: Path | str = LEADSHEETS, limit: int | None = None) -> list[BenchmarkTune]:
    """The melodies with human chords (`BenchmarkTune.chords`)."""
    return _load(Path(path), "leadsheets", limit)


def spread(tunes: list[BenchmarkTune], n: int) -> list[BenchmarkTune]:
    """`n` tunes taken round-robin over the metres (a small, varied subset)."""
    by_metre: dict[tuple[int, int], list[BenchmarkTune]] = {}
    for t in tunes:
        by_metre.setdefault(t.metre, []).append(t)
    out, queues = [], list(by_metre.values())
    while len(out) < n and any(queues):
        for q in queues:
            if q and len(out) < n:
                out.append(q.pop(0))
    return out
