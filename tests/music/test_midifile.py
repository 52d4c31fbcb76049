import io
import struct

import mido
import pytest

from deepcomposer_desktop.music.edit import resolve_overlaps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepcomposer_desktop.errors import InvalidMidiError
from deepcomposer_desktop.music import Composition, Key, Note, Tempo, load_sample
from deepcomposer_desktop.music.midifile import midi_bytes, read_midi, read_midi_bytes, write_midi


def _smf(tracks, ppq=96, fmt=1):
    mid = mido.MidiFile(type=fmt, ticks_per_beat=ppq)
    for msgs in tracks:
        mid.tracks.append(mido.MidiTrack(msgs))
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def on(note, t=0, vel=100, ch=0):
    return mido.Message("note_on", note=note, velocity=vel, time=t, channel=ch)


def off(note, t=0, ch=0):
    return mido.Message("note_off", note=note, time=t, channel=ch)


def test_sample_round_trip_keeps_everything(tmp_path):
    comp = load_sample("greensleeves")
    comp.add_track("Drums", is_drum=True, notes=[Note(0, 36, 120, 110), Note(480, 38, 120, 90)])
    comp.tracks[0].program, comp.tracks[0].volume, comp.tracks[0].pan = 40, 90, 30
    comp.tempos.append(Tempo.from_bpm(1440 * 4, 72))
    path = write_midi(comp, tmp_path / "g.mid")
    back = read_midi(path)
    assert back.ppq == comp.ppq and back.time_signature == (3, 4) and back.key == Key(9, "minor")
    assert back.tempos == comp.tempos and back.title == comp.title
    assert [(t.name, t.program, t.channel, t.is_drum, t.volume, t.pan) for t in back.tracks] == \
        [(t.name, t.program, t.channel, t.is_drum, t.volume, t.pan) for t in comp.tracks]
    assert [t.sorted_notes() for t in back.tracks] == [t.sorted_notes() for t in comp.tracks]


def test_export_is_type_1_with_conductor_and_end_of_track():
    mid = mido.MidiFile(file=io.BytesIO(midi_bytes(load_sample("twinkle"))))
    assert mid.type == 1 and len(mid.tracks) == 2
    conductor = [m.type for m in mid.tracks[0]]
    assert "set_tempo" in conductor and "time_signature" in conductor
    assert not any(m.type.startswith("note") for m in mid.tracks[0])
    tempo = next(m for m in mid.tracks[0] if m.type == "set_tempo")
    assert mido.tempo2bpm(tempo.tempo) == pytest.approx(100)
    for t in mid.tracks:
        assert t[-1].type == "end_of_track"
    kinds = [m.type for m in mid.tracks[1]]
    assert kinds[:2] == ["track_name", "program_change"]


def test_running_status_and_velocity_zero_note_off():
    # Hand-written track chunk: running status note-ons, the second with velocity 0.
    body = bytes([0x00, 0x90, 60, 100, 0x60, 60, 0, 0x00, 62, 90, 0x60, 62, 0,
                  0x00, 0xFF, 0x2F, 0x00])
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", len(body)) + body
    comp = read_midi_bytes(data)
    assert comp.tracks[0].sorted_notes() == [Note(0, 60, 96, 100), Note(96, 62, 96, 90)]


def test_overlapping_notes_of_one_pitch_are_resolved_as_a_daw_plays_them():
    """A note-on while the pitch sounds ends the sounding note; its note-off is then
    the next one and is ignored (a notation program's export: on, on, off, off)."""
    data = _smf([[on(60, 0), on(60, 48), off(60, 48), off(60, 48)]])
    assert read_midi_bytes(data).tracks[0].sorted_notes() == [Note(0, 60, 48), Note(48, 60, 96)]
    # The usual order of a repeated note (on, on and off at one tick) stays two notes.
    data = _smf([[on(62, 0), on(62, 96), off(62, 0), off(62, 96)]])
    assert read_midi_bytes(data).tracks[0].sorted_notes() == [Note(0, 62, 96), Note(96, 62, 96)]


def test_unterminated_note_is_closed_at_end_of_track():
    data = _smf([[on(60, 0), on(64, 0), off(64, 96), mido.Message("control_change", time=200)]])
    assert read_midi_bytes(data).tracks[0].sorted_notes() == [Note(0, 60, 296), Note(0, 64, 96)]


def test_type0_splits_channels_keeps_programs_and_drums():
    msgs = [mido.MetaMessage("track_name", name="Song"),
            mido.Message("program_change", channel=0, program=73),
            mido.Message("program_change", channel=1, program=32),
            on(72, 0, ch=0), on(40, 0, ch=1), on(36, 0, ch=9),
            off(72, 96, ch=0), off(40, 0, ch=1), off(36, 0, ch=9)]
    comp = read_midi_bytes(_smf([msgs], fmt=0))
    by_ch = {t.channel: t for t in comp.tracks}
    assert by_ch[0].program == 73 and by_ch[1].program == 32
    assert by_ch[9].is_drum and by_ch[9].notes == [Note(0, 36, 96)]
    assert len({t.name for t in comp.tracks}) == 3


