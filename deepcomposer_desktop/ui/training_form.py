"""The left side of the Train a Genre window: what to train and how.

The mode; the data (a folder of the user's MIDI files with its filter tags, or a
corpus preset); the hyper-parameters, each with one line saying what it does, and
their presets; the melody each saved epoch accompanies for listening; the model's
name. `spec()` is the run's settings as training/job.py reads them; `set_spec`
shows a saved run's (read-only while it is not a new run).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QRadioButton, QSpinBox, QVBoxLayout,
                               QWidget)

from ..music import SAMPLE_PREFIX, SAMPLES
from ..music.gm import program_name
from .training_runs import MODEL_ID, PRESETS

MODES = (("gan", "GAN accompaniment"), ("arcnn", "AR-CNN (enhance a melody)"),
         ("transformer", "Transformer (continue a melody)"))
# name, label, lowest, highest, default, decimals (None: a whole number), unit, modes, help
HYPER = (
    ("epochs", "Epochs", 1, 100_000, 20, None, "", "gan arcnn transformer",
     "Passes over all your pieces; the time budget may end the run sooner."),
    ("lr", "Learning rate", 0.00001, 0.1, 0.001, 5, "", "gan arcnn transformer",
     "How big each correction is: higher learns faster but can turn unstable."),
    ("update_ratio", "Update ratio", 1, 20, 5, None, "", "gan",
     "Critic steps per generator step: how often the judge practises per try of the composer."),
    ("batch_size", "Batch size", 1, 512, 64, None, "", "gan arcnn transformer",
     "Snippets looked at in each step: more is steadier, and each step slower."),
    ("seed", "Seed", 0, 2**31 - 1, 0, None, "", "gan arcnn transformer",
     "The random start: the same seed, data and settings train the same model."),
    ("max_minutes", "Time budget", 0, 100_000, 20, 1, " min", "gan arcnn transformer",
     "Training stops after this many minutes, whatever the epochs (0: no limit)."),
    ("base_channels", "Network width", 1, 64, 16, None, "", "gan arcnn",
     "Channels of the network's first layer: 16 as the shipped models; fewer is faster."),
)
HYPER_PRESETS = {
    "Quick look (20 minutes)": {"epochs": 1000, "lr": 0.001, "update_ratio": 5, "batch_size": 64,
                                "max_minutes": 20, "base_channels": 16},
    "Overnight (8 hours)": {"epochs": 100_000, "lr": 0.0005, "update_ratio": 5, "batch_size": 64,
                            "max_minutes": 480, "base_channels": 32},
}
TIME_SIGNATURES = ("any", "4/4", "3/4", "2/4", "2/2", "6/8", "9/8", "12/8", "5/4", "7/8")


class TrainingForm(QWidget):
    data_changed = Signal()  # the data or its filters: a new preview is due
    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.interactive = True
        self.snapshot_seconds = 10.0  # an epoch is kept for listening this often (tests: 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        run = QGroupBox("Model", self)
        form = QFormLayout(run)
        self.mode = QComboBox(run)
        for name, title in MODES:
            self.mode.addItem(title, name)
        self.mode.setToolTip("GAN: accompaniment for a melody (listen per epoch, metrics per "
                             "epoch). AR-CNN and Transformer train through the same window "
                             "with their loss curves.")
        self.model_id = QLineEdit("gan-my-genre", run)
        self.model_id.setObjectName("model_id")
        self.model_id.setToolTip("The model's name in the Generate panel (letters, digits, - _ .)")
        form.addRow("Mode", self.mode)
        form.addRow("Name", self.model_id)
        layout.addWidget(run)

        data = QGroupBox("Data", self)
        grid = QGridLayout(data)
        self.use_folder = QRadioButton("My MIDI folder", data)
        self.use_preset = QRadioButton("Corpus preset", data)
        self.use_folder.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.use_folder)
        group.addButton(self.use_preset)
        self.folder = QLineEdit(data)
        self.folder.setObjectName("data_folder")
        self.folder.setPlaceholderText("a folder of .mid files (sub-folders too)")
        browse = QPushButton("Browse…", data)
        browse.clicked.connect(self.browse_folder)
        self.preset = QComboBox(data)
        self.preset.addItems(list(PRESETS))
        self.limit = QSpinBox(data)
        self.limit.setRange(0, 100_000)
        self.limit.setSpecialValueText("all pieces")
        self.limit.setToolTip("Use at most this many pieces of the corpus (a quicker trial)")
        grid.addWidget(self.use_folder, 0, 0)
        grid.addWidget(self.folder, 0, 1)
        grid.addWidget(browse, 0, 2)
        grid.addWidget(self.use_preset, 1, 0)
        grid.addWidget(self.preset, 1, 1)
        grid.addWidget(self.limit, 1, 2)
        layout.addWidget(data)

        filters = QGroupBox("Filter tags (for a folder)", self)
        self.filters_box = filters
        f = QFormLayout(filters)
        self.time_signature = QComboBox(filters)
        self.time_signature.setEditable(True)
        self.time_signature.addItems(list(TIME_SIGNATURES))
        self.min_bpm, self.max_bpm = QSpinBox(filters), QSpinBox(filters)
        for box in (self.min_bpm, self.max_bpm):
            box.setRange(0, 400)
            box.setSpecialValueText("any")
            box.setSuffix(" bpm")
        tempo = QHBoxLayout()
        tempo.addWidget(self.min_bpm)
        tempo.addWidget(QLabel("to", filters))
        tempo.addWidget(self.max_bpm)
        self.program = QComboBox(filters)
        self.program.addItem("any", None)
        for p in range(128):
            self.program.addItem(f"{p} {program_name(p)}", p)
        self.glob = QLineEdit(filters)
        self.glob.setPlaceholderText("e.g. *reel*")
        self.subfolder = QLineEdit(filters)
        self.subfolder.setPlaceholderText("e.g. jazz")
        f.addRow("Time signature", self.time_signature)
        f.addRow("Tempo", tempo)
        f.addRow("Instrument", self.program)
        f.addRow("Name pattern", self.glob)
        f.addRow("Sub-folder", self.subfolder)
        layout.addWidget(filters)

        hyper = QGroupBox("Hyper-parameters", self)
        h = QGridLayout(hyper)
        self.preset_box = QComboBox(hyper)
        self.preset_box.addItems([*HYPER_PRESETS, "Custom"])
        self.preset_box.setToolTip("Quick look: a first model in 20 minutes. Overnight: a wider "
                                   "network for 8 hours.")
        h.addWidget(QLabel("Preset", hyper), 0, 0)
        h.addWidget(self.preset_box, 0, 1)
        self.hyper: dict[str, QSpinBox | QDoubleSpinBox] = {}
        self.hyper_rows: dict[str, tuple[QWidget, ...]] = {}
        for row, (name, label, low, high, default, decimals, unit, _modes, help_) in enumerate(
                HYPER, start=1):
            if decimals is None:
                box = QSpinBox(hyper)
            else:
                box = QDoubleSpinBox(hyper)
                box.setDecimals(decimals)
                box.setSingleStep(10 ** -decimals * (1 if decimals < 3 else 10))
            box.setRange(low, high)
            box.setValue(default)
            box.setSuffix(unit)
            box.setObjectName(f"hyper_{name}")
            if name == "max_minutes":
                box.setSpecialValueText("no limit")
            explain = QLabel(help_, hyper)
            explain.setWordWrap(True)
            explain.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            name_label = QLabel(label, hyper)
            h.addWidget(name_label, 2 * row - 1, 0)
            h.addWidget(box, 2 * row - 1, 1)
            h.addWidget(explain, 2 * row, 0, 1, 2)
            box.setToolTip(help_)
            self.hyper[name] = box
            self.hyper_rows[name] = (name_label, box, explain)
        layout.addWidget(hyper)

        listen = QGroupBox("Listening and export", self)
        g = QFormLayout(listen)
        self.melody = QComboBox(listen)
        for key, sample in SAMPLES.items():
            self.melody.addItem(sample.title, SAMPLE_PREFIX + key)
        self.melody.addItem("A MIDI file…", "file")
        self.melody.setToolTip("The fixed melody each saved epoch accompanies when you listen")
        self.melody.activated.connect(self._melody_chosen)
        self.quick_export = QCheckBox("Quick decoding search at export", listen)
        self.quick_export.setToolTip("Chooses the card's decoding from a few settings instead of "
                                     "the full search (seconds instead of minutes)")
        self.export_on_finish = QCheckBox("Export when training ends", listen)
        g.addRow("Melody", self.melody)
        g.addRow(self.quick_export)
        g.addRow(self.export_on_finish)
        layout.addWidget(listen)
        layout.addStretch(1)

        for w in (self.use_folder, self.use_preset):
            w.toggled.connect(self._data_edited)
        for w in (self.folder, self.glob, self.subfolder):
            w.textChanged.connect(self._data_edited)
        for w in (self.preset, self.program, self.time_signature):
            w.currentIndexChanged.connect(self._data_edited)
        self.time_signature.editTextChanged.connect(self._data_edited)
        for w in (self.min_bpm, self.max_bpm, self.limit):
            w.valueChanged.connect(self._data_edited)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.model_id.textChanged.connect(lambda _t: self.changed.emit())
        self.preset_box.currentTextChanged.connect(self.apply_preset)
        for box in self.hyper.values():
            box.valueChanged.connect(self._hyper_edited)
        self._applying = False
        self.apply_preset(self.preset_box.currentText())
        self._data_edited()

    # --- reading ----------------------------------------------------------------------
    def dataset(self) -> str:
        if self.use_preset.isChecked():
            return self.preset.currentText()
        return self.folder.text().strip()

    def filters(self) -> dict:
        if self.use_preset.isChecked():
            return {}
        ts = self.time_signature.currentText().strip()
        return {"time_signature": None if ts in ("", "any") else ts,
                "min_bpm": self.min_bpm.value() or None, "max_bpm": self.max_bpm.value() or None,
                "program": self.program.currentData(), "glob": self.glob.text().strip() or None,
                "folder": self.subfolder.text().strip() or None}

    def data_spec(self) -> dict:
        limit = self.limit.value() if self.use_preset.isChecked() else 0
        return {"dataset": self.dataset(), "filters": self.filters(), "limit_pieces": limit or None}

    def problem(self) -> str | None:
        """Why the form cannot start a run (None: it can)."""
        if not self.dataset():
            return "Choose a folder of MIDI files or a corpus preset."
        if self.use_folder.isChecked() and not Path(self.dataset()).is_dir():
            return f"The folder {self.dataset()} does not exist."
        ts = self.filters().get("time_signature")
        if ts:
            parts = ts.split("/")
            if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
                return f"The time signature {ts!r} is not like 3/4."
        if not MODEL_ID.match(self.model_id.text().strip()):
            return "Give the model a name of letters, digits, - _ or . (up to 64)."
        lo, hi = self.min_bpm.value(), self.max_bpm.value()
        if lo and hi and lo > hi:
            return "The lowest tempo is above the highest."
        return None

    def spec(self) -> dict:
        mode = self.mode.currentData()
        model_id = self.model_id.text().strip()
        values = {name: box.value() for name, box in self.hyper.items()}
        genre = model_id.removeprefix(f"{mode}-") or model_id
        return {"mode": mode, **self.data_spec(), **values,
                "max_minutes": values["max_minutes"] or None, "model_id": model_id,
                "genre": genre, "melody": self.melody.currentData(),
                "quick_export": self.quick_export.isChecked(),
                "snapshot_seconds": self.snapshot_seconds,
                "export_on_finish": ({"id": model_id, "quick": self.quick_export.isChecked()}
                                     if self.export_on_finish.isChecked() else None)}

    # --- writing ----------------------------------------------------------------------
    def set_folder(self, path: str | Path) -> None:
        self.use_folder.setChecked(True)
        self.folder.setText(str(path))

    def set_hyper(self, **values) -> None:
        """Set hyper-parameters by name (the preset becomes Custom)."""
        for name, value in values.items():
            self.hyper[name].setValue(value)

    def set_melody(self, source: str) -> None:
        i = self.melody.findData(source)
        if i < 0:
            self.melody.insertItem(self.melody.count() - 1, Path(source).name, source)
            i = self.melody.findData(source)
        self.melody.setCurrentIndex(i)
        self.changed.emit()

    def set_spec(self, spec: dict) -> None:
        """Show a saved run's settings."""
        self.mode.setCurrentIndex(max(0, self.mode.findData(spec.get("mode", "gan"))))
        self.model_id.setText(spec.get("model_id", ""))
        dataset = str(spec.get("dataset", ""))
        if dataset in PRESETS:
            self.use_preset.setChecked(True)
            self.preset.setCurrentText(dataset)
            self.limit.setValue(spec.get("limit_pieces") or 0)
        else:
            self.set_folder(dataset)
        f = spec.get("filters") or {}
        self.time_signature.setCurrentText(f.get("time_signature") or "any")
        self.min_bpm.setValue(int(f.get("min_bpm") or 0))
        self.max_bpm.setValue(int(f.get("max_bpm") or 0))
        self.program.setCurrentIndex(max(0, self.program.findData(f.get("program"))))
        self.glob.setText(f.get("glob") or "")
        self.subfolder.setText(f.get("folder") or "")
        self._applying = True
        self.preset_box.setCurrentText("Custom")
        for name, box in self.hyper.items():
            if spec.get(name) is not None:
                box.setValue(spec[name])
            elif name == "max_minutes":
                box.setValue(0)
        self._applying = False
        if spec.get("melody"):
            self.set_melody(spec["melody"])
        self.quick_export.setChecked(bool(spec.get("quick_export")))
        self.export_on_finish.setChecked(bool(spec.get("export_on_finish")))

    def set_editable(self, on: bool) -> None:
        """A saved run's settings are shown, not changed (its checkpoint depends on them);
        the melody for listening and the export options stay free."""
        for w in self.findChildren(QWidget):
            if w in (self.melody, self.quick_export) or isinstance(w, QGroupBox):
                continue
            if isinstance(w, (QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox, QRadioButton,
                              QCheckBox, QPushButton)):
                w.setEnabled(on)
        if on:
            self._data_edited()

    def apply_preset(self, name: str) -> None:
        values = HYPER_PRESETS.get(name)
        if values is None:
            return
        self._applying = True
        for key, value in values.items():
            self.hyper[key].setValue(value)
        self._applying = False
        self.quick_export.setChecked(name.startswith("Quick"))
        self.changed.emit()

    def browse_folder(self) -> None:
        if not self.interactive:
            return
        path = QFileDialog.getExistingDirectory(self, "A folder of MIDI files", self.folder.text())
        if path:
            self.set_folder(path)

    # --- reacting ---------------------------------------------------------------------
    def _melody_chosen(self, index: int) -> None:
        if self.melody.itemData(index) == "file":
            path = ""
            if self.interactive:
                path, _ = QFileDialog.getOpenFileName(self, "A melody", "", "MIDI (*.mid *.midi)")
            if path:
                self.set_melody(path)
            else:
                self.melody.setCurrentIndex(0)
        self.changed.emit()

    def _hyper_edited(self) -> None:
        if not self._applying and self.preset_box.currentText() != "Custom":
            self.preset_box.blockSignals(True)
            self.preset_box.setCurrentText("Custom")
            self.preset_box.blockSignals(False)
        self.changed.emit()

    def _mode_changed(self) -> None:
        mode = self.mode.currentData()
        for name, *_rest, modes, _help in HYPER:
            for w in self.hyper_rows[name]:
                w.setVisible(mode in modes.split())
        text = self.model_id.text()
        for other, _ in MODES:
            if text.startswith(f"{other}-") and other != mode:
                self.model_id.setText(f"{mode}-{text[len(other) + 1:]}")
        self.changed.emit()

    def _data_edited(self, *_args) -> None:
        folder = self.use_folder.isChecked()
        self.folder.setEnabled(folder)
        self.preset.setEnabled(not folder)
        self.limit.setEnabled(not folder)
        self.filters_box.setEnabled(folder)
        self.data_changed.emit()
        self.changed.emit()

    def sizeHint(self):
        hint = super().sizeHint()
        hint.setWidth(max(hint.width(), 380))
        return hint

