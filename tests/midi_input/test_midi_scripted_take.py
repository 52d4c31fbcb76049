"""Issue 4's "must show": a scripted take becomes exactly the expected notes in ticks at
90 bpm in 3/4, through the path a real keyboard uses: port -> callback -> InputHub ->
thru + Recorder, and the unplug noticed by DeviceManager's poll. Once with in-memory
ports, once with real rtmidi ports on a JACK server."""

from __future__ import annotations

import threading

import mido
import pytest
import take_script

from deepcomposer_desktop.midi_input import InputHub, Recorder
from deepcomposer_desktop.midi_input.devices import DeviceManager
from deepcomposer_desktop.music.composition import Note


class Arrivals:
    """Counts messages as the port's callback delivers them (on whatever thread)."""

    def __init__(self, hub: InputHub) -> None:
        self.hub = hub
        self.seen: list[mido.Message] = []
        self._cond = threading.Condition()

    def handle(self, msg: mido.Message, source: str) -> None:
        self.hub.handle(msg, source)
        with self._cond:
            self.seen.append(msg)
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.seen) >= count, timeout), (
                f"only {len(self.seen)} of {count} messages arrived")


def record_scripted_take(backend, keyboard, clock, sink):
    comp = take_script.composition()
    comp.add_track("Piano", notes=[Note(1000, 50, 1000, 80), Note(4320, 50, 240, 80)])
    hub = InputHub(sink, clock=clock)
    arrivals = Arrivals(hub)
    takes = []
    recorder = Recorder(comp, clock=clock, count_in_bars=take_script.COUNT_IN_BARS,
                        on_take_ended=takes.append)
    hub.recorder = recorder
    manager = DeviceManager(arrivals.handle, backend=backend, on_lost=hub.source_lost)
    try:
        return _record(manager, recorder, arrivals, keyboard, clock, comp, takes)
    finally:
        manager.stop()


def _record(manager, recorder, arrivals, keyboard, clock, comp, takes):
    opened, lost = manager.refresh()
    assert opened == ["Test Keyboard:Keyboard"] and lost == []  # as ALSA and JACK name it
    recorder.arm()
    music_start = recorder.start(take_script.START_TICK)
    beat_seconds = comp.tempos[0].usec_per_beat / 1e6
    assert music_start == pytest.approx(clock.t + 3 * beat_seconds)

    expected_arrivals = 0

    def arrived(msg):
        nonlocal expected_arrivals
        if msg.type != "active_sensing":  # rtmidi drops it below mido, as it should
            expected_arrivals += 1
        arrivals.wait_for(expected_arrivals)  # before the clock moves on

    take_script.play(keyboard.send, clock, music_start, beat_seconds, arrived)

    clock.t = music_start + take_script.UNPLUG_BEAT * beat_seconds
    keyboard.close()  # the cable is pulled
    assert manager.refresh() == ([], opened)
    assert manager.open_names == []
    assert recorder.device_lost("another keyboard") is None  # nothing recording now
    assert recorder.stop() is takes[0]  # a caller that only starts and stops gets it too
    assert recorder.stop() is None      # once
    return comp, takes, arrivals


def check_take(comp, takes, sink):
    assert len(takes) == 1
    take = takes[0]
    assert take.notes == take_script.EXPECTED_NOTES
    assert take.start_tick == take_script.START_TICK
    assert take.end_tick == take_script.EXPECTED_END_TICK
    assert take.ended_by == "unplugged: Test Keyboard:Keyboard"
    assert sink.calls == take_script.EXPECTED_SYNTH_CALLS
    # Replace: the old note sounding into bar 2 is cut at its start; the one after the take stays.
    assert take.apply_to(comp.tracks[0].notes) == sorted(
        [Note(1000, 50, 440, 80), *take_script.EXPECTED_NOTES, Note(4320, 50, 240, 80)])


def test_scripted_take_through_in_memory_ports(memory_backend, clock, sink):
    keyboard = memory_backend.open_output("Keyboard", client_name="Test Keyboard")
    comp, takes, arrivals = record_scripted_take(memory_backend, keyboard, clock, sink)
    assert [m.type for m in arrivals.seen].count("sysex") == 1  # strays did reach the app
    check_take(comp, takes, sink)


@pytest.mark.jack
def test_scripted_take_through_rtmidi_on_jack(jack_backend, clock, sink):
    keyboard = jack_backend.open_output("Keyboard", client_name="Test Keyboard")
    try:
        comp, takes, arrivals = record_scripted_take(jack_backend, keyboard, clock, sink)
    finally:
        keyboard.close()
    types = [m.type for m in arrivals.seen]
    assert "sysex" in types and "clock" in types and "active_sensing" not in types
    check_take(comp, takes, sink)
