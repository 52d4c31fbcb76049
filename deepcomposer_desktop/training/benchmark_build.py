"""Build the user-melody benchmark (resources/benchmark/melodies.json) and the chord
check (resources/benchmark/leadsheets.json) from music21's bundled corpus.

    python -m deepcomposer_desktop.training.benchmark_build [--out resources/benchmark]

Melodies: folk tunes of music21's `essenFolksong`, `oneills1850` and `ryansMammoth`
(no model is trained on them), in 2/4, 3/4, 6/8 and 4/4. Every tune of those
corpora written in one of the four metres is a candidate; candidates are ordered by
the SHA-256 of their id and taken in that order, two Essen songs for each O'Neill
and each Ryan tune, until a metre has `PER_METRE`. Nothing is left out for its
quality: only a tune music21 cannot read, one whose metre changes, one with two
voices or chords (polyphonic), one shorter than 4 bars or 8 notes, or one longer
than 64 bars (the GAN's limit). Repeats are not expanded (the tune as written).

Lead sheets: melodies with chords written by people, for checking chord detection.
The folk corpora above carry next to no guitar chords (none in `ryansMammoth` or
`oneills1850` parse as chord symbols), so these are every melody in music21's
corpus with human harmony: the lead sheets (`leadSheet/`, the Nottingham sample,
the chord-realisation demo), and the soprano (top voice) of the Bach chorales
and Monteverdi madrigals that music21 ships with a Roman-numeral analysis by
people (`*.rntxt`, DCMLab/Tymoczko et al.), each chord given as root, triad
quality and the analyst's label.

Notes are [start, pitch, duration] in ticks at 480 per quarter note, bar lines on
multiples of the bar: a pick-up is placed at the end of bar 0, and a short bar
before a repeat is followed by a rest to the next bar line when no pick-up fills
it. Only training/ imports music21; the evaluation reads the JSON alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..fileio import atomic_write_bytes
from ..music.keys import detect_key

PPQ = 480
METRES = ("2/4", "3/4", "6/8", "4/4")
PER_METRE = 30
# Two Essen songs for every O'Neill and every Ryan tune: songs are what most people bring.
SOURCE_WEIGHTS = (("essenFolksong", 2), ("oneills1850", 1), ("ryansMammoth", 1))
MIN_BARS, MIN_NOTES, MAX_BARS = 4, 8, 64
FORMAT_VERSION = 1
REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "resources" / "benchmark"

LICENCES = {
    "essenFolksong": "Essen Folksong Collection (EsAC, Helmut Schaffrath, Ewa Dahlig-Turek), ABC by "
                     "Seymour Schlien, in music21's corpus; non-commercial distribution and use by "
                     "permission (music21 corpus/essenFolksong/license.txt)",
    "oneills1850": "O'Neill's Music of Ireland (1903, public domain), ABC transcription by Norbert "
                   "Paap, in music21's corpus",
    "ryansMammoth": "Ryan's Mammoth Collection (1883, public domain), ABC transcriptions contributed "
                    "to music21's corpus",
    "leadSheet": "music21 corpus lead sheet (music21 project, BSD-3; the song is public domain)",
    "nottingham-dataset": "Nottingham Music Database sample in music21's corpus (ABC with chords, "
                          "public domain tunes)",
    "demos": "music21 corpus demo (music21 project, BSD-3)",
    "bach": "J. S. Bach chorale from music21's corpus (public domain); Roman-numeral analysis "
            "from music21's corpus (bach/choraleAnalyses, by the analysts named in the file)",
    "monteverdi": "Monteverdi madrigal from music21's corpus (public domain); Roman-numeral "
                  "analysis from music21's corpus (by the analysts named in the file)",
}


class Rejected(Exception):
    """A candidate left out, with the reason (one of a few words)."""


def _corpus_root() -> Path:
    import music21  # training extra only

    return Path(os.path.dirname(music21.__file__)) / "corpus"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class AbcTune:
    id: str  # "<corpus folder>/<file>#<position in the file, from 1>"
    source: str  # path inside music21's corpus
    x: str  # the tune's X: number
    metre: str
    text: str


def _metre_of(header: str) -> str | None:
    m = re.search(r"(?m)^M:\s*(\S+)", header)
    if not m:
        return None
    return {"C": "4/4", "C|": "2/2"}.get(m.group(1), m.group(1))


def abc_tunes(folder: str) -> list[AbcTune]:
    """Every tune of one ABC folder of the corpus, in file order."""
    root = _corpus_root() / folder
    out = []
    for name in sorted(os.listdir(root)):
        if not name.endswith(".abc"):
            continue
        text = (root / name).read_text(encoding="latin-1")
        chunks = [c for c in re.split(r"(?m)^(?=X:)", text) if c.startswith("X:")]
        for i, chunk in enumerate(chunks, 1):
            x = chunk.split("\n", 1)[0][2:].strip()
            head, _, body = chunk.partition("\nK:")
            metre = _metre_of(head)
            # An inline or later M: field changes the metre: never one of ours.
            if re.search(r"(?m)^M:|\[M:", body):
                metre = "changes"
            out.append(AbcTune(f"{folder}/{name}#{i}", f"{folder}/{name}", x, metre or "none",
                               chunk))
    return out


# --- from music21 to ticks -------------------------------------------------------------------

def _ticks(ql) -> int:
    return int(round(Fraction(ql) * PPQ))


def _single_metre(part) -> str:
    from music21 import meter

    found = {ts.ratioString for ts in part.recurse().getElementsByClass(meter.TimeSignature)}
    if len(found) != 1:
        raise Rejected("metre changes" if found else "no metre")
    return found.pop()


def layout(part, bar_ql: Fraction) -> tuple[list[tuple[int, int, int]], dict[int, Fraction]]:
    """(notes [start, pitch, duration] in ticks, the bar-line position in quarters of every
    measure number) of a one-voice part, measures laid on bar lines: a short measure
    followed by a full one is a pick-up and ends at a bar line; other short measures
    start where the music is; a full measure starts at the next bar line."""
    from music21 import chord, harmony, stream

    measures = list(part.getElementsByClass(stream.Measure))
    if not measures:
        raise Rejected("unreadable")
    lengths = [Fraction(m.duration.quarterLength) for m in measures]
    full = [ln >= bar_ql for ln in lengths]
    notes: list[tuple[int, int, int]] = []
    bar_lines: dict[int, Fraction] = {}
    cursor = Fraction(0)
    for i, (m, length) in enumerate(zip(measures, lengths)):
        if length == 0:
            continue
        if full[i]:
            start = math.ceil(cursor / bar_ql) * bar_ql
            pad = Fraction(0)
        elif i + 1 < len(measures) and full[i + 1]:
            start = math.ceil((cursor + length) / bar_ql) * bar_ql - length
            pad = bar_ql - length
        else:
            start, pad = cursor, Fraction(0)
        if m.number is not None and m.number not in bar_lines:
            bar_lines[m.number] = start - pad
        for el in m.recurse().notes:
            if isinstance(el, harmony.ChordSymbol):
                continue
            if isinstance(el, chord.Chord):
                raise Rejected("polyphonic")
            ql = Fraction(el.duration.quarterLength)
            if ql == 0:  # a grace note
                continue
            onset = start + Fraction(el.getOffsetInHierarchy(m))
            notes.append((_ticks(onset), int(el.pitch.midi), _ticks(ql)))
        cursor = start + length
    notes.sort()
    for a, b in zip(notes, notes[1:]):
        if b[0] < a[0] + a[1] - PPQ // 32:  # (rounding of tuplets aside)
            raise Rejected("polyphonic")
    return [(s, p, max(1, min(d, b[0] - s) if b[0] > s else d)) for (s, p, d), b
            in zip(notes, notes[1:] + [(10**12, 0, 0)])], bar_lines


def _tempo(score, metre: str) -> tuple[float, str]:
    from music21 import tempo

    marks = list(score.recurse().getElementsByClass(tempo.MetronomeMark))
    for mark in marks:
        try:
            bpm = mark.getQuarterBPM()
        except Exception:  # a mark without a number
            continue
        if bpm and 20 <= bpm <= 400:
            return round(float(bpm), 2), "the tune's tempo mark"
    # Moderate defaults: a quarter at 100, or a dotted quarter at 60 in 6/8.
    return (90.0 if metre == "6/8" else 100.0), "default"


def _title(score, fallback: str) -> str:
    md = score.metadata
    title = (md.title if md is not None else None) or fallback
    return " ".join(str(title).split())[:120]


def _entry(tune_id: str, source: str, title: str, metre: str, notes, bpm: float, tempo_from: str,
           bar_ticks: int, extra: dict | None = None, max_bars: int | None = MAX_BARS) -> dict:
    """max_bars None: no limit (lead sheets: chord detection takes any length)."""
    if len(notes) < MIN_NOTES:
        raise Rejected("too short")
    end = max(s + d for s, _, d in notes)
    bars = -(-end // bar_ticks)
    if bars < MIN_BARS:
        raise Rejected("too short")
    if max_bars is not None and bars > max_bars:
        raise Rejected("over 64 bars")
    key = detect_key([p for _, p, _ in notes], [d for _, _, d in notes])
    folder = source.split("/")[0]
    entry = {"id": tune_id, "source": source, "licence": LICENCES[folder], "title": title,
             "metre": metre, "key": key.name, "tempo_bpm": bpm, "tempo_from": tempo_from,
             "bars": bars}
    entry.update(extra or {})
    entry["notes"] = [list(n) for n in notes]
    return entry


def _bar_ql(metre: str) -> Fraction:
    num, den = (int(v) for v in metre.split("/"))
    return Fraction(4 * num, den)


def read_abc(tune: AbcTune) -> dict:
    """One ABC tune -> a benchmark entry, or Rejected."""
    from music21 import converter

    try:
        score = converter.parse(tune.text, format="abc")
    except Exception:
        raise Rejected("unreadable") from None
    parts = list(getattr(score, "parts", [])) or [score]
    if len(parts) != 1:
        raise Rejected("polyphonic")
    part = parts[0]
    # (music21 gives an odd short bar a time signature of its own, 1/16 say: the
    # tune's metre is its M: field, which abc_tunes checks is the only one)
    metre = tune.metre
    first = next(iter(part.recurse().getElementsByClass("TimeSignature")), None)
    if first is None or first.ratioString != metre:
        raise Rejected("metre changes")
    try:
        part = part.stripTies()
    except Exception:
        raise Rejected("unreadable") from None
    bar_ql = _bar_ql(metre)
    notes, _ = layout(part, bar_ql)
    bpm, tempo_from = _tempo(score, metre)
    return _entry(tune.id, tune.source, _title(score, tune.id), metre, notes, bpm, tempo_from,
                  _ticks(bar_ql), {"x": tune.x})


def select_melodies(per_metre: int = PER_METRE, log=print) -> tuple[list[dict], dict]:
    """The benchmark's melodies and, per metre, how many candidates were left out why."""
    pools: dict[str, dict[str, list[AbcTune]]] = {m: {} for m in METRES}
    for folder, _ in SOURCE_WEIGHTS:
        for tune in abc_tunes(folder):
            if tune.metre in pools:
                pools[tune.metre].setdefault(folder, []).append(tune)
    order = [f for f, w in SOURCE_WEIGHTS for _ in range(w)]
    chosen, rejected = [], {}
    for metre in METRES:
        queues = {f: sorted(ts, key=lambda t: _hash(t.id)) for f, ts in pools[metre].items()}
        got, turn = 0, 0
        while got < per_metre and any(queues.values()):
            folder = order[turn % len(order)]
            turn += 1
            if not queues.get(folder):
                continue
            tune = queues[folder].pop(0)
            try:
                chosen.append(read_abc(tune))
                got += 1
            except Rejected as why:
                key = f"{metre} {why}"
                rejected[key] = rejected.get(key, 0) + 1
        log(f"  {metre}: {got} melodies")
    return chosen, rejected


