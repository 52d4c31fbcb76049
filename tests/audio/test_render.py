"""Offline render, checked on the audio itself.

"Silence" is digital silence at 16 bits: FluidSynth's reverb keeps a tiny offset
(about 1e-8) in its float output to avoid denormals, far below one 16-bit step."""

import struct
import wave

import numpy as np
import pytest

from audio_testing import (TICKS_PER_SECOND, fundamentals, harmonic_tone, hps_pitch,
                           make_composition, spectrum, triad)
from deepcomposer_desktop.audio.render import render, render_array
from deepcomposer_desktop.audio.wav import read_wav, to_int16
from deepcomposer_desktop.errors import InvalidInputError
from deepcomposer_desktop.music import Composition, Note, Tempo, Track

RATE = 44100
C_MAJOR = (261.63, 329.63, 392.00)


# --- the analysis itself must be able to fail ---------------------------------------------
def test_sieve_finds_a_weak_fundamental_under_a_loud_second_harmonic():
    tone = harmonic_tone(RATE, 1.0, 261.63, [0.3, 1.0, 0.5, 0.3])
    freqs, mags = spectrum(tone, RATE, 0.1, 0.8)
    assert fundamentals(freqs, mags) == [pytest.approx(261.63, rel=0.005)]
    assert hps_pitch(freqs, mags) == pytest.approx(261.63, rel=0.005)


def test_sieve_reports_an_extra_note():
    chord = sum(harmonic_tone(RATE, 1.0, f, [1.0, 0.6, 0.3]) for f in (*C_MAJOR, 146.83))
    freqs, mags = spectrum(chord, RATE, 0.1, 0.8)
    assert len(fundamentals(freqs, mags)) == 4


# --- the must-shows ------------------------------------------------------------------------
def test_c_major_triad_has_exactly_its_three_fundamentals_below_500_hz(soundfont):
    audio = render_array(triad(2.0), soundfont, RATE)
    freqs, mags = spectrum(audio, RATE, 0.1, 0.8)
    found = fundamentals(freqs, mags, below=500.0)
    assert len(found) == 3, f"fundamentals below 500 Hz: {found}"
    for got, want in zip(found, C_MAJOR):
        assert got == pytest.approx(want, rel=0.01)


@pytest.mark.parametrize("program", [24, 73])  # nylon guitar, flute
def test_triad_fundamentals_hold_for_other_instruments(soundfont, program):
    audio = render_array(triad(2.0, program), soundfont, RATE)
    freqs, mags = spectrum(audio, RATE, 0.1, 0.8)
    found = fundamentals(freqs, mags, below=500.0)
    assert [round(f / w, 2) for f, w in zip(found, C_MAJOR)] == [1.0, 1.0, 1.0], found


