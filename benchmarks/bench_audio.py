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
Peers, measured in the same run on the same file and SoundFont:
- the `fluidsynth` command-line renderer (`fluidsynth -ni -F out.wav ...`, Debian
  package fluidsynth) against `deepcomposer render` of the piece written as a MIDI
  file, and against the in-process render (which does not load the SoundFont);
- for note-on latency, the same measurement on a bare pyfluidsynth synth, without
  the app's Synth around it.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import summary, timeit
from deepcomposer_desktop.audio import _fluid
from deepcomposer_desktop.audio.render import RENDER_GAIN, render_array
from deepcomposer_desktop.audio.soundfonts import find_soundfont
from deepcomposer_desktop.audio.synth import Synth
from deepcomposer_desktop.music import Composition, Note, Tempo, Track
from deepcomposer_desktop.music.midifile import read_midi, write_midi

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


FLUIDSYNTH_CLI = "fluidsynth -ni -q -F OUT.wav -r 44100 -g 0.8 SOUNDFONT piece.mid"
DEEPCOMPOSER_CLI = "deepcomposer render piece.mid -o OUT.wav --soundfont SOUNDFONT"


def bench_commands(soundfont, folder: Path) -> list[dict]:
    """`deepcomposer render` and the `fluidsynth` renderer on the same MIDI file and
    SoundFont, each a fresh process (SoundFont load included), taking turns."""
    midi = folder / "piece.mid"
    ours = [sys.executable, "-m", "deepcomposer_desktop", "render", str(midi), "-o",
            str(folder / "ours.wav"), "--soundfont", str(soundfont), "--no-progress"]
    fluid = shutil.which("fluidsynth")
    theirs = [fluid, "-ni", "-q", "-F", str(folder / "theirs.wav"), "-r", str(RATE), "-g",
              str(RENDER_GAIN), str(soundfont), str(midi)] if fluid else None
    times: dict[str, list[float]] = {"ours": [], "theirs": []}
    for k in range(6):  # the first of each warms the page cache
        for key, cmd in (("ours", ours), ("theirs", theirs)):
            if cmd is None:
                continue
            t = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if k:
                times[key].append(time.perf_counter() - t)
    peer = "fluidsynth command-line renderer, same file and SoundFont"
    rows = [summary("deepcomposer render of the 3-min piece (whole command)", times["ours"],
                    command=DEEPCOMPOSER_CLI.replace("SOUNDFONT", Path(soundfont).name),
                    peer=peer if fluid else None,
                    peer_missing=None if fluid else "the fluidsynth command is not installed "
                                                    "(Debian: apt install fluidsynth)")]
    if fluid:
        rows.append(summary(peer, times["theirs"], peer_only=True,
                            command=FLUIDSYNTH_CLI.replace("SOUNDFONT", Path(soundfont).name),
                            version=subprocess.run([fluid, "--version"], capture_output=True,
                                                   text=True).stdout.splitlines()[0]))
    return rows


def bench_render(soundfont) -> list[dict]:
    folder = Path(tempfile.mkdtemp(prefix="deepcomposer-bench-"))
    write_midi(three_minute_piece(), folder / "piece.mid")
    piece = read_midi(folder / "piece.mid")  # the file both renderers read
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
    commands = bench_commands(soundfont, folder)
    shutil.rmtree(folder, ignore_errors=True)
    fluid = commands[1]["name"] if len(commands) > 1 else None
    return [
        summary("render 3-min 4-track piece (s)", times, seconds_of_music=round(piece.seconds, 1),
                notes=notes, soundfont=soundfont.name, peak=round(max(peaks), 3),
                speed_x=round(statistics.median(speed)), peer=fluid,
                peer_note="the command also loads the SoundFont and writes the file"),
        {**summary("render speed (x real time)", speed), "unit": "x"},
        summary("SoundFont load (s)", [load], soundfont=soundfont.name),
        *commands,
    ]


class BareSynth:
    """pyfluidsynth alone, set up as Synth sets up its own (same SoundFont, reverb and
    chorus off): the peer that shows what the app's wrapper adds."""

    def __init__(self, soundfont) -> None:
        fl = _fluid.load()
        self._fs = fl.Synth(gain=0.4, samplerate=RATE, channels=32,
                            **{"synth.cpu-cores": 1, "synth.reverb.active": 0,
                               "synth.chorus.active": 0})
        self._fs.sfload(str(soundfont), 1)
        self.note_on = self._fs.noteon

    def render_float(self, frames: int) -> np.ndarray:
        out = np.empty((frames, 2), np.float32)
        _fluid.write_float(self._fs.synth, frames, out.ctypes.data)
        return out

    def all_sounds_off(self) -> None:
        for channel in range(32):
            self._fs.all_sounds_off(channel)

    def active_voices(self) -> int:
        return self._fs.get_active_voice_count()

    def close(self) -> None:
        self._fs.delete()


def _trial(synth, pitch: int, into: tuple[list, list, list]) -> None:
    """One note: frames to the first non-silent sample and to -60 dBFS, and the call's
    seconds, appended to `into`; then silence again."""
    first, audible, call = into
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


def bench_latency(soundfont, trials: int = 60) -> list[dict]:
    # Reverb and chorus off, so the background is exactly silent between trials. The app's
    # Synth and the bare one take turns, note by note, so both see the same load.
    rng = np.random.default_rng(1)
    ours: tuple[list, list, list] = ([], [], [])
    theirs: tuple[list, list, list] = ([], [], [])
    bare = BareSynth(soundfont)
    try:
        with Synth(soundfont, samplerate=RATE, reverb=False, chorus=False) as synth:
            synth.render_float(RATE // 10)
            bare.render_float(RATE // 10)
            for _ in range(trials):
                pitch = int(rng.integers(48, 84))
                _trial(synth, pitch, ours)
                _trial(bare, pitch, theirs)
    finally:
        bare.close()
    (first, audible, call), (b_first, b_audible, b_call) = ours, theirs
    names = ("note-on -> first non-silent frame (ms)", "note-on -> first frame above -60 dBFS (ms)",
             "note_on() call (us)")
    bare_names = [f"{n.split(' (')[0]}, bare pyfluidsynth ({n.split(' (')[1]}" for n in names]
    ms = [f / RATE * 1e3 for f in first]
    return [
        {**summary(names[0], ms, peer=bare_names[0]),
         "unit": "ms", "frames_median": statistics.median(first), "frames_max": max(first),
         "period_frames": PERIOD, "period_ms": round(PERIOD / RATE * 1e3, 2),
         "share_within_one_period": sum(f < PERIOD for f in first) / len(first)},
        {**summary(names[1], [f / RATE * 1e3 for f in audible], peer=bare_names[1]),
         "unit": "ms", "frames_median": statistics.median(audible), "frames_max": max(audible)},
        {**summary(names[2], [c * 1e6 for c in call], peer=bare_names[2]), "unit": "us"},
        {**summary(bare_names[0], [f / RATE * 1e3 for f in b_first], peer_only=True), "unit": "ms"},
        {**summary(bare_names[1], [f / RATE * 1e3 for f in b_audible], peer_only=True), "unit": "ms"},
        {**summary(bare_names[2], [c * 1e6 for c in b_call], peer_only=True), "unit": "us"},
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
