import threading
import time

import numpy as np
import pytest

from audio_testing import make_composition, spectrum, hps_pitch
from deepcomposer_desktop.audio import synth as synth_module
from deepcomposer_desktop.audio.synth import METRONOME_CHANNEL, Synth, available_drivers
from deepcomposer_desktop.audio.wav import to_int16
from deepcomposer_desktop.errors import MissingResourceError
from deepcomposer_desktop.music import Track

RATE = 44100


@pytest.fixture
def synth(soundfont):
    with Synth(soundfont, samplerate=RATE, reverb=False, chorus=False) as s:
        yield s


def level(s: Synth, seconds: float) -> float:
    return float(np.abs(s.render_float(int(seconds * RATE))).max())


def silent(s: Synth, seconds: float) -> bool:
    """Digital silence at 16 bits (volume 0 still leaves FluidSynth's -144 dB floor)."""
    return not to_int16(s.render_float(int(seconds * RATE))).any()


def test_a_note_sounds_at_its_pitch_and_stops(synth):
    assert level(synth, 0.1) == 0.0
    synth.note_on(0, 69, 100)  # A4: every channel has its GM preset from the start
    audio = synth.render_float(RATE // 2)
    freqs, mags = spectrum(audio, RATE, 0.05, 0.4)
    assert hps_pitch(freqs, mags) == pytest.approx(440.0, rel=0.01)
    synth.note_off(0, 69)
    synth.render_float(3 * RATE)
    assert synth.active_voices() == 0
    assert level(synth, 0.1) == 0.0


def test_pitch_bend_moves_the_pitch(synth):
    synth.pitch_bend(0, 8191)  # + 2 semitones with the GM default range
    synth.note_on(0, 69, 100)
    freqs, mags = spectrum(synth.render_float(RATE // 2), RATE, 0.05, 0.4)
    assert hps_pitch(freqs, mags) == pytest.approx(440.0 * 2 ** (2 / 12), rel=0.01)


def test_apply_tracks_sets_programs_drums_pan_and_silences_muted_tracks(synth):
    violin = Track("Violin", 40, 0)
    bass = Track("Bass", 33, 1, mute=True)
    drums = Track("Drums", 0, 9, is_drum=True)
    comp = make_composition(violin, bass, drums)
    synth.apply_tracks(comp)
    assert synth.program_of(0) == (0, 40)
    assert synth.program_of(1) == (0, 33)
    assert synth.program_of(9) == (128, 0)  # channel 10: the drum kits
    assert synth.program_of(METRONOME_CHANNEL) == (128, 0)
    synth.note_on(1, 40, 100)  # the muted bass: its channel volume is 0
    assert silent(synth, 0.3)
    bass.mute = False
    synth.apply_tracks(comp)  # unmuting brings it back at once
    assert level(synth, 0.3) > 0.01
    drums.solo = True  # a solo silences every other track
    synth.apply_tracks(comp)
    synth.render_float(RATE)
    synth.note_on(0, 60, 100)
    assert silent(synth, 0.3)


def test_metronome_clicks_on_its_own_channel(synth):
    synth.click(accent=True)
    assert level(synth, 0.2) > 0.01


def test_control_change_volume_zero_silences_a_channel(synth):
    synth.control_change(0, 7, 0)
    synth.note_on(0, 60, 100)
    assert silent(synth, 0.3)


def test_all_notes_off_releases_every_channel(synth):
    for channel in (0, 3, 9, METRONOME_CHANNEL):
        synth.note_on(channel, 60, 100)
    synth.render_float(1000)
    synth.all_notes_off()
    synth.render_float(4 * RATE)
    assert synth.active_voices() == 0


def test_no_audio_device_falls_back_cleanly(synth):
    assert synth.start_audio() is None  # this machine has no sound card
    assert synth.audio_driver is None
    assert synth.audio_error.startswith("no audio device")
    assert synth.start_audio("no-such-driver") is None
    assert "not built into" in synth.audio_error
    synth.note_on(0, 60, 100)
    assert level(synth, 0.3) > 0.01  # still renders offline


def test_start_audio_reports_the_driver_that_really_started(synth, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the "file" driver writes fluidsynth.wav here
    assert synth.start_audio("file") == "file"
    assert synth.audio_driver == "file"
    with pytest.raises(RuntimeError, match="audio driver"):
        synth.render_float(64)  # the driver's thread renders now, not us
    synth.stop_audio()
    assert synth.audio_driver is None


def test_available_drivers_lists_device_drivers():
    if not synth_module.fluidsynth_available():
        pytest.skip("FluidSynth is not installed")
    drivers = available_drivers()
    assert drivers and "file" not in drivers
    assert all(isinstance(d, str) for d in drivers)


def test_concurrent_callers_do_not_break_it(synth):
    """MIDI thru (rtmidi's thread) and the player's thread call it at once, each at
    about a thousand messages a second (a MIDI cable carries at most ~3 000)."""
    errors = []

    def hammer(channel):
        try:
            for i in range(150):
                synth.note_on(channel, 48 + i % 24, 90)
                synth.control_change(channel, 10, i % 128)
                synth.pitch_bend(channel, (i * 97) % 16384 - 8192)
                synth.note_off(channel, 48 + i % 24)
                time.sleep(0.003)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(ch,)) for ch in (0, 1, 2)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        synth.render_float(256)
    assert not errors
    synth.render_float(4 * RATE)
    assert synth.active_voices() == 0


def test_missing_or_damaged_soundfont_is_a_missing_resource(tmp_path, soundfont, monkeypatch):
    with pytest.raises(MissingResourceError, match="not found"):
        Synth(tmp_path / "nope.sf2")
    damaged = tmp_path / "damaged.sf2"
    body = b"LIST" + b"\x10\x00\x00\x00" + b"INFOjunk" + bytes(8)  # well-formed outside only
    damaged.write_bytes(b"RIFF" + len(body).to_bytes(4, "little") + b"sfbk" + body)
    with pytest.raises(MissingResourceError, match="damaged"):  # its structure is checked first
        Synth(damaged)
    monkeypatch.setattr(synth_module, "find_soundfont", lambda: None)
    with pytest.raises(MissingResourceError, match="no General MIDI SoundFont"):
        Synth()


def test_importing_audio_loads_neither_fluidsynth_nor_qt():
    import subprocess
    import sys
    code = ("import sys, deepcomposer_desktop.audio, deepcomposer_desktop.cli.render; "
            "print(sorted(m for m in ('fluidsynth', 'PySide6') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
