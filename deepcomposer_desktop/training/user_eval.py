"""`make eval`: every shipped model on the user-melody benchmark (the folk melodies
of resources/benchmark/melodies.json, never trained on), and chord detection against
chords written by people (resources/benchmark/leadsheets.json).

    python -m deepcomposer_desktop.training.user_eval [--limit N] [--sections gan,chords]
        [--models ID,...] [--markdown docs/EVAL.md] [--json docs/EVAL.json]

One section per mode or tool, each a function in SECTIONS that takes the melodies,
the registry and the options and returns a `Section` (printed lines, markdown,
a JSON record). GAN accompaniment and chord detection are here; the AR-CNN and the
Transformer add their own section functions the same way (melody_eval.py).

GAN: each shipped genre at its card's defaults, seed 0, on every melody, and the
rule-based baseline (one diatonic triad a bar, the one holding most of the bar's
melody, three voices, the bass lowest); the metrics of music/harmony_metrics.py,
pooled over the melodies, and the card's genre statistics beside the card's real
values. A genre passes when chordness >= 0.85, its consonance is above the
baseline's, doubling <= 0.20, coverage and bass-below-melody are 1.00 and every
genre statistic is within 10 % of the real music's (absolute where the real value
is 0). Reads the benchmark files alone: music21 is not needed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..fileio import atomic_write_bytes
from ..music.benchmark import (LEADSHEETS, MELODIES, TRIAD_QUALITIES, BenchmarkTune,
                               load_leadsheets, load_melodies, spread)
from ..music.chords import QUALITIES, chord_at, detect_song_chords
from ..music.composition import Note
from ..music.harmony_metrics import (GENRE_STATISTICS, METRICS, Counts, beat_ticks,
                                     genre_windows, harmony_counts, pool_windows, relative_gap)
from ..music.keys import Key
from .baseline import diatonic_triads

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
TUNING = REPO / "resources" / "benchmark" / "chord_tuning.json"

CHORDNESS_MIN = 0.85
DOUBLING_MAX = 0.20
NEAR_REAL = 0.10
SEED = 0
BASELINE = "baseline (triads)"

LABELS = {"coverage": "coverage", "in_scale": "in-scale", "consonance": "consonance",
          "doubling": "doubling", "chordness": "chordness", "bass_below": "bass below"}
STAT_LABELS = {"in_scale_rate": "in-scale rate", "pitch_classes_per_bar": "pitch classes/bar",
               "qualified_note_rate": "qualified notes", "polyphonic_rate": "polyphony"}


# --- the rule-based baseline --------------------------------------------------------------------

def bar_triads(melody: list[Note], key: Key, ticks_per_bar: int, end: int) -> list[list[Note]]:
    """One diatonic triad a bar, the one whose pitch classes hold most of the bar's
    melody (by sounding length; the lower degree on a tie), held for the bar by three
    voices: the third and the fifth, each the highest such pitch below the melody's
    lowest note, and the root below both (and below F#3). A bar without melody keeps
    the chord before it (the tonic at the start). Returns [upper, middle, bass]."""
    triads = diatonic_triads(key)
    low = min((n.pitch for n in melody), default=60)
    voices: list[list[Note]] = [[], [], []]
    chord = triads[0]
    bars = -(-end // ticks_per_bar)
    for b in range(bars):
        s, e = b * ticks_per_bar, (b + 1) * ticks_per_bar
        weight = [0.0] * 12
        for n in melody:
            overlap = min(n.end, e) - max(n.start, s)
            if overlap > 0:
                weight[n.pitch % 12] += overlap
        if any(weight):
            chord = max(triads, key=lambda t: sum(weight[pc] for pc in t))
        root, third, fifth = chord
        below = lambda pc, limit: max(p for p in range(limit - 12, limit) if p % 12 == pc)
        t, f = below(third, low), below(fifth, low)
        r = below(root, min(t, f, 55))
        for voice, pitch in zip(voices, sorted((t, f), reverse=True) + [r]):
            voice.append(Note(s, pitch, ticks_per_bar, 80))
    return voices


# --- sections -------------------------------------------------------------------------------------

@dataclass
class Section:
    name: str
    lines: list[str]  # printed
    markdown: list[str]
    record: dict = field(default_factory=dict)  # for the JSON file (and the cards)


@dataclass
class Row:
    name: str
    counts: Counts
    windows: list
    by_metre: dict[str, Counts]
    real: dict | None = None
    seconds: float = 0.0

    @property
    def rates(self) -> dict[str, float]:
        return self.counts.rates()

    @property
    def genre(self) -> dict[str, float]:
        return pool_windows(self.windows)

    def gaps(self) -> dict[str, float | None]:
        real = self.real or {}
        return {k: relative_gap(v, real.get(k)) for k, v in self.genre.items()}

    def checks(self, baseline: "Row") -> dict[str, bool]:
        r, base = self.rates, baseline.rates
        gaps = self.gaps()
        return {"chordness": r["chordness"] >= CHORDNESS_MIN,
                "consonance": r["consonance"] > base["consonance"],
                "doubling": r["doubling"] <= DOUBLING_MAX,
                "coverage": r["coverage"] == 1.0,
                "bass below": r["bass_below"] == 1.0,
                "genre statistics": all(g is not None and g <= NEAR_REAL for g in gaps.values())}

    def record(self, baseline: "Row | None") -> dict:
        out = {"metrics": _rounded(self.rates), "genre_statistics": _rounded(self.genre),
               "counts": {k: list(v) for k, v in self.counts.counts.items()},
               "by_metre": {m: _rounded(c.rates()) for m, c in sorted(self.by_metre.items())},
               "seconds": round(self.seconds, 2)}
        if self.real is not None:
            out["card_real"] = {k: self.real.get(k) for k in GENRE_STATISTICS}
            out["relative_gap"] = _rounded(self.gaps())
        if baseline is not None and self.real is not None:
            checks = self.checks(baseline)
            out["checks"] = checks
            out["passes"] = all(checks.values())
        return out


def _rounded(d: dict) -> dict:
    return {k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else round(v, 4))
            for k, v in d.items()}


def _metre(tune: BenchmarkTune) -> str:
    return f"{tune.metre[0]}/{tune.metre[1]}"


def _measure(name: str, tunes: list[BenchmarkTune], accompany: Callable, real: dict | None) -> Row:
    row = Row(name, Counts(), [], {}, real)
    t0 = time.perf_counter()
    for tune in tunes:
        comp = tune.composition()
        acc = accompany(comp)
        melody = comp.tracks[0].notes
        c = harmony_counts(melody, acc, tune.key, comp.ppq, comp.time_signature)
        row.counts.add(c)
        row.by_metre.setdefault(_metre(tune), Counts()).add(c)
        row.windows.append(genre_windows(melody, acc, tune.key, comp.ppq))
    row.seconds = time.perf_counter() - t0
    return row


def baseline_row(tunes: list[BenchmarkTune]) -> Row:
    return _measure(BASELINE, tunes, lambda comp: bar_triads(
        comp.tracks[0].notes, comp.key, comp.ticks_per_bar, comp.end), None)


def gan_row(registry, model_id: str, tunes: list[BenchmarkTune]) -> Row:
    from ..generation.modes import Request, generate

    card = registry.get(model_id, "gan").card
    real = card.metrics.get("real") if isinstance(card.metrics.get("real"), dict) else None

    def accompany(comp) -> list[list[Note]]:
        result = generate(registry, "gan", comp, Request(model_id, 0, SEED, {}, None))
        return [t.notes for t in result.tracks]
    return _measure(model_id, tunes, accompany, real)


def _f(v: float | None, digits: int = 2) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def _stat_cell(row: Row, k: str) -> str:
    v = row.genre[k]
    if row.real is None or row.real.get(k) is None:
        return _f(v)
    gap = row.gaps()[k]
    gap_text = "-" if gap is None else (f"{gap:.0%}" if row.real[k] else f"±{gap:.2f}")
    return f"{_f(v)} ({_f(row.real[k])}, {gap_text})"


def _verdict(row: Row, baseline: Row) -> str:
    if row.real is None:
        return "(reference)"
    failed = [k for k, ok in row.checks(baseline).items() if not ok]
    return "pass" if not failed else "fail: " + ", ".join(failed)


def gan_section(tunes: list[BenchmarkTune], registry, opts) -> Section:
    ids = opts.models or [e.card.id for e in registry.models("gan")]
    base = baseline_row(tunes)
    rows = []
    for model_id in ids:
        rows.append(gan_row(registry, model_id, tunes))
        print(f"  {model_id}: {rows[-1].seconds:.1f} s", flush=True)
    head = (["accompaniment"] + [LABELS[k] for k in METRICS]
            + [f"{STAT_LABELS[k]} (real, gap)" for k in GENRE_STATISTICS] + ["bar"])
    table = []
    for row in rows + [base]:
        table.append([row.name] + [_f(row.rates[k]) for k in METRICS]
                     + [_stat_cell(row, k) for k in GENRE_STATISTICS] + [_verdict(row, base)])
    metres = sorted({_metre(t) for t in tunes}, key=lambda m: (int(m.split("/")[1]), m))
    per_head = ["accompaniment"] + [f"{m} chordness / consonance / doubling" for m in metres]
    per_metre = [[row.name] + [" / ".join(_f(row.by_metre[m].rates()[k]) for k in
                                          ("chordness", "consonance", "doubling"))
                               if m in row.by_metre else "-" for m in metres]
                 for row in rows + [base]]
    lines = _text_table(head, table) + [""] + _text_table(per_head, per_metre)
    md = (["## GAN accompaniment", "",
           f"Every shipped GAN genre at its card's defaults (seed {SEED}) and the rule-based "
           "baseline, on all the benchmark's melodies; shares pooled over the melodies. The "
           "genre statistics are each card's (4 steps a quarter, windows of 32 steps, 'bars' of "
           "16 steps whatever the metre, means over windows and accompaniment tracks) beside "
           "the card's `metrics.real` and the relative gap (absolute where the real value is "
           "0). The bar: chordness >= "
           f"{CHORDNESS_MIN}, consonance above the baseline's, doubling <= {DOUBLING_MAX}, "
           "coverage 1.00, bass below the melody 1.00, genre statistics within "
           f"{NEAR_REAL:.0%}.", ""]
          + _md_table(head, table) + ["", "By metre:", ""] + _md_table(per_head, per_metre) + [""])
    record = {"seed": SEED, "melodies": len(tunes), "baseline": base.record(None),
              "models": {row.name: row.record(base) for row in rows}}
    return Section("gan", lines, md, record)


# --- chord detection --------------------------------------------------------------------------

GROUPS = (("lead sheets (chord symbols)", ("leadSheet", "nottingham-dataset", "demos")),
          ("Bach chorales (soprano; Roman-numeral analysis)", ("bach",)),
          ("Monteverdi madrigals (canto; Roman-numeral analysis)", ("monteverdi",)))


def triad_quality(quality: str) -> str:
    """A chord-symbol quality ('', 'm7', 'dim', 'sus4'...) as a triad quality."""
    third_fifth = QUALITIES[quality][1:3]
    return {(4, 7): "major", (3, 7): "minor", (3, 6): "diminished", (4, 8): "augmented"}.get(
        third_fifth, "other")


def halves(sheets: list[BenchmarkTune]) -> tuple[list[BenchmarkTune], list[BenchmarkTune]]:
    """(tuning half, held-out half): within each group, in order of the sha256 of the
    id, every other lead sheet."""
    tune, held = [], []
    for _, folders in GROUPS:
        group = sorted((s for s in sheets if s.source.split("/")[0] in folders),
                       key=lambda s: hashlib.sha256(s.id.encode()).hexdigest())
        tune += group[0::2]
        held += group[1::2]
    return tune, held


def agreement(sheet: BenchmarkTune) -> tuple[int, int, int]:
    """(beats where the detected chord has the human chord's root and triad quality,
    beats with the same root, beats) from the first human chord to the melody's end."""
    comp = sheet.composition()
    detected = detect_song_chords(comp, 0, comp.key)
    beat = beat_ticks(comp.ppq, comp.time_signature)
    end = max(n.end for n in sheet.notes)
    changes = sorted(sheet.chords, key=lambda c: c.tick)
    same = root = beats = 0
    i = -1
    first = changes[0].tick if changes else end
    for t in range(first - first % beat, end, beat):
        while i + 1 < len(changes) and changes[i + 1].tick <= t:
            i += 1
        if i < 0:
            continue
        human, mine = changes[i], chord_at(detected, t)
        beats += 1
        if mine is not None and mine.root == human.root:
            root += 1
            same += human.quality in TRIAD_QUALITIES and triad_quality(mine.quality) == human.quality
    return same, root, beats


def chord_rates(sheets: list[BenchmarkTune]) -> dict[str, dict]:
    """Per group and in all: lead sheets, beats, agreement (root and quality), root only."""
    out = {}
    totals = [0, 0, 0, 0]
    for name, folders in GROUPS:
        group = [s for s in sheets if s.source.split("/")[0] in folders]
        sums = [0, 0, 0]
        for s in group:
            for j, v in enumerate(agreement(s)):
                sums[j] += v
        out[name] = {"sheets": len(group), "beats": sums[2],
                     "agreement": sums[0] / sums[2] if sums[2] else math.nan,
                     "root_only": sums[1] / sums[2] if sums[2] else math.nan}
        totals = [a + b for a, b in zip(totals, [len(group), *sums])]
    out["all"] = {"sheets": totals[0], "beats": totals[3],
                  "agreement": totals[1] / totals[3] if totals[3] else math.nan,
                  "root_only": totals[2] / totals[3] if totals[3] else math.nan}
    return out


def chords_section(tunes, registry, opts) -> Section:
    sheets = load_leadsheets(opts.leadsheets, None)
    if opts.limit:
        sheets = spread(sheets, opts.limit)
    _, held = halves(sheets)
    rates = {"held-out half": chord_rates(held), "all": chord_rates(sheets)}
    head = ["lead sheets", "tunes", "beats", "agreement (root + quality)", "root only"]
    table = [[name, str(r["sheets"]), str(r["beats"]), _f(r["agreement"], 3), _f(r["root_only"], 3)]
             for name, r in rates["held-out half"].items()]
    tuning = json.loads(TUNING.read_text()) if TUNING.exists() else None
    notes = []
    if tuning:
        b, a = tuning["held_out"]["before"]["all"], tuning["held_out"]["after"]["all"]
        state = _tuning_state(tuning)
        tuning["applied_in_chords_py"] = state
        notes = [f"Tuning the detection's constants on the other half ({tuning['command']}): "
                 f"held-out agreement {b['agreement']:.3f} -> {a['agreement']:.3f}, root only "
                 f"{b['root_only']:.3f} -> {a['root_only']:.3f}; music/chords.py holds the "
                 + {"after": "tuned constants.", "before": "constants from before the tuning "
                    "(the tuned ones did not carry over to the held-out half).",
                    "other": "constants of neither run."}[state]]
    lines = ["held-out half of the lead sheets (detect_song_chords vs the human chords, per beat):"]
    lines += _text_table(head, table) + notes
    md = (["## Chord detection against chords written by people", "",
           "`music/chords.py` (`detect_song_chords`: the melody alone, the key detected from "
           "it) against the human chords of resources/benchmark/leadsheets.json, beat by beat "
           "from the first human chord: the same root and triad quality (a seventh chord counts "
           "as its triad; a human 'other', e.g. an augmented sixth, never agrees), and the same "
           "root. The Bach and Monteverdi analyses label the whole texture, often a chord a "
           "beat, where detection writes one or two chords a bar from the melody alone. "
           "Reported on the held-out half (every other sheet of each group, by sha256 of the id); "
           "`chord_tuning.py` tunes the detection's constants on the other half only.", ""]
          + _md_table(head, table) + [""] + notes + ([""] if notes else []))
    return Section("chords", lines, md, {**rates, "tuning": tuning})


def _tuning_state(tuning: dict) -> str:
    """Whether music/chords.py holds the constants from "before" or "after" the tuning run
    (or "other")."""
    from ..music import chords

    def same(values: dict) -> bool:
        return all(json.loads(json.dumps(getattr(chords, k, None))) == v for k, v in values.items())
    for state in ("after", "before"):
        if same(tuning.get(f"constants_{state}", {"": None})):
            return state
    return "other"


def _melody_section(name: str) -> Callable[..., Section]:
    def section(tunes, registry, opts) -> Section:
        from . import melody_eval
        return getattr(melody_eval, f"{name}_section")(tunes, registry, opts, Section)
    return section


SECTIONS: dict[str, Callable[..., Section]] = {
    "gan": gan_section, "chords": chords_section,
    "continuation": _melody_section("continuation"), "enhancement": _melody_section("enhancement")}


# --- output -------------------------------------------------------------------------------------

def _text_table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
    return [fmt(head), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    return (["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            + ["| " + " | ".join(r) + " |" for r in rows])


def _composition(tunes: list[BenchmarkTune]) -> str:
    metres, sources = {}, {}
    for t in tunes:
        metres[_metre(t)] = metres.get(_metre(t), 0) + 1
        src = t.source.split("/")[0]
        sources[src] = sources.get(src, 0) + 1
    return (f"{len(tunes)} melodies: " + ", ".join(f"{n} in {m}" for m, n in sorted(metres.items()))
            + "; " + ", ".join(f"{n} {s}" for s, n in sorted(sources.items())))


def run(opts) -> list[Section]:
    from ..generation.registry import default_registry

    t0 = time.perf_counter()
    tunes = load_melodies(opts.melodies)
    if opts.limit:
        tunes = spread(tunes, opts.limit)
    registry = default_registry()
    print(f"user-melody benchmark: {_composition(tunes)}", flush=True)
    sections = []
    for name in opts.sections:
        print(f"== {name}", flush=True)
        section = SECTIONS[name](tunes, registry, opts)
        print("\n".join(section.lines), flush=True)
        sections.append(section)
    seconds = time.perf_counter() - t0
    print(f"{seconds:.0f} s", flush=True)
    when = time.strftime("%Y-%m-%d")
    machine = f"{platform.machine()}, {__import__('os').cpu_count()} cores"
    if opts.markdown:
        md = ["# Evaluation on the user-melody benchmark", "",
              f"Written by `make eval` (`python -m deepcomposer_desktop.training.user_eval`) on "
              f"{when}, {machine}, in {seconds:.0f} s. Benchmark: {_composition(tunes)} "
              "(resources/benchmark/melodies.json, built by `python -m "
              "deepcomposer_desktop.training.benchmark_build` from music21's folk corpora; "
              "never trained on).", ""]
        for s in sections:
            md += s.markdown
        atomic_write_bytes(Path(opts.markdown), ("\n".join(md).rstrip() + "\n").encode())
        print(f"wrote {opts.markdown}")
    if opts.json:
        record = {"when": when, "machine": machine, "seconds": round(seconds, 1),
                  "benchmark": _composition(tunes), **{s.name: s.record for s in sections}}
        atomic_write_bytes(Path(opts.json), (json.dumps(record, indent=1, default=_json_default)
                                             + "\n").encode())
        print(f"wrote {opts.json}")
    return sections


def _json_default(v):
    return None if isinstance(v, float) and math.isnan(v) else str(v)


def parse_args(argv: list[str] | None = None):
    p = argparse.ArgumentParser(prog="python -m deepcomposer_desktop.training.user_eval",
                                description="Every shipped model on the user-melody benchmark.")
    p.add_argument("--sections", type=lambda s: [x for x in s.split(",") if x],
                   default=list(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}")
    p.add_argument("--models", type=lambda s: [x for x in s.split(",") if x], default=None,
                   help="GAN model ids (default: every shipped one)")
    p.add_argument("--limit", type=int, default=None, help="only N melodies (spread over metres)")
    p.add_argument("--melodies", type=Path, default=MELODIES)
    p.add_argument("--leadsheets", type=Path, default=LEADSHEETS)
    p.add_argument("--markdown", default=str(DOCS / "EVAL.md"), help="'' to write none")
    p.add_argument("--json", default=str(DOCS / "EVAL.json"), help="'' to write none")
    p.add_argument("--cards-from", help="an eval JSON whose rows go on the models' cards (no run)")
    opts = p.parse_args(argv)
    unknown = set(opts.sections) - set(SECTIONS)
    if unknown:
        p.error(f"unknown section {', '.join(sorted(unknown))}")
    return opts


def write_cards(record: dict, models_dir: Path = REPO / "models") -> list[Path]:
    """Put each model's rows of an eval record (docs/EVAL.json) on its card, as
    `metrics.user_melodies` (the cards carry the table; the weights do not change)."""
    from .card import save_card

    written = []
    common = {"benchmark": record["benchmark"], "measured": record["when"]}
    per_model = {mid: {**common, **{k: v for k, v in row.items() if k not in ("counts", "by_metre")},
                       "baseline": record["gan"]["baseline"]["metrics"]}
                 for mid, row in record.get("gan", {}).get("models", {}).items()}
    for section in ("continuation", "enhancement"):
        s = record.get(section)
        if isinstance(s, dict) and s.get("models"):
            for mid in s["models"]:
                per_model[mid] = {**common, section: {k: v for k, v in s.items() if k != "models"}}
    for mid, rows in per_model.items():
        path = models_dir / f"{mid}.json"
        if not path.exists():
            continue
        card = json.loads(path.read_text())
        card["metrics"]["user_melodies"] = rows
        save_card(path, card, path.with_suffix(".onnx"), stamp="measured")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    opts = parse_args(argv)
    if opts.cards_from:
        for path in write_cards(json.loads(Path(opts.cards_from).read_text())):
            print(f"wrote {path}")
        return
    run(opts)


if __name__ == "__main__":
    main()
