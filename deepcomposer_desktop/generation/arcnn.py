"""AR-CNN melody enhancement and inpainting (onnxruntime + numpy).

The melody track becomes a binary roll (16th-note steps, the card's pitch window);
the sampling loop (arcnn_sampler.py) flips one cell per iteration under the
user's budgets. Melodies longer than the network's window (128 steps = 8 bars of
4/4) are processed in overlapping windows: each window owns the middle of its
span and sees the rest as context, and the budgets are shared by all windows.

Inpainting: `region` (ticks) and optionally `pitch_region` limit which cells may
change; everything else is kept exactly.

Back to notes: an input note whose cells all survive is kept verbatim (its exact
timing and velocity, even off the grid); an input note that lost cells keeps what
is left, on the grid; runs of added cells become new notes with the melody's
median velocity. Notes outside the pitch window are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import numpy as np

from ..music.composition import Composition, Note
from ..music.keys import Key, detect_key
from ..music.pianoroll import RollGrid, notes_to_roll, roll_to_notes
from ..progress import Progress, part
from .arcnn_sampler import sample
from .cards import Grid
from .modes import MODES, default


def _default(name: str):
    return field(default=default("arcnn", name))


@dataclass
class EnhanceParams:
    """The parameters of one run; the user's ones (and their defaults and ranges) are
    declared in modes.py."""
    iterations: int = _default("iterations")
    max_add: int = _default("max_add")  # cells
    max_remove_percent: float = _default("max_remove_percent")  # of the input's cells
    temperature: float = _default("temperature")
    key_lock: bool = _default("key_lock")
    key: Key | None = None
    region: tuple[int, int] | None = None  # ticks [start, end) that may change
    pitch_region: tuple[int, int] | None = None  # MIDI pitches, inclusive
    seed: int | None = None
    track: int = 0

    def validate(self) -> None:
        """ValueError naming the first parameter out of its range."""
        spec = MODES["arcnn"]
        spec.values({p.name: getattr(self, p.name) for p in spec.params})


REGISTER = 3  # semitones new notes may go beyond the melody's range by default
KEY_BIAS = 3.0  # score taken from a note outside the key when the key lock is off


class ArcnnRunner:
    """The scoring network: an onnxruntime session mapping roll -> scores, on the
    card's grid."""

    def __init__(self, session, grid: Grid, input_name: str = "roll",
                 output_name: str = "scores") -> None:
        self.session, self.grid = session, grid
        self.lowest, self.n_pitches, self.steps = grid.lowest, grid.pitches, grid.steps
        self.input_name, self.output_name = input_name, output_name
        self._buffer = np.zeros((1, 1, self.steps, self.n_pitches), np.float32)  # reused every pass

    def score(self, roll: np.ndarray) -> np.ndarray:
        self._buffer[0, 0] = roll
        return self.session.run([self.output_name], {self.input_name: self._buffer})[0][0, 0]


def _windows(n_steps: int, size: int) -> list[tuple[int, int, int]]:
    """(window start, owned start, owned end): overlapping windows, half a window
    apart, each owning the middle of its span so every step has one owner."""
    if n_steps <= size:
        return [(0, 0, n_steps)]
    hop = size // 2
    starts = list(range(0, n_steps - size, hop)) + [n_steps - size]
    out = []
    for i, s in enumerate(starts):
        own0 = 0 if i == 0 else (out[-1][2])
        own1 = n_steps if i == len(starts) - 1 else s + size - size // 4
        out.append((s, own0, own1))
    return out


def enhance(comp: Composition, runner: ArcnnRunner, params: EnhanceParams,
            progress: Progress = None) -> Composition:
    """A copy of `comp` whose track `params.track` has been enhanced or inpainted."""
    params.validate()
    track = comp.tracks[params.track]
    grid = RollGrid(comp.ppq, runner.grid.steps_per_beat, runner.lowest, runner.n_pitches)
    bar_steps = grid.n_steps(comp.ticks_per_bar)
    n_steps = max(runner.steps, -(-grid.n_steps(max(track.end, comp.ticks_per_bar)) // bar_steps) * bar_steps)
    inside = [n for n in track.notes if runner.lowest <= n.pitch < runner.lowest + runner.n_pitches]
    original = notes_to_roll(inside, grid, n_steps)

    region = np.ones_like(original)
    if params.region is not None:
        s0, s1 = grid.step_of(params.region[0]), grid.step_of(params.region[1])
        region[:] = False
        region[max(s0, 0):max(s1, 0)] = True
    # New notes stay in the melody's register unless the user gives a pitch region.
    lo, hi = params.pitch_region or (min((n.pitch for n in inside), default=60) - REGISTER,
                                     max((n.pitch for n in inside), default=72) + REGISTER)
    pitches = np.arange(runner.n_pitches) + runner.lowest
    region &= ((pitches >= lo) & (pitches <= hi))[None, :]
    key = params.key or comp.key or detect_key([n.pitch for n in track.notes],
                                              [n.duration for n in track.notes])
    in_key = key.scale_mask()[runner.lowest:runner.lowest + runner.n_pitches]
    pitch_ok = in_key if params.key_lock else None
    bias = np.where(in_key, 0.0, -KEY_BIAS)  # without the lock, a pull towards the key
    single = not (original.sum(axis=1) > 1).any()  # a melody of one line stays one

    rng = np.random.default_rng(params.seed)
    max_remove = int(np.floor(original.sum() * params.max_remove_percent / 100.0))
    current = original.copy()
    windows = _windows(n_steps, runner.steps)
    done = 0
    for w0, own0, own1 in windows:
        share = round(params.iterations * (own1 - own0) / n_steps)
        if share <= 0:
            continue
        own = np.zeros_like(region)
        own[own0:own1] = True
        # Budgets are shared: this window gets what earlier windows left.
        added = int((current & ~original).sum())
        removed = int((~current & original).sum())

        sub, _ = sample(
            current[w0:w0 + runner.steps], runner.score, share, temperature=params.temperature,
            max_add=params.max_add - added, max_remove=max_remove - removed,
            region=(region & own)[w0:w0 + runner.steps], pitch_ok=pitch_ok, rng=rng,
            once=True, bias=bias, single_line=single,
            progress=part(progress, done / params.iterations, (done + share) / params.iterations))
        current[w0:w0 + runner.steps] = sub
        done += share
    out = comp.copy()
    out.tracks[params.track].notes = _roll_to_track_notes(track.notes, original, current, grid)
    return out


def _roll_to_track_notes(notes: list[Note], original: np.ndarray, current: np.ndarray,
                         grid: RollGrid) -> list[Note]:
    out: list[Note] = []
    for n in notes:
        p = n.pitch - grid.lowest
        if not 0 <= p < grid.n_pitches:
            out.append(n)
            continue
        s = grid.step_of(n.start)
        e = max(grid.step_of(n.end), s + 1)
        cells = current[s:e, p]
        if cells.all():
            out.append(n)
            continue
        # Keep what is left of it, on the grid, with its own velocity.
        edges = np.flatnonzero(np.diff(np.concatenate(([0], cells.astype(np.int8), [0]))))
        for a, b in zip(edges[::2], edges[1::2]):
            t0, t1 = grid.tick_of(s + a), grid.tick_of(s + b)
            out.append(Note(t0, n.pitch, max(t1 - t0, 1), n.velocity))
    velocity = int(np.median([n.velocity for n in notes])) if notes else 90
    out += roll_to_notes(current & ~original, grid, velocity=velocity)
    return sorted(out)