# --- lead sheets ------------------------------------------------------------------------------

TRIAD_QUALITIES = ("major", "minor", "diminished", "augmented")


def _human_chord(c, label: str) -> tuple[int, str, str]:
    root = c.root()
    quality = c.quality if c.quality in TRIAD_QUALITIES else "other"
    return int(root.pitchClass), quality, label


def _melody_part(score):
    parts = list(getattr(score, "parts", [])) or [score]
    return parts[0]


def _leadsheet_from_symbols(source: str, tune_id: str, score) -> dict:
    """A score whose melody part carries chord symbols (ChordSymbol)."""
    from music21 import harmony, stream

    part = _melody_part(score)
    metre = _single_metre(part)
    bar_ql = _bar_ql(metre)
    notes, bar_lines = layout(part.stripTies(), bar_ql)
    chords = []
    for m in part.getElementsByClass(stream.Measure):
        if m.number not in bar_lines:
            continue
        for cs in m.recurse().getElementsByClass(harmony.ChordSymbol):
            if isinstance(cs, harmony.NoChord):
                continue
            at = bar_lines[m.number] + Fraction(cs.getOffsetInHierarchy(m)) + Fraction(m.paddingLeft)
            chords.append([_ticks(at), *_human_chord(cs, cs.figure)])
    if len(chords) < 4:
        raise Rejected("no chords")
    bpm, tempo_from = _tempo(score, metre)
    return _entry(tune_id, source, _title(score, tune_id), metre, notes, bpm, tempo_from,
                  _ticks(bar_ql), {"chords_by": "chord symbols in the score", "chords": chords},
                  max_bars=None)


