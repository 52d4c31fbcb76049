"""The generate panel: mode, model (with its card), parameters, seed, Generate.

Generation runs in the JobRunner on a copy of the song; its tracks arrive as ONE
undo step. Modes whose module or models are missing are shown but
disabled, with the reason as tooltip.
"""

from __future__ import annotations

import random

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QSpinBox, QToolButton, QVBoxLayout,
                               QWidget)

from ..generation.cards import describe
from ..generation.modes import MODES, Request, generate, installed
from .commands import InsertTracks, SetTrackAttr
from .document import Document
from .param_form import ParamForm
from .workers import JobRunner

MAX_SEED = 2**31 - 1


class GeneratePanel(QWidget):
    def __init__(self, doc: Document, jobs: JobRunner, parent=None, registry=None) -> None:
        super().__init__(parent)
        self.doc, self.jobs = doc, jobs
        if registry is None:
            from ..generation.registry import default_registry
            registry = default_registry()
        self.registry = registry
        self._job: int | None = None
        self.mode = QComboBox(self)
        self.model = QComboBox(self)
        self.card = QLabel(self)
        self.card.setWordWrap(True)
        self.card.setToolTip("From the model card (models/<id>.json)")
        self.card.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.params = ParamForm(self)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, MAX_SEED)
        self.seed.setToolTip("The same seed, song and parameters give the same result")
        dice = QToolButton(self)
        dice.setText("Dice")
        dice.setToolTip("Draw a new random seed")
        dice.clicked.connect(self.roll_seed)
        self.region = QCheckBox("Only the loop region (regenerate selection)", self)
        self.region.setToolTip("AR-CNN: change only the bars inside the loop region; keep the rest")
        self.generate_button = QPushButton("Generate", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.ab_button = QPushButton("A/B: hear the take", self)
        self.ab_button.setCheckable(True)
        self.ab_button.setEnabled(False)
        self.ab_button.setVisible(False)  # shown once there is a take to compare
        self.ab_button.setToolTip("Compare the original track (A) with the last take (B): "
                                  "mutes one and unmutes the other")
        self.ab_button.toggled.connect(self._compare)
        self._ab: tuple | None = None  # (original Track, take Track) of the last AR-CNN/Transformer run
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)  # shown from the first Generate on
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setMinimumHeight(self.status.fontMetrics().lineSpacing() * 3)
        self.setMinimumWidth(280)

        form = QFormLayout()
        form.addRow("Mode", self.mode)
        form.addRow("Model", self.model)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(dice)
        form.addRow("Seed", seed_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.card)
        layout.addWidget(self.params)
        layout.addWidget(self.region)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button, 1)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        layout.addWidget(self.ab_button)
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
        self.roll_seed()
        self.refresh_models()

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
        self.card.setText(describe(card))
        # Parameters whose default is the model's (e.g. a genre's key lock) show its value.
        for name, value in MODES[card.mode].defaults(card).items():
            if MODES[card.mode].param(name).card_field:
                self.params.set_value(name, value)

    def roll_seed(self) -> None:
        self.seed.setValue(random.SystemRandom().randrange(MAX_SEED))

    # --- running --------------------------------------------------------------------
    def generate(self) -> int | None:
        mode, model_id = self.current_mode(), self.model.currentData()
        track = self.doc.current_track
        if model_id is None or track < 0:
            self.status.setText("Choose a model and a track with notes first.")
            return None
        comp = self.doc.comp.copy()  # the worker reads this snapshot, never the live song
        values, seed = self.params.values(), self.seed.value()
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
        self._source = self.doc.track(track)
        self._job = self.jobs.submit(work, f"Generate ({mode})", on_result=self._apply)
        return self._job

    def _apply(self, result) -> None:
        mode, tracks = self.current_mode(), result.tracks
        self.doc.undo_stack.push(InsertTracks(self.doc, tracks, text=f"Generate ({MODES[mode].title})"))
        self.status.setText(f"{result.summary}, seed {self.seed.value()}.")
        if MODES[mode].adds == "take" and len(tracks) == 1:
            self._ab = (self._source, tracks[0])
            self.ab_button.blockSignals(True)
            self.ab_button.setChecked(False)
            self.ab_button.blockSignals(False)
            self.ab_button.setEnabled(True)
            self.ab_button.setVisible(True)
        self.status.setToolTip("Edit > Undo (Ctrl+Z) removes them in one step")

    def _compare(self, hear_take: bool) -> None:
        """A: the original sounds and the take is muted; B: the other way round.
        Mute is part of the song, so the switch is an undo step like any other."""
        tracks = self.doc.comp.tracks
        if self._ab is None or not all(any(t is u for u in tracks) for t in self._ab):
            self.ab_button.setEnabled(False)  # one of them was deleted or undone
            return
        index = {id(t): i for i, t in enumerate(tracks)}
        original, take = (index[id(t)] for t in self._ab)
        stack = self.doc.undo_stack
        stack.beginMacro("Listen to the take (B)" if hear_take else "Listen to the original (A)")
        stack.push(SetTrackAttr(self.doc, original, "mute", hear_take))
        stack.push(SetTrackAttr(self.doc, take, "mute", not hear_take))
        stack.endMacro()
        self.ab_button.setText("A/B: hear the original" if hear_take else "A/B: hear the take")

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
