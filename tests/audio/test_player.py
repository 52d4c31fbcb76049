"""The pure-Python player, driven by a hand-moved clock: no thread, no audio device."""

import random
import threading
import time

import pytest

from audio_testing import FakeSink, make_composition
from deepcomposer_desktop.audio.events import METRONOME_CHANNEL, NOTE_OFF, NOTE_ON
from deepcomposer_desktop.audio.player import Player, PlayerState
from deepcomposer_desktop.music import Composition, Note, Tempo, Track, load_sample

PPQ = 480


def scale_piece(bars=4, bpm=120.0) -> Composition:
    """Quarter notes up and down a scale: note i starts at beat i."""
    notes = [Note(i * PPQ, 60 + (i % 8), PPQ, 90) for i in range(bars * 4)]
    return make_composition(Track("Melody", 0, 0, notes=notes), bpm=bpm)


def run(player: Player, sink: FakeSink, seconds: float, step: float = 0.02, jitter: float = 0.0,
        rng: random.Random | None = None) -> None:
    """Move the clock on and pump, as the timer would (late by up to `jitter`)."""
    rng = rng or random.Random(3)  # a fresh one each call: no test depends on another's draws
    end = sink.t + seconds
    while sink.t < end:
        sink.t += step + rng.uniform(0, jitter)
        player.pump()


def make(comp: Composition):
    sink = FakeSink()
    player = Player(sink, comp, autopump=False)
    return player, sink


def test_notes_are_scheduled_ahead_at_their_exact_times():
    comp = scale_piece()
    player, sink = make(comp)
    player.play()
    start = sink.t + player.start_delay
    run(player, sink, comp.seconds + 1.0)
    ons = sink.note_ons()
    assert [e.pitch for _, e in ons] == [n.pitch for n in comp.tracks[0].notes]
    for (at, _), note in zip(ons, comp.tracks[0].notes):
        assert at == pytest.approx(start + comp.seconds_at(note.start), abs=1e-9)
    for kind, sent, due, event in sink.log:
        if kind == "at" and event.kind == NOTE_ON:
            assert due >= sent  # never handed over late
    assert player.state is PlayerState.STOPPED
    assert not sink.hanging()


