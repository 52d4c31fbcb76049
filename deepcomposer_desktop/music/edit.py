"""Edits on notes and compositions: quantize, transpose, slice by bars, merge.

Every function returns new objects and leaves its input alone, so the caller can
keep the old version for undo.
"""

from __future__ import annotations

from fractions import Fraction

from .composition import Composition, Note, Tempo, Track


def grid_ticks(ppq: int, grid: Fraction | float | str) -> float:
    """Ticks per grid cell. `grid` is a note value as a fraction of a whole note:
    '1/16' (a sixteenth), '1/8t' (an eighth-note triplet), 0.25 ..."""
    triplet = isinstance(grid, str) and grid.lower().endswith("t")
    value = Fraction(grid[:-1] if triplet else grid) if isinstance(grid, str) else Fraction(grid)
    ticks = float(value * 4 * ppq)
    return ticks * 2 / 3 if triplet else ticks


def quantize(notes: list[Note], ppq: int, grid: Fraction | float | str = "1/16", *,
             strength: float = 1.0, swing: float = 0.0, ends: bool = False) -> list[Note]:
    """Move note starts toward the grid.

    strength 0..1 moves each start that fraction of the way (1 = hard quantize);
    swing 0..1 delays every second grid line by up to two thirds of a cell
    (0.5 gives the classic 2:1 triplet feel of a swung eighth); `ends` also snaps
    note ends, never shorter than one cell. Durations are kept otherwise.
    """
    if not 0 <= strength <= 1 or not 0 <= swing <= 1:
        raise ValueError("strength and swing go from 0 to 1")
    cell = grid_ticks(ppq, grid)
    if cell <= 0:
        raise ValueError("grid must be positive")

    def target(tick: int) -> float:
        index = round(tick / cell)
        t = index * cell
        if index % 2 == 1:
            t += swing * cell * 2 / 3
        return t

    out = []
    for n in notes:
        start = round(n.start + (target(n.start) - n.start) * strength)
        start = max(start, 0)
        if ends:
            end = round(n.end + (target(n.end) - n.end) * strength)
            duration = max(end - start, round(cell) if strength == 1 else 1)
        else:
            duration = n.duration
        out.append(n.moved(start=start, duration=max(duration, 1)))
    return sorted(out)


def transpose(notes: list[Note], semitones: int) -> list[Note]:
    """Shift pitches; notes pushed outside 0-127 are dropped rather than folded."""
    return sorted(n.moved(pitch=n.pitch + semitones) for n in notes
                  if 0 <= n.pitch + semitones <= 127)


def transpose_composition(comp: Composition, semitones: int) -> Composition:
    out = comp.copy()
    for t in out.tracks:
        if not t.is_drum:  # drum "pitches" are instruments, not notes
            t.notes = transpose(t.notes, semitones)
    if out.key is not None:
        out.key = out.key.transposed(semitones)
    return out


def slice_notes(notes: list[Note], start: int, end: int, *, shift: bool = True) -> list[Note]:
    """Notes sounding in [start, end), cut to that span (and moved to 0 if `shift`)."""
    out = []
    offset = start if shift else 0
    for n in notes:
        s, e = max(n.start, start), min(n.end, end)
        if e > s:
            out.append(n.moved(start=s - offset, duration=e - s))
    return sorted(out)


def slice_bars(comp: Composition, first_bar: int, last_bar: int) -> Composition:
    """Bars first_bar .. last_bar - 1 (zero-based) as a new composition that starts at 0."""
    if not 0 <= first_bar < last_bar:
        raise ValueError("need 0 <= first_bar < last_bar")
    start, end = first_bar * comp.ticks_per_bar, last_bar * comp.ticks_per_bar
    out = comp.copy()
    for t in out.tracks:
        t.notes = slice_notes(t.notes, start, end)
    # The tempo in force at `start` becomes the new first tempo.
    tempos = [Tempo(0, comp.tempo_at(start).usec_per_beat)]
    tempos += [Tempo(t.tick - start, t.usec_per_beat) for t in comp.tempos
               if start < t.tick < end]
    out.tempos = tempos
    return out


def merge(base: Composition, other: Composition, *, at_tick: int = 0) -> Composition:
    """`other`'s tracks added to `base` (rescaled to base's PPQ, starting at `at_tick`).
    Tracks with the same name and program are joined; others are appended with a
    free channel. The tempo map and metre of `base` win."""
    out = base.copy()
    scale = Fraction(base.ppq, other.ppq)
    for src in other.tracks:
        notes = [n.moved(start=at_tick + round(n.start * scale),
                         duration=max(1, round(n.duration * scale))) for n in src.notes]
        match = next((t for t in out.tracks
                      if t.name == src.name and t.program == src.program
                      and t.is_drum == src.is_drum), None)
        if match is not None:
            match.notes = sorted(match.notes + notes)
        else:
            new = Track(name=src.name, program=src.program, is_drum=src.is_drum,
                        channel=src.channel, notes=sorted(notes), volume=src.volume,
                        pan=src.pan)
            if not src.is_drum and any(t.channel == src.channel for t in out.tracks):
                new.channel = out.free_channel()
            out.tracks.append(new)
    return out


def resolve_overlaps(notes: list[Note]) -> list[Note]:
    """Notes of one pitch that overlap, resolved as a DAW plays them: a note ends
    where the next note of its pitch begins (MIDI cannot say otherwise, and a
    notation program's export often has a note-on while the pitch still sounds);
    a note that starts with another of its pitch is dropped."""
    out: list[Note] = []
    last: dict[int, int] = {}  # pitch -> index in out of its latest note
    for n in sorted(notes):
        i = last.get(n.pitch)
        if i is not None and out[i].end > n.start:
            if out[i].start == n.start:
                if n.end > out[i].end:
                    out[i] = n
                continue
            out[i] = out[i].moved(duration=n.start - out[i].start)
        last[n.pitch] = len(out)
        out.append(n)
    return sorted(out)

