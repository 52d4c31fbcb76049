"""How a bar is counted: which beats a metronome accents, for playback and recording alike.

A click falls on every beat of the time signature's denominator, the first of each
bar accented: three in 3/4, four in 4/4. Compound metres (6/8, 9/8, 12/8) click
every eighth with a second, lighter accent at the start of each group of three,
so 6/8 is heard as two beats of three, not as 3/4.
"""

from __future__ import annotations

import enum


class ClickLevel(enum.IntEnum):
    BEAT = 0
    GROUP = 1   # the start of a dotted-quarter group in a compound metre
    ACCENT = 2  # beat 1 of a bar


def is_compound(time_signature: tuple[int, int]) -> bool:
    num, den = time_signature
    return den >= 8 and num > 3 and num % 3 == 0


def bar_pattern(time_signature: tuple[int, int]) -> list[ClickLevel]:
    """The clicks of one bar: 3/4 -> A B B; 6/8 -> A B B G B B; 4/4 -> A B B B."""
    num, _ = time_signature
    compound = is_compound(time_signature)
    return [ClickLevel.ACCENT if i == 0 else
            ClickLevel.GROUP if compound and i % 3 == 0 else ClickLevel.BEAT
            for i in range(num)]
