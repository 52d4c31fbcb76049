"""The Composition core: notes, tracks, piano rolls, MIDI files, metrics. No Qt, no torch."""

from __future__ import annotations

from pathlib import Path

from .composition import DEFAULT_PPQ, DRUM_CHANNEL, Composition, Note, Tempo, Track
from .keys import Key, detect_key
from .midifile import read_midi, write_midi
from .samples import SAMPLES, load_sample

SAMPLE_PREFIX = "sample:"


def load_composition(source: str | Path) -> Composition:
    """Open `sample:NAME` or a MIDI file path. Raises InvalidInputError when it can't."""
    text = str(source)
    if text.startswith(SAMPLE_PREFIX):
        return load_sample(text[len(SAMPLE_PREFIX):])
    return read_midi(source)


__all__ = [
    "Composition", "Note", "Track", "Tempo", "Key", "DEFAULT_PPQ", "DRUM_CHANNEL", "SAMPLES",
    "detect_key", "load_composition", "load_sample", "read_midi", "write_midi",
]