def test_no_drift_over_five_minutes_with_irregular_pumps_and_tempo_changes():
    bars = 112  # 448 beats; the tempo changes every 10 bars, between 72 and 100 bpm
    notes = [Note(i * PPQ, 60 + i % 12, PPQ // 2, 80) for i in range(bars * 4)]
    tempos = [Tempo.from_bpm(bar * 4 * PPQ, 72 + (bar * 7) % 29) for bar in range(0, bars, 10)]
    comp = Composition(tracks=[Track("M", 0, 0, notes=notes)], tempos=tempos)
    assert comp.seconds > 300
    player, sink = make(comp)
    player.play()
    start = sink.t + player.start_delay
    run(player, sink, comp.seconds + 1.0, step=0.015, jitter=0.05)  # pumps up to 65 ms apart
    ons = sink.note_ons()
    assert len(ons) == len(notes)
    worst = max(abs(at - (start + comp.seconds_at(n.start))) for (at, _), n in zip(ons, notes))
    assert worst < 1e-9


def test_stop_releases_every_sounding_note_and_rewinds():
    comp = make_composition(Track("Pad", 48, 0, notes=[Note(0, p, 8 * PPQ, 80) for p in (48, 55, 64)]),
                            Track("Lead", 0, 1, notes=[Note(i * PPQ // 2, 72 + i % 5, PPQ, 90)
                                                       for i in range(16)]))
    player, sink = make(comp)
    player.play(from_tick=PPQ)
    run(player, sink, 1.1)
    assert sink.hanging()  # pad and lead are sounding mid-piece
    player.stop()
    assert not sink.hanging()
    assert any(kind == "cancel" for kind, *_ in sink.log)  # nothing left queued either
    assert player.state is PlayerState.STOPPED and player.position == PPQ


def test_notes_begun_before_the_start_are_not_played_and_not_released():
    comp = make_composition(Track("A", 0, 0, notes=[Note(0, 60, 4 * PPQ, 90), Note(2 * PPQ, 64, PPQ, 90)]))
    player, sink = make(comp)
    player.play(from_tick=PPQ)
    run(player, sink, 3.0)
    heard = sink.heard()
    assert [(e.kind, e.pitch) for _, e in heard] == [(NOTE_ON, 64), (NOTE_OFF, 64)]


def test_pause_keeps_the_position_and_play_resumes_there():
    comp = scale_piece()
    player, sink = make(comp)
    player.play()
    run(player, sink, 1.0)
    player.pause()
    paused_at = player.position
    assert player.state is PlayerState.PAUSED
    assert 0.9 * 2 * PPQ < paused_at < 1.0 * 2 * PPQ  # about 1 s at 120 bpm = 2 beats
    assert not sink.hanging()
    run(player, sink, 5.0)
    assert player.position == paused_at  # a paused clock does not move it
    player.play()
    first = sink.scheduled_ons()[-1]
    assert first[1].pitch == comp.tracks[0].notes[paused_at // PPQ + 1].pitch


def test_position_follows_the_clock_and_the_tempo_map():
    comp = Composition(tracks=[Track("M", 0, 0, notes=[Note(0, 60, 8 * PPQ, 90)])],
                       tempos=[Tempo.from_bpm(0, 60.0), Tempo.from_bpm(2 * PPQ, 120.0)])
    player, sink = make(comp)
    player.play()
    origin = sink.t + player.start_delay
    for seconds, tick in [(1.0, PPQ), (2.0, 2 * PPQ), (2.5, 3 * PPQ), (3.0, 4 * PPQ)]:
        sink.t = origin + seconds
        assert abs(player.position - tick) <= 1


def test_seek_while_playing_releases_and_goes_on_from_there():
    comp = scale_piece(bars=8)
    player, sink = make(comp)
    player.play()
    run(player, sink, 0.6)
    player.seek(20 * PPQ)
    assert not sink.hanging()
    seek_time = sink.t
    run(player, sink, 1.2)
    later = [(at, e) for at, e in sink.note_ons() if at > seek_time]
    assert later[0][1].pitch == comp.tracks[0].notes[20].pitch
    assert later[0][0] == pytest.approx(seek_time + player.start_delay)


def test_a_loop_repeats_its_region_exactly_and_releases_at_its_end():
    comp = make_composition(Track("M", 0, 0, notes=[
        Note(0, 60, PPQ, 90), Note(PPQ, 62, 2 * PPQ, 90), Note(2 * PPQ, 64, PPQ, 90),
        Note(3 * PPQ, 65, PPQ, 90), Note(4 * PPQ, 67, PPQ, 90)]))
    player, sink = make(comp)
    player.set_loop(PPQ, 3 * PPQ)  # 1 s at 120 bpm: beats 2 and 3
    player.play()
    start = sink.t + player.start_delay
    run(player, sink, 3.4)
    ons = [(round(at - start, 6), e.pitch) for at, e in sink.note_ons()]
    assert ons == [(0.0, 60), (0.5, 62), (1.0, 64), (1.5, 62), (2.0, 64), (2.5, 62), (3.0, 64)]
    offs = [round(at - start, 6) for at, e in sink.heard() if e.kind == NOTE_OFF and e.pitch == 62]
    assert offs[:2] == [1.5, 2.5]  # the held D is cut at the loop's end each time
    assert player.state is PlayerState.PLAYING
    assert PPQ <= player.position < 3 * PPQ
    player.clear_loop()
    run(player, sink, 3.0)
    assert player.state is PlayerState.STOPPED
    assert [e.pitch for _, e in sink.note_ons()][-2:] == [65, 67]
    assert not sink.hanging()


def test_a_loop_after_the_start_position_is_ignored():
    comp = scale_piece()
    player, sink = make(comp)
    player.set_loop(0, 2 * PPQ)
    player.play(from_tick=4 * PPQ)
    run(player, sink, comp.seconds)
    assert player.state is PlayerState.STOPPED
    with pytest.raises(ValueError):
        player.set_loop(5, 5)


def test_metronome_clicks_on_every_beat_with_accented_downbeats():
    comp = scale_piece(bars=2)
    player, sink = make(comp)
    player.metronome = True
    player.play()
    run(player, sink, comp.seconds + 0.5)
    clicks = [e for _, e in sink.note_ons() if e.channel == METRONOME_CHANNEL]
    assert len(clicks) == 8
    assert [c.velocity > 100 for c in clicks] == [True, False, False, False] * 2
    assert not sink.hanging()


def test_six_eight_clicks_two_groups_of_three_per_bar():
    from deepcomposer_desktop.audio.events import CLICK_ACCENT, click_events
    comp = scale_piece(bars=2)
    comp.time_signature = (6, 8)
    ons = [e for e in click_events(comp, 0, 2 * comp.ticks_per_bar) if e.velocity]
    assert [e.tick for e in ons] == [i * PPQ // 2 for i in range(12)]
    assert [e.velocity for e in ons[:6]] == [110, 80, 80, 95, 80, 80]  # bar, group, eighths
    assert [e.pitch == CLICK_ACCENT for e in ons[:6]] == [True, False, False, True, False, False]


def test_count_in_clicks_a_bar_first_and_the_playhead_waits():
    comp = scale_piece(bars=1)
    player, sink = make(comp)
    player.play(count_in_bars=1)
    begin = sink.t + player.start_delay
    clicks = [at - begin for at, e in sink.scheduled_ons() if e.channel == METRONOME_CHANNEL]
    assert clicks == pytest.approx([0.0, 0.5, 1.0, 1.5])
    sink.t = begin + 1.0
    assert player.position == 0
    run(player, sink, 1.5)
    first_note = [at for at, e in sink.note_ons() if e.channel == 0][0]
    assert first_note == pytest.approx(begin + 2.0)


def test_edits_mute_and_solo_take_effect_on_refresh():
    comp = scale_piece(bars=4)
    comp.add_track("Bass", 33, notes=[Note(i * PPQ, 36, PPQ, 90) for i in range(16)])
    player, sink = make(comp)
    player.play()
    run(player, sink, 1.0)
    comp.tracks[1].mute = True
    player.refresh()
    t = sink.t
    run(player, sink, 2.0)
    assert all(e.channel != comp.tracks[1].channel for at, e in sink.note_ons() if at > t + 0.01)
    assert not {k for k in sink.hanging() if k[0] == comp.tracks[1].channel}


def test_hooks_report_position_and_state_and_the_end():
    comp = scale_piece(bars=1)
    states, positions, ended = [], [], []

    class Recorder(Player):
        def finished(self):
            ended.append(self.position)

    sink = FakeSink()
    player = Recorder(sink, comp, autopump=False)
    player.state_listeners.append(states.append)
    player.position_listeners.append(positions.append)
    player.play()
    run(player, sink, comp.seconds + 0.5)
    assert states == [PlayerState.PLAYING, PlayerState.STOPPED]
    assert ended == [0]
    moving = positions[:-1]
    assert moving == sorted(moving) and moving[-1] >= comp.end - PPQ // 8


def test_play_at_the_end_starts_over_and_an_empty_song_just_stops():
    comp = scale_piece(bars=1)
    player, sink = make(comp)
    player.seek(comp.end)
    player.play()
    assert sink.scheduled_ons()[0][1].pitch == 60
    player.stop()
    empty, sink2 = make(Composition())
    empty.play()
    run(empty, sink2, 0.2)
    assert empty.state is PlayerState.STOPPED


def test_the_default_timer_thread_plays_to_the_end():
    """Real time, a real thread: a 0.3 s piece ends by itself."""
    comp = make_composition(Track("M", 0, 0, notes=[Note(0, 60, 144, 90)]))  # 0.15 s

    class Clock(FakeSink):
        t = property(lambda self: time.monotonic(), lambda self, value: None)

    done = threading.Event()
    sink = Clock()
    player = Player(sink, comp)
    player.state_listeners.append(lambda s: s is PlayerState.STOPPED and done.set())
    player.play()
    assert done.wait(5.0)
    assert len(sink.note_ons()) == 1 and not sink.hanging()
    player.close()


def test_twinkle_plays_through():
    comp = load_sample("twinkle")
    player, sink = make(comp)
    player.play()
    run(player, sink, comp.seconds + 0.5, step=0.03, jitter=0.03)
    assert len(sink.note_ons()) == len(comp.tracks[0].notes)
    assert not sink.hanging()


def test_open_ended_play_goes_on_past_the_end_with_clicks_until_stopped():
    """Recording: an empty song plays on, clicks every beat, until stop()."""
    comp = Composition(tempos=[Tempo.from_bpm(0, 120.0)], time_signature=(3, 4))
    player, sink = make(comp)
    player.metronome = True
    player.play(0, count_in_bars=1, open_end=True)
    assert player.music_start == pytest.approx(sink.t + player.start_delay + 1.5)
    run(player, sink, 1.5 + 40 * 1.5 + 0.1)  # the count-in, then 40 bars of 3/4 at 120 bpm
    assert player.state is PlayerState.PLAYING
    assert player.position == pytest.approx(40 * 3 * PPQ, abs=PPQ // 4)
    clicks = [(at, e) for at, e in sink.note_ons() if e.channel == METRONOME_CHANNEL]
    assert len(clicks) >= 3 + 40 * 3  # count-in and every beat since, past many chunks
    gaps = {round(b[0] - a[0], 6) for a, b in zip(clicks, clicks[1:])}
    assert gaps == {0.5}  # one click a beat, none doubled or missing at a chunk's edge
    player.stop()
    assert player.state is PlayerState.STOPPED and player.position == 0
    player.play()  # plain play of the empty song ends again (after its one bar of clicks)
    run(player, sink, 2.0)
    assert player.state is PlayerState.STOPPED


def test_open_ended_play_starts_beyond_the_end_where_asked():
    comp = scale_piece(bars=1)
    player, sink = make(comp)
    player.play(8 * PPQ, open_end=True)
    run(player, sink, 1.0)
    assert player.state is PlayerState.PLAYING and player.position > 8 * PPQ
