"""Export a trained GAN generator to ONNX and write its model card.

The card's metrics are measured on the held-out test pieces (never seen in
training) through the shipped ONNX file and the app's own generation path
(cross-faded windows, key lock in the piece's key, bar filling), beside the same
metrics of the real accompaniment and of the rule-based triad baseline, all on the
same 2-bar windows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..generation.cards import parse_card
from ..generation.gan import GanModel, TrackSpec, accompany_roll
from ..music.keys import Key
from .baseline import triad_accompaniment
from .card import grid, onnx_file, save_card, training_record, write_card
from .evaluation import (QUALIFIED_MIN_STEPS, absolute_gaps, note_lengths, relative_gaps,
                         window_metrics)
from .gan_net import export_onnx
from .gan_train import DEFAULT_TRACKS

MAX_TEST_BARS = 64
# Instruments (GM programs) per genre: melody first. Channels follow track order.
GENRE_TRACKS = {
    "bach-chorales": [("Soprano", 52), ("Alto", 52), ("Tenor", 53), ("Bass (organ)", 19)],
    "string-quartets": [("Violin I", 40), ("Violin II", 40), ("Viola", 41), ("Cello", 42)],
    "palestrina": [("Cantus", 52), ("Altus", 53), ("Tenor", 53), ("Bassus", 52)],
    "monteverdi": [("Canto", 53), ("Alto", 52), ("Tenore", 52), ("Basso continuo", 6)],
    # Voice, recorders and a portative organ (GM reed organ) for the tenor.
    "trecento": [("Cantus", 53), ("Contratenor", 74), ("Triplum", 74), ("Tenor (organetto)", 20)],
}
# What a musician should know of a genre's texture, added to its card's description.
GENRE_NOTES = {
    "trecento": (" Most trecento pieces have three voices (cantus, contratenor, tenor); the "
                 "Triplum is learnt from the four-voice ones."),
}


def _onnx_model(path: Path, trainer, tracks, melody_center: float) -> GanModel:
    import onnxruntime as ort
    n = trainer.cfg.net
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return GanModel.build(session, trainer.lowest, n.pitches, n.steps, n.noise_shape,
                          melody_center, tuple(TrackSpec(name, p) for name, p in tracks))


def held_out_metrics(model: GanModel, data, pieces, lowest: int, seed: int = 0,
                     key_lock: bool | None = None) -> dict:
    """Real, model and baseline accompaniment of the test pieces, as 2-bar windows."""
    rng = np.random.default_rng(seed)
    size = model.steps
    real_w, model_w, base_w, keys = [], [], [], []
    for p in pieces:
        roll = data.piece_rolls(int(p), lowest, model.pitches)[:, : MAX_TEST_BARS * 16]
        melody = roll[0]
        tonic, minor = data.piece_keys[p]
        key = Key(int(tonic), "minor" if minor else "major")
        mask, strict = model.key_guide(key, key_lock)
        raw = accompany_roll(model, melody, rng, mask, strict=strict)
        fake = model.decode(raw, melody, 16)
        base = triad_accompaniment(melody, key, lowest)
        for s in range(0, roll.shape[1] - size + 1, size):
            if not (melody[s:s + size].any() and roll[1:, s:s + size].any()):
                continue
            real_w.append(roll[:, s:s + size])
            model_w.append(np.concatenate([melody[None, s:s + size], fake[:, s:s + size]]))
            base_w.append(np.concatenate([melody[None, s:s + size], base[:, s:s + size]]))
            keys.append(key)
    real = window_metrics(np.array(real_w), keys, lowest)
    generated = window_metrics(np.array(model_w), keys, lowest)
    baseline = window_metrics(np.array(base_w), keys, lowest)
    return {
        "test_pieces": len(pieces), "test_windows": len(keys),
        "real": real, "model": generated, "baseline": baseline,
        "model_vs_real_relative_gap": relative_gaps(generated, real),
        "baseline_vs_real_relative_gap": relative_gaps(baseline, real),
        "model_vs_real_absolute_gap": absolute_gaps(generated, real),
        "notes": ("Means over 2-bar windows of the held-out test pieces and over the 3 "
                  "accompaniment tracks; key = the piece's key (Krumhansl-Schmuckler on all "
                  "voices), used for the in-scale rate and the model's key lock. "
                  f"Qualified note: at least {QUALIFIED_MIN_STEPS} steps (an eighth), since "
                  "the 16th grid holds no shorter note. Tonal distance: melody vs each "
                  "accompaniment track (Harte et al. 2006), lower = more consonant."),
    }


PENALTIES = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0)
THRESHOLDS = (0.0, -0.5, -0.8, -0.9, -0.95, -0.98, -0.99)
CANDIDATES = (1, 2, 4, 8, 16, 32)
KEY_PENALTIES = (0.1, 0.25, 0.5, 1.0)
SECOND_THRESHOLDS = (0.25, 0.4, 0.5, 0.6, 0.75, 0.9)
# The quick search (the studio's Train a Genre window offers it): a few points of each
# grid, about a sixth of the trials; the card's `decoding_search` says it was used.
FULL_SEARCH = (PENALTIES, THRESHOLDS, CANDIDATES, KEY_PENALTIES, SECOND_THRESHOLDS)
QUICK_SEARCH = ((0.1, 0.5), (0.0, -0.5, -0.9), (1, 4), (0.1, 0.25), (0.5,))
NEAR_REAL = ("in_scale_rate", "pitch_classes_per_bar", "qualified_note_rate", "polyphonic_rate")
NEAR_REAL_TOLERANCE = 0.10
# A genre whose real parts have fewer notes shorter than an eighth than this gets
# lines whose notes last an eighth at least (chorales 2 %, trecento 0.9 %, Palestrina
# none; the quartets' figuration 23 %).
SHORT_NOTES_RARE = 0.05
# Validation margins closer than this are not told apart on a few pieces (seeds move
# them by about as much).
MARGIN_TIE = 0.005


def quality_bar(metrics: dict) -> dict:
    """The bar a card must clear: the near-real statistics within 10 % of the real
    music's (polyphony: equal where the real parts never have chords) and a lower
    tonal distance than the rule-based baseline's."""
    rel, ab = metrics["model_vs_real_relative_gap"], metrics["model_vs_real_absolute_gap"]
    gaps = {k: rel[k] if rel[k] is not None else ab[k] for k in NEAR_REAL}
    # (where the real value is 0 the gap is absolute)
    near = all(g is not None and g <= NEAR_REAL_TOLERANCE for g in gaps.values())
    td, base = metrics["model"]["tonal_distance"], metrics["baseline"]["tonal_distance"]
    better = td is not None and base is not None and td < base  # None: no window to measure
    return {"near_real_gaps": gaps, "near_real_within_10_percent": near,
            "tonal_distance_better_than_baseline": better, "met": near and better}


