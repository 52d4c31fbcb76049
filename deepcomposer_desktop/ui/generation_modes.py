"""The generation modes as the generate panel shows them: every parameter declared
once as data (name, kind, range, default, tooltip), and one function per mode that
runs in the worker on a snapshot of the song and returns the tracks to add.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from ..music.composition import Composition, Track

MODE_TITLES = {"gan": "GAN (accompaniment)", "arcnn": "AR-CNN (enhance)",
               "transformer": "Transformer (continue)"}
MODE_MODULES = {"gan": "gan", "arcnn": "arcnn", "transformer": "transformer"}


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    kind: str            # "int", "float", "bool" or "choice"
    default: Any
    tip: str
    low: float = 0
    high: float = 0
    choices: tuple[str, ...] = ()
    special: str = ""    # shown instead of the lowest value (which then means "automatic")


PARAMS: dict[str, list[Param]] = {
    "gan": [
        Param("key_lock", "Key lock", "bool", True,
              "Keep the accompaniment in the song's key (or the key detected from the melody). "
              "Each model sets its default: off for genres whose music has many accidentals."),
        Param("candidates", "Candidates", "int", 0,
              "Accompaniments drawn for every 2 bars; the one that sits most consonantly with "
              "the melody is kept. More is smoother harmony, fewer is freer. 0 = the model's "
              "own setting.", 0, 64, special="model's"),
    ],
    "arcnn": [
        Param("iterations", "Iterations", "int", 100, "How many single-cell edits the network makes. "
              "An edit may also undo an earlier one, so a complete melody changes less than "
              "this.", 0, 1000),
        Param("max_add", "Max notes to add", "int", 500, "Upper limit of notes (16th-note cells) added.",
              0, 1000),
        Param("max_remove_percent", "Max notes to remove (%)", "float", 100.0,
              "Upper limit of the input's cells that may be removed, in percent.", 0, 100),
        Param("temperature", "Creative risk", "float", 1.0, "Sampling temperature: low stays close "
              "to the most likely edit, high takes more surprising ones. At 1.0 a complete, "
              "tuneful melody changes little; 1.5-2 gives a livelier variation.", 0.5, 6.0),
        Param("key_lock", "Key lock", "bool", False, "Only add notes in the song's key."),
    ],
    "transformer": [
        Param("extend_seconds", "Extend by (s)", "float", 20.0,
              "How many seconds of music to add after the track's last note.", 1, 600),
        Param("input_seconds", "Input (s)", "float", 10.0,
              "How many seconds at the end of the track the model listens to first.", 1, 120),
        Param("temperature", "Creative risk", "float", 1.0,
              "Sampling temperature: higher is more adventurous.", 0.1, 6.0),
        Param("sampling", "Sampling", "choice", "topk",
              "Top-k keeps the k likeliest tokens; nucleus the smallest set holding p of the "
              "probability.", choices=("topk", "nucleus")),
        Param("threshold", "Threshold", "float", 0.0,
              "k for top-k (e.g. 40) or p for nucleus (e.g. 0.9); 0 uses those defaults.", 0, 200),
        Param("max_rest_seconds", "Max rest (s)", "float", 2.0,
              "Longer silences in the continuation are shortened to this.", 0, 10),
        Param("max_chord_notes", "Max chord notes", "int", 4,
              "At most this many new notes may sound at once.", 1, 10),
        Param("key_lock", "Key lock", "bool", False, "Only play notes in the song's key."),
        Param("quantize", "Quantize", "choice", "off",
              "Snap the continuation to this grid (the model plays freely timed).",
              choices=("off", "1/8", "1/16", "1/8T", "1/16T")),
    ],
}


def mode_installed(mode: str) -> bool:
    try:
        importlib.import_module(f"..generation.{MODE_MODULES[mode]}", __package__)
    except ImportError:
        return False
    return True


def models_for(mode: str, registry) -> list:
    return [e for e in registry.entries() if e.ok and e.card.get("mode") == mode]


METRIC_LABELS = {"in_scale_rate": "in scale", "pitch_classes_per_bar": "pitch classes/bar",
                 "qualified_note_rate": "qualified notes", "empty_bar_rate": "empty bars",
                 "polyphonic_rate": "polyphony", "tonal_distance": "tonal distance"}


def card_summary(card: dict) -> str:
    """Genre, tracks, training data and held-out metrics, as a few lines of text."""
    tracks = ", ".join(f"{t.get('name')} ({t.get('program')})" for t in card.get("tracks", []))
    training = card.get("training", {})
    data = training.get("source") or training.get("dataset") or "?"
    pieces = training.get("pieces")
    if isinstance(pieces, dict):  # pieces per split: name the training split
        pieces = pieces.get("train")
    lines = [f"{card.get('title', card.get('id'))}",
             f"Genre: {card.get('genre', '?')}",
             *([f"Tracks: {tracks or '?'}"] if card.get("mode") == "gan" else []),
             f"Trained on: {data}{f' ({pieces} pieces)' if pieces else ''}"]
    metrics = card.get("metrics", {})
    if isinstance(metrics.get("test_nll_per_event"), (int, float)):
        lines.append(f"Held-out loss: {metrics['test_nll_per_event']:.3f} nats per event")
    # GAN: accompaniment; AR-CNN: the enhanced melody; Transformer: the continuation
    model = next((metrics[k] for k in ("model", "enhanced", "continuation")
                  if isinstance(metrics.get(k), dict)), None)
    real = metrics.get("real")
    if isinstance(model, dict) and isinstance(real, dict):  # generated beside real, held out
        pairs = [f"{label} {model[k]:.2f} vs {real[k]:.2f}" for k, label in METRIC_LABELS.items()
                 if isinstance(model.get(k), (int, float)) and isinstance(real.get(k), (int, float))]
        where = f" on {metrics['test_pieces']} unseen pieces" if metrics.get("test_pieces") else ""
        lines.append(f"Held-out{where}, model vs real: " + ", ".join(pairs[:5]))
        base = metrics.get("baseline")
        if card.get("mode") == "gan" and isinstance(base, dict) and "tonal_distance" in base:
            lines.append(f"Tonal distance to the melody (lower = more consonant): model "
                         f"{model['tonal_distance']:.2f}, real {real['tonal_distance']:.2f}, "
                         f"triad baseline {base['tonal_distance']:.2f}")
        gan = card.get("gan", {})
        if card.get("mode") == "gan" and "candidates" in gan:
            lock = ("on" if gan.get("key_lock", True) else
                    "off, with a soft pull to the key" if gan.get("key_penalty") else "off")
            lines.append(f"Draws {gan['candidates']} candidate(s) per 2 bars; key lock "
                         f"{lock} by default")
    else:
        shown = [f"{METRIC_LABELS.get(k, k)} {v:.3g}" for k, v in metrics.items()
                 if isinstance(v, (int, float)) and k in METRIC_LABELS]
        if shown:
            lines.append("Held-out metrics: " + ", ".join(shown[:5]))
    return "\n".join(lines)


def _channels_for(tracks: list[Track], used: set[int]) -> list[Track]:
    """Copies of `tracks` on channels the song does not use yet (drums stay on 10)."""
    out = []
    for track in tracks:
        copy = track.copy()
        if not copy.is_drum:
            free = next((c for c in range(16) if c != 9 and c not in used), copy.channel)
            copy.channel = free
            used.add(free)
        out.append(copy)
    return out


def run(registry, mode: str, model_id: str, comp: Composition, track: int, values: dict,
        seed: int, region: tuple[int, int] | None, progress: Callable[[float, str], None]
        ) -> list[Track]:
    """Generate on `comp` (a snapshot) and return the new tracks to add to the song."""
    used = {t.channel for t in comp.tracks}
    if mode == "gan":
        from ..generation.gan import generate_accompaniment
        result = generate_accompaniment(comp, registry.gan_model(model_id), seed=seed,
                                        key_lock=values["key_lock"], track=track,
                                        candidates=values.get("candidates") or None,
                                        progress=lambda d, n: progress(d / n, "Generating"))
        return _channels_for(result.tracks[1:], used)
    session, card = registry.session(model_id, mode)
    if mode == "arcnn":
        from ..generation.arcnn import ArcnnRunner, EnhanceParams, enhance
        grid = card.get("grid", {})  # the runner's defaults are the network's usual window
        runner = ArcnnRunner(session, grid.get("lowest", 36), grid.get("pitches", 64),
                             grid.get("steps", 128))
        params = EnhanceParams(seed=seed, track=track, region=region, key=comp.key, **values)
        result = enhance(comp, runner, params, progress=lambda d, n: progress(d / max(n, 1), "Enhancing"))
        label = "AR-CNN take"
    else:
        from ..generation.transformer import ExtendParams, TokenRunner, extend
        params = ExtendParams(seed=seed, track=track, key=comp.key, **values)
        runner = TokenRunner(session, card.get("transformer", {}).get("max_len", 1024))
        result = extend(comp, runner, params, progress=lambda f: progress(f, "Continuing"))
        label = "Transformer take"
    take = result.tracks[track].copy()
    take.name = f"{comp.tracks[track].name} ({label})"
    return _channels_for([take], used)
