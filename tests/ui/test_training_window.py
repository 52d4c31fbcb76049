"""Tools > Train a Genre: the window drives real (tiny) runs of the trainer process
(training/job.py): preview with the filters' reasons, live plots, pause and resume
from the checkpoint, stop, listening to a saved epoch, export to the Generate
panel, a crash of the trainer, the library's record, and a 20-file folder trained
to a model that `deepcomposer models --json` lists with held-out metrics."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

if importlib.util.find_spec("torch") is None:  # (found, not imported: the window never does)
    pytest.skip("training needs the train extra", allow_module_level=True)
from PySide6.QtGui import QAction  # noqa: E402

import deepcomposer_desktop.generation.registry as registry_module  # noqa: E402
from deepcomposer_desktop.ui import training_window as tw_module  # noqa: E402
from deepcomposer_desktop.ui.main_window import MainWindow  # noqa: E402
from deepcomposer_desktop.ui.training_runs import (INSTALL_COMMAND, PRESETS, RunFolder,  # noqa: E402
                                                   list_runs, losses_settled, metric_settled)

TINY = {"epochs": 300, "batch_size": 8, "update_ratio": 1, "base_channels": 4, "lr": 0.002,
        "max_minutes": 0}


def write_songs(folder: Path, count: int, four_four_only: bool = False) -> Path:
    """`count` four-voice MIDI files: the app's sample melodies, transposed, over their
    triad accompaniment (melody, two inner voices, bass)."""
    from deepcomposer_desktop.music import SAMPLES, load_sample, write_midi
    from deepcomposer_desktop.music.pianoroll import RollGrid, notes_to_roll, roll_to_notes
    from deepcomposer_desktop.training.baseline import triad_accompaniment

    names = [n for n in sorted(SAMPLES) if not four_four_only or SAMPLES[n].time_signature == (4, 4)]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        name, shift = names[i % len(names)], (0, 2, -3, 5, -5)[i // len(names)]
        comp = load_sample(name)
        comp.tracks[0].notes = [n.moved(pitch=n.pitch + shift) for n in comp.tracks[0].notes]
        comp.key = comp.key.transposed(shift)
        grid = RollGrid(comp.ppq, 4, 36, 64)
        melody = notes_to_roll(comp.tracks[0].notes, grid)
        for roll, voice in zip(triad_accompaniment(melody, comp.key, 36), ("Alto", "Tenor", "Bass")):
            comp.add_track(voice, 48, notes=roll_to_notes(roll, grid))
        write_midi(comp, folder / f"{name}{shift:+d}.mid")
    return folder


@pytest.fixture(autouse=True)
def _fresh_registry(monkeypatch):
    """The registry's folders follow this test's data folder."""
    monkeypatch.setattr(registry_module, "_DEFAULT", None)


@pytest.fixture
def new_studio(qtbot):
    """Studio windows (as many as the test opens: the app closed and opened again)."""
    made = []

    def make() -> MainWindow:
        win = MainWindow(audio=False, interactive=False)
        qtbot.addWidget(win)
        win.show()
        made.append(win)
        return win

    yield make
    for win in made:
        if getattr(win, "training_window", None) is not None:
            win.training_window.shutdown(3000)


@pytest.fixture
def studio(new_studio):
    return new_studio()


def open_training(studio):
    studio.findChild(QAction, "action_train_genre").trigger()
    return studio.training_window


def log_steps(run: RunFolder) -> list[int]:
    return [r["step"] for r in run.history() if "g_loss" in r]


def test_a_tiny_run_through_the_window(new_studio, qtbot, tmp_path):
    studio = new_studio()
    folder = write_songs(tmp_path / "songs", 5, four_four_only=True)
    write_songs(tmp_path / "songs" / "waltzes", 1)  # amazing-grace, in 3/4
    (folder / "broken.mid").write_bytes(b"MThd but not MIDI")
    tw = open_training(studio)
    assert tw.isVisible() and tw.start_button.isEnabled() is False  # no data yet

    # the preview counts what passes the filters and says why the rest is left out
    tw.form.set_folder(folder)
    tw.form.time_signature.setCurrentText("4/4")
    qtbot.waitUntil(lambda: tw.last_preview is not None
                    and tw.last_preview["source"] == str(folder)
                    and "time signature" in tw.last_preview["reasons"], timeout=20000)
    p = tw.last_preview
    assert p["files"] == 7 and p["pieces"] == 5 and p["voices"] == {"4": 5} and p["bars"] > 20
    assert p["reasons"] == {"unreadable": 1, "time signature": 1}
    assert "5 pieces pass" in tw.preview_label.text()
    left_out = [tw.left_out.item(i).text() for i in range(tw.left_out.count())]
    assert any("waltzes" in t and "time signature 3/4, not 4/4" in t for t in left_out)

    tw.form.model_id.setText("gan-tiny")
    tw.form.set_hyper(**TINY)
    tw.form.snapshot_seconds = 0  # keep every epoch
    assert tw.form.preset_box.currentText() == "Custom"
    assert tw.start()
    run = tw.run
    assert run.path.is_relative_to(Path(studio.library_link.library.path).parent)  # data folder

    # live plots: losses every step, held-out metrics (with the real reference) each epoch
    qtbot.waitUntil(lambda: tw.metric_plots["in_scale_rate"].point_count() >= 1, timeout=60000)
    assert tw.loss_plot.point_count("generator") >= 1 and tw.loss_plot.point_count("critic") >= 1
    assert "real" in tw.metric_plots["in_scale_rate"].refs
    assert tw.metric_plots["distance"].point_count() >= 1
    assert not tw.resume_button.isEnabled() and tw.pause_button.isEnabled()

    # pause: a checkpoint at the next step, the process ends, the run says paused
    tw.pause()
    qtbot.waitUntil(lambda: not tw.busy and run.state() == "paused", timeout=30000)
    paused_at = run.status()["step"]
    assert run.has_checkpoint() and log_steps(run)[-1] == paused_at
    assert tw.resume_button.isEnabled() and "Paused" in tw.status.text()
    points = tw.loss_plot.point_count("generator")
    assert points == len(log_steps(run))

    # the app is closed and opened again: the run is listed, paused, with its curves
    studio.close()
    studio = new_studio()
    tw = open_training(studio)
    index = tw.runs.findData(str(run.path))
    assert index > 0 and "gan-tiny" in tw.runs.itemText(index) and "paused" in tw.runs.itemText(index)
    tw.select_run(str(run.path))
    assert tw.loss_plot.point_count("generator") == points and tw.saved_epochs
    assert tw.resume_button.isEnabled() and not tw.start_button.isEnabled()

    # resume: a new process goes on from the checkpoint, not from step 1
    assert tw.resume()
    qtbot.waitUntil(lambda: tw.loss_plot.point_count("generator") > points + 2, timeout=60000)
    steps = log_steps(run)
    assert steps == list(range(1, len(steps) + 1))  # continuous across the pause
    assert steps[-1] > paused_at
    qtbot.waitUntil(lambda: len(tw.saved_epochs) >= 2, timeout=60000)

    # stop: ends the run; its saved epochs stay to listen to and export
    tw.stop()
    qtbot.waitUntil(lambda: not tw.busy and run.state() == "stopped", timeout=30000)
    assert not tw.resume_button.isEnabled() and tw.export_button.isEnabled()

    # listen: epoch 1's accompaniment of the sample melody, in the roll, played
    tw.select_epoch(1)
    qtbot.waitUntil(lambda: tw.listen_comp is not None and tw.listen_comp.title == "epoch 1",
                    timeout=20000)
    assert len(tw.listen_comp.tracks) == 4
    assert tw.roll.note_count() > len(tw.listen_comp.tracks[0].notes)
    tw.play()
    assert tw.player.playing
    tw.stop_playing()

    # export epoch 2: the model is in the Generate panel at once, and generates
    assert tw.export(epoch=2, model_id="gan-tiny", quick=True)
    qtbot.waitUntil(lambda: tw.last_export is not None and not tw.busy, timeout=90000)
    assert tw.last_export["training"]["run"]["epoch_exported"] == 2
    assert "Exported gan-tiny" in tw.export_result.text()
    panel = studio.generate_panel
    assert panel.model.findData("gan-tiny") >= 0
    studio.files.open_path("sample:twinkle")
    panel.model.setCurrentIndex(panel.model.findData("gan-tiny"))
    with qtbot.waitSignal(studio.jobs.finished, timeout=30000):
        panel.generate()
    assert "gan-tiny" in panel.status.text() or studio.versions.history.versions

    # the library has the run, with its last status and model
    [row] = studio.library_link.library.training_runs()
    assert row["status"] == "exported" and row["model_id"] == "gan-tiny"
    assert row["params"]["filters"]["time_signature"] == "4/4"

    # a new run starts from the form again
    tw.select_run(None)
    assert tw.form.folder.isEnabled() and tw.loss_plot.point_count() == 0


def test_a_trainer_crash_is_reported_with_its_log(studio, qtbot, tmp_path):
    folder = write_songs(tmp_path / "songs", 4, four_four_only=True)
    tw = open_training(studio)
    tw.form.set_folder(folder)
    tw.form.model_id.setText("gan-crash")
    tw.form.set_hyper(**TINY)
    assert tw.start()
    run = tw.run
    qtbot.waitUntil(lambda: run.log_path.exists() and run.log_path.stat().st_size > 0,
                    timeout=20000)
    tw.trainer.kill()  # as the kernel's OOM killer would
    qtbot.waitUntil(lambda: "stopped unexpectedly" in (tw.last_error or ""), timeout=20000)
    assert tw.log_view.isVisible() and "deepcomposer trainer train" in tw.log_view.toPlainText()
    assert run.state() == "crashed" and tw.resume_button.isEnabled()
    assert studio.isVisible()  # the studio goes on
    assert studio.library_link.library.training_runs()[0]["status"] == "crashed"


def test_without_the_train_extra_the_window_says_how_to_install_it(qtbot, monkeypatch, tmp_path):
    monkeypatch.setattr(tw_module, "missing_extra", lambda: ["torch", "music21"])
    tw = tw_module.TrainingWindow(None, interactive=False)
    qtbot.addWidget(tw)
    tw.form.set_folder(write_songs(tmp_path / "songs", 3, four_four_only=True))
    assert INSTALL_COMMAND in tw.message.text() and "torch" in tw.message.text()
    assert not tw.start_button.isEnabled() and not tw.estimate_button.isEnabled()
    assert tw.start() is False and list_runs() == []

    # AR-CNN and Transformer runs plot their training and validation losses (no GAN metrics)
    tw.form.mode.setCurrentIndex(tw.form.mode.findData("arcnn"))
    assert tw.form.model_id.text().startswith("arcnn-")
    assert tw.metrics_box.isHidden() and tw.listen_box.isHidden()
    assert tw.form.hyper_rows["update_ratio"][1].isHidden()
    for record in ({"step": 1, "loss": 2.5, "seconds": 0.1}, {"step": 2, "loss": 2.1, "seconds": 0.2},
                   {"step": 2, "val_loss": 2.9, "seconds": 0.2}, {"step": 3, "val_nll": 2.7}):
        tw._record(record)
    assert tw.loss_plot.point_count("training") == 2 and tw.loss_plot.point_count("validation") == 2


def test_a_folder_of_20_files_trains_a_model_listed_with_held_out_metrics(
        studio, qtbot, tmp_path, capsys):
    from deepcomposer_desktop.cli import main as cli
    folder = write_songs(tmp_path / "my-songs", 20)
    tw = open_training(studio)
    tw.form.set_folder(folder)
    qtbot.waitUntil(lambda: tw.last_preview is not None, timeout=20000)
    assert tw.last_preview["files"] == 20 and tw.last_preview["pieces"] == 20
    assert tw.last_preview["split"]["test"] >= 1
    tw.form.model_id.setText("gan-my-songs")
    tw.form.set_hyper(**{**TINY, "epochs": 2, "batch_size": 16, "update_ratio": 2})
    tw.form.export_on_finish.setChecked(True)
    tw.form.quick_export.setChecked(True)

    tw.estimate()  # a few timed steps, in the trainer's process
    qtbot.waitUntil(lambda: tw.last_estimate is not None, timeout=60000)
    e = tw.last_estimate
    assert e["seconds_per_step"] > 0 and e["total_steps"] >= 2 and e["seconds"] > 0
    assert "on this machine" in tw.estimate_label.text()

    assert tw.start()
    qtbot.waitUntil(lambda: tw.last_export is not None or tw.last_error is not None,
                    timeout=120000)
    assert tw.last_error is None and tw.run.state() == "finished"
    qtbot.waitUntil(lambda: not tw.busy, timeout=20000)
    assert studio.generate_panel.model.findData("gan-my-songs") >= 0

    capsys.readouterr()
    assert cli(["models", "--json"]) == 0
    listed = {m["id"]: m for m in json.loads(capsys.readouterr().out)}
    model = listed["gan-my-songs"]
    assert model["ok"] and model["mode"] == "gan" and model["genre"] == "my-songs"
    metrics = model["metrics"]
    assert metrics["test_pieces"] >= 1 and metrics["test_windows"] >= 1
    assert set(metrics["model"]) >= {"in_scale_rate", "pitch_classes_per_bar", "polyphonic_rate"}
    assert metrics["real"]["in_scale_rate"] is not None and "quality_bar" in metrics
    data = model["training"]["data"]
    assert data["files"] == 20 and data["pieces_used"] == 20 and data["filters"] == {}
    assert model["training"]["pieces"]["test"] == metrics["test_pieces"]


def test_plots_draw_gaps_thin_long_series_and_keep_reference_lines(qtbot):
    from deepcomposer_desktop.ui.line_plot import LinePlot, nice_ticks
    plot = LinePlot("Losses")
    qtbot.addWidget(plot)
    plot.resize(300, 160)
    for step in range(5000):  # more points than pixels: drawn as column means
        plot.add_point("critic", step, (step % 7) - 3.0)
    plot.add_point("critic", 5000, None)  # nothing measured: a break, not a point
    plot.set_reference("real", 1.5)
    assert plot.point_count("critic") == 5000 and plot.point_count() == 5000
    assert not plot.grab().isNull()
    assert nice_ticks(0.0, 1.0) == [0.0, 0.5, 1.0] and nice_ticks(-103, 12) == [-100, -50, 0]


def test_presets_match_the_trainer_and_settling_is_judged():
    from deepcomposer_desktop.training.datasets import PRESETS as TRAINER_PRESETS
    assert set(PRESETS) == set(TRAINER_PRESETS)
    assert losses_settled([5.0 - i * 0.1 for i in range(30)] + [2.0 + 0.01 * (i % 2)
                                                               for i in range(60)])
    assert not losses_settled([5.0 - i * 0.05 for i in range(100)])
    assert metric_settled([0.9, 0.5, 0.3, 0.31, 0.305, 0.302])
    assert not metric_settled([0.9, 0.5, 0.3, 0.25, 0.2, 0.15])
