"""Token sequences for the Transformer mode, made afresh for every sample.

A sample is one piece (all its voices: polyphony) from a random bar on, transposed
by -transpose..+transpose semitones and played at a random tempo (tempo-stretch
augmentation: the tokens count 10 ms steps, so tempo changes what the model sees),
at one loudness, encoded to performance tokens that start with START as a prime
does at generation time. A sequence shorter than `length` tokens is followed by
another sample (its own START), so no compute goes to padding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidInputError
from ..generation import tokenizer as tk
from .datasets import STEPS_PER_BEAT, Dataset


@dataclass(frozen=True)
class Augment:
    transpose: int = 5
    bpm: tuple[float, float] = (60.0, 120.0)
    velocity: tuple[int, int] = (60, 100)


class TokenSampler:
    def __init__(self, data: Dataset, pieces: np.ndarray, length: int,
                 augment: Augment = Augment()) -> None:
        self.data, self.length, self.augment = data, length, augment
        self.pieces = [int(p) for p in pieces if (data.notes[:, 0] == p).any()]
        if not self.pieces:
            raise InvalidInputError("no notes in the dataset's pieces")
        rows = {p: data.notes[data.notes[:, 0] == p] for p in self.pieces}
        self.rows = rows
        self.bar_steps = {p: int(data.piece_meters[p][0]) * 4 * STEPS_PER_BEAT
                          // int(data.piece_meters[p][1]) for p in self.pieces}

    def tokens(self, rng: np.random.Generator, piece: int | None = None,
               from_start: bool = False) -> list[int]:
        """One augmented piece (from a random bar, or from its start), as tokens."""
        a = self.augment
        p = self.pieces[int(rng.integers(len(self.pieces)))] if piece is None else piece
        rows = self.rows[p]
        bar = self.bar_steps[p]
        last_bar = max(int(rows[:, 2].max()) // bar, 0)
        first = 0 if from_start else int(rng.integers(0, last_bar + 1)) * bar
        rows = rows[rows[:, 2] >= first]
        shift = int(rng.integers(-a.transpose, a.transpose + 1)) if a.transpose else 0
        seconds_per_step = 60.0 / float(rng.uniform(*a.bpm)) / STEPS_PER_BEAT
        velocity = int(rng.integers(a.velocity[0], a.velocity[1] + 1))
        notes = [tk.TimedNote((s - first) * seconds_per_step, (e - first) * seconds_per_step,
                              int(pitch) + shift, velocity)
                 for _, _, s, e, pitch in rows]
        return tk.encode(notes)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """One (length,) int64 sequence of packed samples."""
        out: list[int] = []
        while len(out) < self.length:
            out += self.tokens(rng)
        return np.asarray(out[:self.length], dtype=np.int64)

    def batch(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.stack([self.sample(rng) for _ in range(size)])
