"""The recording metronome: accents by metre, exact click times through the tempo map."""

from __future__ import annotations

import threading

import pytest

from deepcomposer_desktop.midi_input.metronome import (
    ClickLevel, ClickSchedule, Metronome, bar_pattern, is_compound, synth_clicker)
from deepcomposer_desktop.music.composition import Composition, Tempo

A, G, B = ClickLevel.ACCENT, ClickLevel.GROUP, ClickLevel.BEAT


def test_bar_patterns():
    assert bar_pattern((3, 4)) == [A, B, B]
    assert bar_pattern((4, 4)) == [A, B, B, B]
    assert bar_pattern((6, 8)) == [A, B, B, G, B, B]  # two groups of three eighths
    assert bar_pattern((9, 8)) == [A, B, B, G, B, B, G, B, B]
    assert bar_pattern((3, 8)) == [A, B, B]            # one group: a simple metre
    assert bar_pattern((2, 2)) == [A, B]
    assert bar_pattern((5, 4)) == [A, B, B, B, B]
    assert is_compound((12, 8)) and not is_compound((6, 4)) and not is_compound((3, 8))


def test_count_in_and_take_clicks_at_90_bpm_in_3_4():
    comp = Composition(tempos=[Tempo.from_bpm(0, 90.0)], time_signature=(3, 4))
    beat = comp.tempos[0].usec_per_beat / 1e6  # 0.666667 s
    sched = ClickSchedule(comp, start_tick=1440, music_start=100.0, count_in_bars=2)
    clicks = sched.clicks_between(0.0, 100.0 + 4 * beat - 1e-9)
    assert [c.level for c in clicks] == [A, B, B, A, B, B, A, B, B, A]
    assert [c.tick for c in clicks] == [t * 480 for t in range(-3, 7)]  # 1440 - 6 beats ...
    assert [c.at for c in clicks] == pytest.approx([100.0 + (i - 6) * beat for i in range(10)])
    # windows partition the clicks: none lost, none doubled at a window's edge
    edges = [0.0, 96.0, clicks[3].at, 99.9, 100.0, 101.0, 100.0 + 4 * beat - 1e-9]
    pieces = [c for a, b in zip(edges, edges[1:]) for c in sched.clicks_between(a, b)]
    assert pieces == clicks


def test_six_eight_clicks_eighths_and_follows_tempo_changes():
    # 6/8 at 120 quarter-notes a minute: an eighth is 0.25 s; from bar 2 on, 60 bpm: 0.5 s.
    comp = Composition(tempos=[Tempo.from_bpm(0, 120.0), Tempo.from_bpm(1440, 60.0)],
                       time_signature=(6, 8))
    sched = ClickSchedule(comp, start_tick=0, music_start=10.0)
    clicks = sched.clicks_between(10.0, 13.01)
    assert [c.level for c in clicks] == [A, B, B, G, B, B, A, B, B, G]
    assert [c.at for c in clicks] == pytest.approx(
        [10 + 0.25 * i for i in range(6)] + [11.5 + 0.5 * i for i in range(4)])


def test_count_in_only_schedule_ends_and_mid_bar_starts_click_on_the_next_beat():
    comp = Composition(tempos=[Tempo.from_bpm(0, 120.0)], time_signature=(4, 4))
    only = ClickSchedule(comp, 0, 5.0, count_in_bars=1, during_take=False)
    assert only.next_click(2.0).at == pytest.approx(3.0)
    assert only.next_click(4.5) is None
    mid = ClickSchedule(comp, start_tick=600, music_start=5.0)  # 120 ticks past beat 2
    first = mid.next_click(5.0 - 1e-9)
    assert first.tick == 960 and first.at == pytest.approx(5.0 + 360 / 960)


def test_metronome_thread_sounds_the_count_in():
    comp = Composition(tempos=[Tempo.from_bpm(0, 600.0)], time_signature=(3, 4))  # 0.1 s beats
    heard, done = [], threading.Event()

    class Synth:  # what synth_clicker calls on audio.synth.Synth
        def click(self, accent=False, velocity=100):
            heard.append((accent, velocity))
            if len(heard) == 3:
                done.set()

    met = Metronome(synth_clicker(Synth()))
    now = met.clock()
    met.start(ClickSchedule(comp, 0, now + 0.3, count_in_bars=1, during_take=False))
    assert done.wait(5.0)
    met.stop()
    assert not met.running
    assert heard == [(True, 120), (False, 80), (False, 80)]