def _decoding_gap(metrics: dict) -> float:
    """How far a decoding's statistics are from the real music's: the worst of the
    near-real gaps (so that no statistic is sacrificed for the others) and the
    empty-bar gap."""
    gaps = quality_bar(metrics)["near_real_gaps"].values()
    empty = metrics["model_vs_real_absolute_gap"]["empty_bar_rate"]
    return max([g or 0 for g in gaps] + [empty or 0])


def _margin(metrics: dict) -> float:
    """How safely a decoding clears the card's bar: the smaller of the room left
    under the 10 % tolerance and the tonal distance's lead over the baseline
    (relative); negative when either fails."""
    near = max(g or 0 for g in quality_bar(metrics)["near_real_gaps"].values())
    td, base = metrics["model"]["tonal_distance"], metrics["baseline"]["tonal_distance"]
    if td is None or not base:  # no window of a small dataset's pieces to measure on
        return float("-inf")
    return min(NEAR_REAL_TOLERANCE - near, (base - td) / base)


def _real_statistics(data, lowest: int, pitches: int) -> tuple[float, float, float]:
    """(polyphony, in-scale rate, share of notes shorter than an eighth) of the
    accompaniment parts of up to 60 training pieces: whether the parts play chords,
    whether the genre stays in its key, whether it has fast notes."""
    poly, inside, total, lengths = [], 0.0, 0.0, []
    for p in data.split("train")[:60]:
        roll = data.piece_rolls(int(p), lowest, pitches)[1:]
        poly += [float(np.mean(r.sum(axis=1) >= 2)) for r in roll]
        lengths += [note_lengths(r) for r in roll]
        tonic, minor = data.piece_keys[p]
        scale = Key(int(tonic), "minor" if minor else "major").scale_mask()
        cells = roll.sum(axis=(0, 1))
        inside += float(cells[scale[lowest:lowest + pitches]].sum())
        total += float(cells.sum())
    lengths = np.concatenate(lengths) if lengths else np.zeros(0)
    short = float(np.mean(lengths < QUALIFIED_MIN_STEPS)) if len(lengths) else 0.0
    return float(np.mean(poly)) if poly else 0.0, inside / max(total, 1.0), short


