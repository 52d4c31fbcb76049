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

from ..music.gm import program_name


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
    # Following a chord track (chosen on validation songs to keep the genre's texture):
    # the least cost of a change of pitch (the steadier the lines, the fewer pitch
    # classes a bar), and the rest and double-stop thresholds (None: as above).
    follow_change_penalty: float = 0.4
    follow_threshold: float | None = None
    follow_second_threshold: float | None = None


@dataclass(frozen=True)
class ArcnnSection:
    base_channels: int | None = None


@dataclass(frozen=True)
class TransformerSection:
    max_len: int  # the longest context, in tokens
    texture: str = "any"  # "melody": trained on single lines, for continuing a melody


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
TEXTURES = ("any", "melody")


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
    penalty = _get(g, "gan.key_penalty", NUMBER, None, lambda v: 0 <= v <= 10, "a number 0-10")
    return GanSection(
        tuple(shape), float(_get(g, "gan.melody_center", NUMBER, check=lambda v: 0 <= v <= 127,
                                 what="a pitch 0-127")),
        _get(g, "gan.voices_per_track", int, 0, lambda v: v in (0, 1, 2), "0, 1 or 2"),
        _get(g, "gan.min_steps", int, 1, lambda v: 1 <= v <= 64, "1-64"),
        # Scores are tanh outputs (-1 to 1): thresholds beyond that, or penalties far
        # above it, only overflow the decoding.
        float(_get(g, "gan.change_penalty", NUMBER, 0.0, lambda v: 0 <= v <= 10, "a number 0-10")),
        float(_get(g, "gan.threshold", NUMBER, 0.0, lambda v: -1 <= v <= 1, "a score -1 to 1")),
        float(_get(g, "gan.second_threshold", NUMBER, 1.0, lambda v: -1 <= v <= 1,
                   "a score -1 to 1")),
        _get(g, "gan.candidates", int, 1, lambda v: 1 <= v <= 64, "1-64"),
        _get(g, "gan.key_lock", bool, True),
        None if penalty is None else float(penalty),
        float(_get(g, "gan.follow_change_penalty", NUMBER, GanSection.follow_change_penalty,
                   lambda v: 0 <= v <= 4, "0-4")),
        _optional_score(g, "gan.follow_threshold"), _optional_score(g, "gan.follow_second_threshold"))


def _optional_score(g: Mapping, name: str) -> float | None:
    value = _get(g, name, NUMBER, None, lambda v: -1 <= v <= 1, "a score -1 to 1")
    return None if value is None else float(value)


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
        transformer = TransformerSection(
            _get(t, "transformer.max_len", int, 1024, lambda v: 16 <= v <= 65536, "16-65536"),
            _get(t, "transformer.texture", str, "any", lambda v: v in TEXTURES,
                 " or ".join(TEXTURES)))
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

# Each genre in a musician's words: (its name, how it sounds, "as ... would").
GENRE_WORDS = {
    "bach-chorales": ("Bach chorales",
                      "hymn-like four-part harmony after J. S. Bach, a chord on almost every "
                      "beat over a steady bass", "a Bach chorale"),
    "melodies": ("Folk and hymn tunes",
                 "German folk and children's songs and Bach's chorale tunes, one singable line",
                 "a folk song or a hymn tune"),
    "monteverdi": ("Monteverdi madrigals",
                   "expressive late-Renaissance madrigals, voices leaning on each other with "
                   "bolder clashes and sudden chromatic turns", "a Monteverdi madrigal"),
    "palestrina": ("Palestrina masses",
                   "calm Renaissance church music, smooth flowing lines and soft consonant "
                   "chords with few leaps", "a Palestrina mass"),
    "string-quartets": ("String quartets",
                        "Classical string quartets after Haydn, Mozart and Beethoven, busy "
                        "inner parts over a cello bass line, with many accidentals",
                        "a Classical string quartet"),
    "trecento": ("Trecento songs",
                 "14th-century Italian song from Landini's time, open fifths and octaves, "
                 "crossing lines and medieval cadences", "a Trecento song"),
}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def instrument(program: int) -> str:
    """A General MIDI program as the instrument list shows it: "53 Choir Aahs"."""
    return f"{program + 1} {program_name(program)}"


def _genre(card: ModelCard) -> tuple[str, str, str]:
    if card.genre in GENRE_WORDS:
        return GENRE_WORDS[card.genre]
    name = card.genre.replace("-", " ") or "its training music"
    return name[:1].upper() + name[1:], f"the {name} it learnt from", f"the {name} it learnt from"


def _learnt_from(card: ModelCard) -> str:
    training = card.training
    source = str(training.get("source") or training.get("dataset") or "")
    if source.startswith("music21 corpus:"):
        source = source.split(":", 1)[1].strip() + " in the music21 corpus"
    pieces = training.get("pieces")
    if isinstance(pieces, dict):  # pieces per split: name the training split
        pieces = pieces.get("train")
    if not source:
        return ""
    return f"Learnt from {source}{f' ({pieces} pieces)' if _number(pieces) and pieces else ''}."


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def plain_description(card: ModelCard) -> str:
    """The model as a musician would describe it: what it does to the song and how
    that sounds, its instruments (numbered as the instrument list numbers them),
    and what it learnt from. No statistics: those are in `card_details`."""
    name, sound, like = _genre(card)
    if card.mode == "gan":
        parts = card.tracks[1:]
        lines = [f"{name}: accompaniment",
                 f"Adds {len(parts)} parts under your melody. Sounds like {sound}."]
        if parts:
            lines.append(f"Your melody takes the {card.tracks[0].name}'s place; it adds "
                         + _join([f"{t.name} ({instrument(t.program)})" for t in parts]) + ".")
        if card.gan is not None:
            lines.append("Stays in your song's key unless you untick Key lock." if card.gan.key_lock
                         else "Free to leave the key, with a gentle pull back to it (tick Key lock "
                              "to stay in it)." if card.gan.key_penalty
                         else "Free to leave the key (tick Key lock to stay in it).")
    elif card.mode == "arcnn":
        lines = [f"{name}: melody editor",
                 f"Reworks your melody one note at a time, as {like} would move: it fills "
                 "gaps and takes out notes that do not fit.",
                 "Plays on your melody's own instrument: it changes notes, not the sound."]
    else:
        texture = ("one line, in your tune's register and at its pace"
                   if card.transformer and card.transformer.texture == "melody"
                   else "several voices at once, freely timed")
        lines = [f"{name}: continuation",
                 f"Carries on after your last note as {like} might: {texture}.",
                 "Plays on your melody's own instrument."]
    learnt = _learnt_from(card)
    if learnt:
        lines.append(learnt)
    return "\n".join(lines)


def card_details(card: ModelCard) -> str:
    """The numbers behind the description: tracks with their programs, the training
    data, held-out metrics against real music (and the triad baseline)."""
    training = card.training
    data = training.get("source") or training.get("dataset") or "?"
    pieces = training.get("pieces")
    if isinstance(pieces, dict):  # pieces per split: name the training split
        pieces = pieces.get("train")
    lines = [f"{card.title} ({card.id})", f"Genre: {card.genre or '?'}"]
    if card.mode == "gan":
        lines.append("Tracks: " + ", ".join(f"{t.name} ({instrument(t.program)})"
                                             for t in card.tracks))
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


def describe(card: ModelCard) -> str:
    """The plain description, then the numbers."""
    return plain_description(card) + "\n\nDetails\n" + card_details(card)
