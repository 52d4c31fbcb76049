"""Declared settings, and the `studio` command's argument handling."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from deepcomposer_desktop.cli import main as cli_main
from deepcomposer_desktop.ui.settings import MAX_RECENT, SCHEMA_VERSION, SETTINGS, Settings


def test_defaults_types_and_recent_files():
    settings = Settings()
    for key, spec in SETTINGS.items():
        assert spec.doc and isinstance(settings.get(key), spec.type)
    for i in range(MAX_RECENT + 3):
        settings.add_recent(f"/songs/{i}.mid")
    recent = settings.get("files/recent")
    assert len(recent) == MAX_RECENT and recent[0] == f"/songs/{MAX_RECENT + 2}.mid"
    with pytest.raises(TypeError):
        settings.set("roll/snap", 16)
    with pytest.raises(KeyError):
        settings.get("no/such/setting")


def test_wrong_stored_type_falls_back_and_schema_is_versioned():
    QSettings().setValue("roll/snap", 12)
    QSettings().setValue("transport/metronome", "true")
    settings = Settings()
    assert settings.get("roll/snap") == "12" and settings.get("transport/metronome") is True
    assert int(QSettings().value("schema_version")) == SCHEMA_VERSION


def test_studio_command_rejects_a_missing_file(capsys):
    assert cli_main(["studio", "/no/such/song.mid"]) == 3
    assert "no such file" in capsys.readouterr().err


def test_bare_file_argument_means_studio(monkeypatch, tmp_path):
    opened = []
    import deepcomposer_desktop.ui.app as app
    monkeypatch.setattr(app, "run_studio", lambda path=None: opened.append(path) or 0)
    song = tmp_path / "a.mid"
    song.write_bytes(b"MThd")
    assert cli_main([str(song)]) == 0 and opened == [str(song)]
    assert cli_main([]) == 0 and opened[-1] is None
