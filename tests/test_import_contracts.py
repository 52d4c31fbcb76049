"""The import contracts of tools/import_contracts.py (run by `make lint`): the package keeps
them, and a planted break of each is found, lazy and relative imports included."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _load():
    spec = importlib.util.spec_from_file_location(
        "import_contracts", REPO / "tools" / "import_contracts.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


contracts = _load()


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "deepcomposer_desktop" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_the_package_keeps_every_contract():
    assert contracts.check(REPO) == []


def test_planted_breaks_are_found_lazy_relative_and_through_other_modules(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "",
        "errors.py": "",
        "helpers.py": "from .ui import widgets\n",
        "ui/__init__.py": "",
        "ui/widgets.py": "from PySide6.QtWidgets import QWidget\n",
        "music/__init__.py": "from .notes import Note\nfrom ..errors import Oops\n",
        "music/notes.py": """\
            def draw():
                import PySide6.QtGui  # lazy, still counts
            """,
        "music/roll.py": "from .. import helpers\n",
        "audio/__init__.py": "",
        "audio/player.py": """\
            import onnxruntime  # the runtime is fine, the exporter is not
            def export():
                import onnx
            def show():
                from ..ui.widgets import Thing
            """,
        "audio/mixer.py": "from deepcomposer_desktop import helpers\n",
        "generation/__init__.py": "",
        "generation/gan.py": """\
            import importlib
            def load():
                return importlib.import_module("..training.gan_net", __package__)
            """,
    })
    found = contracts.check(root)
    text = "\n".join(found)
    assert "music/notes.py:2: deepcomposer_desktop.music.notes imports PySide6.QtGui [Qt" in text
    assert "audio/player.py:3: deepcomposer_desktop.audio.player imports onnx [the train" in text
    assert "imports onnxruntime" not in text
    assert ("audio/player.py:5: deepcomposer_desktop.audio.player imports "
            "deepcomposer_desktop.ui.widgets [generation/") in text
    assert ("generation/gan.py:3: deepcomposer_desktop.generation.gan imports "
            "deepcomposer_desktop.training.gan_net [generation/") in text
    # music/ may use errors.py but not helpers.py, which reaches ui/ in turn.
    assert ("music/roll.py:1: deepcomposer_desktop.music.roll imports "
            "deepcomposer_desktop.helpers [music/") in text
    assert "imports deepcomposer_desktop.errors" not in text
    assert ("audio/mixer.py:1: deepcomposer_desktop.audio.mixer -> deepcomposer_desktop.helpers"
            " -> deepcomposer_desktop.ui.widgets [generation/") in text
    assert contracts.main([str(root)]) == 1
