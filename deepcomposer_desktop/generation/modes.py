"""The generation modes, each declared once: its parameters (name, type, default,
range, unit, one sentence of help), how to build its runner from a model's card,
and what its result adds to the song.

Everything else is derived from this table: the CLI's `generate` options, the
generate panel's form, validation, `models --json`, `train --mode` and the
parameter table in docs/PARAMETERS.md (`python -m deepcomposer_desktop.generation.modes`).
Runners are imported only when a mode runs, so listing modes stays cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import InvalidInputError
from ..music.composition import Composition, Track, on_free_channels
from ..music.keys import Key
from ..music.limits import check_song
from ..progress import Progress
from .cards import MODE_NAMES, ModelCard


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    kind: str  # "int", "float", "bool" or "choice"
    default: Any  # None: the model card's value (card_field) or automatic (auto)
    help: str  # one sentence a musician understands
    low: float | None = None
    high: float | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()
    card_field: str = ""  # the default comes from this field of the card's mode section
    auto: str = ""  # what None means, when it is neither a card's value nor a number

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def range_text(self) -> str:
        if self.kind == "choice":
            return ", ".join(self.choices)
        if self.low is None:
            return ""
        return f"{self.low:g}-{self.high:g}{' ' + self.unit if self.unit else ''}"

    def default_text(self) -> str:
        if self.default is None:
            return "the model's" if self.card_field else self.auto
        if self.kind == "bool":
            return "on" if self.default else "off"
        return f"{self.default:g}" if isinstance(self.default, float) else str(self.default)

    def value_text(self, value: Any) -> str:
        """A value as the panel and the versions list show it: "on", "20 s", "auto
        (k 40 or p 0.9)"; None is the card's value or automatic."""
        if value is None:
            return f"auto ({self.auto})" if self.auto else "the model's"
        if self.kind == "bool":
            return "on" if value else "off"
        text = f"{value:g}" if isinstance(value, float) else str(value)
        return f"{text} {self.unit}" if self.unit else text

    def check(self, value: Any) -> Any:
        """`value` as this parameter's type, or ValueError saying what is allowed."""
        if value is None and self.default is None:
            return None
        try:
            if self.kind == "bool":
                if not isinstance(value, (bool, int)):
                    raise TypeError
                return bool(value)
            if self.kind == "choice":
                if value not in self.choices:
                    raise ValueError
                return value
            number = float(value)
            if self.kind == "int":
                if number != int(number):
                    raise ValueError
                number = int(number)
            if not (math.isfinite(number) and self.low <= number <= self.high):
                raise ValueError
            return number
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{self.label} ({self.flag}) {value!r}: expected "
                             f"{'on or off' if self.kind == 'bool' else self.range_text()}") from None


@dataclass(frozen=True)
class Request:
    """One generation: the song's snapshot, which track, the model and the values."""
    model_id: str
    track: int = 0
    seed: int | None = None
    values: dict = field(default_factory=dict)  # by Param.name; missing ones take defaults
    key: Key | None = None  # for the key lock; None: the song's key, else detected
    region: tuple[int, int] | None = None  # ticks that may change (inpainting)
    pitch_region: tuple[int, int] | None = None  # MIDI pitches that may change (inpainting)


@dataclass(frozen=True)
class Mode:
    name: str
    title: str  # as the panel lists it
    summary: str  # one sentence: what the mode does to the song
    verb: str  # progress text
    params: tuple[Param, ...]
    adds: str  # "tracks": new tracks beside the melody; "take": a changed copy of the melody
    take_label: str  # the name suffix of a take
    inpaints: bool  # takes a region (bars and pitches) to change, the rest kept
    trainer: str  # the training module (`deepcomposer train --mode`)
    run: Callable[..., Composition] = field(repr=False)
    check: Callable[[dict], None] | None = field(default=None, repr=False)  # across values
    preferred: tuple[str, ...] = ()  # model ids used unless the user picks, when installed

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    def defaults(self, card: ModelCard | None = None) -> dict:
        """Every parameter's default; with a card, its values for the card's fields."""
        out = {p.name: p.default for p in self.params}
        if card is not None and card.mode == self.name:
            section = card.section()
            for p in self.params:
                if p.card_field and section is not None:
                    out[p.name] = getattr(section, p.card_field)
        return out

    def values(self, given: dict, card: ModelCard | None = None) -> dict:
        """`given` (None or missing: the default) checked, with the defaults filled in."""
        unknown = set(given) - {p.name for p in self.params}
        if unknown:
            raise ValueError(f"{self.name} has no parameter {', '.join(sorted(unknown))}")
        out = self.defaults(card)
        for p in self.params:
            if given.get(p.name) is not None:
                out[p.name] = p.check(given[p.name])
        if self.check is not None:
            self.check(out)
        return out


