"""Where the app's own files are (models/, resources/, soundfonts/, docs/).

Run from the source tree, that is the repository (the folder above the package).
Frozen by PyInstaller (packaging/deepcomposer.spec), it is the bundle's data folder,
`sys._MEIPASS` (the `_internal` folder beside the executable), where the spec puts
the same folders.
"""

from __future__ import annotations

import sys
from pathlib import Path


def frozen() -> bool:
    """True when running from a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def app_root() -> Path:
    """The folder holding models/, resources/ and docs/ (and, in a bundle, soundfonts/)."""
    if frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return Path(__file__).resolve().parent.parent
