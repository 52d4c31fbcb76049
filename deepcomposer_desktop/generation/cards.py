"""The model card, typed: parsed and validated once (by the registry), then read by
the runners through these frozen dataclasses instead of dict lookups.

A card is the JSON file beside a model's ONNX file. Its common fields say what the
model is (id, mode, title, genre, tracks, the training record and held-out
metrics, the ONNX file's sha256); one section per mode holds what that mode's
runner needs: `grid` (the roll the network sees) for gan and arcnn, `gan` (noise
and decoding), `arcnn`, `transformer` (the context length). `training` and
`metrics` are free-form records of how the model was made and measured; they are
shown, never computed with, so they stay mappings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping


class CardError(ValueError):
    """A card that cannot be used; the message names the bad field."""


@dataclass(frozen=True)
class Grid:
    """The piano roll a network sees: `steps` steps of 1/steps_per_beat beat on
    `pitches` pitches from `lowest` up."""
    steps_per_beat: int
    steps: int
    lowest: int
    pitches: int


@dataclass(frozen=True)
class TrackSpec:
    name: str
    program: int  # General MIDI program, 0-based as in MIDI files
    channel: int | None = None


@dataclass(frozen=True)
class GanSection:
    noise_shape: tuple[int, ...]
    melody_center: float  # the median melody pitch the network was trained on
    voices_per_track: int = 0  # 0: every cell above threshold; 1: one line; 2: double stops
    min_steps: int = 1  # the shortest note of a line, in steps
    change_penalty: float = 0.0
    threshold: float = 0.0
    second_threshold: float = 1.0
    candidates: int = 1  # noise draws per window, the most consonant kept
    key_lock: bool = True  # the default of the key lock
    key_penalty: float | None = None  # without the lock: out-of-key scores lowered by this


@dataclass(frozen=True)
class ArcnnSection:
    base_channels: int | None = None


@dataclass(frozen=True)
class TransformerSection:
    max_len: int  # the longest context, in tokens


@dataclass(frozen=True)
class ModelCard:
    id: str
    mode: str
    title: str
    genre: str
    description: str
    tracks: tuple[TrackSpec, ...]
    grid: Grid | None
    gan: GanSection | None
    arcnn: ArcnnSection | None
    transformer: TransformerSection | None
    sha256: str
    training: Mapping[str, Any] = field(repr=False, compare=False)
    metrics: Mapping[str, Any] = field(repr=False, compare=False)
    raw: Mapping[str, Any] = field(repr=False, compare=False)  # the JSON as read

    def section(self):
        """This card's mode section."""
        return getattr(self, self.mode)


# The modes a card may name, with the sections each requires (grid is shared).
REQUIRES = {"gan": ("grid", "gan"), "arcnn": ("grid",), "transformer": ("transformer",)}
MODE_NAMES = tuple(REQUIRES)


def _get(data: Mapping, path: str, kind, default: Any = ..., check=None, what: str = ""):
    """data[path's last part] checked against `kind` (and `check`); `path` names it in
    errors. A missing optional field gives `default`."""
    key = path.rsplit(".", 1)[-1]
    if key not in data:
        if default is ...:
            raise CardError(f"card field {path!r} is missing")
        return default
    value = data[key]
    ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
    if ok and isinstance(value, float) and not math.isfinite(value):
        ok = False
    if ok and check is not None and not check(value):
        ok = False
    if not ok:
        expected = what or getattr(kind, "__name__", None) or " or ".join(k.__name__ for k in kind)
        raise CardError(f"card field {path!r} must be {expected}, not {value!r:.60}")
    return value


NUMBER = (int, float)


def _grid(data: Mapping) -> Grid:
    g = _get(data, "grid", dict)
    grid = Grid(_get(g, "grid.steps_per_beat", int, 4, lambda v: 1 <= v <= 48, "1-48"),
                _get(g, "grid.steps", int, check=lambda v: 1 <= v <= 4096, what="1-4096"),
                _get(g, "grid.lowest", int, check=lambda v: 0 <= v <= 127, what="0-127"),
                _get(g, "grid.pitches", int, check=lambda v: 1 <= v <= 128, what="1-128"))
    if grid.lowest + grid.pitches > 128:
        raise CardError("card fields 'grid.lowest' + 'grid.pitches' go above MIDI pitch 127")
    return grid


def _tracks(data: Mapping) -> tuple[TrackSpec, ...]:
    tracks = _get(data, "tracks", list, [])
    out = []
    for i, t in enumerate(tracks):
        where = f"tracks.{i}"
        if not isinstance(t, dict):
            raise CardError(f"card field {where!r} must be an object")
        out.append(TrackSpec(_get(t, f"{where}.name", str),
                             _get(t, f"{where}.program", int, check=lambda v: 0 <= v <= 127,
                                  what="a program 0-127"),
                             _get(t, f"{where}.channel", int, None, lambda v: 0 <= v <= 15,
                                  "a channel 0-15")))
    return tuple(out)


