"""MIDI thru: from the rtmidi callback to the synth call.

    python -m benchmarks midi_input        (or `make bench ARGS=midi_input`)

A keyboard is a virtual output port on a private JACK server (dummy driver: this
machine has no sound card and no ALSA sequencer); the app's DeviceManager opens it
through mido's rtmidi backend and plays into a real FluidSynth Synth through
InputHub -> LiveThru. Times come from one perf_counter in one process:

1. callback -> synth: from the moment rtmidi calls into Python (mido's callback
   wrapper, wrapped here only to read the clock) to the moment Synth.note_on /
   note_off is entered. Everything the app does per message: mido parsing, the
   hub's stray filter and clock stamp, thru's bookkeeping and lock. Goal < 5 ms.
2. the same with a recorder armed and recording (what a take adds).
3. port send -> synth: from send() on the keyboard port to the synth call; JACK
   hands MIDI over once per period, so this is mostly the period (1024 frames at
   48 kHz = 21.3 ms in the tests' server; a live JACK set-up uses 64-256 frames).
Messages are sent one at a time, each after the last arrived and a random part
of a period later (so at random phases of the JACK cycle); the app's own work is
the same at every period size, so (1) and (2) are measured at 1024 only. Python
starts timing once rtmidi's thread holds the GIL and enters the callback; (3)
includes the wait for the GIL.
In docs/BENCHMARKS.md (2) is shown against its peer (1), and (3)'s floor is half a
period: the mean wait for JACK's next cycle, whatever the app does.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import threading
import time

import mido

from benchmarks import summary
from deepcomposer_desktop.midi_input import InputHub, Recorder
from deepcomposer_desktop.midi_input.backend import MidiUnavailableError, open_backend
from deepcomposer_desktop.midi_input.devices import DeviceManager
from deepcomposer_desktop.music.composition import Composition

N = 200
JACK_API = "mido.backends.rtmidi/UNIX_JACK"


class TimedSynth:
    """The real Synth, with the time each call was entered written down."""

    def __init__(self, synth) -> None:
        self.synth = synth
        self.entered: list[float] = []
        self.arrived = threading.Semaphore(0)

    def _mark(self) -> None:
        self.entered.append(time.perf_counter())
        self.arrived.release()

    def note_on(self, channel, pitch, velocity):
        self._mark()
        self.synth.note_on(channel, pitch, velocity)

    def note_off(self, channel, pitch):
        self._mark()
        self.synth.note_off(channel, pitch)

    def control_change(self, channel, control, value):
        self.synth.control_change(channel, control, value)

    def pitch_bend(self, channel, value):
        self.synth.pitch_bend(channel, value)

    def all_notes_off(self):
        self.synth.all_notes_off()


def start_jack(period: int):
    """A private JACK server on the dummy driver, or None (with the reason printed)."""
    jackd = shutil.which("jackd")
    if jackd is None:
        print("  jackd is not installed: skipped (Debian: jackd2)")
        return None
    os.environ["JACK_DEFAULT_SERVER"] = name = f"deepcomposer-bench-{os.getpid()}"
    proc = subprocess.Popen([jackd, "-n", name, "--no-realtime", "-d", "dummy", "-r", "48000",
                             "-p", str(period)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ,
                                                            "JACK_NO_AUDIO_RESERVATION": "1"})
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            open_backend(JACK_API)
            return proc
        except MidiUnavailableError:
            time.sleep(0.1)
    proc.kill()
    print("  the JACK server did not start: skipped")
    return None


def measure(backend, synth, period_s: float, *, recording: bool) -> tuple[list[float], list[float]]:
    """(callback -> synth, send -> synth) in seconds, N messages each."""
    timed = TimedSynth(synth)
    hub = InputHub(timed)
    if recording:
        hub.recorder = Recorder(Composition())
        hub.recorder.arm()
        hub.recorder.start()
    keyboard = backend.open_output("Keyboard", client_name="Bench Keyboard")
    manager = DeviceManager(hub.handle, backend=backend)
    callback_in: list[float] = []
    try:
        (name,), _ = manager.refresh()
        port = manager.port(name)
        wrapper = port._callback_wrapper

        def timed_wrapper(msg_data, data):  # what rtmidi calls: read the clock, go on
            callback_in.append(time.perf_counter())
            wrapper(msg_data, data)
        port._rt.set_callback(timed_wrapper)

        sent = []
        rng = random.Random(1)
        for i in range(N):
            time.sleep(rng.uniform(0.0, period_s))  # at a random phase of the JACK period
            msg = (mido.Message("note_on", note=60 + i % 24, velocity=90) if i % 2 == 0
                   else mido.Message("note_off", note=60 + (i - 1) % 24))
            sent.append(time.perf_counter())
            keyboard.send(msg)
            if not timed.arrived.acquire(timeout=5):
                raise RuntimeError("a message did not arrive")
    finally:
        manager.stop()
        keyboard.close()
        if hub.recorder is not None:
            hub.recorder.stop()
    synth_in = timed.entered
    return ([s - c for c, s in zip(callback_in, synth_in)],
            [s - t for t, s in zip(sent, synth_in)])


def bench_period(period: int) -> list[dict]:
    """Rows for one JACK period size; none (with the reason printed) without JACK."""
    from deepcomposer_desktop.audio.synth import Synth

    proc = start_jack(period)
    if proc is None:
        return []
    rows = []
    try:
        backend = open_backend(JACK_API)
        with Synth() as synth:
            for recording in (False, True):
                through, end_to_end = measure(backend, synth, period / 48000, recording=recording)
                what = "recording" if recording else "thru only"
                if period == 1024:
                    rows.append(summary(f"rtmidi callback -> synth call ({what})",
                                        [t * 1e3 for t in through], unit="ms", goal_ms=5.0,
                                        **({"peer": "rtmidi callback -> synth call (thru only)"}
                                           if recording else {"peer_only": True})))
                rows.append(summary(f"port send -> synth call, JACK period {period} ({what})",
                                    [t * 1e3 for t in end_to_end], unit="ms",
                                    period_ms=round(period / 48.0, 2),
                                    floor_s=period / 48000 / 2,
                                    floor_how=f"half a JACK period ({period} frames at 48 kHz)"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return rows


def main(args=None) -> list[dict]:
    saved = os.environ.get("JACK_DEFAULT_SERVER")
    try:
        return [row for period in (1024, 128) for row in bench_period(period)]
    finally:  # start_jack pointed libjack at its private server
        if saved is None:
            os.environ.pop("JACK_DEFAULT_SERVER", None)
        else:
            os.environ["JACK_DEFAULT_SERVER"] = saved
