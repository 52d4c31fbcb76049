"""Standard MIDI files in and out (mido).

Import takes SMF type 0 and 1 and anything a user may hand us: a corrupt, truncated
or absurd file raises InvalidMidiError with one clear sentence, never a hang. A
cheap structural scan runs before mido so that a 10 000-track header or a file of
millions of events is refused in milliseconds instead of parsed for minutes.

Export writes type 1 as GarageBand and Logic expect: a conductor track (title,
tempo map, time signature, key), then one track per instrument with its name,
program change, volume and pan on its own channel, drums on channel 10.
"""

from __future__ import annotations

import io
import os
import struct
from collections import defaultdict, deque
from pathlib import Path

import mido

from ..errors import InvalidInputError, InvalidMidiError
from ..fileio import atomic_write_bytes, read_limited
from .composition import DRUM_CHANNEL, Composition, Note, Tempo, Track
from .chords import Chord, ChordChange
from .edit import resolve_overlaps
from .keys import Key
from .limits import check_song

MAX_BYTES = 50 * 1024 * 1024
MAX_EVENTS = 1_000_000
MAX_TRACKS = 1024
MAX_PPQ = 32767  # 15 bits: the top bit of the division field means SMPTE time


def _scan(data: bytes) -> None:
    """Check the chunk structure and count events without building messages."""
    if len(data) < 14 or data[:4] != b"MThd":
        raise InvalidMidiError("not a MIDI file (no 'MThd' header)")
    (length,) = struct.unpack(">I", data[4:8])
    if length < 6:
        raise InvalidMidiError("damaged MIDI header")
    fmt, ntracks, division = struct.unpack(">HHH", data[8:14])
    if fmt not in (0, 1, 2):
        raise InvalidMidiError(f"unknown MIDI file format {fmt}")
    if division & 0x8000:
        raise InvalidMidiError("SMPTE time division is not supported; save it with PPQ timing")
    if division == 0:
        raise InvalidMidiError("the file's PPQ (ticks per beat) is zero")
    if ntracks == 0:
        raise InvalidMidiError("the file has no tracks")
    if ntracks > MAX_TRACKS:
        raise InvalidMidiError(f"the file claims {ntracks} tracks (more than {MAX_TRACKS})")
    pos, events, found = 8 + length, 0, 0
    while pos + 8 <= len(data) and found < ntracks:
        kind = data[pos:pos + 4]
        (size,) = struct.unpack(">I", data[pos + 4:pos + 8])
        pos += 8
        if kind == b"MTrk":
            found += 1
            if pos + size > len(data):
                raise InvalidMidiError(f"the file is truncated in track {found}")
            events += _count_events(data, pos, pos + size, MAX_EVENTS - events)
            if events > MAX_EVENTS:
                raise InvalidMidiError(f"the file has more than {MAX_EVENTS:,} events")
        pos += size
    if found < ntracks:
        raise InvalidMidiError(f"the file is truncated: {found} of {ntracks} tracks present")


def _count_events(data: bytes, pos: int, end: int, budget: int) -> int:
    """Count events in one track chunk, stopping once past `budget`."""
    count, status = 0, 0
    while pos < end:
        while pos < end and data[pos] & 0x80:  # variable-length delta time
            pos += 1
        pos += 1
        if pos >= end:
            break
        byte = data[pos]
        if byte & 0x80:
            status = byte
            pos += 1
        elif status == 0:
            raise InvalidMidiError("damaged track data (data byte without a status)")
        if status == 0xFF:  # meta: type, varlen length, data
            pos += 1
            size, pos = _varlen(data, pos, end)
            pos += size
            status = 0
        elif status in (0xF0, 0xF7):  # SysEx
            size, pos = _varlen(data, pos, end)
            pos += size
            status = 0
        else:
            pos += 1 if 0xC0 <= status < 0xE0 else 2
        count += 1
        if count > budget:
            break
    return count


def _varlen(data: bytes, pos: int, end: int) -> tuple[int, int]:
    value = 0
    for _ in range(4):
        if pos >= end:
            raise InvalidMidiError("damaged track data (truncated length)")
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos
    raise InvalidMidiError("damaged track data (length too long)")


