"""GAN accompaniment: a melody of 1-64 bars -> the melody plus the card's accompaniment tracks.

    session, card = registry.session("gan-bach-chorales", "gan")
    result = generate_accompaniment(composition, GanModel.from_card(session, card), seed=7)

`result` is a new Composition: the input melody track verbatim, then one track per
accompaniment voice with the card's instruments; the same seed gives the same
result. The melody becomes a roll on the card's grid, moved by whole octaves to the
register the network was trained on. The network sees windows of two bars that
overlap by half; their scores are cross-faded, then decoded into notes as the card
says (one line per voice, notes of a shortest length, the key lock or a pull to the
key), drawing the card's number of candidates per window and keeping the one most
consonant with the melody. A bar where the melody plays but no voice came out gets
each voice's strongest pitch. Accompaniment velocities follow the melody's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import numpy as np

from ..errors import InvalidInputError
from ..music.composition import Composition, Note
from ..music.keys import Key, detect_key
from ..music.metrics import chroma, tonal_centroid
from ..music.pianoroll import RollGrid, notes_to_roll, roll_to_notes
from ..progress import Progress, report
from ..music.chords import ChordChange, detect_song_chords
from . import harmony
from .cards import GanSection, Grid, ModelCard, TrackSpec

MAX_BARS = 64
MAX_CANDIDATES = 64
KEY_LOCKED = -2.0  # score of a key-locked cell: below any threshold and any tanh output
ACCOMPANIMENT_SOFTER = 0.85
# The tracks of a model whose genre has no instruments of its own: strings and a bass.
DEFAULT_TRACKS = (TrackSpec("Melody", 0), TrackSpec("Accompaniment 1", 48),
                  TrackSpec("Accompaniment 2", 48), TrackSpec("Bass", 32))


@dataclass(frozen=True)
class GanModel:
    """An onnxruntime generator session with the grid, tracks and decoding of its card.

    Decoding (the card's `gan` section, chosen on validation pieces):
    `voices_per_track` 0 thresholds every cell; 1 decodes one line per track
    (viterbi_voices); 2 adds a second line that sounds where its pitch scores above
    `second_threshold` (double stops); `min_steps` is the shortest note of a line.
    The key lock silences out-of-key pitches; without it, a `key_penalty` still
    lowers their scores by that much, so that chromatic notes stay only where the
    network is sure of them. `key_lock` is the default of the lock; `candidates` the
    noise draws per window. Frozen: `with_decoding` gives a changed copy."""

    session: object
    grid: Grid
    gan: GanSection
    tracks: tuple[TrackSpec, ...] = DEFAULT_TRACKS

    @classmethod
    def from_card(cls, session, card: ModelCard) -> "GanModel":
        return cls(session, card.grid, card.gan, card.tracks)

    @classmethod
    def build(cls, session, lowest: int, pitches: int = 64, steps: int = 32,
              noise_shape: tuple[int, ...] = (8, 2, 4), melody_center: float = 67.0,
              tracks: tuple[TrackSpec, ...] = DEFAULT_TRACKS, **decoding) -> "GanModel":
        """A model from plain numbers (a freshly trained network, tests)."""
        return cls(session, Grid(4, steps, lowest, pitches),
                   GanSection(tuple(noise_shape), melody_center, **decoding), tuple(tracks))

    def with_decoding(self, **changes) -> "GanModel":
        return replace(self, gan=replace(self.gan, **changes))

    def __getattr__(self, name: str):
        """The card's numbers by name (model.threshold, model.lowest): the decoding
        section first, then the grid."""
        if name.startswith("_") or name in ("gan", "grid"):
            raise AttributeError(name)
        for part in (self.gan, self.grid):
            if hasattr(part, name):
                return getattr(part, name)
        raise AttributeError(f"GanModel has no {name!r}")

    def decode_voices(self, raw: np.ndarray) -> np.ndarray:
        """(..., steps, pitches) scores -> bool rolls, by the card's decoding, without
        the bar filling of `decode`."""
        return decode_lines(raw, self.voices_per_track, self.change_penalty, self.threshold,
                            self.second_threshold, self.min_steps)

    def decode(self, raw: np.ndarray, melody: np.ndarray, steps_per_bar: int) -> np.ndarray:
        return fill_silent_bars(self.decode_voices(raw), raw, melody, steps_per_bar)

    def key_guide(self, key: Key, key_lock: bool | None, shift: int = 0
                  ) -> tuple[np.ndarray | None, bool]:
        """(mask of in-key window pitches or None, strict) for accompany_roll;
        key_lock None takes the card's default."""
        if key_lock is None:
            key_lock = self.key_lock
        if not key_lock and self.key_penalty is None:
            return None, False
        return key_mask(key, self.lowest, self.pitches, shift), bool(key_lock)

    def lock(self, raw: np.ndarray, mask: np.ndarray, strict: bool = True) -> None:
        """Apply the key guide in place to (..., pitches) scores: out-of-mask pitches
        silenced (strict, the key lock) or lowered by key_penalty."""
        if strict or self.key_penalty is None:
            raw[..., ~mask] = KEY_LOCKED
        else:
            raw[..., ~mask] = np.maximum(raw[..., ~mask] - self.key_penalty, KEY_LOCKED)

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


def window_consonance(melody: np.ndarray, rolls: np.ndarray, steps_per_bar: int = 16
                      ) -> np.ndarray:
    """Tonal distance (Harte et al. 2006) between a melody and accompaniment rolls,
    bar by bar, averaged over the bars where both sound: (steps, pitches) melody and
    (N, tracks, steps, pitches) rolls -> (N,), lower = more consonant; inf for a
    candidate that never sounds with the melody."""
    n, tracks, steps, pitches = rolls.shape
    bars = steps // steps_per_bar
    # Pitch 0 of the window need not be a C: the distance does not change under
    # transposition, so folding by index is enough.
    m = chroma(melody[: bars * steps_per_bar].reshape(bars, steps_per_bar, pitches).sum(axis=1))
    a = chroma(rolls[:, :, : bars * steps_per_bar]
               .reshape(n, tracks, bars, steps_per_bar, pitches).sum(axis=3))
    both = (m.sum(-1) > 0)[None, None] & (a.sum(-1) > 0)
    dist = np.linalg.norm(tonal_centroid(a) - tonal_centroid(m)[None, None], axis=-1)
    total = np.where(both, dist, 0).sum(axis=(1, 2))
    count = both.sum(axis=(1, 2))
    return np.where(count > 0, total / np.maximum(count, 1), np.inf)


def accompany_roll(model: GanModel, melody: np.ndarray, rng: np.random.Generator,
                   mask: np.ndarray | None = None, progress: Progress = None,
                   candidates: int | None = None, strict: bool = True,
                   guide: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """(steps, pitches) melody roll of any length -> (3, steps, pitches) raw scores,
    windows cross-faded; out-of-mask pitches pushed to -1 (key lock). `guide`, the
    chord track's (forbidden, bonus) cells of harmony.guide, is applied to every
    window before a candidate is chosen. With several candidates, each window draws
    that many noise vectors and keeps the one whose decoded voices, cross-faded with
    the windows before, sit most consonantly with the melody (lowest tonal
    distance)."""
    size, n = model.steps, melody.shape[0]
    k = max(1, model.candidates if candidates is None else candidates)
    strict = strict or model.key_penalty is None  # no pull to lower by: the lock
    starts = window_starts(n, size)
    total = max(starts) + size
    padded = np.zeros((total, melody.shape[1]), dtype=bool)
    padded[:n] = melody
    ramp = np.minimum(np.arange(size) + 0.5, size - np.arange(size) - 0.5) / (size / 2)
    acc = np.zeros((3, total, melody.shape[1]), np.float32)
    weight = np.zeros(total, np.float32)
    batch = np.stack([padded[s:s + size] for s in starts])
    raw = model.raw(np.repeat(batch, k, axis=0), model.noise(len(starts) * k, rng))
    raw = raw.reshape(len(starts), k, *raw.shape[1:])
    if mask is not None:
        model.lock(raw, mask, strict)
    if guide is not None:
        forbid = np.zeros((3, total, melody.shape[1]), bool)
        bonus = np.zeros((3, total, melody.shape[1]), np.float32)
        forbid[:, :n], bonus[:, :n] = guide
        raw = np.maximum(raw + np.stack([bonus[:, s:s + size] for s in starts])[:, None],
                         KEY_LOCKED)
        window_forbid = np.stack([forbid[:, s:s + size] for s in starts])[:, None]
        raw[np.broadcast_to(window_forbid, raw.shape)] = KEY_LOCKED
    for i, s in enumerate(starts):
        # The first and last windows own their outer edges fully.
        w = ramp.copy()
        if i == 0:
            w[: size // 2] = 1
        if i == len(starts) - 1:
            w[size // 2:] = 1
        pick = 0
        if k > 1:
            # Judge each candidate as it will sound: cross-faded into what is already
            # there (the first half of this window is final once it is added).
            blend = ((acc[None, :, s:s + size] + raw[i] * w[None, None, :, None])
                     / (weight[s:s + size] + w)[None, None, :, None])
            pick = int(window_consonance(batch[i], model.decode_voices(blend)).argmin())
        acc[:, s:s + size] += raw[i, pick] * w[None, :, None]
        weight[s:s + size] += w
        report(progress, (i + 1) / len(starts))
    out = acc / np.maximum(weight, 1e-6)[None, :, None]
    if mask is not None and strict:
        out[:, :, ~mask] = KEY_LOCKED  # exactly: cross-fading moves a locked -2 by rounding
    if guide is not None:
        out[forbid] = KEY_LOCKED
    return out[:, :n]


def viterbi_voices(raw: np.ndarray, change_penalty: float, threshold: float = 0.0) -> np.ndarray:
    """One voice through each (..., steps, pitches) score map: at each step a rest
    (score `threshold`) or one pitch (its score), maximising the total score minus
    `change_penalty` per change. Chorale and quartet parts are single lines, and the
    penalty turns step-to-step flicker into notes of musical length. Leading axes
    are a batch, decoded together."""
    lead, (steps, pitches) = raw.shape[:-2], raw.shape[-2:]
    flat = raw.reshape(-1, steps, pitches)
    b = np.arange(flat.shape[0])
    scores = np.concatenate([np.zeros((len(b), steps, 1), raw.dtype), flat - threshold], axis=2)
    states = np.arange(pitches + 1)[None, :]
    best = scores[:, 0].copy()
    back = np.zeros((len(b), steps, pitches + 1), dtype=np.int32)
    for t in range(1, steps):
        j = best.argmax(axis=1)[:, None]
        switch = best.max(axis=1, keepdims=True) - change_penalty
        back[:, t] = np.where(switch > best, j, states)
        best = np.maximum(best, switch) + scores[:, t]
    path = np.empty((len(b), steps), dtype=np.int64)
    path[:, -1] = best.argmax(axis=1)
    for t in range(steps - 1, 0, -1):
        path[:, t - 1] = back[b, t, path[:, t]]
    out = np.zeros((len(b), steps, pitches + 1), dtype=bool)
    out[b[:, None], np.arange(steps)[None, :], path] = True
    return out[:, :, 1:].reshape(*lead, steps, pitches)


def viterbi_min_length(raw: np.ndarray, change_penalty: float, threshold: float = 0.0,
                       min_steps: int = 2) -> np.ndarray:
    """viterbi_voices where every note lasts at least `min_steps` steps (a note cut by
    the end of the roll excepted): for genres whose real parts have next to no note
    shorter than an eighth, so that the line never blips. States are each pitch at
    ages 1..min_steps (the last meaning 'min_steps or more') and the rest, kept as
    column 0 of the full-age states; only a full-age state may change."""
    if min_steps <= 1:
        return viterbi_voices(raw, change_penalty, threshold)
    lead, (steps, pitches) = raw.shape[:-2], raw.shape[-2:]
    n, m = int(np.prod(lead, dtype=int)), min_steps
    scores = np.zeros((n, steps, pitches + 1))
    scores[:, :, 1:] = raw.reshape(n, steps, pitches) - threshold
    rows = np.arange(n)
    age = np.full((n, m, pitches + 1), -np.inf)  # best score ending in (age, state)
    age[:, 0, 1:] = scores[:, 0, 1:]
    age[:, m - 1, 0] = 0.0
    new = np.full_like(age, -np.inf)
    # Back-pointers: the state an onset (or a rest that began) left, and whether a
    # full-age state was already full (else it just came of age).
    came_from = np.zeros((n, steps), dtype=np.int64)
    rest_began = np.zeros((n, steps), dtype=bool)
    was_full = np.zeros((n, steps, pitches + 1), dtype=bool)
    for t in range(1, steps):
        full = age[:, m - 1]
        j = full.argmax(axis=1)
        came_from[:, t] = j
        switch = full[rows, j] - change_penalty
        rest_began[:, t] = switch > full[:, 0]
        np.greater_equal(full, age[:, m - 2], out=was_full[:, t])
        np.maximum(full, age[:, m - 2], out=new[:, m - 1])
        new[:, m - 1, 0] = np.maximum(full[:, 0], switch)
        new[:, 1:m - 1] = age[:, :m - 2]
        new[:, 0, 1:] = switch[:, None]
        new += scores[:, t, None, :]
        age, new = new, age
    # Trace back from the best final state, all rows at once (state 0 is the rest).
    ends = age.reshape(n, -1)
    k = ends.argmax(axis=1)
    a, state = k // (pitches + 1), k % (pitches + 1)
    path = np.empty((n, steps), dtype=np.int64)
    for t in range(steps - 1, 0, -1):
        path[:, t] = state
        onset = (a == 0) | ((state == 0) & rest_began[:, t])
        held = np.where(was_full[rows, t, state], m - 1, m - 2)
        prev = np.where(onset, came_from[:, t], state)
        a = np.where(onset | (state == 0), m - 1, np.where(a == m - 1, held, a - 1))
        state = prev
    path[:, 0] = state
    out = np.zeros((n, steps, pitches + 1), dtype=bool)
    out[rows[:, None], np.arange(steps)[None, :], path] = True
    return out[:, :, 1:].reshape(*lead, steps, pitches)


def fill_silent_bars(rolls: np.ndarray, raw: np.ndarray, melody: np.ndarray,
                     steps_per_bar: int) -> np.ndarray:
    """Bars where the melody plays and every track came out silent get each track's
    strongest pitch while the melody plays, so the whole melody is accompanied."""
    for b in range(0, melody.shape[0], steps_per_bar):
        bar = slice(b, b + steps_per_bar)
        playing = melody[bar].any(axis=1)
        if playing.any() and not rolls[:, bar].any():
            for t in range(rolls.shape[0]):
                best = int(raw[t, bar].mean(axis=0).argmax())
                if raw[t, bar, best].max() > KEY_LOCKED:
                    rolls[t, b + np.nonzero(playing)[0], best] = True
    return rolls


def decode_lines(raw: np.ndarray, voices_per_track: int, change_penalty: float,
                 threshold: float, second_threshold: float = 1.0, min_steps: int = 1
                 ) -> np.ndarray:
    """(..., steps, pitches) scores -> bool rolls. voices_per_track 0: every cell above
    the threshold; 1: one line per track (viterbi_voices; with notes of at least
    `min_steps` steps, viterbi_min_length); 2: that line plus a second one, on the
    other pitches, where they score above `second_threshold`."""
    if voices_per_track == 0:
        return raw > threshold
    first = viterbi_min_length(raw, change_penalty, threshold, min_steps)
    if voices_per_track == 1:
        return first
    rest = np.where(first, KEY_LOCKED, raw)
    return first | viterbi_min_length(rest, change_penalty, second_threshold, min_steps)


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


def generate_accompaniment(composition: Composition, model: GanModel, seed: int | None = None,
                           key_lock: bool | None = None, *, key: Key | None = None, track: int = 0,
                           candidates: int | None = None, chords: list[ChordChange] | None = None,
                           follow_chords: bool = True, progress: Progress = None) -> Composition:
    """See the module docstring. `chords`: the chord track to follow (default: the
    song's, else detected from the melody); follow_chords False lets the model
    harmonise on its own. Raises InvalidInputError for an empty or too long melody."""
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
    per_beat = model.grid.steps_per_beat
    grid = RollGrid(composition.ppq, per_beat)
    steps_per_bar = grid.n_steps(composition.ticks_per_bar)
    n_steps = max(bars, 1) * steps_per_bar
    shift = octave_shift(notes, model.melody_center)
    window_grid = RollGrid(composition.ppq, per_beat, model.lowest, model.pitches)
    moved = [n.moved(pitch=n.pitch + shift) for n in notes if 0 <= n.pitch + shift <= 127]
    melody = notes_to_roll(_fold(moved, model.lowest, model.pitches), window_grid, n_steps)
    rng = np.random.default_rng(random.SystemRandom().randrange(2**32) if seed is None else seed)
    mask, strict = model.key_guide(key_used, key_lock, shift)
    if candidates is not None and not 1 <= candidates <= MAX_CANDIDATES:
        raise InvalidInputError(f"candidates must be 1-{MAX_CANDIDATES}")
    rules = None
    if follow_chords:
        if not chords:
            chords = composition.chords or detect_song_chords(composition, track, key_used)
        steps = harmony.StepChords.build(chords, n_steps, grid, composition.time_signature)
        pcs = (np.arange(model.pitches) + model.lowest - shift) % 12
        rules = harmony.guide(steps, melody, pcs, len(model.tracks) - 1,
                              key_used if mask is not None else None, strict)
        mask = None  # the guide keeps the key, yielding to the chords' own tones
    raw = accompany_roll(model, melody, rng, mask, progress, candidates, strict, rules)
    if rules is None:
        rolls = model.decode(raw, melody, steps_per_bar)
    else:
        grain = model.min_steps if steps_per_bar % model.min_steps == 0 else 1
        bottoms = [harmony.lowest_pitch(t.program) for t in model.tracks[1:]]  # instruments' lowest
        steady = model.with_decoding(
            change_penalty=max(model.change_penalty, model.follow_change_penalty),
            min_steps=1 if grain > 1 else model.min_steps,
            threshold=_either(model.follow_threshold, model.threshold),
            second_threshold=_either(model.follow_second_threshold, model.second_threshold))
        floors = [b - (model.lowest - shift) for b in bottoms]
        rolls = fill_silent_bars(
            harmony.decode_in_order(steady.decode_voices, raw, melody, floors, grain,
                                    (steps, pcs, steady.threshold)),
            raw, melody, steps_per_bar)
    curve = melody_velocity_curve(notes, grid, n_steps)
    out_grid = RollGrid(composition.ppq, per_beat, model.lowest - shift, model.pitches)
    result = Composition(tracks=[melody_track.copy(notes=list(notes))], ppq=composition.ppq,
                         tempos=list(composition.tempos),
                         time_signature=composition.time_signature, key=key_used,
                         title=composition.title)
    voices = []
    for roll in rolls:
        # (plain min/max: np.clip on one number costs more than the rest of the loop)
        voices.append([n.moved(velocity=min(127, max(1, round(
                           float(curve[min(grid.step_of(n.start), n_steps - 1)])
                           * ACCOMPANIMENT_SOFTER))))
                       for n in roll_to_notes(roll, out_grid) if 0 <= n.pitch <= 127])
    if rules is not None:
        voices = harmony.tidy(voices, notes, chords, bottoms)
        result.chords = list(chords)
    for new, spec in zip(voices, model.tracks[1:]):
        result.add_track(spec.name, spec.program, notes=new)
    return result


def _either(value: float | None, default: float) -> float:
    return default if value is None else value


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


__all__ = ["GanModel", "generate_accompaniment", "accompany_roll", "decode_lines",
           "key_mask"]
