"""The shipped AR-CNN and Transformer models: what their cards promise, and the
promises through the CLI (skipped where no such model is installed)."""

from __future__ import annotations

import pytest

from deepcomposer_desktop.cli import main as cli
from deepcomposer_desktop.generation.modes import preferred_model
from deepcomposer_desktop.generation.registry import default_registry
from deepcomposer_desktop.music import load_sample, read_midi


def _card(mode):
    try:
        model_id = default_registry().default_id(mode)
    except Exception as exc:
        pytest.skip(f"no {mode} model installed: {exc}")
    return default_registry().get(model_id, mode).card.raw


ARCNN_IDS = [e.id for e in default_registry().models("arcnn")]


@pytest.mark.parametrize("model_id", ARCNN_IDS)
def test_arcnn_card_keeps_the_key_of_held_out_melodies(model_id):
    m = default_registry().get(model_id, "arcnn").card.raw["metrics"]
    assert m["test_windows"] >= 20 and m["validation_loss"] is not None
    real, enhanced = m["real"]["in_scale_rate"], m["enhanced"]["in_scale_rate"]
    assert abs(enhanced - real) <= 0.10 * real
    # it learned something: putting back removed notes far above chance
    assert m["restoration"]["precision"] > 5 * m["restoration"]["chance"]


def test_the_app_enhances_with_the_melody_model():
    """Shipped beside the chorale model, the folk-and-hymn model is the one used unless
    the user picks another."""
    assert preferred_model(default_registry(), "arcnn", load_sample("twinkle"), 0) == "arcnn-melodies"


def test_arcnn_cli_budgets_on_the_shipped_model(tmp_path):
    _card("arcnn")
    out = tmp_path / "e.mid"
    assert cli(["generate", "--mode", "arcnn", "--input", "sample:ode-to-joy", "--output", str(out),
                "--iterations", "200", "--max-add", "12", "--max-remove-percent", "10",
                "--temperature", "3", "--seed", "4"]) == 0
    before, after = load_sample("ode-to-joy"), read_midi(out)
    step = before.ppq // 4
    cells = [{(t, n.pitch) for n in c.tracks[0].notes for t in range(n.start // step, n.end // step)}
             for c in (before, after)]
    assert len(cells[1] - cells[0]) <= 12
    assert len(cells[0] - cells[1]) <= int(0.10 * len(cells[0]))


def test_transformer_card_reports_held_out_nll_and_continuation_metrics():
    card = _card("transformer")
    m = card["metrics"]
    assert 0 < m["test_nll_per_event"] < 3
    assert {"in_scale_rate", "pitch_range", "notes_per_second"} <= set(m["continuation"])
    assert set(m["real"]) == set(m["continuation"])


def test_transformer_extends_twinkle_by_thirty_seconds(tmp_path):
    _card("transformer")
    out = tmp_path / "x.mid"
    assert cli(["generate", "--mode", "transformer", "--input", "sample:twinkle",
                "--output", str(out), "--extend-seconds", "30", "--seed", "0"]) == 0
    before, after = load_sample("twinkle"), read_midi(out)
    end = before.seconds_at(before.tracks[0].end)
    assert sorted(after.tracks[0].notes)[:len(before.tracks[0].notes)] == sorted(before.tracks[0].notes)
    new = [n for n in after.tracks[0].notes if after.seconds_at(n.start) >= end - 1e-6]
    assert new
    assert max(after.seconds_at(n.end) for n in new) - end >= 25.0


def test_transformer_key_lock_keeps_new_notes_in_the_scale(tmp_path):
    _card("transformer")
    out = tmp_path / "x.mid"
    assert cli(["generate", "--mode", "transformer", "--input", "sample:twinkle", "--output",
                str(out), "--extend-seconds", "10", "--key-lock", "--seed", "3"]) == 0
    before, after = load_sample("twinkle"), read_midi(out)
    scale = before.key.scale
    end = before.tracks[0].end
    new = [n for n in after.tracks[0].notes if n.start >= end]
    assert new and all(n.pitch % 12 in scale for n in new)


def test_transformer_card_parity_and_goal_are_recorded():
    card = _card("transformer")
    assert card["transformer"]["onnx_vs_pytorch_max_abs_diff"] < 1e-4
    assert card["transformer"]["vocab_size"] == 310 and card["transformer"]["max_len"] >= 128
    assert card["metrics"]["nll_goal"] == 1.0 and card["metrics"]["evaluated_on"] == "test"


def test_transformer_cli_same_seed_same_output(tmp_path):
    _card("transformer")
    outs = []
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        out = tmp_path / f"{name}.mid"
        assert cli(["generate", "--mode", "transformer", "--input", "sample:mary", "--output",
                    str(out), "--extend-seconds", "8", "--seed", seed]) == 0
        outs.append(sorted(read_midi(out).tracks[0].notes))
    assert outs[0] == outs[1] != outs[2]


def test_transformer_cli_chord_and_rest_limits(tmp_path):
    _card("transformer")
    out = tmp_path / "x.mid"
    assert cli(["generate", "--mode", "transformer", "--input", "sample:ode-to-joy", "--output",
                str(out), "--extend-seconds", "15", "--max-chord-notes", "1",
                "--max-rest-seconds", "0.5", "--seed", "2"]) == 0
    before, after = load_sample("ode-to-joy"), read_midi(out)
    end = before.tracks[0].end
    new = sorted(n for n in after.tracks[0].notes if n.start >= end)
    assert new
    starts = [n.start for n in new]
    assert max(starts.count(s) for s in set(starts)) == 1
    sounding = after.seconds_at(end)
    for n in new:
        assert after.seconds_at(n.start) - sounding <= 0.5 + 0.01
        sounding = max(sounding, after.seconds_at(n.end))
