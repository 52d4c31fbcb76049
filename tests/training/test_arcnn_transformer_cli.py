"""`deepcomposer train --mode arcnn|transformer` end to end on a MIDI folder (tiny
nets, a few steps): log, resumable checkpoint, ONNX + card that the registry
accepts and that generates through `deepcomposer generate`."""

import json

import pytest

pytest.importorskip("torch")
from deepcomposer_desktop.cli import main as cli  # noqa: E402

TINY = {
    "arcnn": ["--epochs", "1", "--batch-size", "8", "--base-channels", "4"],
    "transformer": ["--epochs", "1", "--batch-size", "4", "--seq-len", "32", "--width", "32",
                    "--layers", "1", "--heads", "2", "--warmup-steps", "2"],
}
GENERATE = {
    "arcnn": ["--iterations", "20", "--max-add", "5"],
    "transformer": ["--extend-seconds", "3"],
}


@pytest.mark.parametrize("mode", ["arcnn", "transformer"])
def test_train_cli_writes_a_model_that_generates(mode, midi_folder, tmp_path, monkeypatch, capsys):
    out = tmp_path / "models" / f"my-{mode}"
    run = tmp_path / "run"
    args = ["train", "--mode", mode, "--dataset", str(midi_folder), *TINY[mode], "--threads", "1",
            "--output", str(out), "--run-dir", str(run), "--no-progress", "--genre", "test"]
    assert cli(args) == 0
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert log and (run / "checkpoint.safetensors").exists()
    steps = log[-1]["step"]
    # Started again with more epochs, the run resumes from its checkpoint.
    assert cli([*args[:args.index("--epochs") + 1], "2", *args[args.index("--epochs") + 2:],
                "--no-export"]) == 0
    again = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert again[len(log)]["step"] == steps + 1

    card = json.loads(out.with_suffix(".json").read_text())
    assert card["mode"] == mode and card["metrics"]["evaluated_on"] in ("test", "validation", "train")
    assert card["training"]["hyperparameters"]["seed"] == 0
    monkeypatch.setenv("DEEPCOMPOSER_MODELS", str(out.parent))
    import deepcomposer_desktop.generation.registry as registry
    monkeypatch.setattr(registry, "_DEFAULT", None)
    capsys.readouterr()
    cli(["models", "--json"])
    listed = {m["id"]: m for m in json.loads(capsys.readouterr().out)}
    assert listed[f"my-{mode}"]["ok"]
    assert cli(["generate", "--mode", mode, "--model", f"my-{mode}", "--input", "sample:twinkle",
                "--output", str(tmp_path / "t.mid"), "--seed", "1", *GENERATE[mode]]) == 0
