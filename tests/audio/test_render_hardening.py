"""Issue 18, items 6 and 9 (sound): render in blocks, so memory does not grow with the
song's length; a song past the bounds is refused before any buffer is sized; a
damaged SoundFont gives one line on stderr (libinstpatch's own lines silenced) and
`devices` says it is damaged."""

from __future__ import annotations

import contextlib
import io
import json
import os
import struct
import subprocess
import sys
import tracemalloc
import wave

import numpy as np
import pytest

from deepcomposer_desktop.audio.render import BLOCK_SECONDS, render, render_array, render_blocks
from deepcomposer_desktop.audio.soundfonts import validate_soundfont
from deepcomposer_desktop.audio.wav import WavWriter, read_wav, wav_bytes
from deepcomposer_desktop.cli import main as cli
from deepcomposer_desktop.errors import InvalidInputError, MissingResourceError
from deepcomposer_desktop.music import Composition, Note, Tempo, load_sample

RATE = 22050


def _run(args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli(args)
    return rc, out.getvalue(), err.getvalue()


def _sparse(minutes: float) -> Composition:
    """A long song of few notes (the renderer's buffer used to follow its length)."""
    comp = Composition(tempos=[Tempo.from_bpm(0, 120)])
    beats = int(minutes * 120)
    comp.add_track("Piano", notes=[Note(b * 480, 60, 240) for b in range(0, beats, 16)])
    return comp


def test_render_memory_does_not_grow_with_the_song(soundfont, tmp_path):
    def peak(minutes: float) -> int:
        tracemalloc.start()
        try:
            render(_sparse(minutes), tmp_path / "x.wav", soundfont, samplerate=RATE)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    short, long = peak(0.5), peak(4.0)
    # 4 minutes as one float32 stereo array would be 42 MB; blocks are one second.
    assert long < 8 * 2**20 and long < 2 * short + 2**20, (short, long)
    with wave.open(str(tmp_path / "x.wav")) as w:  # the whole song, with its release tail
        assert _sparse(4.0).seconds < w.getnframes() / RATE < _sparse(4.0).seconds + 4.1


def test_blocks_are_a_second_and_join_to_the_whole(soundfont):
    comp = load_sample("mary")
    blocks = list(render_blocks(comp, soundfont, RATE))
    assert all(len(b) == int(BLOCK_SECONDS * RATE) for b in blocks[:-1])
    assert 0 < len(blocks[-1]) <= int(BLOCK_SECONDS * RATE)
    assert np.array_equal(np.concatenate(blocks), render_array(comp, soundfont, RATE))


def test_the_file_written_in_blocks_holds_the_same_samples(soundfont, tmp_path):
    comp = load_sample("twinkle")
    result = render(comp, tmp_path / "t.wav", soundfont, samplerate=RATE, sample_format="float32")
    samples, rate = read_wav((tmp_path / "t.wav").read_bytes())
    assert rate == RATE and np.array_equal(samples, render_array(comp, soundfont, RATE))
    assert result.seconds == pytest.approx(len(samples) / RATE)


def test_a_song_past_an_hour_is_refused_before_rendering(tmp_path):
    comp = Composition(tempos=[Tempo.from_bpm(0, 60)])
    comp.add_track("Drone", notes=[Note(0, 48, 480 * 3700)])
    with pytest.raises(InvalidInputError, match="the limit is 60"):
        render_blocks(comp)
    with pytest.raises(InvalidInputError, match="the limit is 60"):
        render(comp, tmp_path / "x.wav")
    assert os.listdir(tmp_path) == []


def test_the_streamed_header_has_the_real_sizes():
    buf = io.BytesIO()
    writer = WavWriter(buf, 8000, 2, "int16")
    for _ in range(3):
        writer.write(np.full((100, 2), 0.5, np.float32))
    writer.finish()
    with wave.open(io.BytesIO(buf.getvalue())) as w:
        assert w.getnframes() == 300 and w.getframerate() == 8000
    assert buf.getvalue() == wav_bytes(np.full((300, 2), 0.5, np.float32), 8000)


def test_render_shows_progress_when_asked(soundfont, tmp_path):
    rc, out, err = _run(["render", "sample:mary", "--output", str(tmp_path / "m.wav"),
                         "--progress"])
    assert rc == 0 and "wrote" in out
    lines = err.strip().splitlines()
    assert lines[0] == "Rendering 0%" and lines[-1] == "Rendering 100%"
    rc, _, err = _run(["render", "sample:mary", "--output", str(tmp_path / "n.wav")])
    assert rc == 0 and err == ""  # not a terminal, not asked: stderr stays empty


# --- SoundFonts -----------------------------------------------------------------------
def _riff(body: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"sfbk" + body


def _chunk(cid: bytes, data: bytes) -> bytes:
    return cid + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) & 1)


@pytest.mark.parametrize("body, words", [
    (b"LIST" + bytes(60), "no 'INFO' list"),
    (_chunk(b"LIST", b"INFO") + _chunk(b"LIST", b"sdta"), "no 'pdta' list"),
    (_chunk(b"LIST", b"INFO") + _chunk(b"LIST", b"sdta") + _chunk(b"LIST", b"pdta"),
     "no 'phdr' chunk"),
    (_chunk(b"LIST", b"INFO") + _chunk(b"LIST", b"sdta")
     + _chunk(b"LIST", b"pdta" + _chunk(b"phdr", bytes(37))), "'phdr' chunk has a broken size"),
    (_chunk(b"LIST", b"INFO") + b"LIST" + struct.pack("<I", 10**6) + b"sdta",
     "runs past the end"),
])
def test_a_damaged_soundfont_structure_is_named(tmp_path, body, words):
    path = tmp_path / "bad.sf2"
    path.write_bytes(_riff(body))
    with pytest.raises(MissingResourceError, match=words):
        validate_soundfont(path)


def _hollow(tmp_path):
    """Whole on the outside, every chunk in place, but no instrument in it:
    FluidSynth (through libinstpatch) refuses to load it."""
    sys.path.insert(0, os.path.dirname(__file__))
    from test_soundfonts import WHOLE
    path = tmp_path / "hollow.sf2"
    path.write_bytes(_riff(WHOLE))
    return path


@pytest.mark.parametrize("font", ["structure", "hollow"])
def test_a_damaged_soundfont_is_one_line_of_stderr_exit_4(soundfont, tmp_path, font):
    path = tmp_path / "bad.sf2"
    if font == "hollow":
        path = _hollow(tmp_path)
    else:
        path.write_bytes(_riff(b"LIST" + bytes(992)))
    done = subprocess.run([sys.executable, "-m", "deepcomposer_desktop", "render", "sample:twinkle",
                           "--output", str(tmp_path / "t.wav"), "--soundfont", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 4 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert str(path.name) in done.stderr and not (tmp_path / "t.wav").exists()


def test_devices_says_a_damaged_soundfont_is_damaged(tmp_path):
    path = tmp_path / "bad.sf2"
    path.write_bytes(_riff(b"LIST" + bytes(992)))
    rc, out, _ = _run(["devices", "--soundfont", str(path), "--midi-backend", "no.such.backend"])
    assert rc == 0 and "DAMAGED" in out and "no 'INFO' list" in out
    rc, out, _ = _run(["devices", "--soundfont", str(path), "--json",
                       "--midi-backend", "no.such.backend"])
    report = json.loads(out)
    assert report["soundfont"] == str(path) and report["soundfont_ok"] is False
    assert "damaged" in report["soundfont_problem"]
