"""Tools > Train a Genre: train a model on the user's own MIDI files, watch it learn,
listen to each epoch and export it to the Generate panel.

The trainer runs in a process of its own (training/job.py through
training_runs.JobProcess): the window never waits for it and never imports torch;
its crash is reported with its log and leaves the window as it was. Pause and Stop
ask it (RUN/control) to save its checkpoint at the next step and exit; Resume
starts it again on the same run folder, which lives in the user's data folder, so
a paused (or interrupted) run is listed and resumable after the app was closed.
The preview of the data and the time estimate are jobs of the same module.

GAN runs plot the generator's and the critic's losses per step and, per epoch,
the musical metrics of the generated accompaniment of the held-out (validation)
pieces beside the real accompaniment's (dashed lines), and save each epoch's
generator: the Listen slider renders that epoch's accompaniment of a fixed melody
(onnxruntime, in a worker thread), shows it in a small roll and plays it, and
Export writes any saved epoch (or the latest weights) as an ONNX model with its
card. AR-CNN and Transformer runs go through the same window with their training
and validation losses; they export their best validation weights. Every run is
recorded in the library (library/store.py).
"""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGridLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QMessageBox, QPlainTextEdit,
                               QProgressBar, QPushButton, QScrollArea, QSlider, QSplitter,
                               QVBoxLayout, QWidget)

from ..music import load_composition
from .line_plot import LinePlot, MiniRoll
from .training_form import MODES, TrainingForm
from .training_runs import (INSTALL_COMMAND, MODEL_ID, PRESETS, JobProcess, RunFolder,
                            list_runs, missing_extra, render_epoch, settle_hint)
from .workers import JobRunner

# (key in a record's validation, plot title)
METRIC_PLOTS = (("in_scale_rate", "In scale"), ("pitch_classes_per_bar", "Pitch classes per bar"),
                ("note_length", "Note length (beats)"), ("polyphonic_rate", "Polyphony"),
                ("distance", "Distance to the real"))
LOSS_NAMES = {"g_loss": "generator", "d_loss": "critic", "loss": "training",
              "val_loss": "validation", "val_nll": "validation"}
VALIDATION_LOSSES = ("val_loss", "val_nll")
RESUMABLE = ("paused", "interrupted", "crashed")
TRAIN_EVENTS_END = ("paused", "stopped", "finished", "exported", "error")