def read_midi_bytes(data: bytes, title: str = "Untitled") -> Composition:
    if len(data) == 0:
        raise InvalidMidiError("the file is empty")
    if len(data) > MAX_BYTES:
        raise InvalidMidiError(f"the file is {len(data) / 2**20:.0f} MB; the limit is 50 MB")
    _scan(data)
    try:
        mid = mido.MidiFile(file=io.BytesIO(data), clip=True)
    except InvalidMidiError:
        raise
    except Exception as exc:  # mido raises many kinds; the user needs one
        raise InvalidMidiError(f"damaged MIDI data ({exc})") from None
    comp = _to_composition(mid, title)
    try:  # what the rest of the app relies on: metre, length, ticks (music/limits.py)
        check_song(comp)
    except InvalidInputError as exc:
        raise InvalidMidiError(str(exc)) from None
    return comp


def read_midi(path: str | os.PathLike) -> Composition:
    """Import a MIDI file. Raises InvalidMidiError for anything unreadable."""
    path = Path(path)
    try:  # a regular file only (a FIFO would block, /dev/zero never ends), 50 MB at most
        data = read_limited(path, MAX_BYTES)
    except InvalidInputError as exc:
        raise InvalidMidiError(str(exc)) from None
    try:
        return read_midi_bytes(data, title=path.stem)
    except InvalidMidiError as exc:
        raise InvalidMidiError(f"{path.name}: {exc}") from None


def _to_composition(mid: mido.MidiFile, title: str) -> Composition:
    tempos: dict[int, int] = {}
    time_sig: tuple[int, int] | None = None
    key: Key | None = None
    song_title: str | None = None
    # (source track, channel) -> notes; per group: program, volume, pan
    groups: dict[tuple[int, int], list[Note]] = defaultdict(list)
    programs: dict[tuple[int, int], int] = {}
    controls: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    names: dict[int, str] = {}
    current_program: dict[tuple[int, int], int] = {}
    channel_program: dict[int, int] = {}  # a program set in another track still counts

    chords: list[ChordChange] = []
    for ti, track in enumerate(mid.tracks):
        tick = 0
        sounding: dict[tuple[int, int], deque] = defaultdict(deque)
        owed: dict[tuple[int, int], int] = defaultdict(int)  # note-offs of notes ended early
        for msg in track:
            tick += msg.time
            kind = msg.type
            if kind == "note_on" and msg.velocity > 0:
                queue = sounding[(msg.channel, msg.note)]
                if queue:  # as a DAW plays it: a new note-on ends the note sounding,
                    start, vel = queue.popleft()  # whose own note-off is then ignored
                    if tick > start:
                        groups[(ti, msg.channel)].append(Note(start, msg.note, tick - start, vel))
                    owed[(msg.channel, msg.note)] += 1
                queue.append((tick, msg.velocity))
                g = (ti, msg.channel)
                if g not in programs:  # the program in force at a group's first note
                    programs[g] = current_program.get(g, channel_program.get(msg.channel, 0))
            elif kind == "note_off" or kind == "note_on":
                if owed[(msg.channel, msg.note)]:
                    owed[(msg.channel, msg.note)] -= 1
                    continue
                queue = sounding.get((msg.channel, msg.note))
                if queue:
                    start, vel = queue.popleft()
                    groups[(ti, msg.channel)].append(
                        Note(start, msg.note, max(tick - start, 1), vel))
            elif kind == "program_change":
                current_program[(ti, msg.channel)] = msg.program
                channel_program[msg.channel] = msg.program
            elif kind == "control_change" and msg.control in (7, 10):
                controls[(ti, msg.channel)].setdefault(msg.control, msg.value)
            elif kind == "set_tempo":
                if msg.tempo == 0:  # no time would pass: every later second is infinite
                    raise InvalidMidiError(f"track {ti + 1} sets a tempo of 0 at tick {tick}")
                tempos.setdefault(tick, msg.tempo)
            elif kind == "time_signature" and time_sig is None:
                den = msg.denominator if msg.denominator & (msg.denominator - 1) == 0 else 4
                time_sig = (max(msg.numerator, 1), den)
            elif kind == "key_signature" and key is None:
                try:
                    key = Key.from_midi_name(msg.key)
                except ValueError:
                    pass
            elif kind == "marker" or (kind == "text" and ti == 0):
                try:  # a chord symbol written as a marker (ours, or a DAW's chord track)
                    chords.append(ChordChange(tick, Chord.parse(msg.text)))
                except ValueError:
                    pass
            elif kind == "track_name" and ti not in names:
                names[ti] = msg.name.strip()
                if ti == 0 and song_title is None:
                    song_title = names[ti]
        for (channel, pitch), queue in sounding.items():  # close unterminated notes
            for start, vel in queue:
                groups[(ti, channel)].append(Note(start, pitch, max(tick - start, 1), vel))

    comp = Composition(
        ppq=mid.ticks_per_beat,
        tempos=[Tempo(t, us) for t, us in sorted(tempos.items())] or [Tempo.from_bpm(0, 120)],
        time_signature=time_sig or (4, 4),
        key=key,
        title=title,
        chords=chords,
    )
    channels_per_track = defaultdict(int)
    for ti, _ch in groups:
        channels_per_track[ti] += 1
    for (ti, ch), notes in sorted(groups.items()):
        if not notes:
            continue
        name = names.get(ti) or ""
        if not name:
            name = _default_name(ch, programs.get((ti, ch), 0))
        elif channels_per_track[ti] > 1:  # a type-0 file: one track per channel
            name = f"{name} ch{ch + 1}"
        ctrl = controls.get((ti, ch), {})
        comp.tracks.append(Track(
            name=name, program=programs.get((ti, ch), 0), channel=ch, is_drum=ch == DRUM_CHANNEL,
            notes=sorted(notes), volume=ctrl.get(7, 100), pan=ctrl.get(10, 64),
        ))
    if song_title and mid.type == 1 and not any(ti == 0 for ti, _ in groups):
        comp.title = song_title  # a conductor track's name is the song's title
    return comp


