"""`deepcomposer train` end to end on a MIDI folder (tiny net, one epoch): the model
it writes is found by the registry and generates."""

import json

import pytest

pytest.importorskip("torch")
from deepcomposer_desktop.cli import main as cli  # noqa: E402


def test_train_cli_writes_a_model_that_generates(midi_folder, tmp_path, monkeypatch, capsys):
    out = tmp_path / "models" / "my-gan"
    assert cli(["train", "--mode", "gan", "--dataset", str(midi_folder), "--epochs", "1",
                "--batch-size", "16", "--update-ratio", "2", "--base-channels", "4",
                "--output", str(out), "--run-dir", str(tmp_path / "run"), "--no-progress",
                "--genre", "test"]) == 0
    assert (tmp_path / "run" / "log.jsonl").exists()
    monkeypatch.setenv("DEEPCOMPOSER_MODELS", str(out.parent))
    import deepcomposer_desktop.generation.registry as registry
    monkeypatch.setattr(registry, "_DEFAULT", None)
    capsys.readouterr()
    cli(["models", "--json"])
    listed = {m["id"]: m for m in json.loads(capsys.readouterr().out)}
    assert listed["my-gan"]["ok"] and listed["my-gan"]["genre"] == "test"
    assert cli(["generate", "--mode", "gan", "--model", "my-gan", "--input", "sample:twinkle",
                "--output", str(tmp_path / "t.mid"), "--seed", "1"]) == 0


def test_train_cli_rejects_bad_datasets(tmp_path, midi_folder):
    base = ["train", "--mode", "gan", "--output", str(tmp_path / "m"), "--no-progress"]
    assert cli(base + ["--dataset", "no-such-preset-or-folder"]) == 3
    assert cli(base + ["--dataset", str(midi_folder), "--time-signature", "7/8"]) == 3
    assert cli(base + ["--dataset", str(midi_folder), "--time-signature", "x"]) == 3
