"""Choose how each GAN genre's voices move when they follow a chord track.

    python -m deepcomposer_desktop.training.follow_calibrate models/gan-*.json

Following chords, a genre's lines keep to chord tones on the beats; the cost of a
change of pitch (`gan.follow_change_penalty` on the card) then decides how many
pitch classes a bar they use, the statistic that moves most. For each card this
accompanies held-out folk songs (of the validation split of the `melodies`
preset) and Irish dance tunes (O'Neill's, never the user-melody benchmark's; no
GAN trained on either) at each candidate penalty, and keeps the one whose genre
statistics lie closest to the genre's real music (the card's `metrics.real`): the
smallest worst relative gap, ties to the steadier line.

A genre still outside the bar (a statistic more than 10 % from the real music's)
is searched further: the score below which a voice rests (`follow_threshold`: a
string quartet's inner voices seldom rest) and, for genres with double stops, the
score a second note needs (`follow_second_threshold`). Among the settings whose
accompaniment stays harmonious on these songs (chordness, consonance above the
triad baseline's, doubling, with a margin over `make eval`'s bar), the one with the
least total excess over the 10 % bar wins, then the smallest worst gap. The search
is recorded on the card.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from ..generation.cards import parse_card
from ..generation.gan import GanModel, generate_accompaniment
from ..music.composition import Composition, Note, Tempo, Track
from ..music.harmony_metrics import (GENRE_STATISTICS, Counts, genre_windows, harmony_counts,
                                     pool_windows, relative_gap)
from ..music.keys import Key, detect_key
from . import user_eval
from .card import save_card
from .datasets import STEPS_PER_BEAT, load_preset

PENALTIES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.6)
FURTHER_PENALTIES = (0.1, 0.2)
THRESHOLDS = (None, -0.4, -0.6, -0.8)  # None: the card's own threshold
SECOND_THRESHOLDS = (None, -0.35, -0.4, -0.45, -0.5)
# Harmony the further search may not give up: make eval's bar with a margin.
CHORDNESS_MIN = user_eval.CHORDNESS_MIN + 0.03
DOUBLING_MAX = user_eval.DOUBLING_MAX - 0.02
CONSONANCE_MARGIN = 0.02  # over the triad baseline's on the same songs
MELODIES = 30
DANCE_TUNES = 20
TIE = 0.005


def validation_songs(n: int = MELODIES) -> list[Composition]:
    """`n` folk songs of the `melodies` preset's validation split, evenly spread, as
    songs at 480 ticks a quarter (at most 16 bars each, as users bring them)."""
    data = load_preset("melodies")
    pieces = [p for p in data.split("validation")  # folk songs: the tunes users bring
              if str(data.piece_names[p]).startswith("essenFolksong")]
    pieces = [pieces[i] for i in np.linspace(0, len(pieces) - 1, min(n, len(pieces))).astype(int)]
    ticks = 480 // STEPS_PER_BEAT
    songs = []
    for p in pieces:
        rows = data.notes[(data.notes[:, 0] == p) & (data.notes[:, 1] == 0)]
        num, den = (int(v) for v in data.piece_meters[p])
        bar = num * 4 * STEPS_PER_BEAT // den
        rows = rows[rows[:, 2] < 16 * bar]
        notes = [Note(int(s) * ticks, int(pitch), max(int(e - s), 1) * ticks)
                 for _, _, s, e, pitch in rows]
        tonic, minor = (int(v) for v in data.piece_keys[p])
        songs.append(Composition(tracks=[Track("Melody", notes=notes)],
                                 tempos=[Tempo.from_bpm(0, 100)], time_signature=(num, den),
                                 key=Key(tonic, "minor" if minor else "major")))
    return songs


def dance_tunes(n: int = DANCE_TUNES) -> list[Composition]:
    """`n` Irish dance tunes of O'Neill's collection that the user-melody benchmark
    does not hold (users bring reels and jigs as well as songs)."""
    from music21 import corpus

    from .datasets import _music21_parts, benchmark_ids

    held_out, songs = benchmark_ids(), []
    for book in ("0001-0050", "0101-0200"):
        rel = f"oneills1850/{book}.abc"
        for score in corpus.parse(rel).scores:
            if f"{rel}#{score.metadata.number}" in held_out or len(songs) >= n:
                continue
            try:
                (num, den), parts = _music21_parts(score)
            except Exception:  # an unreadable tune is skipped
                continue
            if len([p for p in parts if p]) != 1:
                continue
            ticks = 480 // STEPS_PER_BEAT
            bar = num * 4 * STEPS_PER_BEAT // den
            notes = [Note(s * ticks, pitch, max(e - s, 1) * ticks) for s, e, pitch in parts[0]
                     if s < 16 * bar]
            key = detect_key([x.pitch for x in notes], [x.duration for x in notes])
            songs.append(Composition(tracks=[Track("Melody", notes=notes)],
                                     tempos=[Tempo.from_bpm(0, 100)], time_signature=(num, den),
                                     key=key))
    return songs


def statistics(model: GanModel, songs: list[Composition]) -> dict[str, float]:
    """The genre statistics of the songs' accompaniment, and its harmony rates."""
    windows, counts = [], Counts()
    for song in songs:
        out = generate_accompaniment(song, model, seed=0)
        acc = [t.notes for t in out.tracks[1:]]
        melody = song.tracks[0].notes
        windows.append(genre_windows(melody, acc, song.key, song.ppq))
        counts.add(harmony_counts(melody, acc, song.key, song.ppq, song.time_signature))
    rates = counts.rates()
    return {**pool_windows(windows),
            **{k: rates[k] for k in ("chordness", "consonance", "doubling")}}


