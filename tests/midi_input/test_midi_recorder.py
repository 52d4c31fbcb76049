"""The Recorder on its own, fed timed messages with an exact clock."""

from __future__ import annotations

import mido
import pytest

from deepcomposer_desktop.midi_input import InputHub, Recorder, RecorderState, RecordMode
from deepcomposer_desktop.midi_input.recorder import Take, count_in_seconds
from deepcomposer_desktop.music.composition import Composition, Note, Tempo


def on(pitch, velocity=100, channel=0):
    return mido.Message("note_on", note=pitch, velocity=velocity, channel=channel)


def off(pitch, channel=0):
    return mido.Message("note_off", note=pitch, channel=channel)


def pedal(value, channel=0):
    return mido.Message("control_change", control=64, value=value, channel=channel)


def comp_120():
    # 120 bpm: a beat is exactly 0.5 s, so a second is exactly 960 ticks at PPQ 480.
    return Composition(tempos=[Tempo.from_bpm(0, 120.0)], time_signature=(4, 4))


def started(comp, clock, **kw):
    rec = Recorder(comp, clock=clock, **kw)
    rec.arm()
    rec.start()
    return rec


def test_start_needs_arming_and_count_in_is_bounded(clock):
    rec = Recorder(comp_120(), clock=clock)
    with pytest.raises(RuntimeError, match="arm"):
        rec.start()
    with pytest.raises(ValueError, match="0-4"):
        rec.count_in_bars = 5
    rec.count_in_bars = 4
    rec.arm()
    assert rec.start(at=1.0) == pytest.approx(1.0 + 4 * 2.0)  # four bars of 4/4 at 120 bpm
    assert rec.counting_in(now=8.99) and not rec.counting_in(now=9.0)
    assert rec.stop(at=9.5).end_tick == 480
    assert rec.state is RecorderState.ARMED
    rec.disarm()
    assert rec.state is RecorderState.IDLE and rec.stop() is None


def test_count_in_follows_the_tempo_where_recording_starts():
    comp = Composition(tempos=[Tempo.from_bpm(0, 120.0), Tempo.from_bpm(1920, 60.0)],
                       time_signature=(3, 4))
    assert count_in_seconds(comp, 0, 2) == pytest.approx(3.0)   # 6 beats at 0.5 s
    assert count_in_seconds(comp, 1920, 2) == pytest.approx(6.0)  # 6 beats at 1 s


def test_ticks_go_through_the_tempo_map(clock):
    # 120 bpm for the first bar (2 s), then 60 bpm: a note 3 s in is half a bar later.
    comp = Composition(tempos=[Tempo.from_bpm(0, 120.0), Tempo.from_bpm(1920, 60.0)])
    rec = started(comp, clock)
    clock.t += 1.0
    rec.feed(on(60), clock.t)
    clock.t += 2.0
    rec.feed(off(60), clock.t)
    take = rec.stop()
    # on after 1 s at 120 bpm (tick 960); 1 s more to the bar line, then 1 s at 60 bpm (480 ticks)
    assert take.notes == (Note(960, 60, 1440, 100),)


def test_notes_held_at_stop_are_closed_there_and_none_is_lost(clock):
    rec = started(comp_120(), clock)
    rec.feed(on(60, 90), clock.t)
    rec.feed(on(64, 80), clock.t + 0.25)
    rec.feed(pedal(127), clock.t + 0.5)
    rec.feed(off(64), clock.t + 0.75)  # sustained, never lifted
    take = rec.stop(at=clock.t + 1.0)
    assert take.notes == (Note(0, 60, 960, 90), Note(240, 64, 720, 80))
    assert take.ended_by == "stop"


def test_pedals_are_per_channel_and_source(clock):
    rec = started(comp_120(), clock)
    t = clock.t
    rec.feed(pedal(127, channel=0), t, source="A")
    rec.feed(on(60), t, source="A")
    rec.feed(on(62), t, source="B")
    rec.feed(on(64, channel=1), t, source="A")
    rec.feed(off(60), t + 0.25, source="A")            # held by A's pedal
    rec.feed(off(62), t + 0.25, source="B")            # B has no pedal down
    rec.feed(off(64, channel=1), t + 0.25, source="A")  # channel 1 has no pedal down
    rec.feed(pedal(0, channel=0), t + 0.5, source="A")
    assert rec.stop(at=t + 1).notes == (Note(0, 60, 480, 100), Note(0, 62, 240, 100),
                                        Note(0, 64, 240, 100))


def test_strays_and_messages_outside_a_take_are_ignored(clock):
    rec = Recorder(comp_120(), clock=clock)
    rec.feed(on(60), clock.t)  # not recording
    rec.arm()
    rec.feed(on(61), clock.t)  # armed only
    rec.start()
    for msg in (mido.Message("clock"), mido.Message("active_sensing"), mido.Message("start"),
                mido.Message("sysex", data=[1, 2, 3]), mido.Message("program_change", program=5),
                mido.Message("songpos", pos=8), off(61), off(60)):
        rec.feed(msg, clock.t + 0.1)
    assert rec.stop(at=clock.t + 1).notes == ()


