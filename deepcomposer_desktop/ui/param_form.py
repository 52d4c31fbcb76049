"""The parameters of a generation mode as a form, built from generation_modes.PARAMS:
each with its range, default and an explanatory tooltip."""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox,
                               QSpinBox, QWidget)

from . import generation_modes as gm


class ParamForm(QGroupBox):
    def __init__(self, parent=None) -> None:
        super().__init__("Parameters", parent)
        self.form = QFormLayout(self)
        self.inputs: dict[str, QWidget] = {}

    def build(self, mode: str | None) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.inputs = {}
        for p in gm.PARAMS.get(mode, []):
            if p.kind == "bool":
                w = QCheckBox(self)
                w.setChecked(bool(p.default))
            elif p.kind == "choice":
                w = QComboBox(self)
                w.addItems(list(p.choices))
                w.setCurrentText(p.default)
            else:
                w = QSpinBox(self) if p.kind == "int" else QDoubleSpinBox(self)
                w.setRange(p.low, p.high)
                w.setValue(p.default)
                if p.special:
                    w.setSpecialValueText(p.special)
            rng = f" Range {p.low:g}-{p.high:g}." if p.kind in ("int", "float") else ""
            w.setToolTip(f"{p.tip}{rng} Default {p.default}.")
            w.setObjectName(f"param_{p.name}")
            self.form.addRow(p.label, w)
            self.inputs[p.name] = w

    def values(self) -> dict:
        out = {}
        for name, w in self.inputs.items():
            if isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, QComboBox):
                out[name] = w.currentText()
            else:
                out[name] = w.value()
        return out

    def set_value(self, name: str, value) -> None:
        """Set one input (ignored when the mode has no such parameter)."""
        w = self.inputs.get(name)
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            w.setCurrentText(str(value))
        elif w is not None:
            w.setValue(value)
