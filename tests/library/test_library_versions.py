"""Versions of a song (library/versions.py), in project files and in the SQLite
library: a preview never changes the song, keeping replaces what an earlier kept
version added instead of stacking, and everything survives a save and a reopen."""

from __future__ import annotations

import json
import sqlite3

import pytest

from deepcomposer_desktop.library import Library, load_project, save_project
from deepcomposer_desktop.library.project import load_project_versions, project_to_json
from deepcomposer_desktop.library.versions import Version, VersionHistory
from deepcomposer_desktop.music import Composition, Note, Track, load_sample


def _accompaniment(name: str, pitch: int, program: int = 52) -> list[Track]:
    return [Track(f"{name} {k}", program=program, channel=k + 1,
                  notes=[Note(i * 480, pitch - 5 * k, 480, 70) for i in range(8)])
            for k in range(3)]


def _version(mode: str, tracks: list[Track], song: Composition, seed: int = 1) -> Version:
    return Version(0, mode, f"{mode}-model", f"{mode} test", "bach-chorales", seed,
                   {"key_lock": True, "candidates": 4}, 0, song.tracks[0].name, 1000.0, 0.5,
                   "+3 tracks, 24 notes", "take" if mode != "gan" else "tracks", tracks,
                   input_ref=song.tracks[0])


def _apply(song: Composition, plan) -> None:
    """What the window's undo commands do with a KeepPlan."""
    for i in plan.remove:
        del song.tracks[i]
    song.tracks[plan.at:plan.at] = plan.insert
    if plan.replace is not None:
        i, removed, added = plan.replace
        notes = list(song.tracks[i].notes)
        for n in removed:
            notes.remove(n)
        song.tracks[i].notes = sorted(notes + added)


def test_a_preview_leaves_the_song_alone_and_keeping_replaces_instead_of_stacking():
    song = load_sample("twinkle")
    melody = list(song.tracks[0].notes)
    history = VersionHistory()
    v1 = history.add(_version("gan", _accompaniment("Bach", 60), song))
    v2 = history.add(_version("gan", _accompaniment("Monteverdi", 64), song, seed=2))
    assert (v1.number, v2.number) == (1, 2)
    shown = history.preview(song, 2)
    assert len(song.tracks) == 1 and song.tracks[0].notes == melody
    assert [t.name for t in shown.composition.tracks] == ["Melody", "Monteverdi 0",
                                                           "Monteverdi 1", "Monteverdi 2"]
    assert shown.composition.tracks[0] is song.tracks[0]  # the song's own track, not a copy
    assert len({t.channel for t in shown.composition.tracks}) == 4

    plan = history.keep_plan(song, 1)
    history.mark_kept(1, plan.insert)
    _apply(song, plan)
    assert len(song.tracks) == 4 and history.generated(song) == [1, 2, 3]
    assert history.kept_versions(song) == {1}
    assert history.default_input(song) == 0  # the melody, not a kept track
    # another genre: shown over the melody only, kept in place of v1's tracks
    shown = history.preview(song, 2)
    assert len(shown.composition.tracks) == 4 and shown.hidden == {1, 2, 3}
    plan = history.keep_plan(song, 2)
    history.mark_kept(2, plan.insert)
    _apply(song, plan)
    assert [t.name for t in song.tracks] == ["Melody", "Monteverdi 0", "Monteverdi 1",
                                             "Monteverdi 2"]
    assert history.kept_versions(song) == {2} and song.tracks[0].notes == melody


def test_a_take_replaces_the_input_tracks_notes():
    song = load_sample("twinkle")
    melody = list(song.tracks[0].notes)
    take = song.tracks[0].copy(notes=melody[2:] + [Note(melody[-1].end, 72, 240)])
    take.name = "Melody (AR-CNN take)"
    history = VersionHistory()
    history.add(_version("arcnn", [take], song))
    shown = history.preview(song, 1)
    assert len(shown.composition.tracks) == 1 and shown.hidden == {0}
    assert sorted(shown.composition.tracks[0].notes) == sorted(take.notes)
    assert song.tracks[0].notes == melody
    plan = history.keep_plan(song, 1)
    assert plan.replace[1] == sorted(melody[:2]) and len(plan.replace[2]) == 1
    _apply(song, plan)
    assert sorted(song.tracks[0].notes) == sorted(take.notes)


