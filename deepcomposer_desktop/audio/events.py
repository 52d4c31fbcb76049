"""A Composition flattened into the MIDI events that sound it, in ticks.

Shared by the live player and the offline renderer so both play exactly the
same thing: only audible tracks (solo beats mute), note-offs before note-ons at
the same tick (so a repeated note is re-struck, not cut), and optional
metronome clicks on the synth's own metronome channel.
"""

from __future__ import annotations

from typing import NamedTuple

from ..music.composition import Composition
from ..music.meter import ClickLevel, bar_pattern

NOTE_OFF, NOTE_ON = 0, 1  # sort order at equal ticks: offs first
METRONOME_CHANNEL = 16    # a drum channel of the synth's own, never a track's (0-15)
CLICK_ACCENT, CLICK_BEAT = 76, 77  # General MIDI Hi and Low Wood Block
CLICK_TICKS_PER_BEAT = 8  # a click lasts an eighth of its beat


class Event(NamedTuple):
    tick: int
    kind: int       # NOTE_OFF or NOTE_ON
    channel: int
    pitch: int
    velocity: int   # 0 for note-offs


def note_events(composition: Composition) -> list[Event]:
    """Note-ons and note-offs of the audible tracks, sorted."""
    events = []
    for track in composition.audible_tracks():
        channel = track.channel
        for note in track.notes:
            events.append(Event(note.start, NOTE_ON, channel, note.pitch, note.velocity))
            events.append(Event(note.end, NOTE_OFF, channel, note.pitch, 0))
    events.sort()
    return events


def click_events(composition: Composition, start: int, end: int,
                 accent_velocity: int = 110, beat_velocity: int = 80) -> list[Event]:
    """Metronome clicks on every notated beat in [start, end): bar downbeats accented,
    and in compound metres (6/8 ...) each group of three lightly (music/meter.py).

    Beats count from tick 0 in the composition's time signature (one metre for
    the whole piece, as Composition keeps it)."""
    beat = composition.ticks_per_beat
    pattern = bar_pattern(composition.time_signature)
    length = max(1, beat // CLICK_TICKS_PER_BEAT)
    first = -(-start // beat) * beat  # the first beat at or after start
    group_velocity = (accent_velocity + beat_velocity) // 2
    events = []
    for tick in range(first, end, beat):
        level = pattern[(tick // beat) % len(pattern)]
        pitch = CLICK_BEAT if level == ClickLevel.BEAT else CLICK_ACCENT
        velocity = {ClickLevel.ACCENT: accent_velocity, ClickLevel.GROUP: group_velocity,
                    ClickLevel.BEAT: beat_velocity}[level]
        events.append(Event(tick, NOTE_ON, METRONOME_CHANNEL, pitch, velocity))
        events.append(Event(tick + length, NOTE_OFF, METRONOME_CHANNEL, pitch, 0))
    return events


def build_events(composition: Composition, metronome: bool = False) -> list[Event]:
    """Everything the player or the renderer sends, sorted by (tick, off-before-on)."""
    events = note_events(composition)
    if metronome:
        end = composition.end or composition.ticks_per_bar
        events = sorted(events + click_events(composition, 0, end))
    return events
