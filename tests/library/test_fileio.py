"""Atomic writes: the whole file or the old one, never half; modes as open() gives."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from deepcomposer_desktop.fileio import atomic_write_bytes, atomic_write_text


def test_replaces_whole_and_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "song.mid"
    atomic_write_bytes(target, b"old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["song.mid"]


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "song.mid"
    atomic_write_bytes(target, b"old")

    def broken(*_args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["song.mid"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_new_files_follow_the_umask_and_existing_ones_keep_their_mode(tmp_path):
    old = os.umask(0o022)
    try:
        fresh = atomic_write_bytes(tmp_path / "a.mid", b"x")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # readable by others, like open()
    finally:
        os.umask(old)
    private = tmp_path / "b.json"
    private.write_bytes(b"{}")
    private.chmod(0o600)
    atomic_write_bytes(private, b"{ }")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
