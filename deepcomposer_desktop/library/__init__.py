"""Projects, autosave and the SQLite library. No Qt."""

from .autosave import Autosaver, Recoverable, recoverable
from .project import load_project, save_project
from .store import Library

__all__ = ["Autosaver", "Library", "Recoverable", "load_project", "recoverable", "save_project"]
