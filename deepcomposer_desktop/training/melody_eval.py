"""The melody modes on the user-melody benchmark (sections of `make eval`).

Continuation (Transformer, the model the panel picks for the input, its defaults,
seed 0): of the new notes, the share in the key; whether a single-line prime is
continued as a single line whose notes stay within the prime's range +- 5
semitones; notes per second against the prime's; notes shorter than 50 ms; the
longest rest; the most note-ons within 20 ms of each other.

Enhancement (AR-CNN, defaults, seed 0): the share of melodies changed; cells of the
16th-note grid added and removed against the budgets, read back from the written
MIDI file by mido (an independent reader), on every melody; the share in the key
and the range of the result.
"""

from __future__ import annotations

import io
import time

import mido
import numpy as np

from ..generation.modes import MODES, Request, generate, preferred_model, single_line
from ..music.benchmark import BenchmarkTune
from ..music.midifile import midi_bytes

SHORT = 0.05  # seconds
TOGETHER = 0.02  # note-ons within this many seconds count as simultaneous
RANGE = 5  # semitones beyond the prime's range
RATE = 0.25  # relative gap of notes per second
IN_SCALE_CONTINUATION, IN_SCALE_ENHANCEMENT, CHANGED = 0.90, 0.95, 0.90


def _seconds_notes(comp, notes):
    return [(comp.seconds_at(n.start), comp.seconds_at(n.end), n.pitch) for n in notes]


