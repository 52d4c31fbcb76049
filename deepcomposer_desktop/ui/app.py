"""QApplication set-up shared by `deepcomposer studio` and the tests."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

ORGANIZATION = "DeepComposer"
APPLICATION = "DeepComposer Desktop"


def create_app(argv: list[str] | None = None) -> QApplication:
    """The one QApplication, with the names QSettings and QStandardPaths use."""
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv if argv is not None else sys.argv[:1]))
    app.setApplicationDisplayName(APPLICATION)
    return app


def run_studio(path: str | None = None) -> int:
    """Open the main window (on `path` when given) and run the event loop."""
    app = create_app()
    from .main_window import MainWindow  # built after QApplication exists

    window = MainWindow()
    if path:
        window.files.open_path(path)
    window.show()
    return app.exec()
