"""GAN accompaniment: a melody of 1-64 bars -> the melody plus three accompaniment tracks.

API for the app (call from a worker thread; onnxruntime + numpy only)::

    from deepcomposer_desktop.generation.gan import generate_accompaniment
    result = generate_accompaniment(composition, "gan-bach-chorales", seed=7,
                                    key_lock=True, progress=lambda done, total: ...)

`result` is a new Composition: track 1 is the input melody track, verbatim; tracks
2-4 are the accompaniment with the instruments of the model's card. The input is
not modified. The same seed gives the same result; seed=None draws one.

How: the melody becomes a roll of 4 steps per beat on the card's 64-pitch window
(moved by whole octaves to the register the model was trained on). The network
sees 32-step windows that overlap by half; their raw outputs are cross-faded
(triangular weights) before binarising, so no seam shows where windows meet.
With key lock (the composition's key, else the key detected from the melody),
out-of-key pitches are suppressed before binarising. Binarising follows the card:
for single-line voices (chorales, quartets) each track is decoded as one line with
a penalty per change (viterbi_voice), else every cell above 0 sounds. A bar where the melody plays
but every accompaniment track came out silent gets each track's strongest pitch,
so the whole melody is accompanied, pickup bar included. Velocities follow the
melody's: each accompaniment note takes the velocity of the melody note sounding
when it starts, a little softer.
"""

from __future__ import annotations

import random
from typing import Callable

import numpy as np

from ..errors import InvalidInputError
from ..music.composition import DEFAULT_PPQ, Composition, Note
from ..music.keys import Key, detect_key
from ..music.pianoroll import RollGrid, notes_to_roll, roll_to_notes

MAX_BARS = 64
KEY_LOCKED = -2.0  # score of a key-locked cell: below any threshold and any tanh output
ACCOMPANIMENT_SOFTER = 0.85
DEFAULT_TRACKS = (("Melody", 0), ("Accompaniment 1", 48), ("Accompaniment 2", 48),
                  ("Accompaniment 3", 48))
Progress = Callable[[int, int], None]


