"""`deepcomposer generate --mode arcnn|transformer` on the real network architectures
exported with seeded, untrained weights: the CLI's plumbing, parameters and exit
codes (the shipped models' musical behaviour has its own tests)."""

from __future__ import annotations

import json

import pytest

from deepcomposer_desktop.cli import main as cli
from deepcomposer_desktop.generation.registry import Registry, sha256_file
from deepcomposer_desktop.music import read_midi
from deepcomposer_desktop.music.samples import load_sample


def _card(onnx, mode, extra):
    return {"id": onnx.stem, "mode": mode, "title": f"{mode} test (untrained)",
            "training": {"source": "none"}, "metrics": {}, "sha256": sha256_file(onnx), **extra}


@pytest.fixture
def models(tmp_path_factory, monkeypatch, tiny_arcnn_onnx, tiny_transformer_onnx):
    folder = tmp_path_factory.mktemp("models")
    arcnn, transformer = folder / "arcnn-tiny.onnx", folder / "transformer-tiny.onnx"
    arcnn.write_bytes(tiny_arcnn_onnx.read_bytes())
    transformer.write_bytes(tiny_transformer_onnx.read_bytes())
    (folder / "arcnn-tiny.json").write_text(json.dumps(_card(
        arcnn, "arcnn", {"grid": {"steps_per_beat": 4, "steps": 128, "lowest": 36, "pitches": 64}})))
    (folder / "transformer-tiny.json").write_text(json.dumps(_card(
        transformer, "transformer", {"transformer": {"max_len": 64}})))
    import deepcomposer_desktop.generation.registry as registry_module
    monkeypatch.setattr(registry_module, "_DEFAULT", Registry([folder]))
    return folder


def _cells(track, ppq):
    step = ppq // 4
    return {(t, n.pitch) for n in track.notes for t in range(n.start // step, n.end // step)}


def test_arcnn_inpaints_only_the_chosen_bars_within_the_budgets(models, tmp_path):
    out = tmp_path / "x.mid"
    assert cli(["generate", "--mode", "arcnn", "--model", "arcnn-tiny", "--input", "sample:twinkle",
                "--output", str(out), "--iterations", "60", "--max-add", "10",
                "--max-remove-percent", "20", "--region-bars", "3-4", "--seed", "1"]) == 0
    before, after = load_sample("twinkle"), read_midi(out)
    old, new = _cells(before.tracks[0], before.ppq), _cells(after.tracks[0], after.ppq)
    bar = before.ticks_per_bar // (before.ppq // 4)
    changed = old ^ new
    assert changed and all(2 * bar <= t < 4 * bar for t, _ in changed)
    # cells of notes, as the sampler counts them
    assert len(new - old) <= 10
    assert len(old - new) <= 0.2 * len(old)


def test_transformer_extends_by_the_requested_seconds(models, tmp_path):
    out = tmp_path / "x.mid"
    args = ["generate", "--mode", "transformer", "--input", "sample:twinkle", "--output",
            str(out), "--extend-seconds", "5", "--seed", "2", "--max-chord-notes", "1"]
    assert cli(args) == 0
    before, after = load_sample("twinkle"), read_midi(out)
    end = before.seconds_at(before.tracks[0].end)
    new = [n for n in after.tracks[0].notes if after.seconds_at(n.start) >= end - 1e-3]
    assert new and max(after.seconds_at(n.start) for n in new) <= end + 5.0 + 1e-3
    assert len({n.start for n in new}) == len(new)  # one onset at a time
    out2 = tmp_path / "y.mid"
    assert cli(args[:6] + [str(out2)] + args[7:]) == 0
    assert out.read_bytes() == out2.read_bytes()  # the same seed, the same file


@pytest.mark.parametrize("extra", [["--temperature", "0"], ["--region-bars", "4-2"],
                                   ["--max-remove-percent", "150"], ["--track", "5"],
                                   ["--key", "H major"]])
def test_bad_parameters_exit_3(models, tmp_path, capsys, extra):
    assert cli(["generate", "--mode", "arcnn", "--input", "sample:twinkle", "--output",
                str(tmp_path / "x.mid"), *extra]) == 3
    assert "Traceback" not in capsys.readouterr().err


def test_transformer_quantize_snaps_the_continuation_and_checks_the_grid(models, tmp_path):
    out = tmp_path / "q.mid"
    base = ["generate", "--mode", "transformer", "--input", "sample:twinkle", "--output", str(out),
            "--extend-seconds", "4", "--seed", "5"]
    assert cli(base + ["--quantize", "1/8T"]) == 0
    before, after = load_sample("twinkle"), read_midi(out)
    cell = before.ppq // 3  # an eighth-note triplet
    new = [n for n in after.tracks[0].notes if n.start >= before.tracks[0].end]
    assert new and all(n.start % cell == 0 for n in new)
    assert cli(base + ["--quantize", "1/x"]) == 3


def test_no_model_of_the_mode_is_exit_4(tmp_path, monkeypatch, capsys):
    import deepcomposer_desktop.generation.registry as registry_module
    monkeypatch.setattr(registry_module, "_DEFAULT", Registry([tmp_path]))
    assert cli(["generate", "--mode", "transformer", "--input", "sample:twinkle", "--output",
                str(tmp_path / "x.mid")]) == 4
    assert "no transformer model installed" in capsys.readouterr().err
