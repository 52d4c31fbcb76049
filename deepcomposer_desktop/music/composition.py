"""The one model of a song: notes in ticks, tracks, a tempo map, a metre and a key.

Plain Python objects: input devices write them, generators read and
extend them, the piano roll draws them, the player sounds them, the exporter saves
them. Nothing else keeps a second copy of the song.
"""

from __future__ import annotations

import bisect
import copy
import math
from dataclasses import dataclass, field, replace

from .chords import ChordChange
from .keys import Key

DEFAULT_PPQ = 480
DRUM_CHANNEL = 9  # MIDI channel 10, counted from zero
MELODIC_CHANNELS = tuple(ch for ch in range(16) if ch != DRUM_CHANNEL)


@dataclass(frozen=True, order=True, slots=True)
class Note:
    """One note: start and duration in ticks of the composition's PPQ.

    Frozen so that an edit is always a replacement, which keeps undo honest.
    Ordered by (start, pitch, duration, velocity) so sorted lists are canonical.
    """

    start: int
    pitch: int
    duration: int
    velocity: int = 100

    def __post_init__(self) -> None:
        if not 0 <= self.pitch <= 127:
            raise ValueError(f"pitch {self.pitch} is outside MIDI's 0-127")
        if not 1 <= self.velocity <= 127:
            raise ValueError(f"velocity {self.velocity} is outside 1-127")
        if self.start < 0 or self.duration < 1:
            raise ValueError(f"note at {self.start} lasting {self.duration} ticks is invalid")

    @property
    def end(self) -> int:
        return self.start + self.duration

    def moved(self, *, start: int | None = None, pitch: int | None = None,
              duration: int | None = None, velocity: int | None = None) -> "Note":
        return Note(
            self.start if start is None else start,
            self.pitch if pitch is None else pitch,
            self.duration if duration is None else duration,
            self.velocity if velocity is None else velocity,
        )


@dataclass(slots=True)
class Track:
    """An instrument's part. `program` is the General MIDI program (0-127)."""

    name: str = "Track"
    program: int = 0
    channel: int = 0
    is_drum: bool = False
    notes: list[Note] = field(default_factory=list)
    mute: bool = False
    solo: bool = False
    volume: int = 100  # MIDI CC7, 0-127
    pan: int = 64  # MIDI CC10, 0 left, 64 centre, 127 right
    color: str = ""  # "#rrggbb"; empty means the view picks one from its palette

    def __post_init__(self) -> None:
        if not 0 <= self.program <= 127:
            raise ValueError(f"program {self.program} is outside 0-127")
        if not 0 <= self.channel <= 15:
            raise ValueError(f"channel {self.channel} is outside 0-15")
        if self.is_drum:
            self.channel = DRUM_CHANNEL

    def sorted_notes(self) -> list[Note]:
        return sorted(self.notes)

    @property
    def end(self) -> int:
        return max((n.end for n in self.notes), default=0)

    def copy(self, notes: list[Note] | None = None) -> "Track":
        new = replace(self, notes=list(self.notes if notes is None else notes))
        return new


@dataclass(frozen=True, order=True, slots=True)
class Tempo:
    """A tempo change at `tick`, kept as MIDI keeps it (microseconds per quarter)
    so that a file's tempo survives a round trip bit for bit."""

    tick: int
    usec_per_beat: int

    def __post_init__(self) -> None:
        # MIDI stores tempo in 24 bits: 1 us .. 16.7 s per quarter note.
        if self.tick < 0 or not 1 <= self.usec_per_beat <= 0xFFFFFF:
            raise ValueError(f"invalid tempo {self.usec_per_beat} us/beat at tick {self.tick}")

    @classmethod
    def from_bpm(cls, tick: int, bpm: float) -> "Tempo":
        if not 1.0 <= bpm <= 1000.0:
            raise ValueError(f"tempo {bpm} bpm is outside 1-1000")
        return cls(tick, round(60_000_000 / bpm))

    @property
    def bpm(self) -> float:
        return 60_000_000 / self.usec_per_beat


