"""Project files (.dcproj): a composition plus view state, as versioned JSON.

JSON, never pickle: a project file someone mails you cannot run code. Writes are
atomic; reads are size-limited and validated (music.serialize).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError
from ..fileio import atomic_write_text, read_limited
from ..music.composition import Composition
from ..music.serialize import composition_from_dict, composition_to_dict

FORMAT = "deepcomposer-project"
VERSION = 1
SUFFIX = ".dcproj"
MAX_BYTES = 200 * 1024 * 1024


def project_to_json(comp: Composition, view: dict[str, Any] | None = None,
                    versions: dict[str, Any] | None = None) -> str:
    data = {"format": FORMAT, "version": VERSION,
            "composition": composition_to_dict(comp), "view": view or {}}
    if versions:  # optional (library/versions.py): older files have none, older apps skip it
        data["versions"] = versions
    return json.dumps(data, separators=(",", ":"))


def project_versions(text: str | bytes) -> dict[str, Any] | None:
    """The `versions` field of a project's JSON (VersionHistory.to_dict), or None."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    versions = data.get("versions") if isinstance(data, dict) else None
    return versions if isinstance(versions, dict) else None


def project_from_json(text: str | bytes) -> tuple[Composition, dict[str, Any]]:
    try:
        data = json.loads(text)
    except RecursionError:
        raise InvalidInputError("not a DeepComposer project (nested too deeply)") from None
    except (ValueError, UnicodeDecodeError) as exc:  # huge integers too (Python's digit limit)
        raise InvalidInputError(f"not a DeepComposer project ({str(exc)[:200]})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInputError("not a DeepComposer project")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidInputError("damaged project: it has no valid format version")
    if version > VERSION:
        raise InvalidInputError(
            f"the project was saved by a newer version (format {version}); update the app")
    view = data.get("view") if isinstance(data.get("view"), dict) else {}
    return composition_from_dict(data.get("composition")), view


def save_project(comp: Composition, path: str | os.PathLike,
                 view: dict[str, Any] | None = None,
                 versions: dict[str, Any] | None = None) -> Path:
    return atomic_write_text(path, project_to_json(comp, view, versions))


def load_project_versions(path: str | os.PathLike) -> dict[str, Any] | None:
    """The versions saved in a project file (None if it has none or cannot be read);
    read after load_project, which has validated the file."""
    try:
        path = Path(path)
        if path.stat().st_size > MAX_BYTES:
            return None
        return project_versions(path.read_bytes())
    except OSError:
        return None


def load_project(path: str | os.PathLike) -> tuple[Composition, dict[str, Any]]:
    path = Path(path)
    raw = read_limited(path, MAX_BYTES)  # a regular file only, 200 MB at most
    try:
        return project_from_json(raw)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{path.name}: {exc}") from None
