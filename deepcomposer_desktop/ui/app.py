"""QApplication set-up shared by `deepcomposer studio` and the tests."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

ORGANIZATION = "DeepComposer"
APPLICATION = "DeepComposer Desktop"


def guard_void_refcount_bug() -> bool:
    """Work around PySide6 6.12.0 under Python < 3.12, if it is what is installed.

    That build returns None (and True/False) from void methods without taking a
    reference, as if they were immortal as in Python 3.12; every paint call then
    drains None's count until CPython aborts ("deallocating None"). pyproject.toml
    excludes 6.12; for an environment that has it anyway, detect the leak with a
    probe and give the three singletons a reference count they cannot run out of,
    which is what 3.12 does for them. Returns True when the workaround was needed.
    """
    if sys.version_info >= (3, 12):
        return False
    from PySide6.QtCore import QObject
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(50):
        probe.setObjectName("probe")
    if sys.getrefcount(None) > before - 40:
        return False
    import ctypes
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40  # ob_refcnt is the first field
    return True


def create_app(argv: list[str] | None = None) -> QApplication:
    """The one QApplication, with the names QSettings and QStandardPaths use."""
    guard_void_refcount_bug()
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