def _default_name(channel: int, program: int) -> str:
    from .gm import program_name

    return "Drums" if channel == DRUM_CHANNEL else program_name(program)


def to_midi_file(comp: Composition) -> mido.MidiFile:
    mid = mido.MidiFile(type=1, ticks_per_beat=comp.ppq)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name=comp.title, time=0))
    num, den = comp.time_signature
    conductor.append(mido.MetaMessage("time_signature", numerator=num, denominator=den, time=0))
    if comp.key is not None:
        conductor.append(mido.MetaMessage("key_signature", key=comp.key.midi_name(), time=0))
    events = [(t.tick, mido.MetaMessage("set_tempo", tempo=t.usec_per_beat)) for t in comp.tempos]
    # The chord track as markers, which GarageBand, Logic and MuseScore show on the timeline.
    events += [(c.tick, mido.MetaMessage("marker", text=c.chord.symbol(comp.key)))
               for c in comp.chords]
    events.sort(key=lambda e: e[0])
    conductor.extend(_delta(events))
    mid.tracks.append(conductor)

    for track in comp.tracks:
        ch = DRUM_CHANNEL if track.is_drum else track.channel
        mt = mido.MidiTrack()
        mt.append(mido.MetaMessage("track_name", name=track.name, time=0))
        mt.append(mido.Message("program_change", channel=ch, program=track.program, time=0))
        mt.append(mido.Message("control_change", channel=ch, control=7, value=track.volume, time=0))
        mt.append(mido.Message("control_change", channel=ch, control=10, value=track.pan, time=0))
        # Offs sort before ons at one tick so a repeated note is not cut by its
        # predecessor's off; ons in start order so FIFO pairing on import matches.
        events = []
        for i, n in enumerate(resolve_overlaps(track.notes)):
            events.append((n.start, 1, i, mido.Message(
                "note_on", channel=ch, note=n.pitch, velocity=n.velocity)))
            events.append((n.end, 0, i, mido.Message(
                "note_off", channel=ch, note=n.pitch, velocity=64)))
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        mt.extend(_delta([(tick, msg) for tick, _o, _i, msg in events]))
        mid.tracks.append(mt)
    return mid


def _delta(events):
    """Absolute-tick (tick, msg) pairs to messages with delta times, plus end_of_track."""
    out, last = [], 0
    for tick, msg in sorted(events, key=lambda e: e[0]):
        out.append(msg.copy(time=tick - last))
        last = tick
    out.append(mido.MetaMessage("end_of_track", time=0))
    return out


def midi_bytes(comp: Composition) -> bytes:
    buf = io.BytesIO()
    to_midi_file(comp).save(file=buf)
    return buf.getvalue()


def write_midi(comp: Composition, path: str | os.PathLike) -> Path:
    """Export as SMF type 1, atomically (a crash never leaves half a file)."""
    return atomic_write_bytes(path, midi_bytes(comp))
