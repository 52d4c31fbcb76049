"""Qt test set-up: offscreen, test-mode standard paths, the app's QSettings names."""

from __future__ import annotations

import importlib.util

import pytest

if importlib.util.find_spec("pytestqt") is None:
    collect_ignore_glob = ["test_*.py"]  # the GUI tests need pytest-qt (the dev extra)

from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths  # noqa: E402

from deepcomposer_desktop.ui.app import APPLICATION, ORGANIZATION, create_app  # noqa: E402


@pytest.fixture(autouse=True)
def _qt_test_mode(qapp, tmp_path):
    """Settings and standard paths go to throw-away places, never the user's."""
    QStandardPaths.setTestModeEnabled(True)
    create_app()  # names, and the PySide6 6.12 / Python 3.11 guard (see ui/app.py)
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    QSettings().clear()
    yield


@pytest.fixture
def blank_window(qtbot):
    """The studio as a newcomer sees it: no audio or MIDI devices, shown at 1280 x 800."""
    from deepcomposer_desktop.ui.main_window import MainWindow
    win = MainWindow(audio=False, interactive=False)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def window(blank_window):
    """The studio with "Twinkle" open."""
    assert blank_window.files.open_path("sample:twinkle")
    return blank_window