def _gan(data: Mapping, tracks: tuple) -> GanSection:
    g = _get(data, "gan", dict)
    if len(tracks) < 2:
        raise CardError("card field 'tracks' must name the melody and at least one accompaniment")
    shape = _get(g, "gan.noise_shape", list, check=lambda v: 0 < len(v) <= 4 and all(
        isinstance(x, int) and not isinstance(x, bool) and 0 < x <= 4096 for x in v),
        what="a list of 1-4 positive integers")
    penalty = _get(g, "gan.key_penalty", NUMBER, None, lambda v: v >= 0, "a number >= 0")
    return GanSection(
        tuple(shape), float(_get(g, "gan.melody_center", NUMBER, check=lambda v: 0 <= v <= 127,
                                 what="a pitch 0-127")),
        _get(g, "gan.voices_per_track", int, 0, lambda v: v in (0, 1, 2), "0, 1 or 2"),
        _get(g, "gan.min_steps", int, 1, lambda v: 1 <= v <= 64, "1-64"),
        float(_get(g, "gan.change_penalty", NUMBER, 0.0)),
        float(_get(g, "gan.threshold", NUMBER, 0.0)),
        float(_get(g, "gan.second_threshold", NUMBER, 1.0)),
        _get(g, "gan.candidates", int, 1, lambda v: 1 <= v <= 64, "1-64"),
        _get(g, "gan.key_lock", bool, True),
        None if penalty is None else float(penalty))


def parse_card(data: object, model_id: str) -> ModelCard:
    """The typed card of model `model_id`; CardError names the first bad field."""
    if not isinstance(data, dict):
        raise CardError("the card is not a JSON object")
    card_id = _get(data, "id", str)
    if card_id != model_id:
        raise CardError(f"card id {card_id!r} does not match the file name {model_id!r}")
    mode = _get(data, "mode", str)
    if mode not in REQUIRES:
        raise CardError(f"card field 'mode' is {mode!r}; expected one of {', '.join(MODE_NAMES)}")
    needs = REQUIRES[mode]
    tracks = _tracks(data)
    transformer = None
    if "transformer" in needs:
        t = _get(data, "transformer", dict)
        transformer = TransformerSection(_get(t, "transformer.max_len", int, 1024,
                                              lambda v: 16 <= v <= 65536, "16-65536"))
    arcnn = None
    if mode == "arcnn" and isinstance(data.get("arcnn"), dict):
        arcnn = ArcnnSection(_get(data["arcnn"], "arcnn.base_channels", int, None))
    return ModelCard(
        id=card_id, mode=mode, title=_get(data, "title", str),
        genre=_get(data, "genre", str, ""), description=_get(data, "description", str, ""),
        tracks=tracks, grid=_grid(data) if "grid" in needs else None,
        gan=_gan(data, tracks) if "gan" in needs else None, arcnn=arcnn,
        transformer=transformer,
        sha256=_get(data, "sha256", str, check=lambda v: len(v) == 64, what="a sha256 hex digest"),
        training=_get(data, "training", dict), metrics=_get(data, "metrics", dict), raw=data)


METRIC_LABELS = {"in_scale_rate": "in scale", "pitch_classes_per_bar": "pitch classes/bar",
                 "qualified_note_rate": "qualified notes", "empty_bar_rate": "empty bars",
                 "polyphonic_rate": "polyphony", "tonal_distance": "tonal distance"}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def describe(card: ModelCard) -> str:
    """Genre, tracks, training data and held-out metrics, as a few lines of text."""
    training = card.training
    data = training.get("source") or training.get("dataset") or "?"
    pieces = training.get("pieces")
    if isinstance(pieces, dict):  # pieces per split: name the training split
        pieces = pieces.get("train")
    lines = [card.title, f"Genre: {card.genre or '?'}"]
    if card.mode == "gan":
        lines.append("Tracks: " + ", ".join(f"{t.name} ({t.program})" for t in card.tracks))
    lines.append(f"Trained on: {data}{f' ({pieces} pieces)' if pieces else ''}")
    metrics = card.metrics
    if _number(metrics.get("test_nll_per_event")):
        lines.append(f"Held-out loss: {metrics['test_nll_per_event']:.3f} nats per event")
    # gan: the accompaniment; arcnn: the enhanced melody; transformer: the continuation
    model = next((metrics[k] for k in ("model", "enhanced", "continuation")
                  if isinstance(metrics.get(k), dict)), None)
    real = metrics.get("real")
    if isinstance(model, dict) and isinstance(real, dict):
        pairs = [f"{label} {model[k]:.2f} vs {real[k]:.2f}" for k, label in METRIC_LABELS.items()
                 if _number(model.get(k)) and _number(real.get(k))]
        where = f" on {metrics['test_pieces']} unseen pieces" if metrics.get("test_pieces") else ""
        lines.append(f"Held-out{where}, model vs real: " + ", ".join(pairs[:5]))
        base = metrics.get("baseline")
        if card.gan and isinstance(base, dict) and _number(base.get("tonal_distance")) \
                and _number(model.get("tonal_distance")) and _number(real.get("tonal_distance")):
            lines.append(f"Tonal distance to the melody (lower = more consonant): model "
                         f"{model['tonal_distance']:.2f}, real {real['tonal_distance']:.2f}, "
                         f"triad baseline {base['tonal_distance']:.2f}")
    if card.gan:
        lock = ("on" if card.gan.key_lock else
                "off, with a soft pull to the key" if card.gan.key_penalty else "off")
        lines.append(f"Draws {card.gan.candidates} candidate(s) per 2 bars; key lock "
                     f"{lock} by default")
    return "\n".join(lines)
