"""Issue 18, item 2: `train` on a folder of any size. Parameters are checked before
PyTorch loads; a split keeps a validation and a test piece whenever there are three
pieces; a folder too small says so; bad files are skipped with a count and reasons;
a failed export leaves neither a network without its card nor a temporary file."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from deepcomposer_desktop.cli import main as cli
from deepcomposer_desktop.errors import InvalidInputError
from deepcomposer_desktop.training import datasets as ds


def _run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli(args)
    return rc, out.getvalue(), err.getvalue()


def _smf(track: bytes) -> bytes:
    return (b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(track))
            + track)


NOTE = b"\x00\x90\x3c\x60\x83\x60\x80\x3c\x40\x00\xff\x2f\x00"
TEMPO_0 = _smf(b"\x00\xff\x51\x03\x00\x00\x00" + NOTE)
DENOMINATOR_2_20 = _smf(bytes.fromhex("00FF5804041418 08") + NOTE)


@pytest.fixture
def small(midi_folder, tmp_path):
    """Three good pieces and three bad files (tempo 0, a 4/2^20 metre, not MIDI)."""
    folder = tmp_path / "small"
    folder.mkdir()
    for path in sorted(midi_folder.rglob("*.mid"))[:3]:
        shutil.copy(path, folder)
    (folder / "zero-tempo.mid").write_bytes(TEMPO_0)
    (folder / "metre.mid").write_bytes(DENOMINATOR_2_20)
    (folder / "junk.mid").write_bytes(b"not a midi file")
    return folder


@pytest.mark.parametrize("option, value, words", [
    ("--batch-size", "0", "--batch-size 0"),
    ("--lr", "nan", "--lr nan"),
    ("--lr", "-1", "--lr -1"),
    ("--max-minutes", "-1", "--max-minutes -1"),
    ("--epochs", "0", "--epochs 0"),
    ("--update-ratio", "0", "--update-ratio 0"),
    ("--base-channels", "0", "--base-channels 0"),
    ("--recon-weight", "inf", "--recon-weight inf"),
    ("--seed", "-1", "--seed -1"),
    ("--threads", "0", "--threads 0"),
    ("--limit-pieces", "0", "--limit-pieces 0"),
    ("--seq-len", "4", "--seq-len 4"),
    ("--program", "128", "--program 128"),
])
def test_bad_parameters_are_exit_3_before_anything_runs(tmp_path, option, value, words):
    rc, out, err = _run(["train", "--mode", "gan", "--dataset", str(tmp_path), "--output",
                         str(tmp_path / "m"), option, value])
    assert rc == 3 and out == "" and err.count("\n") == 1 and words in err, err
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("extra, words", [
    (["--layers", "0"], "--layers 0"),
    (["--heads", "3"], "must divide --width 256"),
    (["--width", "30", "--heads", "10"], "even size"),
    (["--output", ""], "model id"),
    (["--min-bpm", "200", "--max-bpm", "100"], "above --max-bpm"),
    (["--pitches", "50"], "multiple of 8"),
    (["--lowest", "100", "--pitches", "48"], "at most 128"),
])
def test_bad_transformer_shapes_and_outputs_are_exit_3(tmp_path, extra, words):
    args = ["train", "--mode", "transformer", "--dataset", str(tmp_path), "--output",
            str(tmp_path / "m"), *extra]
    rc, _, err = _run(args)
    assert rc == 3 and err.count("\n") == 1 and words in err, err


def _dataset(names: list[str]) -> ds.Dataset:
    n = len(names)
    return ds.Dataset("t", "s", "l", np.array(names), np.zeros((n, 2), np.int32),
                      np.full((n, 2), 4, np.int32), np.ones(n, np.int32), np.zeros((0, 5), np.int32))


@pytest.mark.parametrize("n", [3, 4, 5, 7, 10, 20])
def test_a_split_keeps_a_validation_and_a_test_piece_from_three_pieces_on(n):
    for offset in range(0, 200, 20):  # many sets of names: whatever their hashes
        data = _dataset([f"piece-{offset + i}.mid" for i in range(n)])
        parts = [set(data.split(p).tolist()) for p in ("train", "validation", "test")]
        assert all(parts), (n, offset, parts)
        assert set().union(*parts) == set(range(n)) and sum(map(len, parts)) == n
        assert data.split("test").tolist() == data.split("test").tolist()  # stable


def test_a_large_split_is_the_hash_split_as_before():
    data = _dataset([f"corpus/piece-{i}.krn" for i in range(300)])
    import hashlib
    buckets = [int(hashlib.sha1(f"corpus/piece-{i}.krn".encode()).hexdigest()[:8], 16) % 10
               for i in range(300)]
    assert data.split("test").tolist() == [i for i, b in enumerate(buckets) if b == 9]
    assert data.split("validation").tolist() == [i for i, b in enumerate(buckets) if b == 8]


def test_bad_files_are_skipped_with_their_reasons(small):
    data = ds.load_folder(small)
    assert data.n_pieces == 3
    skipped = dict(data.skipped)
    assert set(skipped) == {"zero-tempo.mid", "metre.mid", "junk.mid"}
    assert "tempo of 0" in skipped["zero-tempo.mid"] and "time signature" in skipped["metre.mid"]
    assert "3 files skipped" in ds.skipped_text(list(data.skipped))


def test_a_folder_too_small_says_so_with_the_skipped_files(small):
    for path in sorted(small.glob("*.mid"))[:1]:
        path.unlink()  # two good pieces left
    rc, _, err = _run(["train", "--mode", "gan", "--dataset", str(small), "--output",
                       str(small.parent / "m"), "--no-progress"])
    assert rc == 3 and err.count("\n") == 1
    assert "2 usable pieces" in err and "at least 3" in err and "skipped" in err
    with pytest.raises(InvalidInputError, match="no usable MIDI file"):
        ds.load_folder(small, ds.FolderFilter(glob="*nothing*"))


def test_a_small_folder_trains_exports_and_generates(small, tmp_path, monkeypatch):
    out = tmp_path / "models" / "tiny"
    rc, stdout, err = _run(["train", "--mode", "gan", "--dataset", str(small), "--epochs", "1",
                            "--batch-size", "4", "--update-ratio", "1", "--base-channels", "4",
                            "--output", str(out), "--run-dir", str(tmp_path / "run"),
                            "--no-progress"])
    assert rc == 0, err
    assert "3 files skipped" in err and "tempo of 0" in err
    assert sorted(p.name for p in out.parent.iterdir()) == ["tiny.json", "tiny.onnx"]
    import deepcomposer_desktop.generation.registry as registry
    monkeypatch.setattr(registry, "_DEFAULT", registry.Registry([out.parent]))
    rc, listing, _ = _run(["models"])
    assert rc == 0 and "tiny" in listing
    rc, _, err = _run(["generate", "--model", "tiny", "--input", "sample:twinkle", "--output",
                       str(tmp_path / "t.mid"), "--seed", "3"])
    assert rc == 0, err


def test_an_export_that_fails_leaves_nothing_behind(small, tmp_path, monkeypatch):
    from deepcomposer_desktop.training import card as card_module

    def full_disk(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(card_module, "save_card", full_disk)
    out = tmp_path / "models" / "tiny"
    rc, _, err = _run(["train", "--mode", "arcnn", "--dataset", str(small), "--epochs", "1",
                       "--batch-size", "4", "--base-channels", "4", "--threads", "1",
                       "--output", str(out), "--run-dir", str(tmp_path / "run"), "--no-progress"])
    assert rc == 3 and "No space left on device" in err and str(out) in err
    assert err.strip().splitlines()[-1].startswith("deepcomposer: error:")
    assert list(out.parent.iterdir()) == []  # no network without its card, no temporary file


def test_a_killed_exports_temporary_file_is_removed_by_the_next(tmp_path):
    from deepcomposer_desktop.training.card import onnx_file
    stale = tmp_path / ".tiny.onnx.999999999-export.tmp"
    stale.write_bytes(b"half a model")
    staged = onnx_file(tmp_path, "tiny")
    assert not stale.exists() and staged.name == f".tiny.onnx.{os.getpid()}-export.tmp"


def test_a_run_folder_of_another_configuration_is_exit_3(small, tmp_path):
    args = ["train", "--mode", "arcnn", "--dataset", str(small), "--epochs", "1",
            "--batch-size", "4", "--threads", "1", "--output", str(tmp_path / "m"),
            "--run-dir", str(tmp_path / "run"), "--no-progress", "--no-export"]
    assert _run([*args, "--base-channels", "4"])[0] == 0
    rc, _, err = _run([*args, "--base-channels", "8"])
    assert rc == 3 and "cannot resume" in err and "--run-dir" in err and err.count("\n") == 1


def test_no_training_windows_is_invalid_input_not_a_crash(tmp_path):
    from deepcomposer_desktop.music import Composition, Note, write_midi
    folder = tmp_path / "tiny"
    for i in range(3):  # melody and bass never sound together: no GAN window
        comp = Composition()
        comp.add_track("Melody", notes=[Note(0, 72, 480)])
        comp.add_track("Bass", notes=[Note(480 * 64, 40, 480)])
        write_midi(comp, folder / f"p{i}.mid")
    rc, _, err = _run(["train", "--mode", "gan", "--dataset", str(folder), "--epochs", "1",
                       "--output", str(tmp_path / "m"), "--run-dir", str(tmp_path / "run"),
                       "--no-progress"])
    assert rc == 3 and "window" in err and err.count("\n") == 1


def test_the_skipped_reasons_name_the_file_relative_to_the_folder(small):
    sub = small / "sub"
    sub.mkdir()
    (sub / "bad.mid").write_bytes(TEMPO_0)
    assert str(Path("sub") / "bad.mid") in dict(ds.load_folder(small).skipped)
