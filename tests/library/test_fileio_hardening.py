"""Issue 18, items 4-6 (files): a write that fails says which path and why (exit 3);
nothing a user points at is destroyed (a folder, a device, a FIFO, the input itself);
a symbolic link is written through; temporary files never pile up, even those of a
killed writer; readers refuse special files and never read past their limit."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import sys
import tempfile
import threading
import time

import pytest

from deepcomposer_desktop import fileio
from deepcomposer_desktop.cli import main as cli
from deepcomposer_desktop.errors import InvalidInputError, UnwritableOutputError
from deepcomposer_desktop.fileio import (atomic_write_bytes, atomic_writer, check_not_input,
                                         clean_stale_temps, read_limited)
from deepcomposer_desktop.library import load_project, save_project
from deepcomposer_desktop.music import load_sample, write_midi

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX files")


def _run(args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli(args)
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def song(tmp_path):
    path = tmp_path / "song.mid"
    write_midi(load_sample("twinkle"), path)
    return path


# --- item 4: write failures ---------------------------------------------------------
def test_an_output_that_is_a_folder_is_exit_3_and_the_folder_stays(song, tmp_path):
    folder = tmp_path / "out.mid"
    (folder / "inside").mkdir(parents=True)
    rc, _, err = _run(["generate", "--input", str(song), "--output", str(folder), "--seed", "1"])
    assert rc == 3 and err.count("\n") == 1 and "it is a folder" in err and str(folder) in err
    assert (folder / "inside").is_dir()


def test_an_output_whose_parent_is_a_file_names_that_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UnwritableOutputError, match="file is a file, not a folder"):
        atomic_write_bytes(tmp_path / "file" / "x.mid", b"x")


@pytest.mark.parametrize("where, code, words", [
    ("fsync", errno.ENOSPC, "No space left on device"),
    ("mkstemp", errno.EROFS, "Read-only file system"),
    ("mkstemp", errno.EACCES, "Permission denied"),
    ("replace", errno.EXDEV, "Invalid cross-device link"),
])
def test_a_failing_disk_is_exit_3_naming_the_path_and_leaves_no_temporary(
        song, tmp_path, monkeypatch, where, code, words):
    def fail(*_a, **_k):
        raise OSError(code, os.strerror(code))
    target = {"fsync": (os, "fsync"), "mkstemp": (tempfile, "mkstemp"),
              "replace": (os, "replace")}[where]
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "new.mid"
    monkeypatch.setattr(*target, fail)
    rc, _, err = _run(["generate", "--input", str(song), "--output", str(out), "--seed", "1"])
    assert rc == 3 and err.count("\n") == 1, err
    assert words in err and str(out) in err
    assert list((tmp_path / "out").iterdir()) == []


def test_unwritable_output_error_is_still_an_oserror(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(28, "full")))
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "x", b"data")


# --- item 5: what the rename would replace ------------------------------------------
def test_output_equal_to_input_is_refused_and_the_input_survives(song):
    before = song.read_bytes()
    for args in (["render", str(song), "--output", str(song)],
                 ["generate", "--input", str(song), "--output", str(song)]):
        rc, _, err = _run(args)
        assert rc == 3 and err.count("\n") == 1 and "is the input file" in err
    assert song.read_bytes() == before


@posix_only
def test_an_output_linked_to_the_input_is_the_input(song, tmp_path):
    link = tmp_path / "link.mid"
    link.symlink_to(song)
    with pytest.raises(UnwritableOutputError, match="is the input file"):
        check_not_input(link, song)


@posix_only
def test_a_symbolic_link_is_written_through_to_its_target(tmp_path):
    target = tmp_path / "real" / "song.mid"
    target.parent.mkdir()
    target.write_bytes(b"old")
    target.chmod(0o640)
    link = tmp_path / "link.mid"
    link.symlink_to(target)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o640
    dangling = tmp_path / "dangling.mid"
    dangling.symlink_to(tmp_path / "real" / "new.mid")
    atomic_write_bytes(dangling, b"x")
    assert dangling.is_symlink() and (tmp_path / "real" / "new.mid").read_bytes() == b"x"


@posix_only
def test_a_fifo_or_a_device_is_never_replaced(tmp_path):
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    with pytest.raises(UnwritableOutputError, match="named pipe"):
        atomic_write_bytes(fifo, b"x")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    if os.path.exists("/dev/full"):
        rc, _, err = _run(["render", "sample:twinkle", "--output", "/dev/full"])
        assert rc == 3 and "it is a device" in err and err.count("\n") == 1
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert os.listdir(tmp_path) == ["pipe.wav"]


@posix_only
def test_temporary_files_of_killed_writers_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "song.dcproj"
    dead = tmp_path / ".song.dcproj.999999999-abc123.tmp"  # no such process
    alive = tmp_path / f".song.dcproj.{os.getppid()}-abc123.tmp"  # a running one's
    old = tmp_path / ".song.dcproj.k3j_x9q2.tmp"  # an older version's name, hours old
    young = tmp_path / ".song.dcproj.z8y7x6w5.tmp"  # the same, seconds old
    other = tmp_path / ".other.mid.999999999-abc123.tmp"  # another file's
    for p in (dead, alive, old, young, other):
        p.write_bytes(b"half")
    hours_ago = time.time() - 2 * fileio.STALE_SECONDS
    os.utime(old, (hours_ago, hours_ago))
    save_project(load_sample("mary"), target)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([target.name, alive.name, young.name, other.name])
    assert clean_stale_temps(tmp_path / "other.mid") == 1


def test_a_block_that_raises_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "a.wav"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="render failed"):
        with atomic_writer(target) as fh:
            fh.write(b"new")
            raise RuntimeError("render failed")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["a.wav"]


# --- item 6: readers ---------------------------------------------------------------
@posix_only
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "song.mid"
    os.mkfifo(fifo)
    result = {}

    def read():
        result["rc"] = _run(["info", str(fifo)])
    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "info waited on a FIFO"
    rc, _, err = result["rc"]
    assert rc == 3 and "named pipe" in err and err.count("\n") == 1
    with pytest.raises(InvalidInputError, match="named pipe"):
        load_project(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_is_refused_without_reading():
    rc, _, err = _run(["info", "/dev/zero"])
    assert rc == 3 and "it is a device" in err and err.count("\n") == 1
    with pytest.raises(InvalidInputError, match="device"):
        load_project("/dev/zero")


def test_reads_stop_at_their_limit(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"x" * 5000)
    assert read_limited(path, 5000) == b"x" * 5000
    with pytest.raises(InvalidInputError, match="limit"):
        read_limited(path, 4999)
    (tmp_path / "folder").mkdir()
    with pytest.raises(InvalidInputError, match="folder"):
        read_limited(tmp_path / "folder", 10)
    with pytest.raises(InvalidInputError, match="cannot read"):
        read_limited(tmp_path / "missing", 10)
