"""The generate panel end to end: open "twinkle", GAN-generate (a version), keep it,
delete a note, undo, export MIDI; the file holds the melody plus 3 accompaniment
tracks with programs.

No trained model ships in the repository yet, so the fixture exports the real GAN
generator architecture with seeded, untrained weights and a card the registry
accepts (sha256 included). It tests the studio's plumbing, not musical quality.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from deepcomposer_desktop.generation.registry import Registry, sha256_file
from deepcomposer_desktop.music import read_midi
from deepcomposer_desktop.generation.modes import MODES
from deepcomposer_desktop.ui.generate_panel import GeneratePanel
from deepcomposer_desktop.ui.main_window import MainWindow

PROGRAMS = [("Melody", 0), ("Strings", 48), ("Organ", 19), ("Bass", 32)]


@pytest.fixture(scope="module")
def gan_registry(tmp_path_factory):
    torch = pytest.importorskip("torch")
    from deepcomposer_desktop.training.gan_net import GanConfig, Generator, export_onnx
    folder = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    cfg = GanConfig(base=8)
    onnx = folder / "gan-test-chorales.onnx"
    export_onnx(Generator(cfg), str(onnx))
    card = {
        "id": onnx.stem, "mode": "gan", "genre": "chorales", "title": "GAN test (untrained)",
        "tracks": [{"name": n, "program": p, "channel": i} for i, (n, p) in enumerate(PROGRAMS)],
        "grid": {"steps_per_beat": 4, "steps": cfg.steps, "lowest": 36, "pitches": cfg.pitches},
        "inputs": [{"name": "melody"}, {"name": "noise"}], "outputs": [{"name": "accompaniment"}],
        "gan": {"noise_shape": list(cfg.noise_shape), "melody_center": 67.0,
                "voices_per_track": 0},
        "training": {"source": "none (untrained test fixture)", "pieces": {"train": 0}},
        "metrics": {"empty_bar_rate": 0.0}, "sha256": sha256_file(onnx),
    }
    (folder / f"{onnx.stem}.json").write_text(json.dumps(card))
    return Registry([folder])


@pytest.fixture
def window(qtbot, gan_registry, monkeypatch):
    import deepcomposer_desktop.generation.registry as registry_module
    monkeypatch.setattr(registry_module, "_DEFAULT", gan_registry)
    win = MainWindow(audio=False, interactive=False)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.files.open_path("sample:twinkle")
    return win


def test_modes_without_models_are_disabled_and_params_have_tooltips(window):
    panel: GeneratePanel = window.generate_panel
    items = panel.mode.model()
    enabled = {panel.mode.itemData(i): items.item(i).isEnabled() for i in range(panel.mode.count())}
    assert enabled["gan"] is True
    assert enabled["arcnn"] is False and enabled["transformer"] is False  # no models installed
    assert panel.model.currentData() == "gan-test-chorales"
    # plain words, instruments numbered as the instrument list numbers them
    assert "Chorales: accompaniment" in panel.card.text()
    assert "Strings (49 String Ensemble 1)" in panel.card.text()
    # the numbers sit behind Details
    assert not panel.details.isVisibleTo(panel)
    panel.details_button.click()
    assert panel.details.isVisibleTo(panel) and "Genre: chorales" in panel.details.text()
    for mode, spec in MODES.items():
        panel.params.build(mode)
        for p in spec.params:
            tip = panel.params.inputs[p.name].toolTip()
            assert p.help in tip and "Default" in tip
    panel.params.build("gan")


def test_generate_delete_undo_export(window, qtbot, tmp_path, artifacts):
    doc, panel = window.doc, window.generate_panel
    melody = sorted(doc.track(0).notes)
    panel.seed.setValue(7)
    before = doc.undo_stack.count()
    with qtbot.waitSignal(window.jobs.finished, timeout=20000):
        QTest.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    assert doc.undo_stack.count() == before and len(doc.comp.tracks) == 1  # a version, shown
    assert panel.status.text().startswith("v1: +3 tracks, ")
    QTest.mouseClick(window.versions_panel.keep_button, Qt.MouseButton.LeftButton)
    assert doc.undo_stack.count() == before + 1  # keeping the whole version is one step
    assert len(doc.comp.tracks) == 4
    assert [t.program for t in doc.comp.tracks[1:]] == [48, 19, 32]
    assert all(t.notes for t in doc.comp.tracks[1:])
    assert len({t.channel for t in doc.comp.tracks}) == 4
    window.editor.fit()
    window.grab().save(str(artifacts / "main_window_generated.png"))

    doc.set_current_track(0)
    note = melody[2]
    view = window.editor.view
    QTest.mouseClick(window.editor.roll, Qt.MouseButton.LeftButton,
                     pos=QPoint(round(view.x(note.start) + 3), round(view.y(note.pitch) + view.key_h / 2)))
    QTest.keyClick(window.editor.roll, Qt.Key.Key_Delete)
    assert note not in doc.track(0).notes
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert sorted(doc.track(0).notes) == melody

    out = window.files.export_midi(tmp_path / "generated.mid")
    back = read_midi(out)
    assert len(back.tracks) >= 4
    assert sorted(back.tracks[0].notes) == melody
    assert [t.program for t in back.tracks[1:4]] == [48, 19, 32]

    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the Keep
    assert len(doc.comp.tracks) == 1


def test_same_seed_same_result_and_cancel(window, qtbot):
    doc, panel = window.doc, window.generate_panel
    panel.seed.setValue(3)
    panel.seed_lock.setChecked(True)  # locked: every Generate uses seed 3
    for _ in range(2):
        with qtbot.waitSignal(window.jobs.finished, timeout=20000):
            panel.generate()
    first, second = window.versions.versions
    assert first.seed == second.seed == 3
    assert [sorted(t.notes) for t in first.tracks] == [sorted(t.notes) for t in second.tracks]
    panel.seed_lock.setChecked(False)  # unlocked: each Generate draws a new seed
    with qtbot.waitSignal(window.jobs.finished, timeout=20000):
        panel.generate()
    assert window.versions.versions[-1].seed != 3 and panel.seed.value() != 3
    with qtbot.waitSignal(window.jobs.cancelled, timeout=20000):
        panel.generate()
        panel.cancel()
    assert len(doc.comp.tracks) == 1 and panel.status.text() == "Cancelled."


def test_with_an_installed_genre_model_if_there_is_one(qtbot, tmp_path, artifacts):
    """The same end-to-end path on a real trained model from models/ (skipped until one ships)."""
    installed = Registry().models("gan")
    if not installed:
        pytest.skip("no trained GAN model installed in models/")
    win = MainWindow(audio=False, interactive=False)
    qtbot.addWidget(win)
    win.resize(1400, 860)
    win.show()
    qtbot.waitExposed(win)
    win.files.open_path("sample:twinkle")
    melody = sorted(win.doc.track(0).notes)
    panel = win.generate_panel
    panel.model.setCurrentIndex(panel.model.findData(installed[0].id))
    panel.seed.setValue(7)
    with qtbot.waitSignal(win.jobs.finished, timeout=60000):
        panel.generate()
    assert win.versions.keep()
    assert len(win.doc.comp.tracks) >= 4
    win.doc.set_current_track(0)
    win.editor.fit()
    win.grab().save(str(artifacts / f"main_window_{installed[0].id}.png"))
    out = win.files.export_midi(tmp_path / "genre.mid")
    back = read_midi(out)
    assert sorted(back.tracks[0].notes) == melody and len(back.tracks) >= 4
    assert all(t.notes for t in back.tracks[1:])
