"""Chord symbols, progressions and the chord track's round trips."""

from __future__ import annotations

import pytest

from deepcomposer_desktop.music import load_sample, read_midi, write_midi
from deepcomposer_desktop.music.chords import (Chord, ChordChange, chord_at, detect_song_chords,
                                               format_progression, parse_progression)
from deepcomposer_desktop.music.keys import Key
from deepcomposer_desktop.music.serialize import composition_from_dict, composition_to_dict


@pytest.mark.parametrize("text, root, quality, bass, tones", [
    ("C", 0, "", None, {0, 4, 7}), ("Am7", 9, "m7", None, {9, 0, 4, 7}),
    ("D/F#", 2, "", 6, {2, 6, 9}), ("G7", 7, "7", None, {7, 11, 2, 5}),
    ("Bbmaj7", 10, "maj7", None, {10, 2, 5, 9}), ("F#dim", 6, "dim", None, {6, 9, 0}),
    ("Ebm", 3, "m", None, {3, 6, 10}), ("Gsus4", 7, "sus4", None, {7, 0, 2}),
    ("C/E", 0, "", 4, {0, 4, 7}), ("Bø", 11, "m7b5", None, {11, 2, 5, 9}),
])
def test_symbols_parse_to_their_tones(text, root, quality, bass, tones):
    chord = Chord.parse(text)
    assert (chord.root, chord.quality, chord.bass) == (root, quality, bass)
    assert chord.pitch_classes == frozenset(tones)
    assert Chord.parse(chord.symbol()) == chord


def test_spelling_follows_the_key_and_bad_symbols_are_refused():
    assert Chord.parse("A#").symbol(Key(5)) == "Bb" and Chord.parse("A#").symbol(Key(7)) == "Bb"
    assert Chord.parse("Bb").symbol(Key(4)) == "A#" and Chord.parse("Bb").symbol(Key(0)) == "Bb"
    assert Chord.parse("D/F#").symbol(Key(0)) == "D/F#"
    for bad in ("H", "Cx", "", "C/H", "Am7/"):
        with pytest.raises(ValueError):
            Chord.parse(bad)


def test_a_progression_spreads_symbols_over_their_bars():
    chords = parse_progression("C G/B | Am | F G7 C", 1920)
    assert [(c.tick, c.chord.symbol()) for c in chords] == [
        (0, "C"), (960, "G/B"), (1920, "Am"), (3840, "F"), (4480, "G7"), (5120, "C")]
    assert chord_at(chords, 2000) == Chord.parse("Am") and chord_at(chords, -1) is None
    assert format_progression(chords, 1920, 4) == ["C G/B", "Am", "F G7 C", "C"]


def test_detected_chords_hold_the_melody_on_the_beats_and_end_on_the_tonic():
    for name in ("twinkle", "amazing-grace", "greensleeves", "row-row"):
        song = load_sample(name)
        chords = detect_song_chords(song)
        key = song.key
        assert chords[-1].chord.root == key.tonic
        on_beats = [n for n in song.tracks[0].notes if n.start % song.ticks_per_beat == 0]
        held = sum(n.pitch % 12 in chord_at(chords, n.start).pitch_classes for n in on_beats)
        assert held / len(on_beats) >= 0.8, name


def test_the_chord_track_survives_projects_and_midi_files(tmp_path):
    song = load_sample("greensleeves")
    song.chords = detect_song_chords(song) + [ChordChange(99 * 1440, Chord.parse("D/F#"))]
    assert composition_from_dict(composition_to_dict(song)).chords == song.chords
    write_midi(song, tmp_path / "g.mid")
    assert read_midi(tmp_path / "g.mid").chords == song.chords
