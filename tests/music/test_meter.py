"""How a bar is counted for the metronome (music/meter.py, which audio/events.py clicks by)."""

from __future__ import annotations

from deepcomposer_desktop.music.meter import ClickLevel, bar_pattern, is_compound

A, G, B = ClickLevel.ACCENT, ClickLevel.GROUP, ClickLevel.BEAT


def test_bar_patterns():
    assert bar_pattern((3, 4)) == [A, B, B]
    assert bar_pattern((4, 4)) == [A, B, B, B]
    assert bar_pattern((6, 8)) == [A, B, B, G, B, B]  # two groups of three eighths
    assert bar_pattern((9, 8)) == [A, B, B, G, B, B, G, B, B]
    assert bar_pattern((3, 8)) == [A, B, B]            # one group: a simple metre
    assert bar_pattern((2, 2)) == [A, B]
    assert bar_pattern((5, 4)) == [A, B, B, B, B]
    assert is_compound((12, 8)) and not is_compound((6, 4)) and not is_compound((3, 8))
