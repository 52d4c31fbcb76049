"""The user-melody benchmark file, the triad baseline, chord agreement and `make eval`'s
module on a few melodies (no music21 needed)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deepcomposer_desktop.music.benchmark import (HumanChord, load_leadsheets, load_melodies,
                                                  spread)
from deepcomposer_desktop.music.composition import Note
from deepcomposer_desktop.music.harmony_metrics import bass_below, genre_windows, pool_windows
from deepcomposer_desktop.music.keys import Key
from deepcomposer_desktop.music.pianoroll import RollGrid, notes_to_roll
from deepcomposer_desktop.training import user_eval
from deepcomposer_desktop.training.evaluation import window_metrics

FOLK = {"essenFolksong", "oneills1850", "ryansMammoth"}


def test_the_benchmark_has_100_melodies_in_4_metres():
    tunes = load_melodies()
    assert len(tunes) >= 100
    metres = {}
    for t in tunes:
        metres[t.metre] = metres.get(t.metre, 0) + 1
    assert {(2, 4), (3, 4), (6, 8), (4, 4)} <= set(metres)
    assert min(metres.values()) >= 20
    assert len({t.id for t in tunes}) == len(tunes)
    for t in tunes:
        assert t.source.split("/")[0] in FOLK and t.licence
        comp = t.composition()
        assert 4 <= comp.bars <= 64 and len(t.notes) >= 8
        notes = comp.tracks[0].notes
        assert all(b.start >= a.end for a, b in zip(notes, notes[1:])), t.id  # one line


def test_the_lead_sheets_carry_human_chords():
    sheets = load_leadsheets()
    assert len(sheets) >= 50
    for s in sheets:
        assert len(s.chords) >= 4 and s.notes
        assert all(isinstance(c, HumanChord) and 0 <= c.root < 12 for c in s.chords)
    tune, held = user_eval.halves(sheets)
    assert len(tune) + len(held) == len(sheets) and not {s.id for s in tune} & {s.id for s in held}
    assert user_eval.halves(list(reversed(sheets))) == (tune, held)  # by hash, not by order


def test_bar_triads_picks_the_triad_holding_most_of_the_bar():
    bar = 1440  # 3/4
    melody = [Note(0, 67, 480), Note(480, 71, 480), Note(960, 74, 480),  # G B D: G major
              Note(bar, 65, 960), Note(bar + 960, 72, 480)]  # F C: F major
    upper, middle, bass = user_eval.bar_triads(melody, Key(0, "major"), bar, 3 * bar)
    assert [n.pitch % 12 for n in bass] == [7, 5, 5]  # bar 3 has no melody: keeps F
    assert all(n.duration == bar for n in upper + middle + bass)
    for b in range(3):
        chord = {upper[b].pitch % 12, middle[b].pitch % 12, bass[b].pitch % 12}
        assert len(chord) == 3
        assert bass[b].pitch < middle[b].pitch < upper[b].pitch < 65
    below, moments = bass_below(melody, bass)
    assert below == moments == 5


def test_chord_agreement_counts_beats():
    from deepcomposer_desktop.music.benchmark import BenchmarkTune

    # C E | B D | C in 4/4 half notes: detection finds C | G | C
    notes = tuple(Note(i * 960, p, 960) for i, p in enumerate([60, 64, 71, 74, 72]))
    sheet = BenchmarkTune("x", "x", "leadSheet/x", "", (4, 4), Key(0, "major"), 100.0, 480,
                          notes, (HumanChord(0, 0, "major", "C"), HumanChord(1920, 7, "major", "G7"),
                                  HumanChord(3840, 0, "minor", "Cm")))
    same, root, beats = user_eval.agreement(sheet)
    assert beats == 10  # quarters from 0 to the end of the last note (4800)
    assert root >= same and root == 10 and same == 8  # Cm is written where C is detected
    assert user_eval.triad_quality("m7") == "minor" and user_eval.triad_quality("7") == "major"
    assert user_eval.triad_quality("sus4") == "other"


def test_genre_windows_equal_the_cards_window_metrics():
    rng = np.random.default_rng(3)
    bar, lowest = 1920, 36
    melody = [Note(i * 480, int(p), 480) for i, p in enumerate(rng.integers(65, 80, 16))]
    tracks = [[Note(int(s), int(p), int(d)) for s, p, d in
               zip(np.arange(0, 4 * bar, 240), rng.integers(40, 64, 32), rng.choice([240, 480], 32))]
              for _ in range(3)]
    key = Key(2, "minor")
    mine = pool_windows([genre_windows(melody, tracks, key, 480)])
    grid = RollGrid(480, 4, lowest, 64)
    rolls = np.stack([notes_to_roll(t, grid, 64) for t in [melody] + tracks])
    windows = np.stack([rolls[:, s:s + 32] for s in (0, 32)])
    card = window_metrics(windows, [key, key], lowest)
    for k, v in mine.items():
        assert v == pytest.approx(card[k], abs=1e-4), k


def test_eval_runs_on_three_melodies(tmp_path, capsys):
    md, js = tmp_path / "EVAL.md", tmp_path / "EVAL.json"
    sections = user_eval.run(user_eval.parse_args(
        ["--limit", "3", "--markdown", str(md), "--json", str(js)]))
    assert [s.name for s in sections] == ["gan", "chords", "continuation", "enhancement"]
    out = capsys.readouterr().out
    assert "baseline (triads)" in out and "gan-bach-chorales" in out and "agreement" in out
    record = json.loads(js.read_text())
    assert record["gan"]["melodies"] == 3
    models = record["gan"]["models"]
    assert models and all("passes" in m and "checks" in m for m in models.values())
    assert 0 <= record["gan"]["baseline"]["metrics"]["chordness"] <= 1
    assert "## GAN accompaniment" in md.read_text() and "## Chord detection" in md.read_text()
    assert record["continuation"]["melodies"] == 3 and record["continuation"]["short"] == 0
    assert record["enhancement"]["melodies"] == 3 and record["enhancement"]["within_budgets"]
    assert len(spread(load_melodies(), 3)) == 3