class GanModel:
    """An onnxruntime generator session and the grid its card describes."""

    def __init__(self, session, lowest: int, pitches: int = 64, steps: int = 32,
                 noise_shape: tuple[int, ...] = (8, 2, 4), melody_center: float = 67.0,
                 tracks: list[dict] | None = None, voices_per_track: int = 0,
                 change_penalty: float = 0.0, threshold: float = 0.0) -> None:
        self.session, self.lowest, self.pitches, self.steps = session, lowest, pitches, steps
        self.voices_per_track, self.change_penalty = voices_per_track, change_penalty
        self.threshold = threshold
        self.noise_shape, self.melody_center = tuple(noise_shape), melody_center
        self.tracks = tracks or [{"name": n, "program": p} for n, p in DEFAULT_TRACKS]

    @classmethod
    def from_card(cls, session, card: dict) -> "GanModel":
        g = card["grid"]
        gan = card["gan"]
        return cls(session, g["lowest"], g["pitches"], g["steps"], gan["noise_shape"],
                   gan["melody_center"], card["tracks"], gan.get("voices_per_track", 0),
                   gan.get("change_penalty", 0.0), gan.get("threshold", 0.0))

    def decode(self, raw: np.ndarray, melody: np.ndarray, steps_per_bar: int) -> np.ndarray:
        return binarise(raw, melody, steps_per_bar, voices_per_track=self.voices_per_track,
                        change_penalty=self.change_penalty, threshold=self.threshold)

    def raw(self, melodies: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """(W, steps, pitches) bool melodies -> (W, 3, steps, pitches) float in [-1, 1]."""
        m = (melodies[:, None].astype(np.float32) * 2 - 1)
        return self.session.run(["accompaniment"], {"melody": m, "noise": noise.astype(np.float32)})[0]

    def noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal((n, *self.noise_shape), dtype=np.float32)


def key_mask(key: Key, lowest: int, pitches: int, shift: int = 0) -> np.ndarray:
    """True for window pitches (after undoing the octave `shift`) that lie in the key."""
    pcs = (np.arange(pitches) + lowest - shift) % 12
    return np.isin(pcs, sorted(key.scale))


def window_starts(n_steps: int, size: int) -> list[int]:
    hop = size // 2
    return list(range(0, max(n_steps - size, 0) + hop, hop)) if n_steps > size else [0]


def accompany_roll(model: GanModel, melody: np.ndarray, rng: np.random.Generator,
                   mask: np.ndarray | None = None, progress: Progress | None = None
                   ) -> np.ndarray:
    """(steps, pitches) melody roll of any length -> (3, steps, pitches) raw scores,
    windows cross-faded; out-of-mask pitches pushed to -1 (key lock)."""
    size, n = model.steps, melody.shape[0]
    starts = window_starts(n, size)
    total = max(starts) + size
    padded = np.zeros((total, melody.shape[1]), dtype=bool)
    padded[:n] = melody
    ramp = np.minimum(np.arange(size) + 0.5, size - np.arange(size) - 0.5) / (size / 2)
    acc = np.zeros((3, total, melody.shape[1]), np.float32)
    weight = np.zeros(total, np.float32)
    batch = np.stack([padded[s:s + size] for s in starts])
    raw = model.raw(batch, model.noise(len(starts), rng))
    for i, s in enumerate(starts):
        # The first and last windows own their outer edges fully.
        w = ramp.copy()
        if i == 0:
            w[: size // 2] = 1
        if i == len(starts) - 1:
            w[size // 2:] = 1
        acc[:, s:s + size] += raw[i] * w[None, :, None]
        weight[s:s + size] += w
        if progress:
            progress(i + 1, len(starts))
    out = acc / np.maximum(weight, 1e-6)[None, :, None]
    if mask is not None:
        out[:, :, ~mask] = KEY_LOCKED
    return out[:, :n]


def viterbi_voice(raw: np.ndarray, change_penalty: float, threshold: float = 0.0) -> np.ndarray:
    """One voice through a (steps, pitches) score map: at each step a rest (score
    `threshold`) or one pitch (its score), maximising the total score minus
    `change_penalty` per change. Chorale and quartet parts are single lines, and the
    penalty turns step-to-step flicker into notes of musical length."""
    steps, pitches = raw.shape
    scores = np.concatenate([np.zeros((steps, 1), raw.dtype), raw - threshold], axis=1)
    states = np.arange(pitches + 1)
    best = scores[0].copy()
    back = np.zeros((steps, pitches + 1), dtype=np.int32)
    for t in range(1, steps):
        j = int(best.argmax())
        switch = best[j] - change_penalty
        moves = switch > best
        back[t] = np.where(moves, j, states)
        best = np.where(moves, switch, best) + scores[t]
    path = np.empty(steps, dtype=np.int64)
    path[-1] = int(best.argmax())
    for t in range(steps - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    out = np.zeros((steps, pitches), dtype=bool)
    sounding = np.nonzero(path > 0)[0]
    out[sounding, path[sounding] - 1] = True
    return out


def binarise(raw: np.ndarray, melody: np.ndarray, steps_per_bar: int, *,
             voices_per_track: int = 0, change_penalty: float = 0.0,
             threshold: float = 0.0) -> np.ndarray:
    """(3, steps, pitches) scores -> bool rolls. voices_per_track 1: one line per track
    (viterbi_voice); 0: every cell above 0. Then fill bars where the melody plays
    and every track is silent with each track's strongest pitch."""
    if voices_per_track == 1:
        rolls = np.stack([viterbi_voice(r, change_penalty, threshold) for r in raw])
    else:
        rolls = raw > threshold
    for b in range(0, melody.shape[0], steps_per_bar):
        bar = slice(b, b + steps_per_bar)
        playing = melody[bar].any(axis=1)
        if playing.any() and not rolls[:, bar].any():
            for t in range(rolls.shape[0]):
                best = int(raw[t, bar].mean(axis=0).argmax())
                if raw[t, bar, best].max() > KEY_LOCKED:
                    rolls[t, b + np.nonzero(playing)[0], best] = True
    return rolls


def melody_velocity_curve(notes: list[Note], grid: RollGrid, n_steps: int) -> np.ndarray:
    """Per step: the velocity of the latest melody note begun at or before it."""
    curve = np.full(n_steps, np.median([n.velocity for n in notes]) if notes else 90.0)
    onsets = sorted((grid.step_of(n.start), n.velocity) for n in notes)
    for (s, v), nxt in zip(onsets, onsets[1:] + [(n_steps, 0)]):
        curve[max(s, 0):max(nxt[0], s + 1)] = v
    return curve


def octave_shift(notes: list[Note], center: float) -> int:
    """Whole octaves that move the melody's median pitch nearest to `center`."""
    median = float(np.median([n.pitch for n in notes]))
    return int(round((center - median) / 12)) * 12


def generate_accompaniment(composition: Composition, model_id: str | GanModel, seed: int | None = None,
                           key_lock: bool = True, *, key: Key | None = None, track: int = 0,
                           progress: Progress | None = None) -> Composition:
    """See the module docstring. Raises InvalidInputError for an empty or too long
    melody and MissingResourceError for a missing or damaged model."""
    if isinstance(model_id, GanModel):
        model = model_id
    else:
        from .registry import default_registry
        model = default_registry().gan_model(model_id)
    if not 0 <= track < len(composition.tracks):
        raise InvalidInputError(f"no track {track} in the input")
    melody_track = composition.tracks[track]
    notes = melody_track.notes
    if not notes:
        raise InvalidInputError("the melody track has no notes")
    bars = composition.bars
    if bars > MAX_BARS:
        raise InvalidInputError(f"the melody has {bars} bars; GAN accompaniment takes 1-{MAX_BARS}")
    key_used = key or composition.key or detect_key([n.pitch for n in notes],
                                                    [n.duration for n in notes])
    grid = RollGrid(composition.ppq, 4)
    steps_per_bar = grid.n_steps(composition.ticks_per_bar)
    n_steps = max(bars, 1) * steps_per_bar
    shift = octave_shift(notes, model.melody_center)
    window_grid = RollGrid(composition.ppq, 4, model.lowest, model.pitches)
    moved = [n.moved(pitch=n.pitch + shift) for n in notes if 0 <= n.pitch + shift <= 127]
    melody = notes_to_roll(_fold(moved, model.lowest, model.pitches), window_grid, n_steps)
    rng = np.random.default_rng(random.SystemRandom().randrange(2**32) if seed is None else seed)
    mask = key_mask(key_used, model.lowest, model.pitches, shift) if key_lock else None
    raw = accompany_roll(model, melody, rng, mask, progress)
    rolls = model.decode(raw, melody, steps_per_bar)
    curve = melody_velocity_curve(notes, grid, n_steps)
    out_grid = RollGrid(composition.ppq, 4, model.lowest - shift, model.pitches)
    result = Composition(tracks=[melody_track.copy(notes=list(notes))], ppq=composition.ppq,
                         tempos=list(composition.tempos),
                         time_signature=composition.time_signature, key=key_used,
                         title=composition.title)
    for roll, spec in zip(rolls, model.tracks[1:]):
        new = [n.moved(velocity=int(np.clip(round(curve[min(grid.step_of(n.start), n_steps - 1)]
                                                  * ACCOMPANIMENT_SOFTER), 1, 127)))
               for n in roll_to_notes(roll, out_grid) if 0 <= n.pitch <= 127]
        result.add_track(spec["name"], int(spec["program"]), notes=new)
    return result


def _fold(notes: list[Note], lowest: int, pitches: int) -> list[Note]:
    out = []
    for n in notes:
        p = n.pitch
        while p < lowest:
            p += 12
        while p >= lowest + pitches:
            p -= 12
        out.append(n.moved(pitch=p))
    return out


def rolls_to_composition(rolls: np.ndarray, lowest: int, *, title: str = "GAN",
                         tracks=DEFAULT_TRACKS, ppq: int = DEFAULT_PPQ) -> Composition:
    """(4, steps, pitches) bool rolls -> a Composition with one track per roll (samples)."""
    grid = RollGrid(ppq, 4, lowest, rolls.shape[-1])
    comp = Composition(ppq=ppq, title=title)
    for roll, (name, program) in zip(rolls, tracks):
        comp.add_track(name, program, notes=roll_to_notes(roll, grid, velocity=90))
    return comp


__all__ = ["GanModel", "generate_accompaniment", "accompany_roll", "binarise",
           "key_mask", "rolls_to_composition"]
