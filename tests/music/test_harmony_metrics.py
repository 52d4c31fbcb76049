"""The harmony metrics on tiny hand-made songs whose answers are known."""

from __future__ import annotations

import math

import numpy as np

from deepcomposer_desktop.music.composition import Composition, Note, Track
from deepcomposer_desktop.music.harmony_metrics import (Counts, bass_below, beat_ticks, chordness,
                                                        composition_counts, consonance, coverage,
                                                        doubling, genre_windows, in_scale, is_chord,
                                                        lowest_track, pool_windows, relative_gap)
from deepcomposer_desktop.music.keys import Key

BAR = 1920  # 4/4 at 480 ticks a quarter
C_MAJOR = Key(0, "major")


def test_coverage_counts_bars_where_the_melody_plays():
    melody = [Note(b * BAR, 72, BAR) for b in range(4)] + [Note(5 * BAR, 72, 480)]
    acc = [[Note(0, 48, BAR), Note(BAR, 48, 480)], [Note(3 * BAR + 960, 55, 480),
                                                     Note(4 * BAR, 55, BAR)]]
    # melody bars 0,1,2,3,5; accompanied 0,1,3 (bar 4 has no melody)
    assert coverage(melody, acc, BAR) == (3, 5)
    # a note held over the bar line covers both bars
    assert coverage(melody, [[Note(1800, 48, 240)]], BAR) == (2, 5)


def test_in_scale_counts_notes():
    acc = [[Note(0, 60, 480), Note(480, 64, 480)], [Note(0, 66, 1920), Note(0, 55, 10)]]
    assert in_scale(acc, C_MAJOR) == (3, 4)  # F# is out, however long
    assert in_scale(acc, Key(7, "major")) == (4, 4)


def _pairs_song():
    melody = [Note(0, 60, 1920)]  # C4 for a bar, then silence
    acc = [[Note(0, 48, 480),      # C3: octave -> consonant, doubled
            Note(480, 53, 480),    # F3: a fifth below C4 -> consonant
            Note(960, 50, 480),    # D3: a minor seventh -> dissonant
            Note(1440, 59, 480),   # B3: a semitone -> dissonant
            Note(1920, 50, 480)]]  # while the melody rests: no pair
    return melody, acc


def test_consonance_and_doubling():
    melody, acc = _pairs_song()
    assert consonance(melody, acc) == (2, 4)
    assert doubling(melody, acc) == (1, 4)
    # two melody notes sounding: one note-on makes two pairs
    both = melody + [Note(0, 64, 480)]
    assert consonance(both, [[Note(0, 48, 480)]]) == (2, 2)  # C-C octave, C-E a major sixth
    assert doubling(both, [[Note(0, 48, 480)]]) == (1, 1)


def test_is_chord_accepts_triads_and_two_sevenths():
    assert is_chord({0, 4, 7}) and is_chord({9, 0, 4}) and is_chord({11, 2, 5})  # C, Am, Bdim
    assert is_chord({0, 4, 8}) and is_chord({7, 11, 2, 5}) and is_chord({9, 0, 4, 7})  # aug, G7, Am7
    assert not is_chord({0, 4, 7, 11})  # Cmaj7
    assert not is_chord({0, 3, 6, 9})  # a diminished seventh
    assert not is_chord({0, 1})  # a semitone is in none of them
    assert is_chord({0, 2})  # C and D: both in D7 and Dm7


def test_chordness_counts_beats_with_two_pitch_classes():
    melody = [Note(0, 72, BAR)]  # C5 all bar
    acc = [[Note(0, 52, 480), Note(0, 55, 480),  # beat 1: C E G
            Note(480, 49, 480),                  # beat 2: C C#: no chord
                                                 # beat 3: C alone: not counted
            Note(1440, 53, 480), Note(1440, 57, 480)]]  # beat 4: F A C
    assert chordness(melody, acc, 480, BAR) == (2, 3)
    # 6/8 counts dotted quarters
    assert beat_ticks(480, (6, 8)) == 720 and beat_ticks(480, (3, 4)) == 480
    assert beat_ticks(480, (2, 2)) == 960


def test_bass_below_at_every_moment():
    melody = [Note(0, 60, 960), Note(960, 55, 960)]
    bass = [Note(0, 48, 960), Note(960, 57, 960)]
    assert bass_below(melody, bass) == (1, 2)
    # unison is not below; moments where either rests do not count
    assert bass_below([Note(0, 60, 960)], [Note(0, 60, 480), Note(1000, 30, 480)]) == (0, 1)
    assert lowest_track([[Note(0, 60, 10)], [], [Note(0, 40, 10)], [Note(0, 70, 10)]]) == 2
    assert lowest_track([[], []]) is None


def test_composition_counts_pools_and_divides():
    comp = Composition(tracks=[Track("Melody", notes=[Note(0, 72, BAR)]),
                               Track("Alto", notes=[Note(0, 64, BAR)]),
                               Track("Bass", notes=[Note(0, 48, BAR)])], key=C_MAJOR)
    c = composition_counts(comp)
    rates = c.rates()
    assert rates == {"coverage": 1.0, "in_scale": 1.0, "consonance": 1.0, "doubling": 0.5,
                     "chordness": 1.0, "bass_below": 1.0}
    total = Counts().add(c).add(c)
    assert total.counts["doubling"] == [2, 4]
    assert math.isnan(Counts().rates()["chordness"])


def test_genre_windows_match_the_cards_definitions():
    # 4 bars; the first 2-bar window holds a 16th-note run and a held chord
    melody = [Note(b * BAR, 72, BAR) for b in range(4)]
    upper = [Note(i * 120, 64 + (i % 2), 120) for i in range(8)] + [Note(960, 67, 960)]
    lower = [Note(0, 48, BAR), Note(0, 52, BAR), Note(BAR * 2, 49, BAR)]
    w = genre_windows(melody, [upper, lower], C_MAJOR, 480)
    assert len(w["in_scale_rate"]) == 4  # 2 windows x 2 tracks
    assert w["polyphonic_rate"] == [0.0, 0.5, 0.0, 0.0]  # two notes for one of the two bars
    assert w["qualified_note_rate"][0] == 1 / 9  # eight 16ths and one half note
    assert math.isnan(w["in_scale_rate"][2])  # the upper track is silent in window 2
    assert w["in_scale_rate"][3] == 0.0  # C#3 alone
    assert w["pitch_classes_per_bar"][:2] == [3.0, 2.0]  # over the bars where the track plays
    pooled = pool_windows([w, w])
    assert pooled["polyphonic_rate"] == 0.125
    assert np.isclose(pooled["pitch_classes_per_bar"], 2.0)  # (3 + 2 + 1) / 3, silence left out


def test_relative_gap_is_absolute_where_the_real_value_is_zero():
    assert np.isclose(relative_gap(0.9, 1.0), 0.1) and np.isclose(relative_gap(2.2, 2.0), 0.1)
    assert relative_gap(0.05, 0.0) == 0.05
    assert relative_gap(0.5, None) is None and relative_gap(math.nan, 1.0) is None
