"""One table of modes (generation/modes.py) builds both the command line's options
and the panel's form: the same names, defaults and ranges on both sides."""

from __future__ import annotations

import math

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox

from deepcomposer_desktop.cli import _available_commands, build_parser
from deepcomposer_desktop.cli.generate import request
from deepcomposer_desktop.errors import InvalidInputError
from deepcomposer_desktop.generation.modes import MODES
from deepcomposer_desktop.music import load_sample
from deepcomposer_desktop.ui.param_form import ParamForm


def _generate_parser():
    parser = build_parser(_available_commands())
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices["generate"]


def _resolve(mode: str, *options: str) -> dict:
    args = _generate_parser().parse_args(
        ["--mode", mode, "--input", "sample:twinkle", "--output", "x.mid", *options])
    _, req = request(args, load_sample("twinkle"))
    return MODES[mode].values(req.values)


@pytest.mark.parametrize("mode", list(MODES))
def test_cli_options_and_panel_fields_come_from_the_same_spec(qtbot, mode):
    spec = MODES[mode]
    actions = {a.dest: a for a in _generate_parser()._actions}
    form = ParamForm()
    qtbot.addWidget(form)
    form.build(mode)
    assert list(form.inputs) == [p.name for p in spec.params]
    cli_defaults, panel_defaults = _resolve(mode), form.values()
    for p in spec.params:
        action, widget = actions[p.name], form.inputs[p.name]
        assert p.flag in action.option_strings and p.help in action.help
        if p.card_field:  # the model's value: unset on the command line, shown from the card
            assert cli_defaults[p.name] is None
        else:
            assert cli_defaults[p.name] == panel_defaults[p.name] == p.default, p.name
        if p.kind == "choice":
            assert isinstance(widget, QComboBox)
            assert [widget.itemText(i) for i in range(widget.count())] == list(p.choices)
            assert all(c in action.metavar.split("|") for c in p.choices)
            with pytest.raises(InvalidInputError, match=p.flag):
                _resolve(mode, p.flag, "none-such")
        elif p.kind == "bool":
            assert isinstance(widget, QCheckBox) and f"--no-{p.flag[2:]}" in action.option_strings
        else:
            assert widget.maximum() == p.high
            assert widget.minimum() == (0 if p.auto else p.low)  # "auto" sits below the range
            assert _resolve(mode, p.flag, str(p.high))[p.name] == p.high
            # a threshold below 1 is a nucleus p (top-k needs k >= 1)
            low_extra = ("--sampling", "nucleus") if p.name == "threshold" else ()
            assert _resolve(mode, p.flag, str(p.low), *low_extra)[p.name] == p.low
            for bad in (p.high + 1, p.low - 1, math.nan):
                with pytest.raises(InvalidInputError, match=p.flag):
                    _resolve(mode, p.flag, str(bad))


def test_an_option_of_another_mode_is_refused():
    with pytest.raises(InvalidInputError, match="--iterations does not apply to --mode gan"):
        _resolve("gan", "--iterations", "10")
