"""The generate panel: mode, model (described in plain words, the numbers behind
Details), input track, parameters, seed, Generate.

Generation runs in the JobRunner on a copy of the song. Its result becomes a new
*version* of the song (ui/versions.py), shown and playable but not part of the
song until the user keeps it; the song and its undo stack are left alone. The
input is the track chosen here, by default the user's own melody, never a track
a version added. Each Generate draws a new seed unless the seed is locked. Modes
whose module or models are missing are shown but disabled, with the reason as
tooltip.
"""

from __future__ import annotations

import random
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QSpinBox, QToolButton, QVBoxLayout,
                               QWidget)

from ..generation.cards import card_details, plain_description
from ..generation.modes import MODES, Request, generate, installed, preferred_model
from ..library.versions import Version
from .document import Document
from .param_form import ParamForm
from .versions import VersionsController
from .workers import JobRunner

MAX_SEED = 2**31 - 1


class GeneratePanel(QWidget):
    def __init__(self, doc: Document, jobs: JobRunner, parent=None, registry=None,
                 versions: VersionsController | None = None) -> None:
        super().__init__(parent)
        self.doc, self.jobs = doc, jobs
        self.versions = versions if versions is not None else VersionsController(doc, self)
        if registry is None:
            from ..generation.registry import default_registry
            registry = default_registry()
        self.registry = registry
        self._job: int | None = None
        self.mode = QComboBox(self)
        self.model = QComboBox(self)
        self.input = QComboBox(self)
        self.input.setObjectName("input_track")
        self.input.setToolTip("The track the model reads: by default your own melody (the first "
                              "track no version added)")
        self._chosen_input = None  # the Track the user picked, while it is in the song
        for box in (self.mode, self.model, self.input):  # long names must not squeeze the labels
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(12)
        self.card = QLabel(self)
        self.card.setWordWrap(True)
        self.card.setToolTip("What the model does, in plain words (from its card, "
                             "models/<id>.json)")
        self.card.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_button = QToolButton(self)
        self.details_button.setObjectName("card_details")
        self.details_button.setText("Details")
        self.details_button.setCheckable(True)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setAutoRaise(True)
        self.details_button.setToolTip("How the model was trained and measured")
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setVisible(False)
        self.details_button.toggled.connect(self._show_details)
        self.params = ParamForm(self)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, MAX_SEED)
        self.seed.setToolTip("The same seed, song and parameters give the same result; "
                             "each Generate draws a new one unless it is locked")
        dice = QToolButton(self)
        dice.setText("Dice")
        dice.setToolTip("Draw a new random seed")
        dice.clicked.connect(self.roll_seed)
        self.seed_lock = QToolButton(self)
        self.seed_lock.setObjectName("seed_lock")
        self.seed_lock.setText("Lock")
        self.seed_lock.setCheckable(True)
        self.seed_lock.setToolTip("Keep this seed for every Generate (to hear what a parameter "
                                  "changes); unlocked, each Generate draws a new one")
        self._last_seed: int | None = None  # the seed of the last run
        self.region = QCheckBox("Only the loop region (regenerate selection)", self)
        self.region.setToolTip("AR-CNN: change only the bars inside the loop region; keep the rest")
        self.generate_button = QPushButton("Generate", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)  # shown from the first Generate on
        self.status = QLabel(self)  # the result line: what changed
        self.status.setObjectName("generate_result")
        self.status.setWordWrap(True)
        self.status.setMinimumHeight(self.status.fontMetrics().lineSpacing() * 3)
        self.setMinimumWidth(280)

        form = QFormLayout()
        form.addRow("Mode", self.mode)
        form.addRow("Model", self.model)
        form.addRow("Input", self.input)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(dice)
        seed_row.addWidget(self.seed_lock)
        form.addRow("Seed", seed_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.card)
        layout.addWidget(self.details_button)
        layout.addWidget(self.details)
        layout.addWidget(self.params)
        layout.addWidget(self.region)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button, 1)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addStretch(1)

        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.model.currentIndexChanged.connect(self._model_changed)
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button.clicked.connect(self.cancel)
        jobs.progress.connect(self._progress)
        jobs.finished.connect(self._job_ended)
        jobs.failed.connect(self._job_failed)
        jobs.cancelled.connect(self._job_cancelled)
        self.input.activated.connect(self._input_chosen)
        for signal in (doc.tracks_changed, doc.reset, self.versions.changed):
            signal.connect(self.refresh_inputs)
        for signal in (doc.track_changed, doc.notes_changed):
            signal.connect(lambda _i: self.refresh_inputs())
        self.roll_seed()
        self.refresh_models()
        self.refresh_inputs()

    # --- modes, models and parameters ---------------------------------------------------
    def refresh_models(self) -> None:
        self.mode.blockSignals(True)
        self.mode.clear()
        first_enabled = -1
        for i, spec in enumerate(MODES.values()):
            self.mode.addItem(spec.title, spec.name)
            reason = None
            if not installed(spec.name):
                reason = "this mode is not installed"
            elif not self.registry.models(spec.name):
                reason = f"no {spec.name} model installed (train one or add it to the models folder)"
            item = self.mode.model().item(i)
            item.setEnabled(reason is None)
            item.setToolTip(reason or spec.summary)
            if reason is None and first_enabled < 0:
                first_enabled = i
        self.mode.blockSignals(False)
        self.mode.setCurrentIndex(max(first_enabled, 0))
        self._mode_changed()

    def current_mode(self) -> str:
        return self.mode.currentData()

    def _mode_changed(self, *_args) -> None:
        mode = self.current_mode()
        self.model.blockSignals(True)
        self.model.clear()
        for entry in self.registry.models(mode) if mode else []:
            self.model.addItem(f"{entry.card.title} [{entry.card.genre}]", entry.id)
        self._prefer_model()
        self.model.blockSignals(False)
        self.params.build(mode)
        self.region.setVisible(mode == "arcnn")
        self._model_changed()

    def _model_changed(self, *_args) -> None:
        model_id = self.model.currentData()
        ok = model_id is not None and not self.jobs.busy
        self.generate_button.setEnabled(ok)
        if model_id is None:
            self.card.setText("No model for this mode is installed.")
            return
        card = self.registry.get(model_id).card
        self.card.setText(plain_description(card))
        self.details.setText(card_details(card))
        # Parameters whose default is the model's (e.g. a genre's key lock) show its value,
        # and their tooltips say it (not "the model's").
        for name, value in MODES[card.mode].defaults(card).items():
            p = MODES[card.mode].param(name)
            if p.card_field:
                self.params.set_value(name, value)
                box = self.params.inputs.get(name)
                if box is not None:
                    rng = f" Range {p.range_text()}." if p.kind in ("int", "float") else ""
                    box.setToolTip(f"{p.help}{rng} Default for this model: {p.value_text(value)}.")

    def _show_details(self, on: bool) -> None:
        self.details.setVisible(on)
        self.details_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def roll_seed(self) -> None:
        self.seed.setValue(random.SystemRandom().randrange(MAX_SEED))

    # --- the input track ------------------------------------------------------------
    def refresh_inputs(self) -> None:
        """List the song's tracks; keep the user's choice while it is in the song,
        else choose the default: the melody, never a track a version added."""
        tracks = self.doc.comp.tracks
        generated = set(self.versions.generated_tracks())
        chosen = next((i for i, t in enumerate(tracks) if t is self._chosen_input), -1)
        current = chosen if chosen >= 0 else self.versions.default_input()
        self.input.blockSignals(True)
        self.input.clear()
        for i, t in enumerate(tracks):
            suffix = " (generated)" if i in generated else "" if t.notes else " (empty)"
            self.input.addItem(f"{i + 1} {t.name}{suffix}", i)
        self.input.setCurrentIndex(current)
        self.input.blockSignals(False)

    def _prefer_model(self) -> None:
        """Select the model that suits the input (a melody model for a single line)."""
        mode = self.current_mode()
        if mode and self.model.count():
            preferred = preferred_model(self.registry, mode, self.doc.comp, self.input_track())
            self.model.setCurrentIndex(max(self.model.findData(preferred), 0))

    def _input_chosen(self, row: int) -> None:
        tracks = self.doc.comp.tracks
        self._chosen_input = tracks[row] if 0 <= row < len(tracks) else None
        self._prefer_model()

    def input_track(self) -> int:
        """The index of the track the next Generate reads (-1: none)."""
        data = self.input.currentData()
        return -1 if data is None else int(data)

    def set_input_track(self, index: int) -> None:
        """Choose the input as the user would (tests, scripts)."""
        self.input.setCurrentIndex(index)
        self._input_chosen(index)

    # --- running --------------------------------------------------------------------
    def generate(self) -> int | None:
        mode, model_id = self.current_mode(), self.model.currentData()
        track = self.input_track()
        if model_id is None or not 0 <= track < len(self.doc.comp.tracks):
            self.status.setText("Choose a model and a track with notes first.")
            return None
        if not self.seed_lock.isChecked() and self.seed.value() == self._last_seed:
            self.roll_seed()  # a new take each click; Lock keeps the seed
        comp = self.doc.comp.copy()  # the worker reads this snapshot, never the live song
        values, seed = self.params.values(), self.seed.value()
        self._last_seed = seed
        window = self.window()
        tr = getattr(window, "transport", None)
        region = (tr.loop_start, tr.loop_end) if (self.region.isChecked() and tr and tr.has_loop) else None
        registry = self.registry

        request = Request(model_id, track, seed, values, comp.key, region)
        verb = MODES[mode].verb

        def work(progress):
            return generate(registry, mode, comp, request, lambda f: progress(f, verb))

        self.generate_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.status.setText("Generating…")
        card = self.registry.get(model_id).card
        try:
            used = MODES[mode].values(values, card)  # as the run uses them: the card's filled in
        except ValueError:
            used = dict(values)
        source = self.doc.track(track)
        version = Version(0, mode, model_id, card.title, card.genre, seed, used, track,
                          source.name, 0.0, 0.0, "", MODES[mode].adds, input_ref=source)
        started = time.monotonic()
        self._job = self.jobs.submit(work, f"Generate ({mode})",
                                     on_result=lambda r: self._apply(r, version, started))
        return self._job

    def _apply(self, result, version: Version, started: float) -> None:
        """The result becomes a version, shown and brought into view; the song and
        its undo stack stay as they are until the user keeps it."""
        version.seconds = time.monotonic() - started
        version.created = time.time()
        version.summary = result.summary
        version.tracks = list(result.tracks)
        if self.versions.add(version) is None:
            self.status.setText(f"{result.summary[:1].upper()}{result.summary[1:]} "
                                f"(seed {version.seed}); nothing was added.")
            self.status.setToolTip("The take equals its input; a higher creative risk or more "
                                   "iterations change more")
            return
        self.status.setText(f"{version.name}: {result.summary} (seed {version.seed}, "
                            f"{version.seconds:.1f} s).")
        self.status.setToolTip("Listen to it, compare it with A/B in the Versions list, and "
                               "Keep it to make it the song (one undo step)")

    def cancel(self) -> None:
        if self._job is not None:
            self.jobs.cancel(self._job)

    def _progress(self, job: int, fraction: float, text: str) -> None:
        if job == self._job:
            self.progress.setValue(round(fraction * 100))

    def _done(self) -> None:
        self._job = None
        self.cancel_button.setEnabled(False)
        self.generate_button.setEnabled(self.model.currentData() is not None)

    def _job_ended(self, job: int, _result) -> None:
        if job == self._job:
            self.progress.setValue(100)
            self._done()

    def _job_failed(self, job: int, message: str) -> None:
        if job == self._job:
            self.status.setText(f"Generation failed: {message}")
            self._done()

    def _job_cancelled(self, job: int) -> None:
        if job == self._job:
            self.status.setText("Cancelled.")
            self._done()
