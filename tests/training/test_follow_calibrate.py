"""The follow calibration's judgement: how far a decoding's genre statistics lie
outside the 10 % bar, summed, so that no statistic hides behind another."""

from __future__ import annotations

import pytest

from deepcomposer_desktop.training.follow_calibrate import _judge

REAL = {"in_scale_rate": 0.85, "pitch_classes_per_bar": 3.5, "qualified_note_rate": 0.75,
        "polyphonic_rate": 0.0}
STATS = {"in_scale_rate": 0.99, "pitch_classes_per_bar": 3.5, "qualified_note_rate": 0.78,
         "polyphonic_rate": 0.05, "chordness": 0.9, "consonance": 0.8, "doubling": 0.1}


def test_excess_sums_what_lies_beyond_the_bar_and_worst_is_the_largest_gap():
    judged = _judge(STATS, REAL)
    # in-scale: 0.14/0.85 = 16.5 % (6.5 over); polyphony: real 0, so the gap is absolute (0.05).
    assert judged["worst_gap"] == pytest.approx(0.14 / 0.85, abs=1e-4)
    assert judged["excess"] == pytest.approx(0.14 / 0.85 - 0.10, abs=1e-4)
    assert judged["chordness"] == 0.9


def test_a_decoding_within_the_bar_has_no_excess():
    within = dict(STATS, in_scale_rate=0.90)
    assert _judge(within, REAL)["excess"] == 0.0