def two_tracks() -> Composition:
    """Track A sounds in the first second, track B from 3 s to 4 s."""
    a = Track("A", 0, 0, notes=[Note(0, 60, TICKS_PER_SECOND // 2, 100)])
    b = Track("B", 0, 1, notes=[Note(3 * TICKS_PER_SECOND, 67, TICKS_PER_SECOND // 2, 100)])
    return make_composition(a, b)


def peak(audio, start, end):
    return float(np.abs(audio[int(start * RATE):int(end * RATE)]).max())


def test_muted_and_unsoloed_tracks_are_silent(soundfont):
    both = render_array(two_tracks(), soundfont, RATE)
    assert peak(both, 0.0, 0.5) > 0.01 and peak(both, 3.0, 3.5) > 0.01

    comp = two_tracks()
    comp.tracks[1].mute = True
    muted = render_array(comp, soundfont, RATE)
    assert peak(muted, 3.0, len(muted) / RATE) < 1e-4  # only A's far reverb tail may remain
    assert np.array_equal(muted[:int(2.9 * RATE)], both[:int(2.9 * RATE)])

    comp = two_tracks()
    comp.tracks[1].solo = True
    solo = render_array(comp, soundfont, RATE)
    assert not to_int16(solo[:int(3.0 * RATE)]).any()  # A never started: digital silence
    assert peak(solo, 3.0, 3.5) > 0.01

    comp = two_tracks()
    for t in comp.tracks:
        t.mute = True
    silent = render_array(comp, soundfont, RATE)
    assert not to_int16(silent).any() and len(silent) >= 3.5 * RATE


def test_two_renders_are_bit_identical(soundfont, tmp_path):
    comp = triad(1.0)
    comp.tracks.append(Track("Drums", 0, 9, is_drum=True,
                             notes=[Note(i * 240, 36 + i % 3, 120, 100) for i in range(8)]))
    first = render(comp, tmp_path / "a.wav", soundfont)
    second = render(comp, tmp_path / "b.wav", soundfont)
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    assert first.peak > 0.01 and first.clipped == 0
    assert np.array_equal(render_array(comp, soundfont, RATE), render_array(comp, soundfont, RATE))
    assert second.seconds == first.seconds


def test_release_tail_follows_the_last_note_and_ends_in_silence(soundfont):
    comp = triad(1.0)
    audio = render_array(comp, soundfont, RATE)
    seconds = len(audio) / RATE
    assert 1.2 < seconds <= 1.0 + 4.0 + 0.05  # a tail, but not the 4 s maximum of nothing
    assert peak(audio, 1.0, 1.1) > 1e-3  # the release is in the file, not cut
    assert float(np.abs(audio[-int(0.05 * RATE):]).max()) < 10 ** (-90 / 20)


def test_int16_wav_is_standard_pcm(soundfont, tmp_path):
    result = render(triad(0.5), tmp_path / "t.wav", soundfont, samplerate=48000)
    with wave.open(str(result.path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, 48000)
        frames = w.getnframes()
    assert frames == pytest.approx(result.seconds * 48000)
    samples, rate = read_wav(result.path.read_bytes())
    freqs, mags = spectrum(samples, rate, 0.05, 0.4)
    assert fundamentals(freqs, mags) == [pytest.approx(f, rel=0.01) for f in C_MAJOR]


def test_float_wav_has_the_ieee_float_header_and_the_same_audio(soundfont, tmp_path):
    comp = triad(0.5)
    result = render(comp, tmp_path / "f.wav", soundfont, sample_format="float32")
    data = result.path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    tag, channels, rate, byte_rate, block, bits = struct.unpack("<HHIIHH", data[20:36])
    assert (tag, channels, rate, byte_rate, block, bits) == (3, 2, RATE, RATE * 8, 8, 32)
    assert b"fact" in data[:60]
    samples, _ = read_wav(data)
    assert np.array_equal(samples, render_array(comp, soundfont, RATE))


def test_tempo_map_places_notes(soundfont):
    """Two notes a bar apart across a tempo change from 60 to 240 bpm: 4 s then 1 s."""
    comp = Composition(
        tracks=[Track("P", 0, 0, notes=[Note(0, 60, 240, 100), Note(1920, 72, 240, 100),
                                        Note(3840, 67, 240, 100)])],
        tempos=[Tempo.from_bpm(0, 60.0), Tempo.from_bpm(1920, 240.0)])
    audio = render_array(comp, soundfont, RATE, gain=0.8)
    level = np.abs(audio).max(axis=1)
    for when in (4.0, 5.0):  # the attacks of the 2nd and 3rd notes
        before, after = level[int((when - 0.02) * RATE):int(when * RATE)].max(), \
            level[int(when * RATE):int((when + 0.02) * RATE)].max()
        assert after > 3 * before


def test_empty_composition_is_refused(soundfont):
    with pytest.raises(InvalidInputError, match="no notes"):
        render_array(Composition(), soundfont)


def test_bad_sample_format_is_refused_before_rendering(tmp_path):
    with pytest.raises(ValueError, match="sample format"):
        render(triad(0.5), tmp_path / "x.wav", sample_format="int24")
    assert not (tmp_path / "x.wav").exists()
