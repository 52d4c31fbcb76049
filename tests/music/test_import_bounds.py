"""Issue 18, item 3: import validates what the rest of the app relies on (a tempo
above 0, a time signature whose denominator is 1-64, note times and lengths within
what can be rendered, shown and written back: music/limits.py), so a file that
opens never fails later; projects load with the same bounds."""

from __future__ import annotations

import contextlib
import io
import struct

import pytest

from deepcomposer_desktop.cli import main as cli
from deepcomposer_desktop.errors import InvalidInputError, InvalidMidiError
from deepcomposer_desktop.music import Composition, Note, Tempo, load_sample
from deepcomposer_desktop.music.limits import MAX_SECONDS, MAX_TICK, check_song
from deepcomposer_desktop.music.midifile import midi_bytes, read_midi_bytes


def _varlen(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _smf(track: bytes, ppq: int = 480) -> bytes:
    track += b"\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, ppq) + b"MTrk" + struct.pack(">I", len(track)) + track


NOTE = b"\x00\x90\x3c\x60" + _varlen(480) + b"\x80\x3c\x40"
# The issue's reproduction: a header, one track `00 FF 58 04 04 14 18 08`, a note, its end.
DENOMINATOR_2_20 = _smf(bytes.fromhex("00FF5804041418 08") + NOTE)


def _run(args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli(args)
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("data, words", [
    (DENOMINATOR_2_20, "time signature 4/1048576 is not supported"),
    (_smf(bytes.fromhex("00FF5804040C1808") + NOTE), "time signature 4/4096"),
    (_smf(bytes.fromhex("00FF5804030318 08") + NOTE, ppq=1), "needs a PPQ of at least 2"),
    (_smf(b"\x00\xff\x51\x03\x00\x00\x00" + NOTE), "tempo of 0 at tick 0"),
    (_smf(_varlen(2**28 - 1) + b"\x90\x3c\x60" + _varlen(480) + b"\x80\x3c\x40"),
     "beyond the 268,435,455 a MIDI file can hold"),
    (_smf(b"\x00\x90\x3c\x60" + _varlen(14400 * 480) + b"\x80\x3c\x40"),  # a 2-hour note
     "lasts 120 minutes; the limit is 60"),
    (_smf(b"\x00\xff\x51\x03\x00\x00\x01" + b"\x00\x90\x3c\x60" + _varlen(61_000 * 480)
          + b"\x80\x3c\x40"), "lasts 61,000 beats; the limit is 60,000"),
])
def test_files_that_would_crash_later_are_refused_on_import(data, words):
    with pytest.raises(InvalidMidiError, match=words):
        read_midi_bytes(data)


@pytest.mark.parametrize("command", [
    ["info", "{}"], ["info", "{}", "--json"],
    ["generate", "--input", "{}", "--output", "{}.out.mid"],
    ["generate", "--mode", "arcnn", "--input", "{}", "--output", "{}.out.mid"],
    ["render", "{}", "--output", "{}.wav"],
    ["train", "--dataset", "{dir}", "--output", "{dir}/m"],
])
def test_the_issues_file_is_exit_3_with_one_line_in_every_command(tmp_path, command):
    path = tmp_path / "metre.mid"
    path.write_bytes(DENOMINATOR_2_20)
    args = [a.replace("{dir}", str(tmp_path)).replace("{}", str(path)) for a in command]
    rc, out, err = _run(args)
    assert rc == 3 and err.count("\n") == 1, err
    assert ("time signature" in err) or ("usable" in err and "metre.mid" in err)


def test_songs_within_the_bounds_import_and_round_trip():
    long = Composition(tempos=[Tempo.from_bpm(0, 60)])  # 59 minutes at 60 bpm
    long.add_track("Drone", notes=[Note(0, 48, 480 * 59 * 60)])
    for comp in (long, load_sample("greensleeves")):
        check_song(comp)
        back = read_midi_bytes(midi_bytes(comp))
        assert back.tracks[0].notes == comp.tracks[0].notes
    assert long.seconds < MAX_SECONDS


def test_check_song_refuses_songs_built_in_code_beyond_the_bounds():
    comp = Composition()
    comp.add_track("x", notes=[Note(MAX_TICK, 60, 10)])
    with pytest.raises(InvalidInputError, match="MIDI file can hold"):
        check_song(comp)
    with pytest.raises(InvalidInputError, match="not supported"):
        check_song(Composition(time_signature=(4, 128)))
