import pytest

from deepcomposer_desktop.music import Composition, Key, Note, Tempo, Track, load_sample
from deepcomposer_desktop.music.edit import (
    grid_ticks, merge, quantize, slice_bars, transpose, transpose_composition)


def test_grid_values():
    assert grid_ticks(480, "1/16") == 120
    assert grid_ticks(480, "1/8t") == 160
    assert grid_ticks(480, 0.25) == 480


def test_hard_and_soft_quantize():
    notes = [Note(130, 60, 100), Note(350, 62, 100)]
    assert [n.start for n in quantize(notes, 480, "1/16")] == [120, 360]
    assert [n.start for n in quantize(notes, 480, "1/16", strength=0.5)] == [125, 355]
    assert [n.duration for n in quantize(notes, 480, "1/16")] == [100, 100]


def test_swing_delays_off_beats():
    notes = [Note(0, 60, 100), Note(240, 60, 100), Note(480, 60, 100)]
    out = quantize(notes, 480, "1/8", swing=0.5)
    assert [n.start for n in out] == [0, 240 + 80, 480]  # 2:1 feel: off-beat at 2/3 of the beat


def test_quantize_ends_keeps_at_least_one_cell():
    out = quantize([Note(10, 60, 20)], 480, "1/16", ends=True)
    assert out == [Note(0, 60, 120)]


def test_quantize_rejects_bad_strength():
    with pytest.raises(ValueError):
        quantize([], 480, strength=2)


def test_transpose_drops_notes_out_of_range():
    assert transpose([Note(0, 120, 10), Note(0, 60, 10)], 12) == [Note(0, 72, 10)]


def test_transpose_composition_leaves_drums_and_moves_key():
    comp = load_sample("twinkle")
    comp.add_track("Drums", is_drum=True, notes=[Note(0, 36, 100)])
    out = transpose_composition(comp, 2)
    assert out.key == Key(2) and out.tracks[1].notes == [Note(0, 36, 100)]
    assert out.tracks[0].notes[0].pitch == 62 and comp.tracks[0].notes[0].pitch == 60


def test_slice_bars_cuts_notes_and_tempo():
    comp = Composition(ppq=100, tempos=[Tempo.from_bpm(0, 100), Tempo.from_bpm(500, 50)])
    comp.add_track("a", notes=[Note(350, 60, 100), Note(450, 62, 400), Note(900, 64, 50)])
    out = slice_bars(comp, 1, 2)  # ticks 400-800
    assert out.tracks[0].notes == [Note(0, 60, 50), Note(50, 62, 350)]
    assert [(t.tick, round(t.bpm)) for t in out.tempos] == [(0, 100), (100, 50)]
    assert comp.tracks[0].notes[0] == Note(350, 60, 100)


def test_merge_rescales_and_joins_matching_tracks():
    a = Composition(ppq=480)
    a.add_track("Melody", notes=[Note(0, 60, 480)])
    b = Composition(ppq=96)
    b.tracks.append(Track("Melody", notes=[Note(96, 62, 96)]))
    b.tracks.append(Track("Bass", program=32, channel=0, notes=[Note(0, 36, 192)]))
    out = merge(a, b)
    assert out.tracks[0].notes == [Note(0, 60, 480), Note(480, 62, 480)]
    assert out.tracks[1].name == "Bass" and out.tracks[1].notes == [Note(0, 36, 960)]
    assert out.tracks[1].channel != out.tracks[0].channel
