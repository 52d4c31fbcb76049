"""The virtual output port: a DAW listening to the app's playback."""

from __future__ import annotations

import threading

import mido
import pytest

from deepcomposer_desktop.audio.events import NOTE_OFF, NOTE_ON, Event
from deepcomposer_desktop.audio.player import Player
from deepcomposer_desktop.midi_input.backend import VIRTUAL_OUTPUT_NAME
from deepcomposer_desktop.midi_input.devices import DeviceManager
from deepcomposer_desktop.midi_input.virtual_out import (
    MidiOutSink, event_message, open_virtual_output)
from deepcomposer_desktop.music.composition import Composition, Note, Tempo


class Daw:
    """Another program's input, connected to our port."""

    def __init__(self, backend, port_name):
        self.got: list[mido.Message] = []
        self._cond = threading.Condition()
        self.port = backend.open_input(port_name, callback=self._receive)

    def _receive(self, msg):
        with self._cond:
            self.got.append(msg)
            self._cond.notify_all()

    def notes(self, ons, timeout=5.0):
        """Note messages once `ons` note-ons have come, each followed by its note-off."""
        def complete():
            notes = self._notes()
            starts = [i for i, n in enumerate(notes) if n[0] == "note_on"]
            return len(starts) >= ons and all(
                ("note_off", *notes[i][1:]) in notes[i + 1:] for i in starts)
        with self._cond:
            self._cond.wait_for(complete, timeout)
            return self._notes()

    def wait_for_all_notes_off(self, timeout=5.0):
        with self._cond:
            self._cond.wait_for(lambda: sum(m.is_cc(123) for m in self.got) >= 16, timeout)

    def _notes(self):
        return [(m.type, m.channel, m.note) for m in self.got if m.type in ("note_on", "note_off")]


def short_song():
    comp = Composition(tempos=[Tempo.from_bpm(0, 480.0)])  # a beat lasts 0.125 s
    comp.add_track("Lead", program=73, notes=[Note(0, 60, 240, 90), Note(240, 64, 240, 90)])
    comp.add_track("Drums", is_drum=True, notes=[Note(0, 36, 120, 100)])
    return comp


EXPECTED_ONS = [("note_on", 0, 60), ("note_on", 9, 36), ("note_on", 0, 64)]


def play_through_the_port(backend, port_name_seen_by_others):
    port = open_virtual_output(backend)
    sink = MidiOutSink(port)
    daw = Daw(backend, port_name_seen_by_others or port.name)
    player = Player(sink, short_song())
    try:
        player.play()
        notes = daw.notes(ons=3)
        first = [(m.type, m.channel, getattr(m, "program", getattr(m, "control", None)))
                 for m in daw.got[:5]]
    finally:
        player.close()
        sink.close()
        daw.wait_for_all_notes_off()  # JACK delivers a period later
        daw.port.close()
        port.close()
    # Each note-on once, in time order, each followed by its note-off. When the song
    # ends the Player releases every note it may have left sounding, so a note-off may
    # come twice (a DAW ignores the second), and the last one may be that release.
    ons = [n for n in notes if n[0] == "note_on"]
    assert sorted(ons) == sorted(EXPECTED_ONS)
    assert ons[-1] == ("note_on", 0, 64)
    for on in ons:
        assert ("note_off", *on[1:]) in notes[notes.index(on) + 1:]
    assert notes.index(("note_off", 0, 60)) < notes.index(("note_on", 0, 64))
    assert ("program_change", 0, 73) in first and ("control_change", 0, 7) in first
    assert daw.got[-16:] == [mido.Message("control_change", channel=c, control=123, value=0)
                             for c in range(16)]  # all notes off when the port closes


def test_player_plays_into_the_virtual_port(memory_backend):
    play_through_the_port(memory_backend, None)


@pytest.mark.jack
def test_a_daw_on_jack_hears_the_virtual_port(jack_backend):
    play_through_the_port(jack_backend, f"DeepComposer:{VIRTUAL_OUTPUT_NAME}")


@pytest.mark.jack
def test_device_manager_on_jack_never_opens_our_own_port(jack_backend):
    port = open_virtual_output(jack_backend)
    try:
        assert f"DeepComposer:{VIRTUAL_OUTPUT_NAME}" in jack_backend.get_input_names()
        with DeviceManager(lambda *a: None, backend=jack_backend) as mgr:
            assert mgr.refresh() == ([], [])
    finally:
        port.close()


def test_metronome_channel_is_not_sent():
    assert event_message(Event(0, NOTE_ON, 16, 76, 100)) is None
    assert event_message(Event(0, NOTE_OFF, 3, 60, 0)) == mido.Message(
        "note_off", channel=3, note=60, velocity=0)