def _leadsheet_from_analysis(source: str, tune_id: str, score, analysis) -> dict:
    """A score's top voice with a Roman-numeral analysis (rntxt) of the whole texture."""
    from music21 import roman, stream

    part = _melody_part(score)
    metre = _single_metre(part)
    bar_ql = _bar_ql(metre)
    notes, bar_lines = layout(part.stripTies(), bar_ql)
    chords = []
    for m in _melody_part(analysis).getElementsByClass(stream.Measure):
        if m.number not in bar_lines:
            continue
        for rn in m.getElementsByClass(roman.RomanNumeral):
            at = bar_lines[m.number] + Fraction(rn.offset) + Fraction(m.paddingLeft)
            key = rn.key.tonicPitchNameWithCase if rn.key is not None else ""
            chords.append([_ticks(at), *_human_chord(rn, f"{key}: {rn.figure}")])
    if len(chords) < 4:
        raise Rejected("no chords")
    bpm, tempo_from = _tempo(score, metre)
    return _entry(tune_id, source, _title(score, tune_id), metre, notes, bpm, tempo_from,
                  _ticks(bar_ql), {"chords_by": f"Roman-numeral analysis {tune_id}",
                                   "chords": chords}, max_bars=None)


def select_leadsheets(log=print) -> tuple[list[dict], dict]:
    from music21 import converter, corpus

    root = _corpus_root()
    out, rejected = [], {}

    def attempt(tune_id: str, fn) -> None:
        try:
            out.append(fn())
            return
        except Rejected as e:
            why = str(e)
        except Exception:  # a damaged corpus file is left out, and counted
            why = "unreadable"
        key = f"{tune_id.split('/')[0]} {why}"
        rejected[key] = rejected.get(key, 0) + 1

    for name in ("leadSheet/berlinAlexandersRagtime.mxl", "leadSheet/fosterBrownHair.mxl",
                 "demos/chord_realization_exercise.mxl"):
        attempt(name, lambda name=name: _leadsheet_from_symbols(name, name, corpus.parse(name)))
    for tune in abc_tunes("nottingham-dataset"):
        def nottingham(tune=tune):
            score = converter.parse(tune.text, format="abc")
            return _leadsheet_from_symbols(tune.source, tune.id, score)
        attempt(tune.id, nottingham)
    for path in sorted((root / "bach" / "choraleAnalyses").glob("*.rntxt")):
        rel = f"bach/choraleAnalyses/{path.name}"
        bwv = re.search(r"(?m)^BWV:\s*([\d.]+)", path.read_text(encoding="utf-8", errors="replace"))

        def bach(rel=rel, bwv=bwv):
            if bwv is None:
                raise Rejected("no score")
            score_path = f"bach/bwv{bwv.group(1)}"
            return _leadsheet_from_analysis(score_path, rel, corpus.parse(score_path), corpus.parse(rel))
        attempt(rel, bach)
    for path in sorted((root / "monteverdi").glob("*.rntxt"), key=lambda p: _hash(p.name)):
        rel = f"monteverdi/{path.name}"
        score_file = path.with_suffix(".mxl")

        def monteverdi(rel=rel, score_file=score_file):
            if not score_file.exists():
                raise Rejected("no score")
            source = f"monteverdi/{score_file.name}"
            return _leadsheet_from_analysis(source, rel, corpus.parse(source), corpus.parse(rel))
        attempt(rel, monteverdi)
    log(f"  {len(out)} lead sheets")
    return out, rejected


