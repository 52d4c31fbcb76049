"""Issue 18: a property of every reader. Mutated MIDI files and projects, fed to the
readers a user reaches (`deepcomposer info`, `read_midi`, a training folder, the
project loader, the autosave scan), give exit 0 or 3 only (one line of stderr for 3),
and the functions raise nothing but InvalidInputError. A few seconds; the long
campaign (20 000 files in process, 1 000 through the CLI) is
benchmarks/fuzz_campaign.py."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepcomposer_desktop.cli import main as cli
from deepcomposer_desktop.errors import InvalidInputError
from deepcomposer_desktop.library import load_project, recoverable
from deepcomposer_desktop.library.project import project_to_json
from deepcomposer_desktop.music import Note, load_sample
from deepcomposer_desktop.music.midifile import midi_bytes, read_midi

_twinkle = load_sample("twinkle")
_twinkle.add_track("Drums", is_drum=True, notes=[Note(i * 480, 36, 60) for i in range(8)])
MIDI_SEEDS = [midi_bytes(_twinkle), midi_bytes(load_sample("amazing-grace")),
              midi_bytes(load_sample("frere-jacques"))]
PROJECT_SEED = json.loads(project_to_json(load_sample("greensleeves"), {"saved_at": 1.0}))

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _info(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli(["info", str(path), "--json"])
    return rc, err.getvalue()


def _assert_contract(rc: int, err: str) -> None:
    assert rc in (0, 3), err
    assert err.count("\n") == (1 if rc else 0), err


# Byte edits: (position, new byte) flips, an insertion, a cut; positions wrap around.
edits = st.tuples(
    st.sampled_from(range(len(MIDI_SEEDS))),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6),
    st.one_of(st.none(), st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=8))),
    st.one_of(st.none(), st.integers(14, 10**6)),
)


def _mutate(seed: int, flips, insert, cut) -> bytes:
    data = bytearray(MIDI_SEEDS[seed])
    for pos, value in flips:
        data[pos % len(data)] = value
    if insert is not None:
        pos, blob = insert
        data[pos % len(data):pos % len(data)] = blob
    if cut is not None:
        del data[cut % len(data):]
    return bytes(data)


@SETTINGS
@given(edits)
def test_every_midi_reader_gives_exit_0_or_3(edit):
    work = Path(tempfile.mkdtemp())
    try:
        path = work / "song.mid"
        path.write_bytes(_mutate(*edit))
        rc, err = _info(path)
        _assert_contract(rc, err)
        try:
            read_midi(path)
            accepted = True
        except InvalidInputError:
            accepted = False
        assert accepted == (rc == 0)
        try:
            from deepcomposer_desktop.training.datasets import load_folder
        except ImportError:  # numpy is all it needs, but keep the property without training
            return
        try:
            load_folder(work)
        except InvalidInputError:
            pass
    finally:
        shutil.rmtree(work)


# Project edits: a field somewhere in the composition replaced by any JSON value.
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
              st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node[:3]):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(PROJECT_SEED) if p]


def _replace(data, path, value):
    data = json.loads(json.dumps(data))
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


@settings(SETTINGS, max_examples=40)
@given(st.lists(st.tuples(st.sampled_from(PATHS), json_values), min_size=1, max_size=3),
       st.sampled_from(["json", "deep", "cut"]))
def test_every_project_reader_gives_exit_0_or_3(changes, form):
    data = PROJECT_SEED
    for path, value in changes:
        try:
            data = _replace(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed the way there
    text = json.dumps(data)
    if form == "deep":
        text = text.replace('"view":', '"view": ' + "[" * 3000 + "]" * 3000 + ', "x":', 1)
    elif form == "cut":
        text = text[: len(text) * 2 // 3]
    work = Path(tempfile.mkdtemp())
    try:
        path = work / "song.dcproj"
        path.write_text(text)
        rc, err = _info(path)
        _assert_contract(rc, err)
        try:
            load_project(path)
            accepted = True
        except InvalidInputError:
            accepted = False
        assert accepted == (rc == 0)
        autosaves = work / "autosave"
        autosaves.mkdir()
        shutil.copy(path, autosaves / "autosave-999999-1.dcproj")
        found = recoverable(autosaves)
        assert len(found) == (1 if accepted else 0)
        assert (autosaves / "damaged" / "autosave-999999-1.dcproj").exists() == (not accepted)
    finally:
        shutil.rmtree(work)
