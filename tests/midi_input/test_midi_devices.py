"""Devices: choosing the MIDI system, listing ports, opening one or all, hot-plug."""

from __future__ import annotations

import threading

import pytest

from deepcomposer_desktop.midi_input.backend import (
    ENV_BACKEND, MidiUnavailableError, describe, is_own_port, open_backend)
from deepcomposer_desktop.midi_input.devices import DeviceManager, list_ports
from deepcomposer_desktop.midi_input.messages import note_on
from deepcomposer_desktop.midi_input.virtual_out import open_virtual_output


def keyboard(backend, name):
    return backend.open_output("in", client_name=name)


def test_open_backend_by_name_environment_and_failure(memory_backend, monkeypatch):
    assert describe(open_backend("midi_memory_backend")) == "midi_memory_backend"
    monkeypatch.setenv(ENV_BACKEND, "midi_memory_backend")
    assert open_backend().name == "midi_memory_backend"
    with pytest.raises(MidiUnavailableError, match="NO_SUCH_API"):
        open_backend("mido.backends.rtmidi/NO_SUCH_API")
    with pytest.raises(MidiUnavailableError) as err:
        open_backend("no_such_midi_module")
    assert err.value.exit_status == 4


def test_list_ports_and_open_all_but_our_own(memory_backend):
    a, b = keyboard(memory_backend, "Keys A"), keyboard(memory_backend, "Keys B")
    ours = open_virtual_output(memory_backend)
    assert is_own_port(ours.name)
    ports = list_ports(memory_backend)
    assert ports.inputs == ["Keys A:in", "Keys B:in", ours.name] and ports.outputs == []
    got = []
    with DeviceManager(lambda msg, src: got.append((src, msg.note)), backend=memory_backend) as mgr:
        assert mgr.refresh() == (["Keys A:in", "Keys B:in"], [])
        a.send(note_on(60, 100))
        b.send(note_on(62, 100))
        ours.send(note_on(64, 100))  # never opened: our playback must not loop back in
        assert got == [("Keys A:in", 60), ("Keys B:in", 62)]
        assert mgr.refresh() == ([], [])
    assert mgr.open_names == []


def test_select_one_then_all(memory_backend):
    plugged = [keyboard(memory_backend, "Keys A"), keyboard(memory_backend, "Keys B")]  # noqa: F841
    lost = []
    mgr = DeviceManager(lambda *a: None, backend=memory_backend, wanted=["Keys B:in"],
                        on_lost=lost.append)
    assert mgr.refresh() == (["Keys B:in"], [])
    assert mgr.select(["Keys A:in"]) == (["Keys A:in"], ["Keys B:in"])
    assert lost == ["Keys B:in"]  # its held notes get released
    assert mgr.select(None) == (["Keys B:in"], [])
    assert mgr.select(["Not plugged in"]) == ([], ["Keys A:in", "Keys B:in"])
    mgr.stop()


def test_hot_plug_noticed_by_the_background_poller(memory_backend):
    changes, lost, threads = [], [], set()
    changed = threading.Condition()

    def on_change(names):
        with changed:
            changes.append(names)
            threads.add(threading.current_thread())
            changed.notify_all()

    early = keyboard(memory_backend, "Plugged Before")
    mgr = DeviceManager(lambda *a: None, backend=memory_backend, on_change=on_change,
                        on_lost=lost.append, poll_interval=0.01)
    mgr.start()
    try:
        with changed:
            assert changed.wait_for(lambda: changes == [["Plugged Before:in"]], timeout=5)
        kb = keyboard(memory_backend, "USB Piano")
        with changed:
            assert changed.wait_for(lambda: len(changes) == 2, timeout=5)
        assert changes[1] == ["Plugged Before:in", "USB Piano:in"]
        kb.close()
        with changed:
            assert changed.wait_for(lambda: len(changes) == 3, timeout=5)
        assert changes[2] == ["Plugged Before:in"] and lost == ["USB Piano:in"]
        assert threading.current_thread() not in threads  # all of it off the caller's thread
    finally:
        mgr.stop()
        early.close()


class Flaky:
    """A backend whose first open fails (a port busy for a moment) and whose listing
    can fail (the MIDI system went away)."""

    def __init__(self, backend):
        self.backend, self.opens, self.broken = backend, 0, False

    def get_input_names(self):
        if self.broken:
            raise OSError("MIDI system gone")
        return self.backend.get_input_names()

    def open_input(self, name, callback=None):
        self.opens += 1
        if self.opens == 1:
            raise OSError("busy")
        return self.backend.open_input(name, callback=callback)


def test_failed_open_is_retried_and_a_vanished_system_loses_every_port(memory_backend):
    plugged = keyboard(memory_backend, "Keys")  # noqa: F841 (a port closes when collected)
    flaky, lost = Flaky(memory_backend), []
    mgr = DeviceManager(lambda *a: None, backend=flaky, on_lost=lost.append)
    assert mgr.refresh() == ([], [])
    assert mgr.refresh() == (["Keys:in"], [])
    flaky.broken = True
    assert mgr.refresh() == ([], ["Keys:in"])
    assert mgr.last_error == "MIDI system gone" and lost == ["Keys:in"]
    flaky.broken = False
    assert mgr.refresh() == (["Keys:in"], []) and mgr.last_error is None
    mgr.stop()