def baseline_consonance(songs: list[Composition]) -> float:
    counts = Counts()
    for song in songs:
        acc = user_eval.bar_triads(song.tracks[0].notes, song.key, song.ticks_per_bar, song.end)
        counts.add(harmony_counts(song.tracks[0].notes, acc, song.key, song.ppq,
                                  song.time_signature))
    return counts.rates()["consonance"]


def _judge(stats: dict[str, float], real: dict) -> dict:
    gaps = [g for g in (relative_gap(stats[k], real.get(k)) for k in GENRE_STATISTICS)
            if g is not None]
    worst = max(gaps, default=0.0)
    excess = sum(max(0.0, g - user_eval.NEAR_REAL) for g in gaps)
    return {"worst_gap": round(worst, 4), "excess": round(excess, 4),
            **{k: round(v, 4) for k, v in stats.items()}}


def calibrate(card_path: str | Path, songs: list[Composition], base_consonance: float) -> dict:
    import onnxruntime as ort

    card_path = Path(card_path)
    raw = json.loads(card_path.read_text())
    onnx_path = card_path.with_suffix(".onnx")
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    model = GanModel.from_card(session, parse_card(raw, card_path.stem))
    real = raw["metrics"]["real"]
    searched = {}
    for penalty in PENALTIES:
        searched[str(penalty)] = _judge(statistics(model.with_decoding(
            follow_change_penalty=penalty, follow_threshold=None, follow_second_threshold=None),
            songs), real)
        print(card_path.stem, penalty, searched[str(penalty)], flush=True)
    best = min(v["worst_gap"] for v in searched.values())
    penalty = max(float(p) for p, v in searched.items() if v["worst_gap"] <= best + TIE)
    chosen = {"follow_change_penalty": penalty}
    if searched[str(penalty)]["excess"] > 0:
        further = {}
        seconds = SECOND_THRESHOLDS if model.voices_per_track == 2 else (None,)
        for p, t, s2 in itertools.product(sorted({penalty, *FURTHER_PENALTIES}), THRESHOLDS,
                                          seconds):
            setting = {"follow_change_penalty": p, "follow_threshold": t,
                       "follow_second_threshold": s2}
            result = _judge(statistics(model.with_decoding(**setting), songs), real)
            result["harmonious"] = (result["chordness"] >= CHORDNESS_MIN
                                    and result["doubling"] <= DOUBLING_MAX
                                    and result["consonance"] >= base_consonance + CONSONANCE_MARGIN)
            further[f"penalty {p}, rest below {t}, second above {s2}"] = (setting, result)
            print(card_path.stem, setting, result, flush=True)
        ok = [(r["excess"], r["worst_gap"], -s["follow_change_penalty"], name)
              for name, (s, r) in further.items() if r["harmonious"]]
        if ok and min(ok)[0] < searched[str(penalty)]["excess"]:
            chosen = further[min(ok)[3]][0]
        searched.update({name: {**s, **r} for name, (s, r) in further.items()})
    for name, value in chosen.items():
        if value is None:
            raw["gan"].pop(name, None)
        else:
            raw["gan"][name] = value
    raw["gan"]["follow_chosen_on"] = (f"{len(songs)} folk songs and dance tunes: the validation "
                                      "split of the 'melodies' preset and O'Neill tunes that the "
                                      "user-melody benchmark does not hold")
    raw["gan"]["follow_search"] = searched
    return save_card(card_path, raw, onnx_path, stamp="measured")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deepcomposer_desktop.training.follow_calibrate")
    parser.add_argument("cards", nargs="+")
    parser.add_argument("--melodies", type=int, default=MELODIES)
    args = parser.parse_args(argv)
    songs = validation_songs(args.melodies) + dance_tunes()
    base_consonance = baseline_consonance(songs)
    for path in args.cards:
        card = calibrate(path, songs, base_consonance)
        print(path, {k: v for k, v in card["gan"].items() if k.startswith("follow_")
                     and k not in ("follow_search", "follow_chosen_on")}, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