def _gan(registry, comp: Composition, req: Request, values: dict, progress: Progress):
    from .gan import GanModel, generate_accompaniment
    session, card = registry.session(req.model_id, "gan")
    return generate_accompaniment(comp, GanModel.from_card(session, card), seed=req.seed,
                                  key_lock=values["key_lock"], key=req.key, track=req.track,
                                  candidates=values["candidates"], progress=progress)


def _arcnn(registry, comp: Composition, req: Request, values: dict, progress: Progress):
    from .arcnn import ArcnnRunner, EnhanceParams, enhance
    session, card = registry.session(req.model_id, "arcnn")
    params = EnhanceParams(**values, key=req.key or comp.key, region=req.region,
                           pitch_region=req.pitch_region, seed=req.seed, track=req.track)
    return enhance(comp, ArcnnRunner(session, card.grid), params, progress)


def _transformer(registry, comp: Composition, req: Request, values: dict, progress: Progress):
    from .transformer import ExtendParams, TokenRunner, extend
    session, card = registry.session(req.model_id, "transformer")
    params = ExtendParams(**values, key=req.key or comp.key, seed=req.seed, track=req.track)
    return extend(comp, TokenRunner(session, card.transformer.max_len), params, progress)


def _check_threshold(values: dict) -> None:
    t = values["threshold"]
    if t is not None and values["sampling"] == "nucleus" and t > 1:
        raise ValueError(f"Threshold (--threshold) {t:g}: nucleus sampling takes p from 0.01 to 1")
    if t is not None and values["sampling"] == "topk" and t < 1:
        raise ValueError(f"Threshold (--threshold) {t:g}: top-k sampling takes k of 1 or more")


def _key_lock(help_text: str, card_field: str = "") -> Param:
    return Param("key_lock", "Key lock", "bool", None if card_field else False, help_text,
                 card_field=card_field)


TEMPERATURE_HELP = "Creative risk: low stays close to the likeliest choice, high takes bolder ones."

MODES: dict[str, Mode] = {m.name: m for m in (
    Mode("gan", "GAN (accompaniment)", "Adds accompaniment tracks in the model's genre.",
         "Accompanying", (
             _key_lock("Keep the accompaniment in the song's key; each genre sets its own "
                       "default (off for genres with many accidentals).", "key_lock"),
             Param("candidates", "Candidates", "int", None,
                   "Accompaniments tried for every 2 bars, keeping the one that sits best "
                   "with the melody: more is smoother harmony, fewer is freer.", 1, 64,
                   card_field="candidates"),
         ), "tracks", "", False, "deepcomposer_desktop.training.gan_cli", _gan),
    Mode("arcnn", "AR-CNN (enhance)", "Adds and removes notes of the melody, one at a time.",
         "Enhancing", (
             Param("iterations", "Iterations", "int", 100,
                   "How many single-note edits the network makes; an edit may undo an "
                   "earlier one.", 0, 1000),
             Param("max_add", "Max notes to add", "int", 500,
                   "The most 16th-note cells the network may add.", 0, 1000, "cells"),
             Param("max_remove_percent", "Max notes to remove", "float", 100.0,
                   "The most of the melody's 16th-note cells the network may remove.",
                   0, 100, "%"),
             Param("temperature", "Creative risk", "float", 1.0, TEMPERATURE_HELP, 0.5, 6.0),
             _key_lock("Only add notes in the song's key."),
         ), "take", "AR-CNN take", True, "deepcomposer_desktop.training.arcnn_cli", _arcnn,
         # Trained on folk songs as well as chorale sopranos: the tunes users bring.
         preferred=("arcnn-melodies",)),
    Mode("transformer", "Transformer (continue)", "Continues the melody after its last note.",
         "Continuing", (
             Param("extend_seconds", "Extend by", "float", 20.0,
                   "How much music to add after the track's last note.", 1, 600, "s"),
             Param("input_seconds", "Listen to", "float", 10.0,
                   "How much of the end of the track the model hears before it continues.",
                   1, 120, "s"),
             Param("temperature", "Creative risk", "float", 1.0, TEMPERATURE_HELP, 0.1, 6.0),
             Param("sampling", "Sampling", "choice", "topk",
                   "Top-k picks among the k likeliest notes; nucleus among the likeliest that "
                   "together make up p of the chance.", choices=("topk", "nucleus")),
             Param("threshold", "Threshold", "float", None,
                   "k for top-k (e.g. 40) or p for nucleus (e.g. 0.9).", 0.01, 200,
                   auto="k 40 or p 0.9"),
             Param("max_rest_seconds", "Longest rest", "float", 2.0,
                   "Longer silences in the continuation are shortened to this.", 0, 10, "s"),
             Param("max_chord_notes", "Notes at once", "int", 4,
                   "At most this many new notes sound together.", 1, 10),
             _key_lock("Only play notes in the song's key."),
             Param("quantize", "Quantize", "choice", "off",
                   "Snap the continuation to this grid (the model plays freely timed).",
                   choices=("off", "1/8", "1/16", "1/8T", "1/16T")),
         ), "take", "Transformer take", False, "deepcomposer_desktop.training.transformer_cli",
         _transformer, _check_threshold),
)}
assert tuple(MODES) == MODE_NAMES, "a mode without a card section, or the other way round"