def test_versions_round_trip_through_a_project_file_and_old_files_still_open(tmp_path):
    song = load_sample("twinkle")
    history = VersionHistory()
    history.add(_version("gan", _accompaniment("Bach", 60), song, seed=11))
    history.add(_version("gan", _accompaniment("Palestrina", 62), song, seed=12))
    plan = history.keep_plan(song, 2)
    history.mark_kept(2, plan.insert)
    _apply(song, plan)
    path = save_project(song, tmp_path / "s.dcproj", versions=history.to_dict(song))
    back, _view = load_project(path)
    again = VersionHistory.from_dict(load_project_versions(path), back)
    assert [v.to_dict() for v in again] == [v.to_dict() for v in history]
    assert again.kept_versions(back) == {2} and again.generated(back) == [1, 2, 3]
    assert again.add(_version("gan", [], back)).number == 3  # numbers go on
    # a file from before versions: opens, without any
    old = tmp_path / "old.dcproj"
    old.write_text(project_to_json(load_sample("mary")))
    assert "versions" not in json.loads(old.read_text())
    comp, _ = load_project(old)
    assert load_project_versions(old) is None and len(VersionHistory.from_dict(None, comp)) == 0


def test_a_damaged_version_is_left_out_not_the_song():
    song = load_sample("twinkle")
    good = _version("gan", _accompaniment("Bach", 60), song).to_dict() | {"number": 1}
    history = VersionHistory.from_dict(
        {"items": [good, {"number": "x"}, "junk", good | {"number": 2, "adds": "nonsense"}],
         "kept": {"1": [99]}}, song)
    assert [v.number for v in history] == [1] and history.problems == 4  # 3 items, 1 kept


def test_the_library_records_versions_searches_duplicates_and_trashes(tmp_path):
    lib = Library(tmp_path / "lib.sqlite3")
    song = load_sample("twinkle")
    history = VersionHistory()
    history.add(_version("gan", _accompaniment("Bach", 60), song))
    cid = lib.add_composition(song, "sample:twinkle", history.to_dict(song))
    lib.add_generation(cid, "gan", "gan-monteverdi", {"candidates": 16}, 5, 0.4,
                       summary="+3 tracks, 40 notes", version=1, input_track="Melody")
    other = lib.add_composition(load_sample("mary"), "/songs/mary.mid")
    assert lib.find_composition("sample:twinkle") == cid
    assert [r["id"] for r in lib.compositions("monteverdi")] == [cid]
    assert [r["id"] for r in lib.compositions("MARY")] == [other]
    assert lib.compositions("twinkle")[0]["generations"] == 1
    assert lib.generations(cid)[0]["summary"] == "+3 tracks, 40 notes"
    copy = lib.duplicate_composition(cid)
    assert lib.composition(copy).title == "Twinkle, Twinkle, Little Star (copy)"
    assert lib.composition_versions(copy) == lib.composition_versions(cid)
    restored = VersionHistory.from_dict(lib.composition_versions(copy), lib.composition(copy))
    assert [v.to_dict() for v in restored] == [v.to_dict() for v in history]
    lib.trash_composition(cid)
    assert cid not in [r["id"] for r in lib.compositions()]
    assert [r["id"] for r in lib.compositions(trashed=True)] == [cid]
    assert lib.find_composition("sample:twinkle") is None
    lib.restore_composition(cid)
    assert cid in [r["id"] for r in lib.compositions()]


def test_a_library_from_the_first_schema_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE compositions (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '', created REAL NOT NULL, modified REAL NOT NULL,
            data TEXT NOT NULL);
        CREATE TABLE generations (id INTEGER PRIMARY KEY,
            composition_id INTEGER REFERENCES compositions(id) ON DELETE CASCADE,
            mode TEXT NOT NULL, model_id TEXT NOT NULL, params TEXT NOT NULL, seed INTEGER,
            seconds REAL NOT NULL, created REAL NOT NULL);
        INSERT INTO compositions VALUES (1, 'Old', '', 1, 1, '{"tracks": []}');
        INSERT INTO generations VALUES (1, 1, 'gan', 'm', '{}', 3, 0.5, 1);
    """)
    db.commit()
    db.close()
    lib = Library(path)
    assert lib.compositions()[0]["title"] == "Old" and lib.composition_versions(1) is None
    assert lib.generations(1)[0]["summary"] == ""
    lib.add_generation(1, "arcnn", "a", {}, 1, 0.1, summary="+1 note, \u22122 notes")
    assert [r["title"] for r in lib.compositions("arcnn")] == ["Old"]


@pytest.mark.parametrize("number", [0, 7])
def test_asking_for_a_missing_version_is_a_key_error(number):
    with pytest.raises(KeyError):
        VersionHistory().get(number)
