import threading

import pytest

from deepcomposer_desktop.errors import InvalidInputError
from deepcomposer_desktop.library import Autosaver, Library, load_project, recoverable, save_project
from deepcomposer_desktop.library.project import project_to_json
from deepcomposer_desktop.music import Note, load_sample


def test_project_round_trip_keeps_everything(tmp_path):
    comp = load_sample("scarborough-fair")
    comp.add_track("Drums", is_drum=True, notes=[Note(0, 36, 10)])
    comp.tracks[0].color, comp.tracks[0].mute, comp.tracks[0].pan = "#ff8800", True, 20
    path = save_project(comp, tmp_path / "s.dcproj", view={"zoom": 2})
    back, view = load_project(path)
    assert back == comp and view == {"zoom": 2}


@pytest.mark.parametrize("text, words", [
    ("not json", "not a DeepComposer project"),
    ('{"format": "other"}', "not a DeepComposer project"),
    ('{"format": "deepcomposer-project", "version": 99}', "newer version"),
    ('{"format": "deepcomposer-project", "version": 1, '
     '"composition": {"tracks": [{"notes": [[0, 200, 1, 1]]}]}}',
     "damaged composition"),
    ('{"format": "deepcomposer-project", "version": 1, "composition": {"tempos": [[0, 0]]}}',
     "damaged composition"),
])
def test_damaged_projects_are_clear_errors(tmp_path, text, words):
    path = tmp_path / "bad.dcproj"
    path.write_text(text)
    with pytest.raises(InvalidInputError, match=words):
        load_project(path)


def test_autosave_is_recovered_after_a_crash_not_after_a_clean_exit(tmp_path):
    comp = load_sample("twinkle")
    saver = Autosaver(tmp_path)
    saver.save(comp, source="/songs/t.mid")
    # Our own (running) instance's autosave is not offered back to us.
    assert recoverable(tmp_path) == []
    crashed = tmp_path / "autosave-999999-1.dcproj"  # no such process: it crashed
    crashed.write_text(project_to_json(comp, {"source": "/songs/t.mid", "saved_at": 5.0}))
    (tmp_path / "autosave-999998-1.dcproj").write_text("{damaged")
    found = recoverable(tmp_path)
    assert [r.path for r in found] == [crashed]
    assert found[0].load() == comp and found[0].source == "/songs/t.mid"
    saver.discard()
    assert not saver.path.exists()


def test_library_stores_compositions_generations_and_runs(tmp_path):
    lib = Library(tmp_path / "lib.sqlite3")
    comp = load_sample("mary")
    cid = lib.add_composition(comp, source="sample:mary")
    assert lib.composition(cid) == comp
    comp.title = "Mary 2"
    lib.update_composition(cid, comp)
    assert lib.compositions()[0]["title"] == "Mary 2"
    lib.add_generation(cid, "gan", "bach-chorales", {"key_lock": True}, 7, 0.02)
    assert lib.generations(cid)[0]["params"] == {"key_lock": True}
    run = lib.start_training_run("gan", "bach-chorales", "x", {"epochs": 1})
    lib.finish_training_run(run, "done")
    assert lib.training_runs()[0]["status"] == "done"
    lib.delete_composition(cid)
    assert lib.generations(cid) == []  # cascade


def test_library_works_from_another_thread(tmp_path):
    lib = Library(tmp_path / "lib.sqlite3")
    ids = []
    t = threading.Thread(target=lambda: ids.append(lib.add_composition(load_sample("saints"))))
    t.start()
    t.join()
    assert lib.composition(ids[0]).title.startswith("When the Saints")
