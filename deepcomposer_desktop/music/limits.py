"""The bounds a song keeps so that every part of the app can play, render, show and
export it. MIDI import and project loading check them with the same numbers, so a
song that opens never fails later (a ZeroDivisionError in the bar ruler, a 92 GB
render buffer, a MIDI file that cannot be written back).

- PPQ 1-32767: the 15 bits of a MIDI file's division field.
- Time signature: numerator 1-255 (a MIDI byte), denominator 1-64 (a power of two),
  and at least one tick per notated beat.
- Every tick (notes' ends, tempo changes, chords) within 2^28 - 1, the largest delta
  time a MIDI file holds, within 60 000 beats (an hour at 1000 bpm) and 20 000 bars
  (an hour of 2/4 at 660 bpm), so that piano rolls, step counts, bar rulers and the
  chords a bar stay small whatever the metre.
- At most an hour of music: its WAV at 96 kHz in 32-bit float stays under RIFF's 4 GB.
- At most 1024 tracks and 2 000 000 notes.
"""

from __future__ import annotations

from ..errors import InvalidInputError

MAX_PPQ = 32767
MAX_TRACKS = 1024
MAX_NOTES = 2_000_000
MAX_NUMERATOR = 255
DENOMINATORS = (1, 2, 4, 8, 16, 32, 64)
MAX_TICK = 0x0FFFFFFF
MAX_BEATS = 60_000
MAX_BARS = 20_000
MAX_SECONDS = 3600.0


def time_signature_problem(num: int, den: int, ppq: int) -> str | None:
    """Why `num`/`den` cannot be used at `ppq`, or None."""
    if den not in DENOMINATORS or not 1 <= num <= MAX_NUMERATOR:
        return (f"time signature {num}/{den} is not supported (numerator 1-{MAX_NUMERATOR}, "
                f"denominator 1, 2, 4 ... 64)")
    if ppq * 4 < den:
        return f"time signature {num}/{den} needs a PPQ of at least {-(-den // 4)}, not {ppq}"
    return None


def last_tick(comp) -> int:
    """The latest tick anything of `comp` happens at (notes' ends, tempos, chords)."""
    ticks = [comp.end, comp.tempos[-1].tick if comp.tempos else 0]
    chords = getattr(comp, "chords", None)
    if chords:
        ticks.append(max(c.tick for c in chords))
    return max(ticks)


def check_song(comp) -> None:
    """InvalidInputError naming the first bound `comp` breaks (see the module)."""
    if not 1 <= comp.ppq <= MAX_PPQ:
        raise InvalidInputError(f"PPQ {comp.ppq} is outside 1-{MAX_PPQ}")
    problem = time_signature_problem(*comp.time_signature, comp.ppq)
    if problem:
        raise InvalidInputError(problem)
    if len(comp.tracks) > MAX_TRACKS:
        raise InvalidInputError(f"the song has {len(comp.tracks):,} tracks (more than {MAX_TRACKS})")
    notes = sum(len(t.notes) for t in comp.tracks)
    if notes > MAX_NOTES:
        raise InvalidInputError(f"the song has more than {MAX_NOTES:,} notes")
    last = last_tick(comp)
    if last > MAX_TICK:
        raise InvalidInputError(f"the song reaches tick {last:,}, beyond the {MAX_TICK:,} a MIDI "
                                "file can hold")
    if last > MAX_BEATS * comp.ppq:
        raise InvalidInputError(f"the song lasts {last / comp.ppq:,.0f} beats; the limit is "
                                f"{MAX_BEATS:,}")
    if last > MAX_BARS * comp.ticks_per_bar:
        raise InvalidInputError(f"the song lasts {last / comp.ticks_per_bar:,.0f} bars of "
                                f"{comp.time_signature[0]}/{comp.time_signature[1]}; the limit "
                                f"is {MAX_BARS:,}")
    seconds = comp.seconds_at(comp.end)
    if seconds > MAX_SECONDS:
        raise InvalidInputError(f"the song lasts {seconds / 60:,.0f} minutes; the limit is "
                                f"{MAX_SECONDS / 60:.0f}")
