"""`deepcomposer render`, run as a user runs it."""

import os
import subprocess
import sys

import numpy as np
import pytest

from audio_testing import hps_pitch, spectrum
from deepcomposer_desktop.audio import soundfonts
from deepcomposer_desktop.audio.wav import read_wav
from deepcomposer_desktop.cli import main
from deepcomposer_desktop.music import load_sample


def deepcomposer(*args, env=None):
    return subprocess.run([sys.executable, "-m", "deepcomposer_desktop", *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_render_twinkle_starts_on_middle_c(soundfont, tmp_path):
    out = tmp_path / "t.wav"
    done = deepcomposer("render", "sample:twinkle", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and done.stderr == ""
    samples, rate = read_wav(out.read_bytes())
    assert rate == 44100
    assert np.abs(samples).max() > 0.05  # clearly audible, not a file of zeros
    first = load_sample("twinkle").seconds_at(480)  # the first quarter note: 0.6 s at 100 bpm
    freqs, mags = spectrum(samples, rate, 0.03, first - 0.06)
    assert hps_pitch(freqs, mags) == pytest.approx(261.63, rel=0.02)
    assert len(samples) / rate > load_sample("twinkle").seconds  # with its release tail


def test_render_options_float_and_48k(soundfont, tmp_path):
    out = tmp_path / "t.wav"
    done = deepcomposer("render", "sample:mary", "-o", str(out), "--soundfont", str(soundfont),
                        "--samplerate", "48000", "--format", "float32")
    assert done.returncode == 0, done.stderr
    samples, rate = read_wav(out.read_bytes())
    assert rate == 48000 and samples.dtype == np.float32 and np.abs(samples).max() > 0.05


def test_no_soundfont_anywhere_is_exit_4_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(soundfonts, "shipped_dirs", lambda: [])
    monkeypatch.setattr(soundfonts, "system_dirs", lambda: [tmp_path])
    monkeypatch.delenv(soundfonts.ENV_VAR, raising=False)
    status = main(["render", "sample:twinkle", "--output", str(tmp_path / "t.wav")])
    err = capsys.readouterr().err
    assert status == 4
    assert err.count("\n") == 1 and "no General MIDI SoundFont found" in err
    assert not (tmp_path / "t.wav").exists()


@pytest.mark.parametrize("content", [None, b"not a soundfont at all"])
def test_missing_or_damaged_soundfont_file_is_exit_4(tmp_path, content):
    font = tmp_path / "font.sf2"
    if content is not None:
        font.write_bytes(content)
    done = deepcomposer("render", "sample:twinkle", "-o", str(tmp_path / "t.wav"),
                        "--soundfont", str(font))
    assert done.returncode == 4
    assert done.stderr.count("\n") == 1 and "SoundFont" in done.stderr
    assert not (tmp_path / "t.wav").exists()


def test_damaged_soundfont_from_the_environment_is_exit_4(tmp_path):
    font = tmp_path / "broken.sf2"
    font.write_bytes(b"RIFF\x00\x00\x10\x00sfbk")  # says 1 MB, holds 12 bytes
    done = deepcomposer("render", "sample:twinkle", "-o", str(tmp_path / "t.wav"),
                        env={"DEEPCOMPOSER_SOUNDFONT": str(font)})
    assert done.returncode == 4 and "truncated" in done.stderr


def test_unreadable_input_is_exit_3(tmp_path, capsys):
    status = main(["render", "sample:no-such-tune", "--output", str(tmp_path / "t.wav")])
    assert status == 3 and "no sample called" in capsys.readouterr().err


def test_without_libfluidsynth_render_is_exit_4_and_says_so(tmp_path, monkeypatch, capsys):
    from deepcomposer_desktop.audio import _fluid
    from deepcomposer_desktop.audio.synth import fluidsynth_available

    monkeypatch.setattr(_fluid, "_module", None)
    monkeypatch.setattr(_fluid, "_failure", "FluidSynth is not available, so sound is off (test)")
    assert not fluidsynth_available()
    status = main(["render", "sample:twinkle", "--output", str(tmp_path / "t.wav")])
    assert status == 4 and "FluidSynth is not available" in capsys.readouterr().err
