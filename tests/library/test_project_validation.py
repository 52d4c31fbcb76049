"""Issue 18, item 7: projects are validated field by field on load, with the bounds
MIDI import uses; deep nesting and huge numbers are refused with a clear message
(InvalidInputError, never RecursionError or OverflowError); the autosave scan skips
an unreadable file, keeps it aside and still offers the others."""

from __future__ import annotations

import json
import os
import sys

import pytest

from deepcomposer_desktop.errors import InvalidInputError
from deepcomposer_desktop.library import load_project, recoverable, save_project
from deepcomposer_desktop.library.project import project_to_json
from deepcomposer_desktop.music import load_sample
from deepcomposer_desktop.music.serialize import composition_from_dict, composition_to_dict

BASE = composition_to_dict(load_sample("twinkle"))


def _project(composition=None, **envelope) -> str:
    data = {"format": "deepcomposer-project", "version": 1,
            "composition": BASE if composition is None else composition, "view": {}}
    data.update(envelope)
    return json.dumps(data)


def _with(path: str, value) -> dict:
    comp = json.loads(json.dumps(BASE))
    node = comp
    *parents, last = path.split(".")
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return comp


@pytest.mark.parametrize("text, words", [
    ('{"format": "deepcomposer-project", "version": 1, "composition": ' + "[" * 100_000
     + "]" * 100_000 + "}", "nested too deeply"),
    (_project(_with("ppq", 0)).replace('"ppq": 0', '"ppq": 1e400'), "ppq must be a whole number"),
    (_project(_with("ppq", 0)).replace('"ppq": 0', '"ppq": ' + "9" * 5000), "not a DeepComposer project"),
    (_project(_with("ppq", 40000)), "ppq 40000 is outside 1-32767"),
    (_project(_with("tracks.0.volume", 300)), "tracks.0.volume 300 is outside 0-127"),
    (_project(_with("tracks.0.pan", -5)), "tracks.0.pan -5 is outside 0-127"),
    (_project(_with("tracks.0.program", 1.5)), "tracks.0.program must be a whole number"),
    (_project(_with("tracks.0.mute", "false")), "tracks.0.mute must be true or false"),
    (_project(_with("tracks.0.color", "red")), "is not a colour"),
    (_project(_with("tracks.0.notes.0", [0, 60, 0, 100])), "duration 0 is outside"),
    (_project(_with("tracks.0.notes.0", [0, 60, 480])), "has 3 items; expected 4"),
    (_project(_with("time_signature", [4, 2**20])), "denominator 1048576 is outside 1-64"),
    (_project(_with("time_signature", [4, 3])), "time signature 4/3 is not supported"),
    (_project(_with("tempos", [[0, 0]])), "microseconds per beat 0 is outside"),
    (_project(_with("key", "H minor")), "is not a key"),
    (_project(_with("chords", [[0, "Q7"]])), "is not a chord symbol"),
    (_project(_with("tracks", [{"name": "t", "notes": []}] * 70_000)), "tracks has 70,000 items"),
    (_project(_with("tracks.0.notes.0", [0, 60, 480 * 7200, 100])), "lasts 72 minutes; the limit is 60"),
    (json.dumps({"format": "deepcomposer-project", "composition": BASE}), "no valid format version"),
    (_project(version=True), "no valid format version"),
    (_project(version=0), "no valid format version"),
    (_project(version=2), r"newer version \(format 2\)"),
    (_project(composition=[]), "not an object"),
])
def test_bad_projects_are_one_clear_invalid_input(tmp_path, text, words):
    path = tmp_path / "bad.dcproj"
    path.write_text(text)
    with pytest.raises(InvalidInputError, match=words):
        load_project(path)


def test_integral_floats_are_whole_numbers_and_the_round_trip_is_exact():
    comp = load_sample("greensleeves")
    data = composition_to_dict(comp)
    data["ppq"] = 480.0
    assert composition_from_dict(data) == comp
    assert composition_from_dict(composition_to_dict(comp)) == comp


def test_huge_integers_are_refused_by_name_not_printed_whole():
    with pytest.raises(InvalidInputError, match="a huge number") as info:
        composition_from_dict(_with("ppq", 10**400))
    assert len(str(info.value)) < 200


def test_the_autosave_scan_keeps_an_unreadable_file_aside_and_offers_the_others(tmp_path):
    folder = tmp_path / "autosave"
    folder.mkdir()
    good = folder / "autosave-999999-1.dcproj"
    good.write_text(project_to_json(load_sample("mary"), {"saved_at": 7.0, "source": 5}))
    (folder / "autosave-999998-1.dcproj").write_text(
        '{"format": "deepcomposer-project", "version": 1, "composition": ' + "[" * 50_000 + "}")
    (folder / "autosave-999997-1.dcproj").write_text(_project(_with("ppq", 0)).replace(
        '"ppq": 0', '"ppq": 1e400'))
    if sys.platform != "win32":
        os.mkfifo(folder / "autosave-999996-1.dcproj")
    found = recoverable(folder)
    assert [r.path for r in found] == [good] and found[0].saved_at == 7.0
    assert found[0].source == ""  # a source that is not text is not shown
    aside = sorted(p.name for p in (folder / "damaged").iterdir())
    assert "autosave-999998-1.dcproj" in aside and "autosave-999997-1.dcproj" in aside
    assert recoverable(folder) == found  # not tried again


def test_a_killed_save_leaves_nothing_the_next_save_keeps(tmp_path):
    target = tmp_path / "song.dcproj"
    for i in range(5):  # as 5 instances killed mid-save would leave them
        (tmp_path / f".song.dcproj.99999999{i}-abcdef.tmp").write_bytes(b"{" * 1000)
    save_project(load_sample("twinkle"), target)
    assert os.listdir(tmp_path) == ["song.dcproj"]
    assert load_project(target)[0] == load_sample("twinkle")