def choose_decoding(model: GanModel, data, lowest: int, seed: int,
                    quick: bool = False) -> tuple[GanModel, dict]:
    """How the card decodes, all picked on the VALIDATION pieces, never the test
    pieces the card reports.

    The training pieces decide the form: parts that play chords more than 5 % of
    the time are thresholded cell by cell; parts with occasional double stops (1-5 %)
    get one line plus a second voice; others one line, whose notes last an eighth at
    least where the real parts have next to no shorter ones. A genre whose real parts lie
    less than 90 % in the key (the classical quartets) gets the key lock off by
    default and a soft pull towards the key instead. Then, with one candidate, the
    threshold (the score of a rest) and change penalty on a grid, and where there are
    a key pull or a second voice, those and the first two again by coordinate
    descent, to bring the statistics closest to the real music's (`_decoding_gap`).
    Last, with those, the number of candidates and the key default (that form, or
    the other of strict lock and soft pull) that clear the card's bar by the widest
    margin (`_margin`): more candidates give a more consonant accompaniment, until
    the choice starts to bend the genre's statistics; the lock suits a genre that
    keeps to its key, but strips the accidentals of one that does not (the
    trecento's musica ficta sits at 91 % in the key, right at the bar's edge)."""
    # The grids searched, by the module's names: FULL_SEARCH's, or QUICK_SEARCH's.
    PENALTIES, THRESHOLDS, CANDIDATES, KEY_PENALTIES, SECOND_THRESHOLDS = (
        QUICK_SEARCH if quick else FULL_SEARCH)
    poly, in_scale, short = _real_statistics(data, lowest, model.pitches)
    val = data.split("validation")
    lock = in_scale >= 0.9
    model = model.with_decoding(
        voices_per_track=0 if poly > 0.05 else (2 if poly > 0.01 else 1),
        min_steps=QUALIFIED_MIN_STEPS if short < SHORT_NOTES_RARE else 1,
        key_lock=lock, key_penalty=None if lock else KEY_PENALTIES[1],
        second_threshold=0.5, candidates=1)

    def gap(trial: GanModel) -> float:
        return _decoding_gap(held_out_metrics(trial, data, val, lowest, seed))

    scores = {(threshold, penalty): gap(model.with_decoding(threshold=threshold,
                                                              change_penalty=penalty))
              for threshold in THRESHOLDS
              for penalty in (PENALTIES if model.voices_per_track else (0.0,))}
    threshold, penalty = min(scores, key=scores.get)
    model = model.with_decoding(threshold=threshold, change_penalty=penalty)
    searched = {"threshold/change_penalty": {f"{t}/{p}": round(v, 4)
                                             for (t, p), v in scores.items()}}
    axes = [(name, values) for name, values, used in (
        ("key_penalty", KEY_PENALTIES, not model.key_lock),
        ("second_threshold", SECOND_THRESHOLDS, model.voices_per_track == 2)) if used]
    if axes:  # these interact with the line's threshold and penalty: coordinate descent
        axes += [("threshold", THRESHOLDS), ("change_penalty", PENALTIES)]
        best, rounds = min(scores.values()), []
        for _ in range(3):
            before = best
            for name, values in axes:
                by = {v: gap(model.with_decoding(**{name: v})) for v in values}
                model = model.with_decoding(**{name: min(by, key=by.get)})
                best = by[getattr(model, name)]
                rounds.append({name: {str(v): round(g, 4) for v, g in by.items()}})
            if best >= before:
                break
        searched["coordinate_descent"] = rounds
    # The key default: the form the rule chose, or the other one (the strict lock, or
    # the pull at the searched or default key_penalty), whichever clears the bar by
    # the wider margin. Margins within MARGIN_TIE of the best count as a tie, won by
    # fewer candidates (each one costs generation time), then by the rule's form.
    rule_lock, pull = model.key_lock, model.key_penalty or KEY_PENALTIES[1]
    margins = {(lock, k): _margin(held_out_metrics(
                   model.with_decoding(key_lock=lock, key_penalty=None if lock else pull,
                                       candidates=k), data, val, lowest, seed))
               for lock in (rule_lock, not rule_lock) for k in CANDIDATES}
    best = max(margins.values())
    near = [c for c, v in margins.items() if v >= best - MARGIN_TIE]
    lock, k = min(near, key=lambda c: (c[1], c[0] != rule_lock, -margins[c]))
    model = model.with_decoding(key_lock=lock, key_penalty=None if lock else pull, candidates=k)
    searched["key lock/candidates (margin)"] = {
        f"{'lock' if c[0] else 'pull'}/{c[1]}": round(v, 4) for c, v in margins.items()}
    decoding = {"voices_per_track": model.voices_per_track, "min_steps": model.min_steps,
                "change_penalty": model.change_penalty,
                "threshold": model.threshold, "candidates": model.candidates,
                "key_lock": model.key_lock}
    if model.voices_per_track == 2:
        decoding["second_threshold"] = model.second_threshold
    if not model.key_lock:
        decoding["key_penalty"] = model.key_penalty
    return model, {**decoding, "real_track_polyphony": round(poly, 4),
            "real_short_note_share": round(short, 4),
            "real_in_scale_rate": round(in_scale, 4), "decoding_chosen_on": "validation pieces",
            **({"decoding_search": "quick"} if quick else {}),
            "validation_search": searched}


