"""Where the app keeps its data, without Qt (platformdirs; the window may use
QStandardPaths for the same folders). $DEEPCOMPOSER_HOME overrides everything,
which is how the tests stay away from a user's files."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "DeepComposer Desktop"


def _root(kind: str) -> Path:
    home = os.environ.get("DEEPCOMPOSER_HOME")
    if home:
        return Path(home) / kind
    finder = {"data": platformdirs.user_data_dir, "cache": platformdirs.user_cache_dir,
              "config": platformdirs.user_config_dir}[kind]
    return Path(finder(APP, appauthor=False))


def data_dir() -> Path:
    return _root("data")


def cache_dir() -> Path:
    return _root("cache")


def config_dir() -> Path:
    return _root("config")


def user_models_dir() -> Path:
    """Models a user trained; found by the registry beside the shipped ones."""
    return data_dir() / "models"


def autosave_dir() -> Path:
    return data_dir() / "autosave"
