"""Sound: offline render speed, and how soon a note-on call is heard.

    python -m benchmarks audio        (or `make bench ARGS=audio`)

1. Render speed as a multiple of real time, on a 3-minute 4-track piece (piano
   melody, strings, bass, drums; about 2 900 notes), with the SoundFont the app
   finds (FluidR3_GM when `make` installed it). Median of 5 renders, SoundFont
   already loaded; loading it is timed on its own.
2. Note-on latency: a synth rendering buffer by buffer as an audio driver does
   (there is no sound card here), a note_on() call between two buffers, then the
   frames from the start of the next buffer to its first non-silent sample (and
   to the first above -60 dBFS). Period: 128 frames, what Synth.start_audio asks
   for; the goal is within one period. Also the wall time of the note_on() call.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from benchmarks import summary, timeit
from deepcomposer_desktop.audio.render import RENDER_GAIN, render_array
from deepcomposer_desktop.audio.soundfonts import find_soundfont
from deepcomposer_desktop.audio.synth import Synth
from deepcomposer_desktop.music import Composition, Note, Tempo, Track

RATE = 44100
PERIOD = 128          # frames per audio period, as Synth.start_audio sets it
AUDIBLE = 10 ** (-60 / 20)


def three_minute_piece(seed: int = 7) -> Composition:
    """90 bars of 4/4 at 120 bpm = 180 s; four tracks on a I-vi-IV-V loop."""
    rng = np.random.default_rng(seed)
    ppq, bars = 480, 90
    chords = [(60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)]
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    melody, strings, bass, drums = [], [], [], []
    for bar in range(bars):
        t0 = bar * 4 * ppq
        chord = chords[bar % 4]
        for step in range(8):  # eighth notes, some rests
            if rng.random() < 0.8:
                melody.append(Note(t0 + step * ppq // 2, int(rng.choice(scale)) + 12, ppq // 2,
                                   int(rng.integers(70, 110))))
        strings += [Note(t0, p, 4 * ppq, 70) for p in chord]
        bass += [Note(t0 + beat * ppq, chord[0] - 24, ppq, 95) for beat in range(4)]
        for step in range(8):
            drums.append(Note(t0 + step * ppq // 2, 42, ppq // 4, 80))         # closed hi-hat
        drums += [Note(t0, 36, ppq // 2, 110), Note(t0 + 2 * ppq, 36, ppq // 2, 110),  # kick
                  Note(t0 + ppq, 38, ppq // 2, 100), Note(t0 + 3 * ppq, 38, ppq // 2, 100)]
    return Composition(
        tracks=[Track("Melody", 0, 0, notes=melody), Track("Strings", 48, 1, notes=strings),
                Track("Bass", 33, 2, notes=bass), Track("Drums", 0, 9, is_drum=True, notes=drums)],
        ppq=ppq, tempos=[Tempo.from_bpm(0, 120.0)], title="benchmark piece")


def bench_render(soundfont) -> list[dict]:
    piece = three_minute_piece()
    notes = sum(len(t.notes) for t in piece.tracks)
    t0 = time.perf_counter()
    synth = Synth(soundfont, samplerate=RATE)
    load = time.perf_counter() - t0
    synth.close()
    peaks = []

    def once():
        with Synth(soundfont, samplerate=RATE, gain=RENDER_GAIN) as fresh:
            t = time.perf_counter()
            audio = render_array(piece, samplerate=RATE, synth=fresh)
            times.append(time.perf_counter() - t)
            peaks.append(float(np.abs(audio).max()))

    times: list[float] = []
    timeit(once, repeat=5, warmup=1)
    times = times[1:]  # the warm-up render
    speed = [piece.seconds / t for t in times]
    return [
        summary("render 3-min 4-track piece (s)", times, seconds_of_music=round(piece.seconds, 1),
                notes=notes, soundfont=soundfont.name, peak=round(max(peaks), 3)),
        {**summary("render speed (x real time)", speed), "unit": "x"},
        summary("SoundFont load (s)", [load], soundfont=soundfont.name),
    ]


def bench_latency(soundfont, trials: int = 60) -> list[dict]:
    rng = np.random.default_rng(1)
    first, audible, call = [], [], []
    # Reverb and chorus off, so the background is exactly silent between trials.
    with Synth(soundfont, samplerate=RATE, reverb=False, chorus=False) as synth:
        synth.render_float(RATE // 10)
        for _ in range(trials):
            pitch = int(rng.integers(48, 84))
            synth.render_float(PERIOD)  # the buffer before the call
            t = time.perf_counter()
            synth.note_on(0, pitch, 100)
            call.append(time.perf_counter() - t)
            level = np.abs(synth.render_float(4 * PERIOD)).max(axis=1)
            first.append(_first(level > 0.0))
            audible.append(_first(level > AUDIBLE))
            synth.all_sounds_off()
            while synth.active_voices() or np.abs(synth.render_float(PERIOD)).max() > 0.0:
                synth.render_float(PERIOD)
    return [
        {**summary("note-on -> first non-silent frame (ms)", [f / RATE * 1e3 for f in first]),
         "unit": "ms", "frames_median": statistics.median(first), "frames_max": max(first),
         "period_frames": PERIOD, "period_ms": round(PERIOD / RATE * 1e3, 2),
         "share_within_one_period": sum(f < PERIOD for f in first) / len(first)},
        {**summary("note-on -> first frame above -60 dBFS (ms)", [f / RATE * 1e3 for f in audible]),
         "unit": "ms", "frames_median": statistics.median(audible), "frames_max": max(audible)},
        {**summary("note_on() call (us)", [c * 1e6 for c in call]), "unit": "us"},
    ]


def _first(mask: np.ndarray) -> int:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else len(mask)


def main(args=None) -> list[dict]:
    soundfont = find_soundfont()
    if soundfont is None:
        raise SystemExit("no SoundFont found: run `make` (installs fluid-soundfont-gm)")
    return bench_render(soundfont) + bench_latency(soundfont)


if __name__ == "__main__":
    for row in main():
        print(row)
