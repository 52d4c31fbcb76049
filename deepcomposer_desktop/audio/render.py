"""Offline render of a Composition to audio, far faster than real time.

Deterministic: a fresh synth each time, one rendering thread, no clock, no
dither (16-bit is rounded from float here, not by FluidSynth), so the same
composition and SoundFont give the same bytes. Each event is applied on its
own frame (FluidSynth starts it with its next 64-frame block, 1.5 ms at most),
and the render goes on after the last note until the release and reverb have
died away, up to `tail_max` seconds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import InvalidInputError
from ..fileio import atomic_write_bytes
from ..music.composition import Composition
from .events import NOTE_ON, build_events
from .synth import Synth
from .wav import SAMPLE_FORMATS, wav_bytes

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


def render_array(composition: Composition, soundfont: str | os.PathLike | None = None,
                 samplerate: int = 44100, *, gain: float = RENDER_GAIN,
                 tail_max: float = 4.0, synth: Synth | None = None) -> np.ndarray:
    """The composition's audio as float32 shaped (frames, 2), full scale +-1.

    Only audible tracks sound (solo wins over mute). A `synth` may be passed to
    reuse a loaded SoundFont; it must be fresh (nothing sounding) for the
    output to be the same as with a new one."""
    if not composition.end:
        raise InvalidInputError("nothing to render: the composition has no notes")
    own = synth is None
    if not own and synth.samplerate != samplerate:
        raise ValueError(f"the synth runs at {synth.samplerate} Hz, not {samplerate} Hz")
    synth = synth or Synth(soundfont, samplerate=samplerate, gain=gain)
    try:
        rate = samplerate
        frames = {}

        def frame_of(tick: int) -> int:
            if tick not in frames:
                frames[tick] = round(composition.seconds_at(tick) * rate)
            return frames[tick]

        song = frame_of(composition.end)
        out = np.zeros((song + int(tail_max * rate), 2), np.float32)
        synth.apply_tracks(composition)
        pos = 0
        for event in build_events(composition):
            at = frame_of(event.tick)
            if at > pos:
                synth.render_float(at - pos, out[pos:at])
                pos = at
            if event.kind == NOTE_ON:
                synth.note_on(event.channel, event.pitch, event.velocity)
            else:
                synth.note_off(event.channel, event.pitch)
        if song > pos:
            synth.render_float(song - pos, out[pos:song])
            pos = song
        block = max(1, int(TAIL_BLOCK_SECONDS * rate))
        while pos < len(out):
            n = min(block, len(out) - pos)
            synth.render_float(n, out[pos:pos + n])
            pos += n
            if synth.active_voices() == 0 and np.abs(out[pos - n:pos]).max() < SILENCE:
                break
        return out[:pos]
    finally:
        if own:
            synth.close()


def render(composition: Composition, path: str | os.PathLike,
           soundfont: str | os.PathLike | None = None, samplerate: int = 44100,
           sample_format: str = "int16", **options) -> RenderResult:
    """Render to a WAV file (16-bit PCM or 32-bit float), written atomically."""
    if sample_format not in SAMPLE_FORMATS:
        raise ValueError(f"sample format {sample_format!r} is not one of {SAMPLE_FORMATS}")
    samples = render_array(composition, soundfont, samplerate, **options)
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    clipped = int(np.count_nonzero(np.abs(samples) > 1.0)) if sample_format == "int16" else 0
    target = atomic_write_bytes(path, wav_bytes(samples, samplerate, sample_format))
    return RenderResult(target, len(samples) / samplerate, samplerate, sample_format, peak, clipped)