class TrainingWindow(QWidget):
    model_exported = Signal(str)  # a model id, written to the user's models folder

    def __init__(self, studio=None, parent=None, interactive: bool = True) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("training_window")
        self.setWindowTitle("Train a Genre")
        self.studio, self.interactive = studio, interactive
        self.run: RunFolder | None = None
        self.trainer: JobProcess | None = None  # the train or export job
        self.trainer_kind = ""
        self.helper: JobProcess | None = None  # the preview or estimate job
        self.helper_kind = ""
        self.jobs = JobRunner(self)  # listening renders
        self.saved_epochs: list[dict] = []
        self.last_preview: dict | None = None
        self.last_estimate: dict | None = None
        self.last_export: dict | None = None
        self.last_error: str | None = None
        self.total_steps = 0
        self._recent: deque = deque(maxlen=40)  # (step, seconds) of the latest records
        self._losses: dict[str, list[float]] = {}
        self._distances: list[float] = []
        self._distance_epochs: list[int] = []
        self._own_library = None
        self.player = None
        self.listen_comp = None
        self._play_when_rendered = False
        self.missing = missing_extra()

        self.form = TrainingForm(self)
        self.form.interactive = interactive
        self._build()
        self._preview_timer = QTimer(self, singleShot=True, interval=400)
        self._preview_timer.timeout.connect(self.preview)
        self._render_timer = QTimer(self, singleShot=True, interval=150)
        self._render_timer.timeout.connect(self.render_selected)
        self.form.data_changed.connect(self._preview_timer.start)
        self.form.changed.connect(self._form_changed)
        self.form.mode.currentIndexChanged.connect(self._mode_shown)
        self.refresh_runs()
        self._mode_shown()
        self._set_buttons()
        if self.missing:
            self.say(f"Training needs the 'train' extra ({', '.join(self.missing)} not "
                     f"installed). Install it with:  {INSTALL_COMMAND}  and open this window "
                     "again.", error=True)
        self.resize(1500, 940)

    # --- building ---------------------------------------------------------------------
    def _build(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("Run", self))
        self.runs = QComboBox(self)
        self.runs.setObjectName("runs")
        self.runs.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.runs.setToolTip("Your runs, kept in your data folder: a paused or interrupted run "
                             "resumes from its checkpoint, also after the app was closed")
        self.runs.activated.connect(lambda _i: self.select_run(self.runs.currentData()))
        top.addWidget(self.runs, 1)

        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(4, 4, 4, 4)
        lv.addWidget(self.form)
        preview = QGroupBox("What trains", self.form)
        pv = QVBoxLayout(preview)
        self.preview_label = QLabel("Choose a folder of MIDI files or a corpus preset.", preview)
        self.preview_label.setObjectName("preview")
        self.preview_label.setWordWrap(True)
        self.left_out = QListWidget(preview)
        self.left_out.setObjectName("left_out")
        self.left_out.setMaximumHeight(90)
        self.left_out.setToolTip("The files left out, and why")
        pv.addWidget(self.preview_label)
        pv.addWidget(self.left_out)
        est = QHBoxLayout()
        self.estimate_button = QPushButton("Estimate time", preview)
        self.estimate_button.setToolTip("Times a few training steps of these settings on this "
                                        "machine (a few seconds)")
        self.estimate_button.clicked.connect(self.estimate)
        est.addWidget(self.estimate_button)
        self.estimate_label = QLabel("", preview)
        self.estimate_label.setObjectName("estimate")
        self.estimate_label.setWordWrap(True)
        est.addWidget(self.estimate_label, 1)
        pv.addLayout(est)
        self.form.layout().insertWidget(3, preview)  # below the filter tags
        scroll = QScrollArea(self)
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(470)

        right = QWidget(self)
        rv = QVBoxLayout(right)
        rv.setContentsMargins(4, 4, 4, 4)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start", right)
        self.pause_button = QPushButton("Pause", right)
        self.resume_button = QPushButton("Resume", right)
        self.stop_button = QPushButton("Stop", right)
        self.start_button.setToolTip("Train a new model with these settings")
        self.pause_button.setToolTip("Save a checkpoint at the next step and wait; Resume goes "
                                     "on from it, also after the app was closed")
        self.stop_button.setToolTip("End the run (its saved epochs stay to listen to and export)")
        for b, slot in ((self.start_button, self.start), (self.pause_button, self.pause),
                        (self.resume_button, self.resume), (self.stop_button, self.stop)):
            b.clicked.connect(lambda _c=False, s=slot: s())
            buttons.addWidget(b)
        self.progress = QProgressBar(right)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        buttons.addWidget(self.progress, 1)
        rv.addLayout(buttons)
        self.status = QLabel("", right)
        self.status.setObjectName("train_status")
        rv.addWidget(self.status)
        self.message = QLabel("", right)
        self.message.setObjectName("train_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setVisible(False)
        rv.addWidget(self.message)
        self.log_view = QPlainTextEdit(right)
        self.log_view.setObjectName("trainer_log")
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumHeight(160)
        self.log_view.setVisible(False)
        rv.addWidget(self.log_view)

        self.loss_plot = LinePlot("Losses per step", right)
        self.loss_plot.setMinimumHeight(170)
        rv.addWidget(self.loss_plot, 3)
        metrics = QWidget(right)
        grid = QGridLayout(metrics)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        self.metric_plots: dict[str, LinePlot] = {}
        for i, (key, title) in enumerate(METRIC_PLOTS):
            plot = LinePlot(title, metrics)
            self.metric_plots[key] = plot
            grid.addWidget(plot, i // 3, i % 3)
        self.metrics_note = QLabel("Per epoch, on the held-out (validation) pieces: the "
                                   "accompaniment the network generates for their melodies "
                                   "(its raw output, before the export chooses a decoding) "
                                   "beside the real accompaniment (dashed). In scale: share of "
                                   "notes in the key; polyphony: share of steps with chords; "
                                   "distance: the mean gap of the four, 0 = the real music's.",
                                   metrics)
        self.metrics_note.setWordWrap(True)
        grid.addWidget(self.metrics_note, 1, 2)
        self.metrics_box = metrics
        rv.addWidget(metrics, 4)
        self.hint = QLabel("", right)
        self.hint.setObjectName("settle_hint")
        self.hint.setWordWrap(True)
        rv.addWidget(self.hint)

        listen = QGroupBox("Listen to an epoch", right)
        self.listen_box = listen
        lg = QGridLayout(listen)
        self.epoch_slider = QSlider(Qt.Orientation.Horizontal, listen)
        self.epoch_slider.setObjectName("epoch_slider")
        self.epoch_slider.setRange(0, 0)
        self.epoch_slider.setEnabled(False)
        self.epoch_slider.valueChanged.connect(self._epoch_chosen)
        self.epoch_label = QLabel("No saved epoch yet", listen)
        self.play_button = QPushButton("Play", listen)
        self.play_button.setEnabled(False)
        self.play_button.clicked.connect(self.toggle_play)
        self.roll = MiniRoll(listen)
        self.roll.setMinimumHeight(120)
        lg.addWidget(self.epoch_slider, 0, 0)
        lg.addWidget(self.epoch_label, 0, 1)
        lg.addWidget(self.play_button, 0, 2)
        lg.addWidget(self.roll, 1, 0, 1, 3)
        lg.setColumnStretch(0, 1)
        rv.addWidget(listen, 2)

        export = QGroupBox("Export to the Generate panel", right)
        ex = QHBoxLayout(export)
        self.export_epoch = QComboBox(export)
        self.export_epoch.setObjectName("export_epoch")
        self.export_epoch.setMinimumContentsLength(24)
        self._export_choice: object = "newest"
        self.export_epoch.activated.connect(
            lambda i: setattr(self, "_export_choice", self.export_epoch.itemData(i)))
        self.export_id = QLineEdit(export)
        self.export_id.setObjectName("export_id")
        self.export_id.setPlaceholderText("model name")
        self.export_quick = QCheckBox("Quick search", export)
        self.export_quick.setToolTip(self.form.quick_export.toolTip())
        self.export_button = QPushButton("Export", export)
        self.export_button.clicked.connect(lambda _c=False: self.export())
        ex.addWidget(self.export_epoch)
        ex.addWidget(self.export_id, 1)
        ex.addWidget(self.export_quick)
        ex.addWidget(self.export_button)
        rv.addWidget(export)
        self.export_result = QLabel("", right)
        self.export_result.setObjectName("export_result")
        self.export_result.setWordWrap(True)
        rv.addWidget(self.export_result)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([500, 1000])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

    # --- messages ---------------------------------------------------------------------
    def say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setStyleSheet("color: #b00020;" if error else "")
        if error:
            self.last_error = text

    def _status(self, text: str) -> None:
        self.status.setText(text)

    # --- runs ---------------------------------------------------------------------------
    def refresh_runs(self) -> None:
        current = self.run.path if self.run else None
        self.runs.blockSignals(True)
        self.runs.clear()
        self.runs.addItem("New run", None)
        for run in list_runs():
            alive = self.run is not None and run.path == self.run.path and self._training
            self.runs.addItem(run.label() if not alive else run.label().replace(
                ": interrupted", ": running"), str(run.path))
        index = self.runs.findData(str(current)) if current else 0
        self.runs.setCurrentIndex(max(index, 0))
        self.runs.blockSignals(False)

    @property
    def _training(self) -> bool:
        return self.trainer is not None and self.trainer.running and self.trainer_kind == "train"

    @property
    def busy(self) -> bool:
        return self.trainer is not None and self.trainer.running

    def select_run(self, path: str | None) -> None:
        """Show a saved run (its settings, curves, epochs), or a new one (None)."""
        if self.busy and (self.run is None or str(self.run.path) != path):
            self.say("A run is training or exporting: pause or stop it first.", error=True)
            self.refresh_runs()
            return
        self._clear()
        if path is None:
            self.run = None
            self.form.set_editable(True)
            self._set_buttons()
            return
        self.run = RunFolder(Path(path))
        spec = self.run.spec
        self.form.set_spec(spec)
        self.form.set_editable(False)
        self._mode_shown()
        self._reference(self.run.reference())
        for record in self.run.history():
            self._record(record)
        for meta in self.run.epochs():
            self._epoch_saved(meta, follow=False)
        status = self.run.status()
        self.total_steps = int(status.get("total_steps") or 0)
        step = int(status.get("step") or 0)
        history = self.run.history()
        self._progress_to(step, float(history[-1].get("seconds", 0)) if history else 0.0)
        state = self.run.state(self._training)
        self._status(f"{spec.get('model_id')}: {state}" + (f" at step {step}" if step else ""))
        if state in ("crashed", "failed"):
            self.say(f"The trainer {state}: {status.get('message', '')}".rstrip(": "), error=True)
            self._show_log()
        self.export_id.setText(spec.get("model_id", ""))
        self.export_quick.setChecked(bool(spec.get("quick_export")))
        self._set_buttons()

    def _clear(self) -> None:
        self.say("")
        self.log_view.setVisible(False)
        self.loss_plot.clear()
        self.loss_plot.series.clear()
        for plot in self.metric_plots.values():
            plot.clear()
            plot.series.clear()
        self._losses.clear()
        self._distances.clear()
        self._distance_epochs.clear()
        self._recent.clear()
        self.saved_epochs = []
        self.epoch_slider.blockSignals(True)
        self.epoch_slider.setRange(0, 0)
        self.epoch_slider.blockSignals(False)
        self.epoch_slider.setEnabled(False)
        self.epoch_label.setText("No saved epoch yet")
        self.export_epoch.clear()
        self._export_choice = "newest"
        self.export_result.setText("")
        self.hint.setText("")
        self.roll.set_composition(None, "No epoch to listen to yet")
        self.listen_comp = None
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._status("")

    def _set_buttons(self) -> None:
        state = self.run.state(self._training) if self.run else "new"
        training, busy = self._training, self.busy
        extra = not self.missing
        self.start_button.setEnabled(extra and self.run is None and not busy
                                     and self.form.problem() is None)
        self.pause_button.setEnabled(training)
        self.resume_button.setEnabled(extra and not busy and state in RESUMABLE)
        self.stop_button.setEnabled(training or (not busy and state in RESUMABLE))
        self.estimate_button.setEnabled(extra and self.form.problem() is None and not training)
        can_export = (extra and not busy and self.run is not None
                      and (bool(self.saved_epochs) or self.run.has_checkpoint()))
        for w in (self.export_button, self.export_epoch, self.export_id, self.export_quick):
            w.setEnabled(can_export)
        self._fill_export_epochs()

    def _fill_export_epochs(self) -> None:
        """Latest weights (where there is a checkpoint), then the saved epochs, newest
        first; the user's choice is kept, else the newest is chosen."""
        chosen = self._export_choice
        self.export_epoch.blockSignals(True)
        self.export_epoch.clear()
        if self.run is not None and self.run.has_checkpoint():
            self.export_epoch.addItem("Latest weights", None)
        for meta in reversed(self.saved_epochs):
            d = meta.get("distance")
            self.export_epoch.addItem(f"Epoch {meta['epoch']}" + (
                f" (distance {d:.3f})" if isinstance(d, (int, float)) else ""), meta["epoch"])
        index = self.export_epoch.findData(chosen) if chosen != "newest" else -1
        self.export_epoch.setCurrentIndex(max(index, 0))
        self.export_epoch.blockSignals(False)

    def _form_changed(self) -> None:
        if self.run is None:
            self.export_id.setText(self.form.model_id.text().strip())
            self.export_quick.setChecked(self.form.quick_export.isChecked())
        self._set_buttons()

    def _mode_shown(self) -> None:
        gan = self.form.mode.currentData() == "gan"
        self.metrics_box.setVisible(gan)
        self.listen_box.setVisible(gan)
        self.loss_plot.title = ("Losses per step: generator and critic" if gan else
                                "Loss per step (training) and at each validation")

    # --- preview and estimate -------------------------------------------------------------
    def _helper(self, kind: str, args: list[str]) -> None:
        if self.helper is not None:
            self.helper.kill()
        job = JobProcess(self)
        job.event.connect(lambda event, j=job: self._helper_event(j, event))
        job.ended.connect(lambda code, crashed, last, j=job: self._helper_ended(j, code, crashed))
        self.helper, self.helper_kind = job, kind
        job.start(args)

    def preview(self) -> None:
        """Count what passes the filters, in the trainer's module, off the GUI thread."""
        if self.run is not None:
            return
        data = self.form.data_spec()
        if not data["dataset"]:
            self.preview_label.setText("Choose a folder of MIDI files or a corpus preset.")
            self.left_out.clear()
            return
        if data["dataset"] not in PRESETS and not Path(data["dataset"]).is_dir():
            self.preview_label.setText(f"The folder {data['dataset']} does not exist.")
            self.left_out.clear()
            return
        self.last_preview = None
        self.preview_label.setText("Reading the files…" if self.form.use_folder.isChecked() else
                                   "Reading the corpus… (the first time takes a minute or two; "
                                   "it is kept for next time)")
        self._helper("preview", ["preview", json.dumps(data)])

    def estimate(self) -> None:
        problem = self.form.problem()
        if problem or self.missing:
            self.say(problem or self.message.text(), error=True)
            return
        self.last_estimate = None
        self.estimate_label.setText("Timing a few steps on this machine…")
        self._helper("estimate", ["estimate", json.dumps(self.form.spec())])

    def _helper_event(self, job: JobProcess, event: dict) -> None:
        if job is not self.helper:
            return  # a preview the user has moved on from
        kind = event["event"]
        if kind == "preview":
            self.last_preview = event
            self._show_preview(event)
        elif kind == "estimate":
            self.last_estimate = event
            self.estimate_label.setText(estimate_text(event, self.form.spec()))
        elif kind == "error":
            target = self.estimate_label if self.helper_kind == "estimate" else self.preview_label
            target.setText(event["message"])
            if event.get("kind") == "missing_extra":
                self.say(event["message"], error=True)

    def _helper_ended(self, job: JobProcess, code: int, crashed: bool) -> None:
        if job is not self.helper or not crashed:
            return
        target = self.estimate_label if self.helper_kind == "estimate" else self.preview_label
        target.setText(f"The {self.helper_kind} stopped unexpectedly (exit status {code}): "
                       f"{job.errors.strip().splitlines()[-1] if job.errors.strip() else ''}")

    def _show_preview(self, p: dict) -> None:
        voices = ", ".join(f"{n} voices in {c}" for n, c in p.get("voices", {}).items())
        split = p.get("split", {})
        text = (f"{p['files']} {'MIDI files' if p['kind'] == 'folder' else 'corpus pieces'}: "
                f"{p['pieces']} pieces pass, {p['bars']} bars ({voices or 'no voices'}). "
                f"{split.get('train', 0)} pieces to train on, {split.get('validation', 0)} held "
                f"out to judge each epoch, {split.get('test', 0)} to measure the model.")
        if p.get("reasons"):
            text += " Left out: " + ", ".join(f"{n} ({why})" for why, n in p["reasons"].items()) + "."
        if p.get("note"):
            text += f" ({p['note']}.)"
        if not p.get("trainable"):
            text += " Too few pieces to train: at least 3 must pass."
        self.preview_label.setText(text)
        self.left_out.clear()
        for item in p.get("left_out", []):
            self.left_out.addItem(f"{item['file']}: {item['why']}")

    # --- training -----------------------------------------------------------------------
    def start(self) -> bool:
        """A new run with the form's settings."""
        if self.missing:
            self.say(f"Training needs the 'train' extra: {INSTALL_COMMAND}", error=True)
            return False
        problem = self.form.problem()
        if problem or self.busy:
            self.say(problem or "A run is training or exporting.", error=True)
            return False
        if self.last_preview is not None and not self.last_preview.get("trainable", True):
            self.say("Too few pieces pass the filters to train a model (3 at least).", error=True)
            return False
        spec = self.form.spec()
        self._clear()
        self.run = RunFolder.create(spec)
        library_id = self._library_call("start_training_run", spec["mode"], spec["dataset"],
                                        spec["model_id"], spec,
                                        str(self.run.path / "log.jsonl"))
        self.run.update_spec(library_id=library_id, run_folder=str(self.run.path))
        self.form.set_editable(False)
        self._launch()
        self.refresh_runs()
        return True

    def resume(self) -> bool:
        if self.run is None or self.busy or self.missing:
            return False
        self.say("")
        self.log_view.setVisible(False)
        self._launch()
        self._library_status("running")
        return True

    def pause(self) -> None:
        if self._training:
            self.run.write_control("pause")
            self.pause_button.setEnabled(False)
            self._status("Pausing at the next step (saving the checkpoint)…")

    def stop(self) -> None:
        if self.run is None:
            return
        if self._training:
            self.run.write_control("stop")
            self.pause_button.setEnabled(False)
            self.stop_button.setEnabled(False)
            self._status("Stopping at the next step…")
        elif not self.busy and self.run.state() in RESUMABLE:
            self.run.set_status("stopped")
            self._ended_as("stopped")

    def _launch(self) -> None:
        self.run.clear_control()
        self._recent.clear()
        job = JobProcess(self)
        job.event.connect(lambda event, j=job: self._trainer_event(j, event))
        job.ended.connect(lambda code, crashed, last, j=job:
                          self._trainer_ended(j, code, crashed, last))
        self.trainer, self.trainer_kind = job, "train"
        job.start(["train", str(self.run.path)], log=self.run.log_path)
        self._status("Starting the trainer (loading PyTorch and your data)…")
        self._set_buttons()

    def _trainer_event(self, job: JobProcess, event: dict) -> None:
        if job is not self.trainer:
            return
        kind = event["event"]
        if kind == "started":
            self.total_steps = int(event.get("total_steps") or 0)
            self._progress_to(int(event.get("step") or 0), 0.0)
            if event.get("reference"):
                self._reference(event["reference"])
            self._status(f"Training on {event.get('pieces')} pieces: step {event.get('step')} of "
                         f"{self.total_steps}")
            self.refresh_runs()
        elif kind == "step":
            self._record(event, live=True)
        elif kind == "epoch":
            self._epoch_saved(event)
        elif kind in ("paused", "stopped"):
            self._ended_as(kind, event.get("step"))
        elif kind == "finished":
            self._ended_as("finished", event.get("summary", {}).get("steps"))
        elif kind == "exporting":
            self._status(f"Training finished; exporting {event['id']}…")
        elif kind == "exported":
            self._exported(event)
        elif kind == "error":
            self._failed(event)

    def _trainer_ended(self, job: JobProcess, code: int, crashed: bool, last) -> None:
        if job is not self.trainer:
            return
        kind = self.trainer_kind
        self.trainer, self.trainer_kind = None, ""
        if crashed and self.run is not None:
            what = "trainer" if kind == "train" else "export"
            step = (last or {}).get("step")
            if kind == "train":
                self.run.set_status("crashed", message=f"exit status {code}")
                self._library_status("crashed")
            where = f" after step {step}" if step else ""
            resume = (" Resume goes on from its last checkpoint." if kind == "train"
                      and self.run.has_checkpoint() else "")
            self.say(f"The {what} stopped unexpectedly{where} (exit status {code}); the "
                     f"window is fine and the run's saved epochs are kept.{resume} Its log:",
                     error=True)
            self._show_log()
            if self.interactive:
                QMessageBox.warning(self, "Train a Genre", self.message.text().removesuffix(
                    " Its log:") + "\n\nThe trainer's log is shown in the window.")
        self.refresh_runs()
        self._set_buttons()

    def _show_log(self) -> None:
        if self.run is not None:
            self.log_view.setPlainText(self.run.log_tail())
            self.log_view.setVisible(True)
            self.log_view.verticalScrollBar().setValue(self.log_view.verticalScrollBar().maximum())

    def _failed(self, event: dict) -> None:
        self.say(event["message"], error=True)
        if event.get("kind") == "internal":
            self._show_log()
        if self.trainer_kind == "train":
            self._library_status("failed", finished=True)

    def _ended_as(self, status: str, step: int | None = None) -> None:
        where = f" at step {step}" if step else ""
        text = {"paused": f"Paused{where}: the checkpoint is saved. Resume goes on from it, also "
                          "after the app was closed.",
                "stopped": f"Stopped{where}. Listen to the saved epochs and export the one you "
                           "like.",
                "finished": f"Finished{where}. Listen to the epochs and export the model."}[status]
        self._status(text)
        self._library_status(status, finished=status != "paused")
        self.refresh_runs()
        self._set_buttons()

    # --- records -------------------------------------------------------------------------
    def _reference(self, reference: dict) -> None:
        real = reference.get("real") or {}
        for key, plot in self.metric_plots.items():
            plot.set_reference("real", 0.0 if key == "distance" else real.get(key))

    def _record(self, record: dict, live: bool = False) -> None:
        step = record.get("step")
        if step is None:
            return
        for key, name in LOSS_NAMES.items():
            if isinstance(record.get(key), (int, float)):
                self.loss_plot.add_point(name, step, record[key])
                if key not in VALIDATION_LOSSES:
                    self._losses.setdefault(name, []).append(float(record[key]))
        validation = record.get("validation")
        if isinstance(validation, dict) and validation:
            epoch = record.get("epoch", step)
            for key, plot in self.metric_plots.items():
                value = record.get("distance") if key == "distance" else validation.get(key)
                plot.add_point("generated", epoch, value)  # None (no notes): a gap
            if isinstance(record.get("distance"), (int, float)):
                self._distances.append(float(record["distance"]))
                self._distance_epochs.append(int(epoch))
            self._update_hint()
        elif step % 25 == 0:
            self._update_hint()
        if "seconds" in record:
            self._recent.append((step, float(record["seconds"])))
        if live:
            self._progress_to(step, float(record.get("seconds", 0)))
            self._status(self._progress_text(record))

    def _progress_to(self, step: int, seconds: float) -> None:
        """The bar: the steps done, or the time budget used, whichever is further."""
        done = step / max(self.total_steps, 1)
        budget = self.run.spec.get("max_minutes") if self.run else None
        if budget:
            done = max(done, seconds / (budget * 60))
        self.progress.setRange(0, 1000)
        self.progress.setValue(round(min(done, 1.0) * 1000))

    def _progress_text(self, record: dict) -> str:
        step, seconds = record["step"], float(record.get("seconds", 0))
        text = f"Step {step} of {self.total_steps}"
        if record.get("epoch") is not None:
            text += f", epoch {record['epoch']}"
        text += f", {_duration(seconds)} trained"
        if len(self._recent) >= 2:
            (s0, t0), (s1, t1) = self._recent[0], self._recent[-1]
            if s1 > s0:
                left = (self.total_steps - step) * (t1 - t0) / (s1 - s0)
                budget = (self.run.spec.get("max_minutes") if self.run else None)
                if budget:
                    left = min(left, max(0.0, budget * 60 - seconds))
                text += f", about {_duration(left)} left"
        return text

    def _update_hint(self) -> None:
        self.hint.setText(settle_hint(self._losses, self._distances, self._distance_epochs))

    def _epoch_saved(self, meta: dict, follow: bool = True) -> None:
        at_end = self.epoch_slider.value() >= self.epoch_slider.maximum()
        self.saved_epochs = [m for m in self.saved_epochs if m["epoch"] != meta["epoch"]]
        self.saved_epochs.append(meta)
        self.saved_epochs = [m for m in sorted(self.saved_epochs, key=lambda m: m["epoch"])
                             if Path(m["onnx"]).exists()]  # thinned ones are gone
        self.epoch_slider.blockSignals(True)
        self.epoch_slider.setRange(0, max(len(self.saved_epochs) - 1, 0))
        self.epoch_slider.setEnabled(bool(self.saved_epochs))
        if at_end or not follow:
            self.epoch_slider.setValue(len(self.saved_epochs) - 1)
        self.epoch_slider.blockSignals(False)
        self._epoch_chosen(self.epoch_slider.value(), render=follow and at_end)
        self._fill_export_epochs()

    # --- listening -------------------------------------------------------------------------
    def _epoch_chosen(self, index: int, render: bool = True) -> None:
        if not self.saved_epochs:
            return
        meta = self.saved_epochs[min(index, len(self.saved_epochs) - 1)]
        self.epoch_label.setText(f"Epoch {meta['epoch']} (saved: {len(self.saved_epochs)})")
        if render:
            self._render_timer.start()

    def select_epoch(self, epoch: int) -> None:
        """Move the slider to a saved epoch (tests, scripts)."""
        for i, meta in enumerate(self.saved_epochs):
            if meta["epoch"] == epoch:
                self.epoch_slider.setValue(i)
                self._render_timer.start()
                return
        raise KeyError(epoch)

    def selected_epoch(self) -> dict | None:
        if not self.saved_epochs:
            return None
        return self.saved_epochs[min(self.epoch_slider.value(), len(self.saved_epochs) - 1)]

    def render_selected(self) -> int | None:
        """Render the chosen epoch's accompaniment of the melody, in a worker thread."""
        meta = self.selected_epoch()
        if meta is None:
            return None
        source = self.form.melody.currentData() or "sample:twinkle"
        self.stop_playing()
        self.listen_comp = None  # Play waits for this epoch's, never plays the last one's
        self.roll.set_composition(None, f"Rendering epoch {meta['epoch']}…")

        def work(progress):
            return render_epoch(meta, load_composition(source))

        return self.jobs.submit(work, f"epoch {meta['epoch']}", on_result=self._rendered)

    def _rendered(self, comp) -> None:
        self.listen_comp = comp
        self.roll.set_composition(comp)
        self.play_button.setEnabled(True)
        if self._play_when_rendered:
            self._play_when_rendered = False
            self.play()

    def toggle_play(self) -> None:
        if self.player is not None and self.player.playing:
            self.stop_playing()
        else:
            self.play()

    def play(self) -> None:
        if self.listen_comp is None:
            self._play_when_rendered = True
            self.render_selected()
            return
        if self.player is None:
            from .playback import QtPlayer
            self.player = QtPlayer(self.listen_comp, getattr(self.studio, "sound", None), self)
            self.player.signals.position.connect(self.roll.set_playhead)
            self.player.signals.finished.connect(lambda: self.play_button.setText("Play"))
        if getattr(self.studio, "player", None) is not None:
            self.studio.player.stop()  # one song at a time
        self.player.set_composition(self.listen_comp)
        self.player.play(0)
        self.play_button.setText("Stop")

    def stop_playing(self) -> None:
        if self.player is not None:
            self.player.stop()
        self.roll.set_playhead(None)
        self.play_button.setText("Play")

    # --- export ------------------------------------------------------------------------------
    def export(self, epoch: int | None | str = "chosen", model_id: str | None = None,
               quick: bool | None = None) -> bool:
        """Write the chosen saved epoch (or the latest weights: epoch None) as a model
        in the user's models folder; it appears in the Generate panel."""
        if self.run is None or self.busy:
            return False
        if epoch == "chosen":
            epoch = self.export_epoch.currentData()
        model_id = (model_id or self.export_id.text()).strip()
        if not MODEL_ID.match(model_id):
            self.say("Give the model a name of letters, digits, - _ or . (up to 64).", error=True)
            return False
        clash = self._installed_elsewhere(model_id)
        if clash:
            self.say(f"A model called {model_id} is already installed ({clash}); choose another "
                     "name.", error=True)
            return False
        quick = self.export_quick.isChecked() if quick is None else quick
        args = ["export", str(self.run.path), "--id", model_id]
        if epoch is not None:
            args += ["--epoch", str(int(epoch))]
        if quick:
            args.append("--quick")
        job = JobProcess(self)
        job.event.connect(lambda event, j=job: self._trainer_event(j, event))
        job.ended.connect(lambda code, crashed, last, j=job:
                          self._trainer_ended(j, code, crashed, last))
        self.trainer, self.trainer_kind = job, "export"
        self.last_export = None
        job.start(args, log=self.run.log_path)
        which = "the latest weights" if epoch is None else f"epoch {epoch}"
        self.export_result.setText(f"Exporting {which} as {model_id}: measuring it on the "
                                   "held-out pieces…")
        self._set_buttons()
        return True

    def _installed_elsewhere(self, model_id: str) -> str | None:
        """Where an installed model of this id lives, if not in the user's models folder
        (a re-export replaces the user's own)."""
        from ..generation.registry import default_registry
        from ..library.paths import user_models_dir
        for entry in default_registry().entries():
            if entry.id == model_id and entry.onnx.parent.resolve() != user_models_dir().resolve():
                return str(entry.onnx.parent)
        return None

    def _exported(self, event: dict) -> None:
        self.last_export = event
        metrics = event.get("metrics", {})
        model, real = metrics.get("model", {}), metrics.get("real", {})
        parts = [f"{label} {_num(model.get(k))} (real {_num(real.get(k))})" for k, label in (
            ("in_scale_rate", "in scale"), ("pitch_classes_per_bar", "pitch classes/bar"),
            ("polyphonic_rate", "polyphony"))]
        mode = dict(MODES).get(self.run.spec.get("mode", "gan"), "") if self.run else ""
        held_out = (f" On {metrics.get('test_pieces', 0)} held-out test pieces: "
                    + ", ".join(parts) + ".") if model else ""
        self.export_result.setText(f"Exported {event['id']}: it is in the Generate panel "
                                   f"({mode}).{held_out}")
        self._library_status("exported", model_id=event["id"])
        self.model_exported.emit(event["id"])

    # --- library -----------------------------------------------------------------------------
    def _library(self):
        link = getattr(self.studio, "library_link", None)
        if link is not None:
            return link.library
        if self._own_library is None:
            from ..library.store import Library
            try:
                self._own_library = Library()
            except Exception:  # noqa: BLE001 -- a library that cannot open never stops training
                return None
        return self._own_library

    def _library_call(self, method: str, *args, **kwargs):
        library = self._library()
        if library is None:
            return None
        try:
            return getattr(library, method)(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 -- the run goes on; the status line says why
            self._status(f"The library could not record the run: {exc}")
            return None

    def _library_status(self, status: str, finished: bool = False,
                        model_id: str | None = None) -> None:
        run_id = self.run.spec.get("library_id") if self.run else None
        if run_id is None:
            return
        if finished:
            self._library_call("finish_training_run", run_id, status)
        else:
            self._library_call("set_training_run_status", run_id, status, model_id)

    # --- closing -----------------------------------------------------------------------------
    def shutdown(self, wait_ms: int = 8000) -> None:
        """The app is closing: a training run saves its checkpoint and stops (it is listed
        as paused next time); previews, estimates and exports are ended."""
        self.stop_playing()
        if self.helper is not None:
            self.helper.kill()
        if self.trainer is not None and self.trainer.running:
            if self.trainer_kind == "train":
                self.run.write_control("pause")
                if not self.trainer.wait(wait_ms):
                    self.trainer.kill()
                    self.trainer.wait(2000)
            else:
                self.trainer.kill()
                self.trainer.wait(2000)
        self.jobs.cancel()
        self.jobs.wait(2000)


def estimate_text(e: dict, spec: dict) -> str:
    per_step = e["seconds_per_step"]
    text = (f"About {_duration(e['seconds'])} on this machine: {per_step:.2f} s a step x "
            f"{e['total_steps']} steps")
    if e.get("validations"):
        text += f", {e['seconds_per_validation']:.1f} s for each of {e['validations']} epoch checks"
    if e.get("saved_epochs"):
        text += (f", {e['seconds_per_saved_epoch']:.1f} s for each of about "
                 f"{e['saved_epochs']} saved epochs")
    if e.get("limited_by_budget"):
        text += f"; the {spec.get('max_minutes'):g}-minute budget ends it sooner"
    return text + ". Export adds a minute or two."


def _duration(seconds: float) -> str:
    seconds = max(0.0, float(seconds))
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _num(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def install_training(window) -> QAction:
    """Tools > Train a Genre on the studio `window` (before its Help menu); the
    training window is built on first use, and a model it exports refreshes the
    Generate panel at once."""
    menu = window.menuBar().addMenu("T&ools")
    action = QAction("Train a &Genre…", window)
    action.setObjectName("action_train_genre")
    action.setToolTip("Train a model on your own MIDI files, watch it learn, listen, export")

    def show() -> TrainingWindow:
        tw = getattr(window, "training_window", None)
        if tw is None:
            tw = TrainingWindow(window, window, interactive=getattr(window, "interactive", True))
            panel = getattr(window, "generate_panel", None)
            if panel is not None:
                tw.model_exported.connect(lambda _id: panel.refresh_models())
            window.training_window = tw
        else:
            tw.refresh_runs()
        tw.show()
        tw.raise_()
        tw.activateWindow()
        return tw

    action.triggered.connect(lambda _c=False: show())
    menu.addAction(action)
    window.show_training = show
    return action
