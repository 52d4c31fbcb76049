import pytest

from deepcomposer_desktop.music import SAMPLES, Key, detect_key, load_sample


@pytest.mark.parametrize("name", sorted(set(SAMPLES) - {"mary"}))
def test_detects_the_written_key_of_the_samples(name):
    comp = load_sample(name)
    notes = comp.tracks[0].notes
    assert detect_key([n.pitch for n in notes], [n.duration for n in notes]) == comp.key


def test_mary_uses_four_notes_and_reads_as_a_key_sharing_its_scale():
    # E D C G never lands on a long tonic: E minor is as good an answer as C major.
    notes = load_sample("mary").tracks[0].notes
    found = detect_key([n.pitch for n in notes], [n.duration for n in notes])
    assert {n.pitch % 12 for n in notes} <= found.scale


def test_detects_c_major_scale_and_a_minor_arpeggio():
    assert detect_key([60, 62, 64, 65, 67, 69, 71, 72], [2, 1, 1, 1, 2, 1, 1, 2]) == Key(0)
    assert detect_key([57, 60, 64, 57, 60, 64, 56, 59, 57], None).mode == "minor"


def test_scale_mask():
    mask = Key(0).scale_mask()
    assert mask[60] and not mask[61] and mask.sum() == 75