@dataclass(slots=True)
class Composition:
    tracks: list[Track] = field(default_factory=list)
    ppq: int = DEFAULT_PPQ
    tempos: list[Tempo] = field(default_factory=lambda: [Tempo.from_bpm(0, 120.0)])
    time_signature: tuple[int, int] = (4, 4)
    key: Key | None = None
    title: str = "Untitled"
    chords: list[ChordChange] = field(default_factory=list)  # the chord track, by tick

    def __post_init__(self) -> None:
        self.chords = sorted(self.chords)
        if self.ppq < 1:
            raise ValueError("PPQ must be positive")
        num, den = self.time_signature
        if num < 1 or den < 1 or den & (den - 1):
            raise ValueError(f"time signature {num}/{den} is invalid")
        self.tempos = sorted(self.tempos) or [Tempo.from_bpm(0, 120.0)]
        if self.tempos[0].tick != 0:
            self.tempos.insert(0, Tempo(0, self.tempos[0].usec_per_beat))

    # --- metre -------------------------------------------------------------------
    @property
    def ticks_per_beat(self) -> int:
        """Ticks per notated beat (the time signature's denominator)."""
        return self.ppq * 4 // self.time_signature[1]

    @property
    def ticks_per_bar(self) -> int:
        num, den = self.time_signature
        return self.ppq * 4 * num // den

    @property
    def end(self) -> int:
        return max((t.end for t in self.tracks), default=0)

    @property
    def bars(self) -> int:
        return math.ceil(self.end / self.ticks_per_bar) if self.end else 0

    @property
    def bpm(self) -> float:
        return self.tempos[0].bpm

    # --- time ----------------------------------------------------------------------
    def seconds_at(self, tick: int | float) -> float:
        """Seconds from the start to `tick`, following the tempo map."""
        seconds, prev = 0.0, self.tempos[0]
        for tempo in self.tempos[1:]:
            if tempo.tick >= tick:
                break
            seconds += (tempo.tick - prev.tick) * prev.usec_per_beat / 1e6 / self.ppq
            prev = tempo
        return seconds + (tick - prev.tick) * prev.usec_per_beat / 1e6 / self.ppq

    def tick_at(self, seconds: float) -> float:
        """Inverse of seconds_at (a float tick; round as the caller needs)."""
        elapsed, prev = 0.0, self.tempos[0]
        for tempo in self.tempos[1:]:
            span = (tempo.tick - prev.tick) * prev.usec_per_beat / 1e6 / self.ppq
            if elapsed + span > seconds:
                break
            elapsed += span
            prev = tempo
        return prev.tick + (seconds - elapsed) * 1e6 * self.ppq / prev.usec_per_beat

    def tempo_at(self, tick: int) -> Tempo:
        i = bisect.bisect_right([t.tick for t in self.tempos], tick) - 1
        return self.tempos[max(i, 0)]

    @property
    def seconds(self) -> float:
        return self.seconds_at(self.end)

    # --- tracks --------------------------------------------------------------------
    def free_channel(self) -> int:
        """A channel for a new melodic track: the lowest one no track uses, never the
        drum channel. When all 15 are taken, the one fewest tracks share (the lowest
        of those), so tracks spread evenly over the 15 as they keep coming."""
        sharing = {ch: 0 for ch in MELODIC_CHANNELS}
        for t in self.tracks:
            if t.channel in sharing:
                sharing[t.channel] += 1
        return min(MELODIC_CHANNELS, key=lambda ch: (sharing[ch], ch))

    def add_track(self, name: str, program: int = 0, *, is_drum: bool = False,
                  notes: list[Note] | None = None) -> Track:
        channel = DRUM_CHANNEL if is_drum else self.free_channel()
        track = Track(name=name, program=program, channel=channel, is_drum=is_drum,
                      notes=list(notes or []))
        self.tracks.append(track)
        return track

    def audible_tracks(self) -> list[Track]:
        """Tracks that sound: solo wins over mute, as in every DAW."""
        soloed = [t for t in self.tracks if t.solo]
        return soloed if soloed else [t for t in self.tracks if not t.mute]

    def copy(self) -> "Composition":
        return copy.deepcopy(self)

    def summary(self) -> dict:
        """What `deepcomposer info --json` prints."""
        return {
            "title": self.title,
            "ppq": self.ppq,
            "tempo_bpm": round(self.bpm, 3),
            "tempo_map": [{"tick": t.tick, "bpm": round(t.bpm, 3)} for t in self.tempos],
            "time_signature": f"{self.time_signature[0]}/{self.time_signature[1]}",
            "key": self.key.name if self.key else None,
            "bars": self.bars,
            "seconds": round(self.seconds, 3),
            "tracks": [
                {
                    "name": t.name,
                    "program": t.program,
                    "channel": t.channel,
                    "is_drum": t.is_drum,
                    "notes": len(t.notes),
                }
                for t in self.tracks
            ],
        }


def on_free_channels(tracks: list[Track], existing: list[Track]) -> list[Track]:
    """Copies of `tracks` to add beside `existing`, each melodic one on a channel no
    track uses yet (Composition.free_channel; drums stay on 10)."""
    taken = Composition(tracks=list(existing))
    out = []
    for track in tracks:
        copy = track.copy()
        if not copy.is_drum:
            copy.channel = taken.free_channel()
        taken.tracks.append(copy)
        out.append(copy)
    return out