def continuation_metrics(tune: BenchmarkTune, registry, values: dict | None = None) -> dict:
    comp = tune.composition()
    spec = MODES["transformer"]
    v = spec.values(values or {})
    model = preferred_model(registry, "transformer", comp, 0)
    t0 = time.perf_counter()
    out = generate(registry, "transformer", comp, Request(model, 0, 0, v)).composition
    seconds = time.perf_counter() - t0
    old = comp.tracks[0].notes
    end = max(n.end for n in old)
    new = [n for n in out.tracks[0].notes if n.start >= end]
    end_s = comp.seconds_at(end)
    prime = [n for n in _seconds_notes(comp, old) if n[1] > end_s - v["input_seconds"]]
    timed = sorted(_seconds_notes(out, new))
    span_prime = max(prime[-1][1] - prime[0][0], 1e-6)
    span_new = max(timed[-1][1] - timed[0][0], 1e-6) if timed else 1e-6
    rests, sounding_until = [], end_s
    for s, e, _ in timed:
        rests.append(s - sounding_until)
        sounding_until = max(sounding_until, e)
    onsets = [s for s, _, _ in timed]
    together = max((sum(1 for o in onsets if 0 <= o - a < TOGETHER) for a in onsets), default=0)
    lo, hi = min(p for *_, p in prime), max(p for *_, p in prime)
    return {"model": model, "notes": len(new), "seconds": seconds,
            "in_scale": float(np.mean([n.pitch % 12 in tune.key.scale for n in new])) if new else 0.0,
            "single_line_prime": single_line(old, comp.ppq // 16),
            "single_line": single_line(new, comp.ppq // 16),
            "in_range": all(lo - RANGE <= n.pitch <= hi + RANGE for n in new),
            "rate_prime": len(prime) / span_prime, "rate": len(new) / span_new,
            "short": sum(1 for s, e, _ in timed if e - s < SHORT - 1e-9),
            "longest_rest": max(rests, default=0.0), "together": together,
            "max_rest": v["max_rest_seconds"], "max_chord": v["max_chord_notes"]}


def _mido_cells(data: bytes, track: int = 1) -> set[tuple[int, int]]:
    """16th-note cells (step, pitch) sounding in a MIDI file's track, read with mido
    alone (a note-on while the pitch sounds ends the sounding note)."""
    mid = mido.MidiFile(file=io.BytesIO(data))
    step = mid.ticks_per_beat / 4
    cells, sounding, tick = set(), {}, 0
    for msg in mid.tracks[track]:
        tick += msg.time
        if msg.type not in ("note_on", "note_off"):
            continue
        if msg.note in sounding:
            start = sounding.pop(msg.note)
            cells |= {(s, msg.note) for s in range(round(start / step), round(tick / step))}
        if msg.type == "note_on" and msg.velocity > 0:
            sounding[msg.note] = tick
    return cells


def enhancement_metrics(tune: BenchmarkTune, registry, values: dict | None = None) -> dict:
    comp = tune.composition()
    v = MODES["arcnn"].values(values or {})
    model = preferred_model(registry, "arcnn", comp, 0)
    t0 = time.perf_counter()
    out = generate(registry, "arcnn", comp, Request(model, 0, 0, v)).composition
    seconds = time.perf_counter() - t0
    before, after = _mido_cells(midi_bytes(comp)), _mido_cells(midi_bytes(out))
    notes = out.tracks[0].notes
    lo, hi = min(n.pitch for n in comp.tracks[0].notes), max(n.pitch for n in comp.tracks[0].notes)
    return {"model": model, "seconds": seconds, "changed": before != after,
            "added": len(after - before), "removed": len(before - after),
            "max_add": v["max_add"],
            "max_remove": int(np.floor(len(before) * v["max_remove_percent"] / 100.0)),
            "in_scale": float(np.mean([n.pitch % 12 in tune.key.scale for n in notes])),
            "range_beyond": max(0, lo - min(n.pitch for n in notes), max(n.pitch for n in notes) - hi)}


def summarise_continuation(rows: list[dict]) -> dict:
    singles = [r for r in rows if r["single_line_prime"]]
    gaps = [abs(r["rate"] - r["rate_prime"]) / r["rate_prime"] for r in singles if r["rate_prime"]]
    notes = sum(r["notes"] for r in rows)
    out = {"melodies": len(rows), "new_notes": notes, "models": sorted({r["model"] for r in rows}),
           "in_scale": sum(r["in_scale"] * r["notes"] for r in rows) / max(notes, 1),
           "single_line": float(np.mean([r["single_line"] for r in singles])) if singles else None,
           "in_range": float(np.mean([r["in_range"] for r in singles])) if singles else None,
           "rate_gap_max": max(gaps, default=0.0), "rate_gap_median": float(np.median(gaps)) if gaps else 0.0,
           "short": sum(r["short"] for r in rows),
           "longest_rest": max(r["longest_rest"] for r in rows),
           "together_max": max(r["together"] for r in rows),
           "seconds_median": float(np.median([r["seconds"] for r in rows]))}
    out["passes"] = bool(out["in_scale"] >= IN_SCALE_CONTINUATION and out["single_line"] in (1.0, None)
                         and out["in_range"] in (1.0, None) and out["rate_gap_max"] <= RATE
                         and out["short"] == 0
                         and all(r["longest_rest"] <= r["max_rest"] + 0.011 for r in rows)
                         and all(r["together"] <= r["max_chord"] for r in rows))
    return out


def summarise_enhancement(rows: list[dict]) -> dict:
    out = {"melodies": len(rows), "models": sorted({r["model"] for r in rows}),
           "changed": float(np.mean([r["changed"] for r in rows])),
           "added_max": max(r["added"] for r in rows), "removed_max": max(r["removed"] for r in rows),
           "within_budgets": all(r["added"] <= r["max_add"] and r["removed"] <= r["max_remove"]
                                 for r in rows),
           "in_scale": float(np.mean([r["in_scale"] for r in rows])),
           "range_beyond_max": max(r["range_beyond"] for r in rows),
           "seconds_median": float(np.median([r["seconds"] for r in rows]))}
    out["passes"] = bool(out["changed"] >= CHANGED and out["in_scale"] >= IN_SCALE_ENHANCEMENT
                         and out["within_budgets"])
    return out


def _row(label: str, value, ok: bool | None = None) -> list[str]:
    text = f"{value:.3f}" if isinstance(value, float) else str(value)
    return [label, text, "" if ok is None else ("yes" if ok else "NO")]


def continuation_section(tunes, registry, opts, section_type):
    rows = [continuation_metrics(t, registry) for t in tunes]
    s = summarise_continuation(rows)
    singles = [r for r in rows if r["single_line_prime"]]
    table = [
        _row("model(s) used", ", ".join(sorted({r["model"] for r in rows}))),
        _row("new notes in the key", s["in_scale"], s["in_scale"] >= IN_SCALE_CONTINUATION),
        _row(f"single-line primes continued as a single line ({len(singles)})", s["single_line"],
             s["single_line"] in (1.0, None)),
        _row("... within the prime's range +- 5 semitones", s["in_range"], s["in_range"] in (1.0, None)),
        _row("notes per second: largest gap to the prime's (median)",
             f"{s['rate_gap_max']:.3f} ({s['rate_gap_median']:.3f})", s["rate_gap_max"] <= RATE),
        _row("notes shorter than 50 ms", s["short"], s["short"] == 0),
        _row("longest rest, s (limit 2)", s["longest_rest"],
             all(r["longest_rest"] <= r["max_rest"] + 0.011 for r in rows)),
        _row("most note-ons within 20 ms (limit 4)", s["together_max"],
             all(r["together"] <= r["max_chord"] for r in rows)),
        _row("seconds per +20 s (median)", s["seconds_median"])]
    head = ["Transformer: continue +20 s, defaults, seed 0", "value", "meets"]
    md = ["## Transformer: continuation", "",
          "Each melody continued by 20 s at the defaults (seed 0) with the model the panel picks "
          "for it (a melody model for a single line). Limits: in the key >= 0.90 without the key "
          "lock, single line within +-5 semitones, notes per second within 25 % of the prime's, "
          "no note under 50 ms, rests and simultaneous note-ons within their parameters.", ""]
    return section_type("continuation", _text(head, table), md + _md(head, table) + [""], s)


def enhancement_section(tunes, registry, opts, section_type):
    rows = [enhancement_metrics(t, registry) for t in tunes]
    s = summarise_enhancement(rows)
    table = [
        _row("model", ", ".join(sorted({r["model"] for r in rows}))),
        _row("melodies changed", s["changed"], s["changed"] >= CHANGED),
        _row("most 16th cells added (budget 500)", s["added_max"], s["within_budgets"]),
        _row("most 16th cells removed (budget 100 %)", s["removed_max"], s["within_budgets"]),
        _row("notes in the key", s["in_scale"], s["in_scale"] >= IN_SCALE_ENHANCEMENT),
        _row("semitones beyond the melody's range (most)", s["range_beyond_max"]),
        _row("seconds per melody (median)", s["seconds_median"])]
    head = ["AR-CNN: enhance, defaults, seed 0", "value", "meets"]
    md = ["## AR-CNN: enhancement", "",
          "Each melody enhanced at the defaults (seed 0); cells of the 16th-note grid counted "
          "from the written MIDI files, read back with mido alone.", ""]
    return section_type("enhancement", _text(head, table), md + _md(head, table) + [""], s)


def _text(head, rows):
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [head] + rows]


def _md(head, rows):
    return (["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            + ["| " + " | ".join(r) + " |" for r in rows])
