"""The sampling loop's guarantees, with a numpy scoring function standing in for
the network (the shipped model is tested separately): budgets hold at every
iteration, inpainting never touches a cell outside its region, key lock holds,
a seed gives the same result."""

import numpy as np
import pytest

from deepcomposer_desktop.progress import Cancelled
from hypothesis import given, settings
from hypothesis import strategies as st

from deepcomposer_desktop.generation.arcnn_sampler import allowed_flips, sample
from deepcomposer_desktop.music import Key


def melody_roll(seed=0, steps=32, pitches=24, notes=12):
    rng = np.random.default_rng(seed)
    roll = np.zeros((steps, pitches), bool)
    roll[rng.integers(0, steps, notes), rng.integers(0, pitches, notes)] = True
    return roll


def random_scores(seed):
    rng = np.random.default_rng(seed)
    return lambda r: rng.normal(size=r.shape)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), max_add=st.integers(0, 20),
       pct=st.floats(0, 100), iterations=st.integers(0, 80), temp=st.floats(0.5, 6))
def test_budgets_hold_at_every_iteration(seed, max_add, pct, iterations, temp):
    roll = melody_roll(seed)
    max_remove = int(np.floor(roll.sum() * pct / 100))
    seen = []

    def watch(fraction):
        seen.append(fraction)

    states = []
    score = random_scores(seed)

    def scoring(r):
        states.append(r > 0)
        return score(r)

    out, stats = sample(roll, scoring, iterations, temperature=temp, max_add=max_add,
                        max_remove_percent=pct, rng=np.random.default_rng(seed), progress=watch)
    for state in states + [out]:
        assert (state & ~roll).sum() <= max_add
        assert (~state & roll).sum() <= max_remove
    assert stats.added == (out & ~roll).sum() and stats.removed == (~out & roll).sum()


def test_inpainting_never_changes_a_cell_outside_the_region():
    roll = melody_roll(3)
    region = np.zeros_like(roll)
    region[8:16, 4:20] = True
    out, stats = sample(roll, random_scores(1), 200, max_add=1000,
                        region=region, rng=np.random.default_rng(0))
    assert stats.iterations == 200
    assert (out[~region] == roll[~region]).all() and (out[region] != roll[region]).any()


def test_key_lock_never_flips_out_of_scale_pitches():
    roll = melody_roll(5, pitches=128)
    ok = Key(0).scale_mask()
    out, _ = sample(roll, random_scores(2), 300, max_add=1000, pitch_ok=ok,
                    rng=np.random.default_rng(1))
    changed = out != roll
    assert changed.any() and not changed[:, ~ok].any()


def test_seed_gives_the_same_result_and_scores_steer_the_choice():
    roll = melody_roll(7)
    a, _ = sample(roll, random_scores(4), 50, rng=np.random.default_rng(9))
    b, _ = sample(roll, random_scores(4), 50, rng=np.random.default_rng(9))
    assert (a == b).all()
    # A network that scores one empty cell far above all others: that cell is chosen.
    target = (5, 7)
    assert not roll[target]

    def one_cell(r):
        s = np.zeros(r.shape)
        s[target] = 50.0 if r[target] == 0 else -50.0
        return s

    out, _ = sample(roll, one_cell, 1, temperature=1.0, rng=np.random.default_rng(0))
    assert out[target] and (out != roll).sum() == 1


def test_zero_iterations_and_no_allowed_cell_return_the_input():
    roll = melody_roll(1)
    out, stats = sample(roll, random_scores(0), 0)
    assert (out == roll).all() and stats.iterations == 0
    out, stats = sample(roll, random_scores(0), 10, max_add=0, max_remove_percent=0)
    assert (out == roll).all() and stats.iterations == 0


def test_cancel_through_progress():
    seen = []

    def watch(fraction):
        seen.append(fraction)
        if len(seen) == 10:
            raise Cancelled

    with pytest.raises(Cancelled):
        sample(melody_roll(1), random_scores(0), 100, progress=watch)
    assert seen == [pytest.approx(i / 100) for i in range(1, 11)]


def test_allowed_flips_masks():
    roll = np.array([[1, 0], [0, 0]], bool)
    original = np.array([[1, 0], [0, 1]], bool)  # one input cell removed already, none added
    m = allowed_flips(roll, original, max_add=0, max_remove=1)
    assert m.tolist() == [[False, False], [False, True]]  # only undoing the removal is left


def test_temperature_must_be_positive():
    with pytest.raises(ValueError):
        sample(melody_roll(), random_scores(0), 1, temperature=0)
