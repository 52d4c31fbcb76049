"""On-screen piano geometry: keys under a point, velocity from where a key is hit, glissando."""

from __future__ import annotations

import pytest

from deepcomposer_desktop.midi_input.computer_keys import KeyNote
from deepcomposer_desktop.midi_input.piano_layout import PianoDrag, PianoLayout


def layout():
    # C3..C5: 15 white keys of 20 px, 100 px tall; black keys 12 px wide, 62 px long.
    return PianoLayout(48, 72, width=300, height=100)


def test_key_geometry():
    lay = layout()
    assert lay.white_width == 20
    keys = lay.keys()
    assert [k.pitch for k in keys] == list(range(48, 73))
    c, cs, e = lay.rect(48), lay.rect(49), lay.rect(52)
    assert (c.x, c.width, c.height) == (0, 20, 100)
    assert (cs.x, cs.width, cs.height) == pytest.approx((14, 12, 62))  # centred on the C|D line
    assert e.x == 40 and not e.black and cs.black
    with pytest.raises(ValueError):
        lay.rect(47)


def test_pitch_at_black_keys_lie_on_top():
    lay = layout()
    assert lay.pitch_at(15, 30) == 49    # on C#, over the C/D line
    assert lay.pitch_at(15, 80) == 48    # below the black key: C
    assert lay.pitch_at(25, 80) == 50    # D
    assert lay.pitch_at(299, 99) == 72   # the last C
    assert lay.pitch_at(80, 30) == 54    # F# (over the F|G line)
    assert lay.pitch_at(65, 30) == 53    # F, left of F#
    assert lay.pitch_at(50, 30) == 52    # E has no black key on its right
    assert lay.pitch_at(-1, 50) is None and lay.pitch_at(10, 100) is None


def test_velocity_grows_toward_the_front_of_each_key():
    lay = layout()
    assert lay.velocity_at(48, 0) == 30 and lay.velocity_at(48, 100) == 127
    assert lay.velocity_at(48, 50) == 78
    assert lay.velocity_at(49, 62) == 127  # the front edge of a (shorter) black key
    assert lay.velocity_at(49, 31) == 78


def test_range_snaps_to_white_keys_and_needs_two_octaves():
    assert (PianoLayout(49, 73).low, PianoLayout(49, 73).high) == (48, 74)
    with pytest.raises(ValueError, match="2 octaves"):
        PianoLayout(60, 71)
    with pytest.raises(ValueError):
        PianoLayout(48, 72, width=0)
    assert PianoLayout(21, 108, 1040, 120).white_width == pytest.approx(20)  # 88 keys, 52 white
    assert layout().resized(600, 50).rect(50).x == 40


def test_glissando():
    drag = PianoDrag(layout())
    assert drag.press(5, 90) == [KeyNote(True, 48, 117)]
    assert drag.move(8, 95) == []                          # same key: nothing new
    assert drag.move(25, 80) == [KeyNote(False, 48), KeyNote(True, 50, 108)]
    assert drag.move(25, 200) == []                        # off the piano: D goes on
    assert drag.move(15, 31) == [KeyNote(False, 50), KeyNote(True, 49, 78)]
    assert drag.release() == [KeyNote(False, 49)]
    assert drag.release() == [] and drag.move(30, 50) == []
    assert drag.press(-5, 50) == []
