"""GAN accompaniment follows the chord track: chord tones on the beats, voices below
the melody and the bass lowest, whatever chords the user writes."""

from __future__ import annotations

import pytest

from deepcomposer_desktop.generation.gan import GanModel, generate_accompaniment
from deepcomposer_desktop.generation.registry import SHIPPED_DIR, Registry
from deepcomposer_desktop.music import load_sample
from deepcomposer_desktop.music.chords import Chord, ChordChange, chord_at, detect_song_chords

GAN_IDS = [e.id for e in Registry([SHIPPED_DIR]).models("gan")]


def _model(model_id: str) -> GanModel:
    return GanModel.from_card(*Registry([SHIPPED_DIR]).session(model_id, "gan"))


def _sounding(notes, tick):
    return [n.pitch for n in notes if n.start <= tick < n.end]


@pytest.mark.parametrize("model_id", GAN_IDS)
def test_an_edited_chord_is_followed_on_its_strong_beats(model_id):
    """Bar 3 of twinkle (F F E E, detected F and C) gets F-sharp major, which shares
    no note with either; every accompaniment note-on on that bar's beats is one of
    its tones, and the rest of the song keeps its chords."""
    song = load_sample("twinkle")
    bar = song.ticks_per_bar
    detected = detect_song_chords(song)
    new = Chord.parse("F#")
    for tick in (2 * bar, 2 * bar + bar // 2):
        assert not new.pitch_classes & chord_at(detected, tick).pitch_classes
    edited = [c for c in detected if not 2 * bar <= c.tick < 3 * bar]
    edited += [ChordChange(2 * bar, new), ChordChange(3 * bar, chord_at(detected, 3 * bar))]
    song.chords = sorted(edited)
    out = generate_accompaniment(song, _model(model_id), seed=4)
    beats = range(2 * bar, 3 * bar, song.ticks_per_beat)
    on_beats = [n for t in out.tracks[1:] for n in t.notes if n.start in beats]
    assert on_beats and all(n.pitch % 12 in new.pitch_classes for n in on_beats)
    assert out.chords == song.chords


@pytest.mark.parametrize("model_id", GAN_IDS)
@pytest.mark.parametrize("sample", ["amazing-grace", "row-row", "scarborough-fair"])
def test_voices_stay_under_the_melody_in_order_on_chord_tones(model_id, sample):
    song = load_sample(sample)
    out = generate_accompaniment(song, _model(model_id), seed=2)
    melody, voices = out.tracks[0].notes, [t.notes for t in out.tracks[1:]]
    beat = song.ticks_per_beat * (3 if song.time_signature == (6, 8) else 1)
    for tick in range(0, song.end, song.ppq // 4):
        top = _sounding(melody, tick)
        bass = _sounding(voices[-1], tick)
        upper = [p for v in voices[:-1] for p in _sounding(v, tick)]
        if top and bass:
            assert max(bass) < min(top)
        if top and upper:
            assert max(upper) < min(top)
        if bass and upper:
            assert max(bass) <= min(upper)
        if tick % beat == 0:
            chord = chord_at(out.chords, tick)
            for n in (n for v in voices for n in v if n.start == tick):
                assert n.pitch % 12 in chord.pitch_classes
    bars_with_melody = {n.start // song.ticks_per_bar for n in melody}
    accompanied = {b for v in voices for n in v
                   for b in range(n.start // song.ticks_per_bar, (n.end - 1) // song.ticks_per_bar + 1)}
    assert bars_with_melody <= accompanied


def test_string_parts_stay_within_their_instruments():
    """The quartet's cello never goes below its C string, the viola below C3 or the
    second violin below G3, however the song sits."""
    model = _model("gan-string-quartets")
    for sample in ("twinkle", "amazing-grace", "greensleeves"):
        out = generate_accompaniment(load_sample(sample), model, seed=1)
        lowest = {t.name: min(n.pitch for n in t.notes) for t in out.tracks[1:] if t.notes}
        assert lowest["Violin II"] >= 55 and lowest["Viola"] >= 48 and lowest["Cello"] >= 36, lowest
