"""Each metric against an example worked out by hand."""

import math

import numpy as np
import pytest

from deepcomposer_desktop.music import Key, Note
from deepcomposer_desktop.music import metrics as m


def roll(steps, cells):
    r = np.zeros((steps, 128), bool)
    for s, p in cells:
        r[s, p] = True
    return r


def test_empty_bar_rate_counts_empty_bars():
    r = roll(64, [(0, 60), (40, 62)])  # 4 bars of 16 steps; bars 0 and 2 play
    assert m.empty_bar_rate(r, 16) == 0.5
    assert m.empty_bar_rate(roll(64, []), 16) == 1.0


def test_pitch_classes_per_bar():
    r = roll(64, [(0, 60), (1, 64), (2, 72), (40, 62)])  # bar 0: C, E (C5 is C again); bar 2: D
    assert m.pitch_classes_per_bar(r, 16) == 1.5
    assert math.isnan(m.pitch_classes_per_bar(roll(16, []), 16))


def test_chroma_folds_octaves_not_neighbours():
    c = m.chroma(roll(1, [(0, 60), (0, 61), (0, 72)]))[0]
    assert c[0] == 2 and c[1] == 1 and c.sum() == 3


def test_qualified_note_rate():
    assert m.qualified_note_rate([60, 59, 480], 480) == pytest.approx(2 / 3)


def test_polyphonic_rate():
    r = roll(16, [(s, 60) for s in range(8)] + [(s, 64) for s in range(4)])
    assert m.polyphonic_rate(r) == 0.25


def test_in_scale_rate_is_duration_weighted_and_key_aware():
    r = roll(4, [(0, 60), (1, 60), (2, 60), (3, 61)])
    assert m.in_scale_rate(r, Key(0)) == 0.75
    assert m.in_scale_rate(r, Key(2)) == 0.25  # D major has C# but not C


def test_tonal_distance_c_against_g():
    c, g = roll(16, [(0, 60)]), roll(16, [(0, 67)])
    expected = math.sqrt(0.5**2 + (1 - math.cos(math.pi / 6))**2 + 1 + 1
                         + (0.5 * math.sin(2 * math.pi / 3))**2 + (0.5 * math.cos(2 * math.pi / 3) - 0.5)**2)
    assert m.tonal_distance(c, g, 16) == pytest.approx(expected)
    assert m.tonal_distance(c, c, 16) == 0
    assert math.isnan(m.tonal_distance(c, roll(16, []), 16))


def test_histograms_and_overlap():
    assert m.overlapping_area(np.array([.5, .5, 0]), np.array([0, .5, .5])) == 0.5
    h = m.note_length_histogram([480, 480, 240], 480)
    classes = list(m.NOTE_LENGTH_CLASSES)
    assert h[classes.index(1)] == pytest.approx(2 / 3) and h[classes.index(1 / 2)] == pytest.approx(1 / 3)
    pch = m.pitch_class_histogram(roll(4, [(0, 60), (1, 60), (2, 62), (3, 64)]))
    assert pch[0] == 0.5 and pch[2] == 0.25 and pch.sum() == 1


def test_track_metrics_of_a_line_in_a_minor_key():
    # What the model cards measure (training/*_export.py): A, then G#, the leading tone.
    notes = [Note(0, 57, 1920), Note(1920, 68, 1920)]
    out = m.track_metrics(notes, 480, 16, Key(9, "minor"), n_steps=48)  # a third bar, silent
    assert out == pytest.approx({"empty_bar_rate": 1 / 3, "pitch_classes_per_bar": 1.0,
                                 "qualified_note_rate": 1.0, "polyphonic_rate": 0.0,
                                 "in_scale_rate": 1.0})
