"""The parameters of a generation mode as a form, built from generation/modes.py:
each with its range, default and an explanatory tooltip. A parameter whose
default is the model's (its card) shows the chosen model's value; one whose None
means "automatic" shows that word at the lowest value of its box."""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox,
                               QSpinBox, QWidget)

from ..generation.modes import MODES, Param


def _box_low(p: Param) -> float:
    """The box's lowest value: one step below the range when it stands for None."""
    return 0 if p.auto else p.low


class ParamForm(QGroupBox):
    def __init__(self, parent=None) -> None:
        super().__init__("Parameters", parent)
        self.form = QFormLayout(self)
        self.inputs: dict[str, QWidget] = {}
        self.specs: dict[str, Param] = {}

    def build(self, mode: str | None) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.inputs, self.specs = {}, {}
        for p in MODES[mode].params if mode in MODES else ():
            if p.kind == "bool":
                w = QCheckBox(self)
            elif p.kind == "choice":
                w = QComboBox(self)
                w.addItems(list(p.choices))
            else:
                w = QSpinBox(self) if p.kind == "int" else QDoubleSpinBox(self)
                w.setRange(_box_low(p), p.high)
                if p.unit:
                    w.setSuffix(f" {p.unit}")
                if p.auto:
                    w.setSpecialValueText("auto")
            rng = f" Range {p.range_text()}." if p.kind in ("int", "float") else ""
            w.setToolTip(f"{p.help}{rng} Default: {p.default_text()}.")
            w.setObjectName(f"param_{p.name}")
            self.form.addRow(p.label, w)
            self.inputs[p.name], self.specs[p.name] = w, p
            self.set_value(p.name, p.default)

    def values(self) -> dict:
        out = {}
        for name, w in self.inputs.items():
            p = self.specs[name]
            if isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, QComboBox):
                out[name] = w.currentText()
            else:
                out[name] = None if p.auto and w.value() == w.minimum() else w.value()
        return out

    def set_value(self, name: str, value) -> None:
        """Set one input (ignored when the mode has no such parameter); None shows
        "auto" or leaves a card's parameter for the model to fill."""
        w, p = self.inputs.get(name), self.specs.get(name)
        if w is None or (value is None and not p.auto):
            return
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            w.setCurrentText(str(value))
        else:
            w.setValue(w.minimum() if value is None else value)
