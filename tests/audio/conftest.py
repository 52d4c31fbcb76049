"""Audio tests need libfluidsynth and a General MIDI SoundFont (`make test` installs
both with packaging/setup-debian.sh); without them they are skipped, saying why.
None of them opens an audio device: sound is rendered offline."""

from __future__ import annotations

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
