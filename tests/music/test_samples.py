import pytest

from deepcomposer_desktop.errors import InvalidInputError
from deepcomposer_desktop.music import SAMPLES, load_composition
from deepcomposer_desktop.music.samples import parse_pitch, parse_score


def test_at_least_eight_samples_all_load():
    assert len(SAMPLES) >= 8
    for name in SAMPLES:
        comp = load_composition(f"sample:{name}")
        assert comp.tracks[0].notes and comp.key is not None and comp.bars >= 8


def test_twinkle_starts_on_middle_c():
    notes = load_composition("sample:twinkle").tracks[0].notes
    assert [n.pitch for n in notes[:7]] == [60, 60, 67, 67, 69, 69, 67]


def test_pitch_names():
    assert parse_pitch("C4") == 60 and parse_pitch("F#3") == 54 and parse_pitch("Bb4") == 70


def test_bar_lines_are_checked():
    with pytest.raises(ValueError, match="lasts"):
        parse_score("C4 C4 C4 |", 480, 4)


def test_unknown_sample_is_a_clear_error():
    with pytest.raises(InvalidInputError, match="twinkle"):
        load_composition("sample:nope")