def measure(model: GanModel, data, lowest: int, seed: int,
            quick: bool = False) -> tuple[dict, dict]:
    """The card's decoding (chosen on validation) and its held-out test metrics, with
    the other key-lock setting and the first candidate alone beside them."""
    model, decoding = choose_decoding(model, data, lowest, seed, quick)
    test = data.split("test")
    metrics = held_out_metrics(model, data, test, lowest, seed)
    metrics["quality_bar"] = quality_bar(metrics)
    other = "model_without_key_lock" if model.key_lock else "model_with_key_lock"
    metrics[other] = held_out_metrics(model, data, test, lowest, seed,
                                      key_lock=not model.key_lock)["model"]
    k = model.candidates
    metrics["model_one_candidate"] = held_out_metrics(model.with_decoding(candidates=1), data,
                                                      test, lowest, seed)["model"]
    lock = ("with the key lock on (the card's default)" if model.key_lock else
            "with the key lock off (the card's default) and "
            f"out-of-key scores lowered by {model.key_penalty}")
    metrics["notes"] += (f" The model's output is decoded {lock}, drawing {k} candidate(s) "
                         "per window and keeping the one most consonant with the melody; "
                         "model_one_candidate is the first draw alone.")
    return decoding, metrics


def recard(card_path: str | Path) -> dict:
    """Measure a shipped model's card again from its ONNX file and the dataset it
    names (the decoding and every metric), keeping the record of its training."""
    import onnxruntime as ort

    from .datasets import load_preset
    card_path = Path(card_path)
    card = json.loads(card_path.read_text())
    onnx_path = card_path.with_suffix(".onnx")
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    model = GanModel.from_card(session, parse_card(card, onnx_path.stem))
    data = load_preset(card["training"]["dataset"])
    seed = int(card["training"]["hyperparameters"].get("seed", 0))
    decoding, metrics = measure(model, data, card["grid"]["lowest"], seed)
    keep = {k: v for k, v in card["gan"].items()
            if k in ("noise_shape", "melody_center", "generator_parameters", "critic_parameters")}
    card["gan"] = {**keep, **decoding}
    card["metrics"] = metrics
    return save_card(card_path, card, onnx_path, stamp="measured")


