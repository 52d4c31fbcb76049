"""Piano-roll arrays: the tensors the models read and write.

A roll is (steps, pitches): `steps_per_beat` steps to a quarter note, and the
pitches `lowest .. lowest + n_pitches - 1`. Binary rolls are bool; velocity rolls
are uint8 (0 = silent). A note longer than a step fills every step it sounds in;
`onsets` rolls mark only the first step, so repeated notes can be told apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .composition import Note


@dataclass(frozen=True, slots=True)
class RollGrid:
    """Where a roll's cells sit in ticks and pitches."""

    ppq: int
    steps_per_beat: int = 4
    lowest: int = 0
    n_pitches: int = 128

    @property
    def ticks_per_step(self) -> float:
        return self.ppq / self.steps_per_beat

    def step_of(self, tick: int) -> int:
        return int(round(tick / self.ticks_per_step))

    def tick_of(self, step: int) -> int:
        return int(round(step * self.ticks_per_step))

    def n_steps(self, ticks: int) -> int:
        return int(np.ceil(ticks / self.ticks_per_step))


def notes_to_roll(notes: list[Note], grid: RollGrid, n_steps: int | None = None, *,
                  velocity: bool = False, onsets: bool = False,
                  start_tick: int = 0) -> np.ndarray:
    """Draw notes into a (steps, pitches) roll; notes outside the range are skipped.

    Starts and ends snap to the nearest step; a note shorter than a step still gets
    one step, so nothing played disappears.
    """
    if n_steps is None:
        end = max((n.end for n in notes), default=start_tick)
        n_steps = grid.n_steps(end - start_tick)
    roll = np.zeros((n_steps, grid.n_pitches), dtype=np.uint8 if velocity else bool)
    for n in notes:
        p = n.pitch - grid.lowest
        if not 0 <= p < grid.n_pitches:
            continue
        s = grid.step_of(n.start - start_tick)
        e = max(grid.step_of(n.end - start_tick), s + 1)
        if e <= 0 or s >= n_steps:
            continue
        s, e = max(s, 0), min(e, n_steps)
        value = n.velocity if velocity else True
        if onsets:
            roll[s, p] = value
        else:
            roll[s:e, p] = value
    return roll


def roll_to_notes(roll: np.ndarray, grid: RollGrid, *, velocity: int = 100,
                  onsets: np.ndarray | None = None, start_tick: int = 0) -> list[Note]:
    """Turn runs of active cells into notes.

    A velocity roll gives each note the velocity of its first cell; a binary one
    gives every note `velocity`. An `onsets` roll (same shape) splits a run where a
    new note starts, so repeated notes survive.
    """
    active = roll > 0
    padded = np.zeros((active.shape[0] + 1, active.shape[1]), dtype=bool)
    padded[1:] = active
    starts = active & ~padded[:-1]
    if onsets is not None:
        starts |= active & (onsets > 0)
    notes: list[Note] = []
    n_steps = active.shape[0]
    velocities = roll.dtype != bool and roll.size and roll.max() > 1
    for s, p in zip(*np.nonzero(starts)):
        e = s + 1
        while e < n_steps and active[e, p] and not (onsets is not None and onsets[e, p] > 0):
            e += 1
        vel = int(roll[s, p]) if velocities else velocity
        t0 = start_tick + grid.tick_of(s)
        t1 = start_tick + grid.tick_of(e)
        notes.append(Note(t0, int(p) + grid.lowest, max(t1 - t0, 1), min(max(vel, 1), 127)))
    notes.sort()
    return notes
