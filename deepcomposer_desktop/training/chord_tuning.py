"""Tune the constants of chord detection (music/chords.py) on half of the melodies
with human chords, and measure the other half before and after.

    python -m deepcomposer_desktop.training.chord_tuning [--rounds 2]

The lead sheets (resources/benchmark/leadsheets.json) are split as `make eval`
splits them (`user_eval.halves`: every other sheet of each group, by sha256 of the
id). A coordinate search on the tuning half changes one constant at a time (the
fit's weights, the prior's weight, the begin/end bonuses, the change costs, each
candidate's prior) and keeps a change that raises the objective: the mean over the
tuning sheets, each counting once, of its per-beat agreement, half of root and
triad quality and half of root alone (a mean over the three groups instead lets the
three lead sheets of the tuning half steer everything, and overfits). Each
constant moves within half to twice its value (never to 0), so no rule is dropped
to fit the analyses' chord-a-beat harmony. Writes
resources/benchmark/chord_tuning.json (before/after on both halves, the constants)
and prints the constants to put into music/chords.py; the held-out numbers are
measured only twice, before and after, never searched on.
"""

from __future__ import annotations

import argparse
import json

from ..fileio import atomic_write_bytes
from ..music import chords
from ..music.benchmark import BenchmarkTune, load_leadsheets
from .user_eval import TUNING, agreement, chord_rates, halves

SCALARS = ("FIT_ON_BEAT", "FIT_OFF_BEAT", "FIT_SEGMENT_START", "FIT_OTHER_TONE",
           "FIT_OUTSIDE_ON_BEAT", "FIT_OUTSIDE_OFF_BEAT", "PRIOR_WEIGHT", "START_ON_TONIC",
           "END_ON_TONIC", "DOMINANT_BEFORE_END", "CHANGE_AT_BAR", "CHANGE_MID_BAR",
           "DOMINANT_TO_TONIC", "PREDOMINANT_TO_DOMINANT")
TABLES = ("MAJOR_CANDIDATES", "MINOR_CANDIDATES")


def objective(sheets: list[BenchmarkTune]) -> float:
    """Mean over the sheets of (agreement + root-only agreement) / 2, per beat."""
    values = [(same + root) / 2 / beats for same, root, beats in map(agreement, sheets) if beats]
    return sum(values) / len(values) if values else 0.0


def constants() -> dict:
    return {name: getattr(chords, name) for name in SCALARS + TABLES}


def apply(values: dict) -> None:
    for name, v in values.items():
        setattr(chords, name, tuple(tuple(x) for x in v) if name in TABLES else v)


def _scalar_trials(v: float) -> list[float]:
    """Half to twice the value, never 0: every rule of the detection (a cadence on the
    tonic, a cost for a change...) stays, only its weight moves."""
    if v == 0:
        return [0.1, 0.25, 0.5, 1.0]
    return sorted({round(v * f, 4) for f in (0.5, 0.75, 1.33, 2.0)})


def search(sheets: list[BenchmarkTune], rounds: int = 2, log=print) -> dict:
    """Coordinate search from the current constants; returns the best found (applied)."""
    best = objective(sheets)
    log(f"  start: {best:.4f}")
    for r in range(rounds):
        improved = False
        for name in SCALARS:
            current = getattr(chords, name)
            for trial in _scalar_trials(current):
                setattr(chords, name, trial)
                score = objective(sheets)
                if score > best + 1e-4:
                    best, current, improved = score, trial, True
                    log(f"  round {r + 1}: {name} = {trial} -> {best:.4f}")
            setattr(chords, name, current)
        for table in TABLES:
            rows = [list(row) for row in getattr(chords, table)]
            for i in range(len(rows)):
                current = rows[i][2]
                for step in (-0.3, -0.15, 0.15, 0.3):
                    trial = round(min(1.5, max(0.0, current + step)), 3)
                    if trial == current:
                        continue
                    rows[i][2] = trial
                    setattr(chords, table, tuple(tuple(x) for x in rows))
                    score = objective(sheets)
                    if score > best + 1e-4:
                        best, current, improved = score, trial, True
                        log(f"  round {r + 1}: {table}[{i}] {rows[i][:2]} prior {trial} -> {best:.4f}")
                rows[i][2] = current
                setattr(chords, table, tuple(tuple(x) for x in rows))
        if not improved:
            break
    return constants()


def source_text(values: dict) -> str:
    """The constants as lines of music/chords.py."""
    lines = []
    for name in TABLES:
        rows = ", ".join(f"({r}, {q!r}, {w:g})".replace("'", '"') for r, q, w in values[name])
        lines.append(f"{name} = ({rows})")
    lines += [f"{name} = {values[name]:g}" for name in SCALARS]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m deepcomposer_desktop.training.chord_tuning")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--out", default=str(TUNING), help="'' to write nothing")
    args = p.parse_args(argv)
    sheets = load_leadsheets()
    tune, held = halves(sheets)
    before_values = constants()
    before = {"tuning": chord_rates(tune), "held_out": chord_rates(held)}
    before_obj = {"tuning": objective(tune), "held_out": objective(held)}
    print(f"tuning half: {len(tune)} sheets; held-out half: {len(held)}")
    after_values = search(tune, args.rounds)
    after = {"tuning": chord_rates(tune), "held_out": chord_rates(held)}
    after_obj = {"tuning": objective(tune), "held_out": objective(held)}
    apply(before_values)
    for half in ("tuning", "held_out"):
        b, a = before[half]["all"], after[half]["all"]
        print(f"{half}: agreement {b['agreement']:.3f} -> {a['agreement']:.3f}, "
              f"root only {b['root_only']:.3f} -> {a['root_only']:.3f}, objective "
              f"{before_obj[half]:.3f} -> {after_obj[half]:.3f}")
    print("constants for music/chords.py:\n" + source_text(after_values))
    if args.out:
        record = {"command": "python -m deepcomposer_desktop.training.chord_tuning",
                  "split": "user_eval.halves: every other sheet of each group by sha256 of the id",
                  "objective": "mean over the sheets of (agreement + root-only agreement) / 2",
                  "tuning": {"sheets": len(tune), "before": before["tuning"], "after": after["tuning"],
                             "objective": [before_obj["tuning"], after_obj["tuning"]]},
                  "held_out": {"sheets": len(held), "before": before["held_out"],
                               "after": after["held_out"],
                               "objective": [before_obj["held_out"], after_obj["held_out"]]},
                  "constants_before": before_values, "constants_after": after_values}
        atomic_write_bytes(args.out, (json.dumps(record, indent=1) + "\n").encode())
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