def default(mode: str, name: str) -> Any:
    """One parameter's default (for the runners' parameter dataclasses)."""
    return MODES[mode].param(name).default


def single_line(notes, legato: int = 0) -> bool:
    """True when no two notes sound together (overlaps up to `legato` ticks allowed)."""
    ordered = sorted(notes)
    return all(b.start >= a.end - legato for a, b in zip(ordered, ordered[1:]))


def preferred_model(registry, mode: str, comp: Composition | None = None, track: int = 0) -> str:
    """The model a mode uses unless the user picks one: for the Transformer, one
    trained on melodies when the input track is a single line, else one trained on
    any texture; otherwise the mode's preferred model, else the first installed."""
    entries = registry.models(mode)
    if mode == "transformer" and entries and comp is not None and 0 <= track < len(comp.tracks):
        melody = single_line(comp.tracks[track].notes, comp.ppq // 16)
        fits = [e for e in entries if (e.card.transformer.texture == "melody") == melody]
        if fits:
            return fits[0].id
    ids = [e.id for e in entries]
    preferred = [m for m in MODES[mode].preferred if m in ids]
    return preferred[0] if preferred else ids[0] if ids else registry.default_id(mode)


def installed(mode: str) -> bool:
    """Whether the mode's runner imports (its optional libraries are there)."""
    import importlib
    try:
        importlib.import_module(f".{mode}", __package__)
    except ImportError:
        return False
    return True


@dataclass
class Result:
    composition: Composition  # the song as the mode returned it
    tracks: list[Track]  # what to add to the song, on free channels
    summary: str  # what changed, in words


def _changes(before: list, after: list) -> tuple[int, int]:
    b, a = set(before), set(after)
    return len(a - b), len(b - a)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


SEED_MAX = 2**32 - 1


def check_seed(seed: Any) -> None:
    """InvalidInputError unless `seed` is None (a fresh one) or a whole number 0-SEED_MAX."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)
                             or not 0 <= seed <= SEED_MAX):
        raise InvalidInputError(f"seed {seed!r:.40}: expected a whole number 0-{SEED_MAX}")


def generate(registry, mode: str, comp: Composition, req: Request,
             progress: Progress = None) -> Result:
    """Run `mode` on `comp` (left as it is) and say what to add to the song. A take
    that equals its input adds nothing: `tracks` is empty and the summary says so."""
    spec = MODES[mode]
    check_seed(req.seed)
    card = registry.get(req.model_id, mode).card
    values = spec.values(req.values, card)
    out = spec.run(registry, comp, req, values, progress)
    try:  # a continuation may run past what the app can open again (music/limits.py)
        check_song(out)
    except InvalidInputError as exc:
        raise InvalidInputError(f"the result would be too long to use: {exc}") from None
    if spec.adds == "tracks":
        tracks = on_free_channels(out.tracks[1:], comp.tracks)
        notes = sum(len(t.notes) for t in tracks)
        return Result(out, tracks, f"+{_count(len(tracks), 'track')}, {_count(notes, 'note')}")
    take = out.tracks[req.track].copy()
    take.name = f"{comp.tracks[req.track].name} ({spec.take_label})"
    added, removed = _changes(comp.tracks[req.track].notes, take.notes)
    if not added and not removed:  # never a second, unmuted copy of the melody
        return Result(out, [], "no change: try a higher creative risk")
    summary = f"+{_count(added, 'note')}, \u2212{_count(removed, 'note')}"
    return Result(out, on_free_channels([take], comp.tracks), summary)


def markdown_table() -> str:
    """docs/PARAMETERS.md: every mode's parameters, as this table declares them."""
    lines = ["# Generation parameters", "",
             "Generated from `deepcomposer_desktop/generation/modes.py` by "
             "`python -m deepcomposer_desktop.generation.modes > docs/PARAMETERS.md`; "
             "the panel and `deepcomposer generate` show the same.", ""]
    for spec in MODES.values():
        lines += [f"## {spec.title}", "", spec.summary, "",
                  "| panel | command line | default | range | what it does |",
                  "|---|---|---|---|---|"]
        for p in spec.params:
            flag = (f"`{p.flag}` / `--no-{p.flag[2:]}`" if p.kind == "bool" else f"`{p.flag}`")
            lines.append(f"| {p.label} | {flag} | {p.default_text()} | {p.range_text()} | {p.help} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table(), end="")