# --- writing ----------------------------------------------------------------------------------

def _dump(meta: dict, key: str, items: list[dict]) -> bytes:
    """Pretty JSON with one item per line (short diffs when the list changes)."""
    head = json.dumps(meta, indent=1, ensure_ascii=False)[:-2]
    rows = ",\n".join("  " + json.dumps(it, ensure_ascii=False, separators=(",", ":")) for it in items)
    return f'{head},\n "{key}": [\n{rows}\n ]\n}}\n'.encode()


def _counts(items: list[dict], field: str) -> dict:
    out: dict[str, int] = {}
    for it in items:
        out[it[field]] = out.get(it[field], 0) + 1
    return dict(sorted(out.items()))


def build(out_dir: Path = DEFAULT_OUT, per_metre: int = PER_METRE, log=print) -> tuple[Path, Path]:
    import music21

    out_dir.mkdir(parents=True, exist_ok=True)
    log("melodies")
    melodies, rejected = select_melodies(per_metre, log)
    by_source = {}
    for m in melodies:
        key = f"{m['metre']} {m['source'].split('/')[0]}"
        by_source[key] = by_source.get(key, 0) + 1
    common = {"format": FORMAT_VERSION, "ppq": PPQ,
              "built_by": "python -m deepcomposer_desktop.training.benchmark_build",
              "music21": music21.__version__}
    meta = {**common,
            "what": "Folk melodies for the user-melody benchmark (make eval); never used for training.",
            "selection": (f"Candidates: every tune of {', '.join(f for f, _ in SOURCE_WEIGHTS)} in "
                          f"{', '.join(METRES)}; ordered by sha256 of the id, taken in turn "
                          f"({', '.join(f'{w} {f}' for f, w in SOURCE_WEIGHTS)}) until {per_metre} "
                          "a metre. Left out only: unreadable, metre changes, polyphonic, under "
                          f"{MIN_BARS} bars or {MIN_NOTES} notes, over {MAX_BARS} bars."),
            "notes_format": "[start, pitch, duration], ticks at ppq; bar lines on multiples of the bar",
            "counts": {"metre": _counts(melodies, "metre"),
                       "metre and source": dict(sorted(by_source.items()))},
            "left_out": dict(sorted(rejected.items()))}
    mel_path = out_dir / "melodies.json"
    atomic_write_bytes(mel_path, _dump(meta, "melodies", melodies))
    log(f"wrote {mel_path} ({len(melodies)} melodies)")
    log("lead sheets")
    sheets, rejected = select_leadsheets(log)
    meta = {**common,
            "what": ("Melodies with chords written by people, for checking chord detection "
                     "(make eval). chords: [tick, root pitch class, triad quality, the human label]."),
            "counts": {"source": _counts([{"s": s["source"].split("/")[0]} for s in sheets], "s")},
            "left_out": dict(sorted(rejected.items()))}
    sheet_path = out_dir / "leadsheets.json"
    atomic_write_bytes(sheet_path, _dump(meta, "leadsheets", sheets))
    log(f"wrote {sheet_path} ({len(sheets)} lead sheets)")
    return mel_path, sheet_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deepcomposer_desktop.training.benchmark_build")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--per-metre", type=int, default=PER_METRE)
    args = parser.parse_args(argv)
    build(args.out, args.per_metre)


if __name__ == "__main__":
    main()
