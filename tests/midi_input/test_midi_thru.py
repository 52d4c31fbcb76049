"""Live thru: what reaches the synth, and what is released when a source goes."""

from __future__ import annotations

import mido
import numpy as np
import pytest

from deepcomposer_desktop.midi_input import ON_SCREEN_PIANO, InputHub, LiveThru
from deepcomposer_desktop.midi_input.messages import is_played, note_off, note_on


def cc(control, value, channel=0):
    return mido.Message("control_change", control=control, value=value, channel=channel)


def test_notes_pedals_wheels_and_bends_pass_strays_do_not(sink):
    thru = LiveThru(sink)
    sent = [note_on(60, 90, channel=2), cc(64, 127, 2), cc(1, 40, 2), cc(11, 100, 2),
            mido.Message("pitchwheel", pitch=-8192, channel=2),
            mido.Message("note_on", note=60, velocity=0, channel=2), note_off(61, 2)]
    strays = [mido.Message("clock"), mido.Message("active_sensing"), mido.Message("reset"),
              mido.Message("sysex", data=[0x43, 0x10]), mido.Message("program_change", program=3),
              cc(7, 10), cc(10, 0), mido.Message("aftertouch", value=50),
              mido.Message("stop"), mido.Message("quarter_frame")]
    assert all(thru.handle(m, "kb") for m in sent)
    assert not any(thru.handle(m, "kb") for m in strays)
    assert sink.calls == [("note_on", 2, 60, 90), ("cc", 2, 64, 127), ("cc", 2, 1, 40),
                          ("cc", 2, 11, 100), ("bend", 2, -8192), ("note_off", 2, 60),
                          ("note_off", 2, 61)]
    assert not is_played(cc(7, 10)) and is_played(cc(66, 127))


def test_channel_follows_the_armed_track_and_note_offs_follow_their_note_ons(sink):
    thru = LiveThru(sink, channel=5)
    thru.handle(note_on(60, 100), "kb")
    thru.channel = 3  # another track selected while the key is held
    thru.handle(note_on(64, 100), "kb")
    thru.handle(note_off(60), "kb")
    thru.handle(note_off(64), "kb")
    assert sink.calls == [("note_on", 5, 60, 100), ("note_on", 3, 64, 100),
                          ("note_off", 5, 60), ("note_off", 3, 64)]


def test_a_lost_source_releases_its_notes_pedals_and_bend_only(sink):
    thru = LiveThru(sink)
    thru.handle(note_on(60, 100), "kb1")
    thru.handle(cc(64, 127), "kb1")
    thru.handle(mido.Message("pitchwheel", pitch=500), "kb1")
    thru.handle(note_on(72, 100), "kb2")
    assert thru.held() == {60, 72} and thru.held("kb1") == {60}
    sink.calls.clear()
    thru.release_source("kb1")
    assert sink.calls == [("note_off", 0, 60), ("cc", 0, 64, 0), ("bend", 0, 0)]
    assert thru.held() == {72}
    thru.panic()
    assert sink.calls[-1] == ("all_notes_off",) and thru.held() == set()


def test_hub_listeners_see_played_messages_only(sink, clock):
    hub = InputHub(sink, clock=clock)
    seen = []
    listener = lambda msg, source: seen.append((msg.type, source))  # noqa: E731
    hub.add_listener(listener)
    hub.handle(note_on(60, 80), ON_SCREEN_PIANO)
    hub.handle(mido.Message("clock"), "kb")
    hub.remove_listener(listener)
    hub.handle(note_off(60), ON_SCREEN_PIANO)
    assert seen == [("note_on", ON_SCREEN_PIANO)]
    assert sink.calls == [("note_on", 0, 60, 80), ("note_off", 0, 60)]


def test_a_failing_sink_does_not_kill_the_callback(clock, caplog):
    class Broken:
        def note_on(self, *a):
            raise RuntimeError("synth gone")

    hub = InputHub(Broken(), clock=clock)
    hub.handle(note_on(60, 80), "kb")  # logged, not raised into rtmidi's thread
    assert "synth gone" in caplog.text


def test_thru_plays_the_real_synth():
    synth_mod = pytest.importorskip("deepcomposer_desktop.audio.synth")
    if not synth_mod.fluidsynth_available():
        pytest.skip(synth_mod.fluidsynth_unavailable_reason())
    from deepcomposer_desktop.audio.soundfonts import find_soundfont
    if find_soundfont() is None:
        pytest.skip("no General MIDI SoundFont installed")
    with synth_mod.Synth(reverb=False, chorus=False) as synth:
        hub = InputHub(synth)
        silence = synth.render_float(4410)
        hub.handle(note_on(60, 110), "kb")
        hub.handle(cc(64, 127), "kb")
        hub.handle(mido.Message("pitchwheel", pitch=4096), "kb")
        sounding = synth.render_float(4410)
        hub.source_lost("kb")
        assert np.abs(silence).max() == 0.0
        assert np.sqrt(np.mean(sounding ** 2)) > 1e-3
        # Note and pedal released: the piano's release dies within 2 s (held, it
        # would still sound: FluidR3's piano decays for many seconds).
        synth.render_float(88200)
        assert synth.active_voices() == 0
