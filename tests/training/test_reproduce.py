"""`make models` rebuilds exactly the shipped models with the settings their cards record."""

import json
import re
import shlex

from deepcomposer_desktop.generation.registry import SHIPPED_DIR
from deepcomposer_desktop.training import reproduce


def _opt(cmd, name):
    return cmd[cmd.index(name) + 1]


def test_every_shipped_gan_model_has_its_reproduce_command(capsys):
    cmds = {c[-1].removeprefix("models/"): c for c in reproduce.commands()}
    cards = [json.loads(p.read_text()) for p in SHIPPED_DIR.glob("gan-*.json")]
    assert cards and {c["id"] for c in cards} <= set(cmds)
    for card in cards:
        cmd, hp = cmds[card["id"]], card["training"]["hyperparameters"]
        assert _opt(cmd, "--dataset") == card["training"]["dataset"] == hp["dataset"]
        assert float(_opt(cmd, "--lr")) == hp["lr"]
        assert int(_opt(cmd, "--update-ratio")) == hp["update_ratio"]
        assert int(_opt(cmd, "--batch-size")) == hp["batch_size"]
        assert int(_opt(cmd, "--seed")) == hp["seed"]
        assert float(_opt(cmd, "--recon-weight")) == hp["recon_weight"]
        assert int(_opt(cmd, "--base-channels")) == hp["net"]["base"]
        assert float(_opt(cmd, "--max-minutes")) == hp["max_minutes"]
    assert reproduce.main(["--dry-run"]) == 0
    assert capsys.readouterr().out.count("deepcomposer train --mode") == len(cmds)


def test_the_arcnn_and_transformer_cards_match_their_commands():
    cmds = {c[-1].removeprefix("models/"): c for c in reproduce.commands()}
    cards = [json.loads(p.read_text()) for pattern in ("arcnn-*.json", "transformer-*.json")
             for p in SHIPPED_DIR.glob(pattern)]
    for card in cards:
        cmd, hp = cmds[card["id"]], card["training"]["hyperparameters"]
        assert _opt(cmd, "--mode") == card["mode"]
        assert _opt(cmd, "--dataset") == hp["dataset"]
        assert float(_opt(cmd, "--lr")) == hp["lr"]
        assert int(_opt(cmd, "--batch-size")) == hp["batch_size"]
        assert float(_opt(cmd, "--max-minutes")) == hp["max_minutes"]
        assert int(_opt(cmd, "--seed")) == hp["seed"]
        if card["mode"] == "arcnn":
            assert int(_opt(cmd, "--base-channels")) == hp["base"]
            for flag, field in (("--lowest", "lowest"), ("--pitches", "pitches")):
                if flag in cmd:
                    assert int(_opt(cmd, flag)) == hp[field] == card["grid"][field]
        else:
            assert int(_opt(cmd, "--width")) == hp["net"]["d_model"]
            assert int(_opt(cmd, "--layers")) == hp["net"]["n_layers"]
            assert int(_opt(cmd, "--seq-len")) == hp["seq_len"]


def test_docs_models_shows_exactly_the_reproduce_commands():
    """docs/MODELS.md gives each shipped model the command `make models` runs for it."""
    doc = (SHIPPED_DIR.parent / "docs" / "MODELS.md").read_text(encoding="utf-8")
    shown = re.findall(r"^deepcomposer train .*$", doc, flags=re.MULTILINE)
    assert sorted(shown) == sorted(shlex.join(c) for c in reproduce.commands())
