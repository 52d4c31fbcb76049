"""Fixtures for midi_input: an exact clock, a recording synth, in-memory ports and a real
JACK server (dummy driver: real MIDI ports on a machine without a sound card)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import mido
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # midi_memory_backend, found by mido by name
import midi_memory_backend  # noqa: E402

JACK_PERIOD = 1024
JACK_RATE = 48000


class FakeClock:
    """A clock a test sets by hand, so every timestamp is exact."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class RecordingSink:
    """A NoteSink that writes down every call, in order, from any thread."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self._lock = threading.Lock()

    def _add(self, *call) -> None:
        with self._lock:
            self.calls.append(call)

    def note_on(self, channel, pitch, velocity):
        self._add("note_on", channel, pitch, velocity)

    def note_off(self, channel, pitch):
        self._add("note_off", channel, pitch)

    def control_change(self, channel, control, value):
        self._add("cc", channel, control, value)

    def pitch_bend(self, channel, value):
        self._add("bend", channel, value)

    def all_notes_off(self):
        self._add("all_notes_off")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(10.0)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def memory_backend():
    midi_memory_backend.reset()
    yield mido.Backend("midi_memory_backend")
    midi_memory_backend.reset()


def _jack_answers() -> bool:
    from deepcomposer_desktop.midi_input.backend import MidiUnavailableError, open_backend
    try:
        open_backend("mido.backends.rtmidi/UNIX_JACK")
    except MidiUnavailableError:
        return False
    return True


@pytest.fixture(scope="session")
def jack_backend():
    """A private JACK server (dummy driver, no real time) for the session, and mido's
    rtmidi backend on its JACK API. Skipped, with the reason, only where it cannot start."""
    jackd = shutil.which("jackd")
    if jackd is None:
        pytest.skip("jackd is not installed (Debian package jackd2; `make test` installs it)")
    try:
        import rtmidi
    except ImportError as exc:
        pytest.skip(f"python-rtmidi cannot load: {exc}")
    if rtmidi.API_UNIX_JACK not in rtmidi.get_compiled_api():
        pytest.skip("this python-rtmidi was built without JACK support")
    name = f"deepcomposer-test-{os.getpid()}"  # never another session's server
    saved = os.environ.get("JACK_DEFAULT_SERVER")
    os.environ["JACK_DEFAULT_SERVER"] = name
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [jackd, "-n", name, "--no-realtime", "-d", "dummy", "-r", str(JACK_RATE),
         "-p", str(JACK_PERIOD)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "JACK_NO_AUDIO_RESERVATION": "1"})
    try:
        deadline = time.monotonic() + 15
        while not _jack_answers():
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                tail = log.read().decode(errors="replace").strip().splitlines()[-3:]
                pytest.skip(f"the JACK server did not start: {' | '.join(tail) or 'no output'}")
            time.sleep(0.1)
        yield mido.Backend("mido.backends.rtmidi/UNIX_JACK")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        if saved is None:
            os.environ.pop("JACK_DEFAULT_SERVER", None)
        else:
            os.environ["JACK_DEFAULT_SERVER"] = saved
