import pytest

from deepcomposer_desktop.music import Composition, Key, Note, Tempo, Track, load_sample
from deepcomposer_desktop.music.composition import DRUM_CHANNEL


def test_note_validation():
    with pytest.raises(ValueError):
        Note(0, 128, 10)
    with pytest.raises(ValueError):
        Note(0, 60, 0)
    with pytest.raises(ValueError):
        Note(-1, 60, 10)
    assert Note(10, 60, 5).end == 15


def test_drum_track_goes_to_channel_10():
    assert Track(name="Drums", is_drum=True, channel=3).channel == DRUM_CHANNEL


def test_metre_and_length():
    comp = Composition(ppq=480, time_signature=(3, 4))
    comp.add_track("a", notes=[Note(0, 60, 480), Note(1440 * 2, 62, 100)])
    assert comp.ticks_per_bar == 1440
    assert comp.bars == 3
    six_eight = Composition(ppq=480, time_signature=(6, 8))
    assert six_eight.ticks_per_bar == 1440 and six_eight.ticks_per_beat == 240


def test_tempo_map_seconds_round_trip():
    comp = Composition(ppq=100, tempos=[Tempo.from_bpm(0, 120), Tempo.from_bpm(400, 60)])
    # 4 beats at 120 bpm = 2 s, then 2 beats at 60 bpm = 2 s
    assert comp.seconds_at(400) == pytest.approx(2.0)
    assert comp.seconds_at(600) == pytest.approx(4.0)
    assert comp.tick_at(4.0) == pytest.approx(600)
    assert comp.tick_at(1.0) == pytest.approx(200)
    assert comp.tempo_at(500).bpm == pytest.approx(60)


def test_tempo_map_gets_a_tempo_at_zero():
    comp = Composition(tempos=[Tempo.from_bpm(960, 90)])
    assert comp.tempos[0].tick == 0 and comp.tempos[0].bpm == pytest.approx(90)


def test_free_channels_skip_drums():
    comp = Composition()
    chans = [comp.add_track(f"t{i}").channel for i in range(12)]
    assert DRUM_CHANNEL not in chans and len(set(chans)) == 12


def test_melodic_tracks_never_get_the_drum_channel_once_all_15_are_taken():
    comp = Composition()
    comp.add_track("Drums", is_drum=True)
    melodic = [comp.add_track(f"t{i}").channel for i in range(45)]
    assert DRUM_CHANNEL not in melodic  # the old `len(tracks) % 15` gave the 25th track 9
    assert melodic[:15] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15]
    assert melodic[15:] == melodic[:15] * 2  # then round again, evenly, lowest first


def test_a_freed_channel_is_reused_first_and_sharing_stays_even():
    comp = Composition()
    for i in range(17):
        comp.add_track(f"t{i}")  # 0 and 1 now carry two tracks each
    del comp.tracks[5]           # channel 5 is free again
    assert comp.free_channel() == 5
    comp.add_track("again")
    assert comp.free_channel() == 2  # the lowest of those only one track uses


def test_solo_wins_over_mute():
    comp = Composition()
    a, b, c = (comp.add_track(n) for n in "abc")
    b.mute = True
    assert comp.audible_tracks() == [a, c]
    c.solo = True
    assert comp.audible_tracks() == [c]


def test_summary_of_sample():
    s = load_sample("twinkle").summary()
    assert s["bars"] == 12 and s["time_signature"] == "4/4" and s["tempo_bpm"] == 100
    assert s["seconds"] == pytest.approx(12 * 4 * 0.6)


def test_key_parse_and_names():
    assert Key.parse("F#m") == Key(6, "minor")
    assert Key.parse("Bb") == Key(10, "major")
    assert Key.parse("a minor") == Key(9, "minor")
    assert Key(2, "major").midi_name() == "D"
    assert Key.parse(Key(1, "minor").midi_name()) == Key(1, "minor")
    assert Key(0).scale == {0, 2, 4, 5, 7, 9, 11}
