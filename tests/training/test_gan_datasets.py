import numpy as np
import pytest

pytest.importorskip("torch")
from deepcomposer_desktop.errors import InvalidInputError  # noqa: E402
from deepcomposer_desktop.training import datasets as ds  # noqa: E402


def test_folder_dataset_reads_every_piece_as_four_tracks(midi_folder):
    data = ds.load_folder(midi_folder)
    assert data.n_pieces == 9
    assert set(np.unique(data.notes[:, 1])) == {0, 1, 2, 3}
    # Track 0 is the highest voice: the melody lies above the bass on average.
    mel = data.notes[data.notes[:, 1] == 0, 4].mean()
    bass = data.notes[data.notes[:, 1] == 3, 4].mean()
    assert mel > bass


@pytest.mark.parametrize("voices, tracks", [(2, [0, 3]), (3, [0, 1, 3]), (4, [0, 1, 2, 3]),
                                            (5, [0, 1, 2, 3])])
def test_the_lowest_voice_is_always_the_bass_track(voices, tracks):
    # Voices from high to low, given in a shuffled order: the highest is the melody,
    # the lowest the bass track; with fewer than 4 voices the inner tracks stay silent.
    parts = [[(0, 16, 80 - 7 * v)] for v in range(voices)][::-1]
    data = ds._assemble("t", "test", "test", [("piece", (4, 4), parts)])
    rows = sorted((int(r[1]), int(r[4])) for r in data.notes)
    assert [t for t, _ in rows] == tracks
    pitches = [p for _, p in rows]
    assert pitches[0] == 80 and pitches[-1] == 80 - 7 * (voices - 1)
    assert pitches == sorted(pitches, reverse=True)


@pytest.mark.parametrize("filt, expected", [
    (ds.FolderFilter(glob="t*"), {"twinkle.mid"}),
    (ds.FolderFilter(folder="hymns"), None),
    (ds.FolderFilter(time_signature=(3, 4)), {"amazing-grace.mid", "greensleeves.mid",
                                              "scarborough-fair.mid"}),
    (ds.FolderFilter(min_bpm=115), {"saints.mid"}),
])
def test_folder_filters(midi_folder, filt, expected):
    names = set(ds.load_folder(midi_folder, filt).piece_names)
    if expected is None:
        assert names and all(n.startswith("hymns/") for n in names)
    else:
        assert {n.split("/")[-1] for n in names} == expected


def test_folder_filters_that_match_nothing_are_an_input_error(midi_folder, tmp_path):
    with pytest.raises(InvalidInputError):
        ds.load_folder(midi_folder, ds.FolderFilter(program=127))
    with pytest.raises(InvalidInputError):
        ds.load_folder(tmp_path / "absent")


def test_split_is_by_piece_disjoint_and_deterministic(midi_folder):
    data = ds.load_folder(midi_folder)
    parts = [set(data.split(s)) for s in ("train", "validation", "test")]
    assert set().union(*parts) == set(range(data.n_pieces))
    assert sum(len(p) for p in parts) == data.n_pieces
    assert [list(data.split(s)) for s in ("train", "test")] == \
        [list(ds.load_folder(midi_folder).split(s)) for s in ("train", "test")]


def test_cache_round_trip_needs_no_pickle(midi_folder, tmp_path):
    data = ds.load_folder(midi_folder)
    path = tmp_path / "d.npz"
    path.write_bytes(data.to_npz())
    back = ds.Dataset.from_npz(path)  # np.load(allow_pickle=False) inside
    assert np.array_equal(back.notes, data.notes)
    assert list(back.piece_names) == list(data.piece_names)


def test_windows_fold_pitches_into_the_range(midi_folder):
    data = ds.load_folder(midi_folder)
    lowest = ds.best_lowest(data, 64)
    w = ds.windows(data, np.arange(data.n_pieces), lowest, 64, 32, 16)
    assert w.shape[1:] == (4, 32, 64) and w.dtype == bool
    assert all(x[0].any() and x[1:].any() for x in w)
    assert ds.fold_pitch(20, 36, 64) == 44 and ds.fold_pitch(110, 36, 64) == 98


def test_preset_parses_real_chorales_once_and_caches(tmp_path, monkeypatch):
    pytest.importorskip("music21")
    monkeypatch.setenv("DEEPCOMPOSER_CACHE", str(tmp_path))
    data = ds.load_preset("bach-chorales", limit=3)
    assert data.n_pieces >= 2 and (tmp_path / "bach-chorales-3.npz").exists()
    assert ds.load_preset("bach-chorales", limit=3).notes.shape == data.notes.shape
    with pytest.raises(InvalidInputError):
        ds.load_preset("no-such-corpus")
