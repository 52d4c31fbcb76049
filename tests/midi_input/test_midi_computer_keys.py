"""Musical Typing: the top-row map, octave and velocity keys, no doubled notes."""

from __future__ import annotations

import pytest

from deepcomposer_desktop.midi_input.computer_keys import (
    VELOCITIES, KeyNote, MusicalTyping, pitch_for_key)


def test_the_top_row_is_a_piano_and_leaves_the_shortcut_letters_alone():
    whites = "tyuiop[]\\"
    blacks = "6790-"
    assert [pitch_for_key(k) for k in whites] == [60, 62, 64, 65, 67, 69, 71, 72, 74]
    assert [pitch_for_key(k) for k in blacks] == [61, 63, 66, 68, 70]
    assert pitch_for_key("T") == 60 and pitch_for_key("q") is None and pitch_for_key("") is None
    assert pitch_for_key("t", base=48) == 48
    for shortcut in "rlksmq ":  # record, loop, click, solo, mute, quantize, play
        assert not MusicalTyping.handles(shortcut) and not MusicalTyping.handles(shortcut.upper())
    assert MusicalTyping().range_text == "C4\u2013D5"


def test_press_release_and_auto_repeat():
    mt = MusicalTyping()
    assert mt.press("t") == [KeyNote(True, 60, 100)]
    assert mt.press("t") == []  # auto-repeat: the key is still down
    assert mt.press("T") == []  # shift while held is the same key
    assert mt.held() == {60}
    assert mt.release("t") == [KeyNote(False, 60)]
    assert mt.release("t") == []  # a stray key-up
    assert mt.press("q") == [] and not mt.handles("q") and mt.handles("Z")


def test_octave_keys_keep_held_notes_and_stop_at_the_ends():
    mt = MusicalTyping()
    mt.press("t")
    assert mt.press("x") == [] and mt.octave == 5 and mt.range_text == "C5\u2013D6"
    mt.release("x")
    assert mt.press("y") == [KeyNote(True, 74, 100)]
    assert mt.release("t") == [KeyNote(False, 60)]  # the pitch it started, not 72
    for _ in range(12):
        mt.press("z")
        mt.release("z")
    assert mt.base == 0 and mt.press("t") == [KeyNote(True, 0, 100)]
    for _ in range(12):
        mt.press("x")
        mt.release("x")
    assert mt.base == 108 and mt.pitch_for_key("\\") == 122


def test_velocity_keys_step_and_clamp():
    mt = MusicalTyping(velocity=90)
    mt.press("v")
    mt.release("v")
    assert mt.velocity == 100
    for _ in range(20):
        mt.press("v")
        mt.release("v")
    assert mt.velocity == 127
    for _ in range(20):
        mt.press("c")
        mt.release("c")
    assert mt.velocity == VELOCITIES[0] == 1
    assert mt.press("u") == [KeyNote(True, 64, 1)]


def test_same_pitch_from_two_keys_sounds_once_and_focus_loss_releases_all():
    mt = MusicalTyping()
    assert mt.press("]") == [KeyNote(True, 72, 100)]  # C5
    mt.press("x")                                     # up an octave: T is C5 now
    mt.release("x")
    assert mt.press("t") == []                        # C5 is sounding already: not doubled
    assert mt.release("t") == []                      # ...and its key-up ends nothing
    assert mt.release_all() == [KeyNote(False, 72)]
    assert mt.held() == set()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        MusicalTyping(base=61)
    with pytest.raises(ValueError):
        MusicalTyping(velocity=0)
