import numpy as np

from deepcomposer_desktop.music import Note, load_sample
from deepcomposer_desktop.music.pianoroll import RollGrid, notes_to_roll, roll_to_notes

GRID = RollGrid(ppq=480, steps_per_beat=4)  # a step is a sixteenth, 120 ticks


def test_grid_aligned_notes_round_trip():
    notes = [Note(0, 60, 480, 100), Note(480, 64, 240, 100), Note(720, 67, 120, 100)]
    roll = notes_to_roll(notes, GRID)
    assert roll.shape == (7, 128) and roll.dtype == bool
    assert roll[:4, 60].all() and not roll[4:, 60].any()
    assert roll_to_notes(roll, GRID) == sorted(notes)


def test_repeated_notes_need_onsets():
    notes = [Note(0, 60, 240), Note(240, 60, 240)]
    roll = notes_to_roll(notes, GRID)
    assert roll_to_notes(roll, GRID) == [Note(0, 60, 480)]  # a binary roll merges them
    onsets = notes_to_roll(notes, GRID, onsets=True)
    assert roll_to_notes(roll, GRID, onsets=onsets) == notes


def test_velocity_roll_keeps_velocity_and_short_notes_get_a_step():
    roll = notes_to_roll([Note(0, 60, 30, 77)], GRID, velocity=True)
    assert roll.dtype == np.uint8 and roll[0, 60] == 77
    assert roll_to_notes(roll, GRID) == [Note(0, 60, 120, 77)]


def test_cropped_pitch_range_and_offsets():
    grid = RollGrid(480, 4, lowest=48, n_pitches=24)
    roll = notes_to_roll([Note(960, 50, 120), Note(960, 80, 120)], grid, 8, start_tick=960)
    assert roll.shape == (8, 24) and roll[0, 2] and roll.sum() == 1
    assert roll_to_notes(roll, grid, start_tick=960) == [Note(960, 50, 120)]


def test_a_sample_rolls_over_whole_bars_with_its_pickup_in_place():
    comp = load_sample("amazing-grace")  # 3/4: 12 steps per bar
    steps = GRID.n_steps(comp.ticks_per_bar) * comp.bars
    roll = notes_to_roll(comp.tracks[0].notes, GRID, steps)
    assert steps == comp.bars * 12 and roll.shape == (steps, 128)
    assert not roll[:8].any() and roll[8:12, 62].all()  # the pickup D4 on beat 3