def test_several_tempos_and_names():
    conductor = [mido.MetaMessage("set_tempo", tempo=500000),
                 mido.MetaMessage("set_tempo", tempo=1000000, time=192),
                 mido.MetaMessage("time_signature", numerator=6, denominator=8)]
    part = [mido.MetaMessage("track_name", name="Flute"), on(72), off(72, 384)]
    comp = read_midi_bytes(_smf([conductor, part]))
    assert [t.bpm for t in comp.tempos] == [120, 60]
    assert comp.time_signature == (6, 8) and comp.tracks[0].name == "Flute"
    assert comp.seconds == pytest.approx(1 + 2)


# --- bad input -------------------------------------------------------------------
def _header(fmt=1, ntracks=1, ppq=96):
    return b"MThd" + struct.pack(">IHHH", 6, fmt, ntracks, ppq)


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"RIFF....WAVEfmt ", "not a MIDI"),
    (_header(ppq=0) + b"MTrk\x00\x00\x00\x04\x00\xff\x2f\x00", "PPQ"),
    (_header(ntracks=10000), "10000 tracks"),
    (_header() + b"MTrk\x00\x00\x10\x00\x00\x90\x3c", "truncated"),
    (_header(ntracks=3) + b"MTrk\x00\x00\x00\x04\x00\xff\x2f\x00", "truncated"),
    (_header(ppq=0xE728), "SMPTE"),
])
def test_bad_files_raise_one_clear_error(data, words):
    with pytest.raises(InvalidMidiError, match=words):
        read_midi_bytes(data)


def test_a_million_events_is_refused_quickly():
    one = bytes([0x00, 0x90, 60, 100])
    body = one + bytes([0x00, 60, 100]) * 1_000_001 + b"\x00\xff\x2f\x00"
    data = _header() + b"MTrk" + struct.pack(">I", len(body)) + body
    with pytest.raises(InvalidMidiError, match="more than 1,000,000 events"):
        read_midi_bytes(data)


def test_huge_file_refused_before_reading(tmp_path):
    path = tmp_path / "huge.mid"
    with open(path, "wb") as fh:
        fh.write(_header())
        fh.truncate(51 * 1024 * 1024)
    with pytest.raises(InvalidMidiError, match="50 MB"):
        read_midi(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidMidiError, match="cannot read"):
        read_midi(tmp_path / "nope.mid")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_fuzz_random_bytes_never_crash(data):
    try:
        read_midi_bytes(data)
    except InvalidMidiError:
        pass


VALID = midi_bytes(load_sample("ode-to-joy"))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), max_size=12),
       st.integers(14, len(VALID)))
def test_fuzz_mutated_real_file_never_crash(flips, cut):
    data = bytearray(VALID[:cut])
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    try:
        comp = read_midi_bytes(bytes(data))
    except InvalidMidiError:
        return
    assert all(0 <= n.pitch <= 127 for t in comp.tracks for n in t.notes)


# --- export -> import is exact ----------------------------------------------------
note_st = st.builds(Note, start=st.integers(0, 5000), pitch=st.integers(0, 127),
                    duration=st.integers(1, 2000), velocity=st.integers(1, 127))


@settings(max_examples=150, deadline=None)
@given(
    tracks=st.lists(st.tuples(st.lists(note_st, min_size=1, max_size=30),
                              st.integers(0, 127), st.booleans()), min_size=1, max_size=5),
    ppq=st.sampled_from([24, 96, 480, 960]),
    bpms=st.lists(st.integers(20, 300), min_size=1, max_size=3),
    sig=st.sampled_from([(4, 4), (3, 4), (6, 8), (5, 4), (7, 8), (2, 2)]),
)
def test_export_import_round_trip_is_exact(tracks, ppq, bpms, sig):
    comp = Composition(ppq=ppq, time_signature=sig, key=Key(7, "minor"), title="prop",
                       tempos=[Tempo.from_bpm(i * ppq * 4, b) for i, b in enumerate(bpms)])
    for i, (notes, program, drum) in enumerate(tracks):
        comp.add_track(f"T{i}", program, is_drum=drum and not any(t.is_drum for t in comp.tracks),
                       notes=notes)
    back = read_midi_bytes(midi_bytes(comp))
    assert back.tempos == comp.tempos and back.time_signature == sig and back.key == comp.key
    assert len(back.tracks) == len(comp.tracks)
    for a, b in zip(comp.tracks, back.tracks):
        assert (a.name, a.program, a.channel, a.is_drum) == (b.name, b.program, b.channel, b.is_drum)
        assert resolve_overlaps(a.notes) == sorted(b.notes)


def test_nested_notes_of_one_pitch_are_written_as_they_sound():
    comp = Composition(ppq=96)
    comp.add_track("x", notes=[Note(0, 60, 200), Note(50, 60, 50)])
    back = read_midi_bytes(midi_bytes(comp)).tracks[0].notes
    assert sorted(back) == [Note(0, 60, 50), Note(50, 60, 50)]


def test_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "song.mid"
    path.write_bytes(b"old")
    import deepcomposer_desktop.fileio as fileio

    def boom(*a):
        raise OSError("disk full")

    monkeypatch.setattr(fileio.os, "fsync", boom)
    with pytest.raises(OSError):
        write_midi(load_sample("twinkle"), path)
    assert path.read_bytes() == b"old" and list(tmp_path.iterdir()) == [path]