def test_quantize_on_input(clock):
    rec = started(comp_120(), clock, quantize="1/8")
    rec.feed(on(60), clock.t + 0.27)   # 259 ticks -> the eighth at 240
    rec.feed(off(60), clock.t + 0.52)
    rec.feed(on(62), clock.t + 0.39)   # 374 ticks -> 480 (an eighth is 240 ticks)
    # a held note is shown as it stands, already on the grid; durations are kept
    assert rec.notes_so_far(now=clock.t + 0.5) == [Note(240, 60, 240, 100), Note(480, 62, 106, 100)]
    take = rec.stop(at=clock.t + 1.0)
    assert take.notes == (Note(240, 60, 240, 100), Note(480, 62, 586, 100))


def test_pickups_before_tick_zero_start_at_zero(clock):
    rec = Recorder(comp_120(), clock=clock, count_in_bars=1)
    rec.arm()
    start = rec.start()
    rec.feed(on(60), start - 0.25)  # half a beat early, before the song
    rec.feed(off(60), start + 0.5)
    rec.feed(on(62), start - 1.0)
    rec.feed(off(62), start - 0.5)  # over before the song starts: kept, one tick long at 0
    assert rec.stop(at=start + 1).notes == (Note(0, 60, 480, 100), Note(0, 62, 1, 100))


def test_replace_and_overdub():
    existing = [Note(0, 60, 960, 80), Note(960, 62, 240, 80), Note(1920, 64, 240, 80)]
    new = (Note(960, 70, 240, 100),)
    replace = Take(new, 480, 1920, RecordMode.REPLACE, "stop")
    assert replace.apply_to(existing) == [Note(0, 60, 480, 80), Note(960, 70, 240, 100),
                                          Note(1920, 64, 240, 80)]
    overdub = Take(new, 480, 1920, RecordMode.OVERDUB, "stop")
    assert overdub.apply_to(existing) == sorted([*existing, *new])


def test_hub_stamps_messages_and_ends_the_take_when_a_keyboard_goes(clock, sink):
    comp = comp_120()
    hub = InputHub(sink, clock=clock)
    takes = []
    hub.recorder = Recorder(comp, clock=clock, on_take_ended=takes.append)
    hub.recorder.arm()
    hub.recorder.start()
    start = clock.t
    hub.handle(on(60), "on-screen piano")
    clock.t = start + 0.5
    hub.handle(on(67), "USB Keyboard")
    clock.t = start + 1.0
    hub.source_lost("on-screen piano")  # focus lost: notes end, the take goes on
    assert takes == []
    clock.t = start + 1.5
    hub.source_lost("USB Keyboard")
    assert [t.notes for t in takes] == [(Note(0, 60, 960, 100), Note(480, 67, 960, 100))]
    assert takes[0].ended_by == "unplugged: USB Keyboard"
    assert hub.recorder.state is RecorderState.ARMED


def test_cycle_recording_keeps_each_pass_round_the_loop_apart(clock):
    """A loop of bar 2 (ticks 1920-3840 at 120 bpm: 2 s a pass), started half-way into
    it; a note held over the loop's end is cut there; the take is the last pass."""
    comp = comp_120()
    rec = Recorder(comp, clock=clock, mode=RecordMode.OVERDUB)
    rec.arm()
    music = rec.start(2880, at=10.0, cycle=(1920, 3840))  # first pass: 1 s, then 2 s each
    assert music == 10.0

    def hit(t, pitch, length=0.25):
        clock.t = music + t
        rec.feed(on(pitch))
        clock.t = music + t + length
        rec.feed(off(pitch))

    hit(0.0, 60)             # pass 1 (the half pass), tick 2880
    hit(1.0, 62)             # exactly on the wrap: pass 2's first tick, 1920
    hit(1.5, 64)             # pass 2, tick 2400
    clock.t = music + 2.75   # pass 2, tick 3600, held over the loop's end
    rec.feed(on(65))
    clock.t = music + 3.25
    rec.feed(off(65))
    hit(5.5, 67)             # pass 4 (pass 3 left empty), tick 2400
    assert rec.notes_so_far(now=music + 5.9) == [Note(2400, 67, 240, 100)]  # this pass only
    take = rec.stop(at=music + 6.0)
    assert len(take.passes) == 4
    assert take.passes[0] == (Note(2880, 60, 240, 100),)
    assert take.passes[1] == (Note(1920, 62, 240, 100), Note(2400, 64, 240, 100),
                              Note(3600, 65, 240, 100))  # cut at the loop's end
    assert take.passes[2] == ()
    assert take.notes == take.passes[3] == (Note(2400, 67, 240, 100),)
    assert [number for number, _ in take.takes] == [1, 2, 4]
    assert (take.start_tick, take.end_tick) == (2880, 3840)
    with pytest.raises(ValueError, match="cycle"):
        rec.start(0, cycle=(1920, 3840))
