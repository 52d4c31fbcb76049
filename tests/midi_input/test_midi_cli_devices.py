"""`deepcomposer devices [--json]`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from deepcomposer_desktop.cli import main


def test_devices_json_lists_keyboards_drivers_and_soundfont(memory_backend, capsys, monkeypatch):
    monkeypatch.setenv("DEEPCOMPOSER_MIDI_BACKEND", "midi_memory_backend")
    kb = memory_backend.open_output("in", client_name="Stage Piano")  # noqa: F841
    assert main(["devices", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["midi"] == {"available": True, "backend": "midi_memory_backend", "error": None,
                              "inputs": ["Stage Piano:in"], "outputs": []}
    from deepcomposer_desktop.audio import soundfonts, synth
    sf = soundfonts.find_soundfont()
    assert report["soundfont"] == (None if sf is None else str(sf))
    assert report["audio"]["fluidsynth"] == synth.fluidsynth_available()
    if synth.fluidsynth_available() and sf is not None:
        assert report["audio"]["drivers"]  # FluidSynth always has some compiled in

    assert main(["devices"]) == 0
    text = capsys.readouterr().out
    assert "MIDI (midi_memory_backend)" in text and "Stage Piano:in" in text
    assert "SoundFont: " in text


def test_devices_without_a_midi_system_says_why_and_exits_0(capsys):
    assert main(["devices", "--json", "--midi-backend", "mido.backends.rtmidi/NO_SUCH_API"]) == 0
    midi = json.loads(capsys.readouterr().out)["midi"]
    assert midi["available"] is False and "NO_SUCH_API" in midi["error"] and midi["inputs"] == []
    assert main(["devices", "--midi-backend", "no_such_module"]) == 0
    assert "MIDI: unavailable: " in capsys.readouterr().out


@pytest.mark.jack
def test_devices_on_jack_from_the_command_line(jack_backend):
    kb = jack_backend.open_output("in", client_name="USB Keyboard")
    try:
        out = subprocess.run(
            [sys.executable, "-m", "deepcomposer_desktop", "devices", "--json"],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "DEEPCOMPOSER_MIDI_BACKEND": "mido.backends.rtmidi/UNIX_JACK"})
    finally:
        kb.close()
    assert out.returncode == 0, out.stderr
    midi = json.loads(out.stdout)["midi"]
    assert midi["backend"] == "rtmidi/UNIX_JACK" and "USB Keyboard:in" in midi["inputs"]
