"""Offline render of a Composition to audio, far faster than real time.

Deterministic: a fresh synth each time, one rendering thread, no clock, no
dither (16-bit is rounded from float here, not by FluidSynth), so the same
composition and SoundFont give the same bytes. Each event is applied on its
own frame (FluidSynth starts it with its next 64-frame block, 1.5 ms at most),
and the render goes on after the last note until the release and reverb have
died away, up to `tail_max` seconds. The audio comes in blocks of a second
(`render_blocks`) and goes to the WAV file as it comes, so memory does not grow with
the song's length; a song longer than an hour is refused (music/limits.py).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator, NamedTuple

import numpy as np

from ..errors import InvalidInputError
from ..fileio import atomic_writer
from ..music.composition import Composition
from ..music.limits import check_song
from ..progress import Progress, report
from .events import NOTE_ON, build_events
from .synth import Synth
from .wav import SAMPLE_FORMATS, WavWriter

RENDER_GAIN = 0.8           # the 4-track benchmark piece peaks near half of full scale
SILENCE = 10 ** (-90 / 20)  # -90 dBFS: below 16-bit's last bit, so the tail may stop
TAIL_BLOCK_SECONDS = 0.05


class RenderResult(NamedTuple):
    path: Path
    seconds: float
    samplerate: int
    sample_format: str
    peak: float            # largest absolute sample, full scale = 1.0
    clipped: int           # samples clipped to fit 16 bits (0 for float)


BLOCK_SECONDS = 1.0  # what render_blocks yields at a time: memory never grows with the song


def _frames(composition: Composition, ticks: list[int], rate: int) -> list[int]:
    """The frame of each of the sorted `ticks`, through the tempo map in one sweep
    (as Composition.seconds_at reckons it, sum for sum, without its per-tick walk)."""
    tempos, ppq = composition.tempos, composition.ppq
    i, seconds, prev = 0, 0.0, tempos[0]
    out = []
    for tick in ticks:
        while i + 1 < len(tempos) and tempos[i + 1].tick < tick:
            i += 1
            seconds += (tempos[i].tick - prev.tick) * prev.usec_per_beat / 1e6 / ppq
            prev = tempos[i]
        out.append(round((seconds + (tick - prev.tick) * prev.usec_per_beat / 1e6 / ppq) * rate))
    return out


class _Blocks:
    """Collects rendered frames into blocks of `size` frames."""

    def __init__(self, size: int) -> None:
        self.buf = np.zeros((size, 2), np.float32)
        self.fill = 0

    def render(self, synth: Synth, frames: int) -> Iterator[np.ndarray]:
        while frames:
            n = min(frames, len(self.buf) - self.fill)
            synth.render_float(n, self.buf[self.fill:self.fill + n])
            self.fill += n
            frames -= n
            if self.fill == len(self.buf):
                yield self.buf.copy()
                self.fill = 0

    def push(self, samples: np.ndarray) -> Iterator[np.ndarray]:
        while len(samples):
            n = min(len(samples), len(self.buf) - self.fill)
            self.buf[self.fill:self.fill + n] = samples[:n]
            self.fill += n
            samples = samples[n:]
            if self.fill == len(self.buf):
                yield self.buf.copy()
                self.fill = 0

    def rest(self) -> Iterator[np.ndarray]:
        if self.fill:
            yield self.buf[:self.fill].copy()
            self.fill = 0


def render_blocks(composition: Composition, soundfont: str | os.PathLike | None = None,
                  samplerate: int = 44100, *, gain: float = RENDER_GAIN, tail_max: float = 4.0,
                  synth: Synth | None = None, progress: Progress = None) -> Iterator[np.ndarray]:
    """The composition's audio as float32 blocks shaped (frames, 2), full scale +-1,
    of BLOCK_SECONDS each (the last shorter), so that memory stays one block's however
    long the song. Only audible tracks sound (solo wins over mute). A `synth` may be
    passed to reuse a loaded SoundFont; it must be fresh (nothing sounding) for the
    output to be the same as with a new one. The song is checked (an hour at most,
    music/limits.py) and the SoundFont loaded before this returns."""
    if not composition.end:
        raise InvalidInputError("nothing to render: the composition has no notes")
    check_song(composition)
    if synth is not None and synth.samplerate != samplerate:
        raise ValueError(f"the synth runs at {synth.samplerate} Hz, not {samplerate} Hz")
    own = synth is None
    synth = synth or Synth(soundfont, samplerate=samplerate, gain=gain)
    return _render(composition, synth, own, samplerate, tail_max, progress)


def _render(composition: Composition, synth: Synth, own: bool, rate: int, tail_max: float,
            progress: Progress) -> Iterator[np.ndarray]:
    try:
        events = build_events(composition)
        frames = _frames(composition, [e.tick for e in events] + [composition.end], rate)
        song, tail = frames[-1], int(tail_max * rate)
        blocks = _Blocks(max(1, int(BLOCK_SECONDS * rate)))
        synth.apply_tracks(composition)
        pos = 0
        for event, at in zip(events, frames):
            if at > pos:
                yield from blocks.render(synth, at - pos)
                pos = at
                report(progress, pos / (song + tail))
            if event.kind == NOTE_ON:
                synth.note_on(event.channel, event.pitch, event.velocity)
            else:
                synth.note_off(event.channel, event.pitch)
        if song > pos:
            yield from blocks.render(synth, song - pos)
            pos = song
        step = max(1, int(TAIL_BLOCK_SECONDS * rate))
        while pos < song + tail:  # until the release and reverb die away
            n = min(step, song + tail - pos)
            piece = synth.render_float(n)
            yield from blocks.push(piece)
            pos += n
            if synth.active_voices() == 0 and np.abs(piece).max() < SILENCE:
                break
        yield from blocks.rest()
        report(progress, 1.0)
    finally:
        if own:
            synth.close()


def render_array(composition: Composition, soundfont: str | os.PathLike | None = None,
                 samplerate: int = 44100, *, gain: float = RENDER_GAIN,
                 tail_max: float = 4.0, synth: Synth | None = None) -> np.ndarray:
    """The composition's audio in one float32 array shaped (frames, 2), full scale +-1
    (render_blocks, joined: for short pieces and tests)."""
    blocks = list(render_blocks(composition, soundfont, samplerate, gain=gain,
                                tail_max=tail_max, synth=synth))
    return np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)


def render(composition: Composition, path: str | os.PathLike,
           soundfont: str | os.PathLike | None = None, samplerate: int = 44100,
           sample_format: str = "int16", progress: Progress = None, **options) -> RenderResult:
    """Render to a WAV file (16-bit PCM or 32-bit float), block by block into a
    temporary file that replaces `path` at the end (fileio.atomic_writer)."""
    if sample_format not in SAMPLE_FORMATS:
        raise ValueError(f"sample format {sample_format!r} is not one of {SAMPLE_FORMATS}")
    peak, clipped = 0.0, 0
    with atomic_writer(path) as fh:  # a bad output path fails before any rendering
        wav = WavWriter(fh, samplerate, 2, sample_format)
        with contextlib.closing(render_blocks(composition, soundfont, samplerate,
                                              progress=progress, **options)) as blocks:
            for block in blocks:
                magnitude = np.abs(block)
                peak = max(peak, float(magnitude.max()))
                if sample_format == "int16":
                    clipped += int(np.count_nonzero(magnitude > 1.0))
                wav.write(block)
        wav.finish()
    return RenderResult(Path(path), wav.frames / samplerate, samplerate, sample_format, peak,
                        clipped)
