"""The AR-CNN sampling loop: add and remove melody notes one cell at a time.

DeepComposer's procedure, in numpy around any scoring network: each iteration
scores every cell of the binary (steps, pitches) roll, turns the scores into
p = softmax(scores / temperature) over the whole roll, zeroes the cells that may
not flip, samples one cell and flips it.

Which cells may flip:
- budgets: `added` is the number of cells on now that were off in the input,
  `removed` the number of input cells now off. A flip that would raise `added`
  past `max_add`, or `removed` past `max_remove`, is masked; a flip that undoes
  an earlier one is always allowed, so both budgets hold at every iteration;
- inpainting: only cells inside `region` (a bool mask) may change;
- key lock: cells whose pitch is outside the scale never flip.

`score_fn(roll[steps, pitches] float32) -> scores[steps, pitches]` is the
network; the ONNX runner in arcnn.py passes a session, the tests pass numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..progress import Progress, report

ScoreFn = Callable[[np.ndarray], np.ndarray]


@dataclass
class SampleStats:
    iterations: int = 0
    added: int = 0
    removed: int = 0


def allowed_flips(roll: np.ndarray, original: np.ndarray, max_add: int, max_remove: int,
                  region: np.ndarray | None = None, pitch_ok: np.ndarray | None = None,
                  added: int | None = None, removed: int | None = None) -> np.ndarray:
    """Bool mask of cells whose flip keeps every constraint."""
    if added is None:
        added = int((roll & ~original).sum())
    if removed is None:
        removed = int((~roll & original).sum())
    allowed = np.ones_like(roll, dtype=bool)
    if added >= max_add:  # no new cell may switch on
        allowed &= ~(~roll & ~original)
    if removed >= max_remove:  # no input cell may switch off
        allowed &= ~(roll & original)
    if region is not None:
        allowed &= region
    if pitch_ok is not None:
        allowed &= pitch_ok[None, :]
    return allowed


def sample(roll: np.ndarray, score_fn: ScoreFn, iterations: int, *, temperature: float = 1.0,
           max_add: int = 500, max_remove_percent: float = 100.0, max_remove: int | None = None,
           region: np.ndarray | None = None, pitch_ok: np.ndarray | None = None,
           rng: np.random.Generator | None = None, once: bool = False,
           bias: np.ndarray | None = None, single_line: bool = False,
           progress: Progress = None) -> tuple[np.ndarray, SampleStats]:
    """Run `iterations` flips on a copy of `roll`; returns (new roll, stats).

    `max_remove` (cells) overrides `max_remove_percent` when a caller shares one
    budget between windows. `once`: a cell flips at most once, so every iteration
    is a change the result keeps (the network otherwise often takes back what it
    just did, and a complete melody comes out as it went in). `bias` (pitches,) is
    added to the scores of cells switching on (e.g. a pull towards the key).
    `single_line`: a cell switches on only at a step where nothing sounds, so a
    melody stays a melody (to change a pitch, the old cell goes first).
    `progress(fraction)` is called every iteration.
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    original = np.asarray(roll, dtype=bool)
    current = original.copy()
    if max_remove is None:
        max_remove = int(np.floor(original.sum() * max_remove_percent / 100.0))
    rng = rng or np.random.default_rng()
    stats = SampleStats()
    added = removed = 0
    flipped = np.zeros_like(original)
    for i in range(iterations):
        allowed = allowed_flips(current, original, max_add, max_remove, region, pitch_ok,
                                added, removed)
        if once:
            allowed &= ~flipped
        if single_line:
            allowed &= current | ~current.any(axis=1, keepdims=True)
        if not allowed.any():
            break
        scores = np.asarray(score_fn(current.astype(np.float32)), dtype=np.float64)
        # The softmax over the allowed cells only, drawn as rng.choice(p=...) draws
        # (one uniform against the normalised running sum), without its checks: the
        # same cell for the same seed, in a fraction of the time.
        cells = np.flatnonzero(allowed)
        logits = scores.ravel()[cells]
        if bias is not None:
            logits = logits + np.where(current.ravel()[cells], 0.0, bias[cells % current.shape[1]])
        logits = logits / temperature
        cdf = np.exp(logits - logits.max()).cumsum()
        cdf /= cdf[-1]
        cell = cells[min(int(cdf.searchsorted(rng.random(), side="right")), len(cells) - 1)]
        s, q = divmod(int(cell), current.shape[1])
        if current[s, q]:
            removed += int(original[s, q])
            added -= int(not original[s, q])
        else:
            added += int(not original[s, q])
            removed -= int(original[s, q])
        current[s, q] = not current[s, q]
        flipped[s, q] = True
        stats.iterations = i + 1
        report(progress, (i + 1) / iterations)
    stats.added, stats.removed = added, removed
    return current, stats
