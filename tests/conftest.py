"""Shared fixtures. Tests never touch the user's settings, audio or MIDI hardware."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ARTIFACTS = Path(__file__).parent / "_artifacts"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Point config, data and cache folders at a temporary place."""
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv("DEEPCOMPOSER_HOME", str(tmp_path / "deepcomposer"))


@pytest.fixture
def artifacts() -> Path:
    """A folder for files a person may want to look at after the run (screenshots...)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