def export_model(trainer, out_dir: str | Path, model_id: str, genre: str, quick: bool = False,
                 onnx_source: str | Path | None = None) -> dict:
    """`quick`: the short decoding search; `onnx_source`: a generator saved earlier in
    the run (an epoch the studio's training window kept) instead of trainer.G."""
    onnx_path = onnx_file(out_dir, model_id)
    if onnx_source is None:
        export_onnx(trainer.G, str(onnx_path))
    else:
        onnx_path.write_bytes(Path(onnx_source).read_bytes())
    cfg, n, data = trainer.cfg, trainer.cfg.net, trainer.data
    tracks = GENRE_TRACKS.get(genre, DEFAULT_TRACKS)
    train = data.split("train")
    melody_rows = data.notes[(data.notes[:, 1] == 0) & np.isin(data.notes[:, 0], train)]
    melody_center = float(np.median(melody_rows[:, 4]))
    model = _onnx_model(onnx_path, trainer, tracks, melody_center)
    decoding, metrics = measure(model, data, trainer.lowest, cfg.seed, quick)
    sections = {
        "grid": grid(n.steps, trainer.lowest, n.pitches),
        "inputs": [{"name": "melody", "shape": ["batch", 1, n.steps, n.pitches],
                    "range": "-1 silent, 1 sounding"},
                   {"name": "noise", "shape": ["batch", *n.noise_shape], "dist": "N(0, 1)"}],
        "outputs": [{"name": "accompaniment", "shape": ["batch", 3, n.steps, n.pitches],
                     "range": "tanh; > 0 sounding"}],
        "gan": {"noise_shape": list(n.noise_shape), "melody_center": melody_center,
                **decoding, "generator_parameters": sum(p.numel() for p in trainer.G.parameters()),
                "critic_parameters": sum(p.numel() for p in trainer.D.parameters())},
    }
    training = training_record(trainer, "gan", model_id,
                               {"train_windows": int(len(trainer.train_windows))},
                               {"iterations": trainer.step, "epochs": trainer.epoch,
                                "wall_seconds": round(trainer.seconds, 1)})
    return write_card(out_dir, model_id, mode="gan", genre=genre, title="GAN accompaniment",
                      description=("Three accompaniment voices for a melody, from a U-Net "
                                   "generator with noise at the bottleneck (AWS DeepComposer's "
                                   "design, CPU-sized)." + GENRE_NOTES.get(genre, "")),
                      tracks=tracks, sections=sections, training=training, metrics=metrics)


def main(argv: list[str] | None = None) -> int:
    """python -m deepcomposer_desktop.training.gan_export models/ID.json ...: re-measure
    shipped cards (after a change to decoding or metrics) without training again."""
    import argparse
    parser = argparse.ArgumentParser(prog="python -m deepcomposer_desktop.training.gan_export")
    parser.add_argument("cards", nargs="+")
    for path in parser.parse_args(argv).cards:
        card = recard(path)
        print(json.dumps({"card": path, "gan": {k: v for k, v in card["gan"].items()
                                                if not k.startswith("validation_")},
                          "quality_bar": card["metrics"]["quality_bar"]}, indent=1), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
