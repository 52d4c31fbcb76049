"""The player through FluidSynth's sequencer, rendered offline: what it plays is
checked in the audio, against the offline renderer."""

import time

import numpy as np
import pytest

from audio_testing import TICKS_PER_SECOND, make_composition
from deepcomposer_desktop.audio.player import Player, PlayerState
from deepcomposer_desktop.audio.render import render_array
from deepcomposer_desktop.audio.sequencer import SynthSink
from deepcomposer_desktop.audio.synth import Synth
from deepcomposer_desktop.music import Note, Tempo, Track, load_sample

RATE = 44100
BLOCK = 256  # frames per pump, as an audio driver's period would be


@pytest.fixture
def synth(soundfont):
    with Synth(soundfont, samplerate=RATE, reverb=False, chorus=False) as s:
        yield s


def clicks(count=24):
    """Short claves hits (GM drum 75) half a second apart, the tempo rising midway."""
    notes = [Note(i * TICKS_PER_SECOND // 2, 75, 30, 110) for i in range(count)]
    comp = make_composition(Track("Claves", 0, 9, is_drum=True, notes=notes))
    comp.tempos = [Tempo.from_bpm(0, 120.0), Tempo.from_bpm(count * TICKS_PER_SECOND // 4, 150.0)]
    return comp


def onsets(audio: np.ndarray, threshold=1e-3) -> np.ndarray:
    """Frames where the level first rises above `threshold` after 50 ms below it."""
    loud = np.abs(audio).max(axis=1) > threshold
    hits = np.flatnonzero(loud)
    gaps = np.diff(hits, prepend=-RATE) > int(0.05 * RATE)
    return hits[gaps]


def play_offline(player: Player, synth: Synth, seconds: float) -> np.ndarray:
    chunks = []
    for _ in range(int(seconds * RATE / BLOCK)):
        player.pump()
        chunks.append(synth.render_float(BLOCK))
    return np.concatenate(chunks)


def test_sequenced_playback_lands_where_the_offline_render_puts_each_note(synth, soundfont):
    comp = clicks()
    sink = SynthSink(synth, sample_clock=True)
    player = Player(sink, comp, autopump=False)
    player.play()
    live = play_offline(player, synth, comp.seconds + 0.5)
    assert player.state is PlayerState.STOPPED
    with Synth(soundfont, samplerate=RATE, reverb=False, chorus=False) as fresh:
        reference = render_array(comp, samplerate=RATE, synth=fresh)
    got, want = onsets(live), onsets(reference)
    assert len(got) == len(want) == 24
    offset = (got - want) / RATE - player.start_delay
    # FluidSynth's sequencer counts whole milliseconds and starts events on 64-frame
    # blocks: each note within 3 ms of its place, and no trend over the piece.
    assert np.abs(offset).max() < 0.003, offset
    assert abs(np.polyfit(np.arange(len(offset)), offset, 1)[0]) < 1e-4


def test_stop_leaves_nothing_sounding(synth):
    pad = make_composition(Track("Strings", 48, 0, notes=[Note(0, p, 8 * TICKS_PER_SECOND, 90)
                                                          for p in (48, 55, 60, 64)]),
                           Track("Brass", 61, 1, notes=[Note(i * 240, 60 + i % 7, 480, 100)
                                                        for i in range(40)]))
    player = Player(SynthSink(synth, sample_clock=True), pad, autopump=False)
    player.play()
    audio = play_offline(player, synth, 1.5)
    assert np.abs(audio[-RATE // 4:]).max() > 0.01 and synth.active_voices() > 4
    player.stop()
    tail = np.concatenate([synth.render_float(BLOCK) for _ in range(int(3 * RATE / BLOCK))])
    assert synth.active_voices() == 0
    assert np.abs(tail[-RATE // 2:]).max() < 1e-5
    player.play()  # the queue was emptied: nothing stale plays from a replay's sequencer
    assert player.position == 0


def test_without_an_audio_device_the_playhead_follows_the_system_clock(synth):
    assert synth.start_audio() is None
    sink = SynthSink(synth)
    assert sink.sample_clock is False
    comp = make_composition(Track("M", 0, 0, notes=[Note(0, 60, 4 * TICKS_PER_SECOND, 90)]))
    player = Player(sink, comp)
    player.play()
    try:
        deadline = time.monotonic() + 5.0
        while player.position < TICKS_PER_SECOND // 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert player.position >= TICKS_PER_SECOND // 10
        assert player.state is PlayerState.PLAYING
        assert synth.active_voices() == 0  # nothing queued in a synth that never renders
    finally:
        player.close()
    assert player.state is PlayerState.STOPPED


@pytest.mark.jack
def test_live_playback_through_jack_follows_the_drivers_sample_clock(soundfont, jack_server):
    """A real audio driver thread renders; the player's clock is its sample count."""
    with Synth(soundfont, samplerate=RATE) as synth:
        deadline = time.monotonic() + 10.0
        while synth.start_audio("jack", settings={"audio.jack.server": jack_server}) is None:
            assert time.monotonic() < deadline, synth.audio_error  # the server is starting
            time.sleep(0.1)
        sink = SynthSink(synth)
        assert sink.sample_clock
        player = Player(sink, load_sample("twinkle"))
        player.play()
        positions = []
        for _ in range(10):
            time.sleep(0.05)
            positions.append(player.position)
        assert positions == sorted(positions) and positions[-1] > positions[0]
        assert synth.active_voices() > 0
        player.stop()
        deadline = time.monotonic() + 10.0
        while synth.active_voices() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert synth.active_voices() == 0
        player.close()
