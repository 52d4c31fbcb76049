"""Audio tests need libfluidsynth and a General MIDI SoundFont (`make test` installs
both with packaging/setup-debian.sh); without them they are skipped, saying why.
None of them opens an audio device: sound is rendered offline."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from deepcomposer_desktop.audio.soundfonts import find_soundfont
from deepcomposer_desktop.audio.synth import fluidsynth_available, fluidsynth_unavailable_reason


@pytest.fixture(scope="session")
def soundfont():
    """The SoundFont the app would use (FluidR3_GM.sf2 once `make` has run)."""
    if not fluidsynth_available():
        pytest.skip(fluidsynth_unavailable_reason())
    path = find_soundfont()
    if path is None:
        pytest.skip("no General MIDI SoundFont installed (fluid-soundfont-gm)")
    return path


@pytest.fixture
def jack_server():
    """A private JACK server on the dummy backend (no sound card needed): its name.
    Its own name keeps it apart from any other JACK server the tests start."""
    jackd = shutil.which("jackd")
    if jackd is None:
        pytest.skip("jackd is not installed (jackd2)")
    name = f"deepcomposer-audio-{os.getpid()}"
    server = subprocess.Popen([jackd, "-n", name, "--no-realtime", "-d", "dummy",
                               "-r", "44100", "-p", "256"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield name
    finally:
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
