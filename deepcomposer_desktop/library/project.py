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
from ..fileio import atomic_write_text
from ..music.composition import Composition
from ..music.serialize import composition_from_dict, composition_to_dict

FORMAT = "deepcomposer-project"
VERSION = 1
SUFFIX = ".dcproj"
MAX_BYTES = 200 * 1024 * 1024


def project_to_json(comp: Composition, view: dict[str, Any] | None = None) -> str:
    return json.dumps({"format": FORMAT, "version": VERSION,
                       "composition": composition_to_dict(comp), "view": view or {}},
                      separators=(",", ":"))


def project_from_json(text: str | bytes) -> tuple[Composition, dict[str, Any]]:
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"not a DeepComposer project ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInputError("not a DeepComposer project")
    if not isinstance(data.get("version"), int) or data["version"] > VERSION:
        raise InvalidInputError(
            f"the project was saved by a newer version (format {data.get('version')}); update the app")
    view = data.get("view") if isinstance(data.get("view"), dict) else {}
    return composition_from_dict(data.get("composition")), view


def save_project(comp: Composition, path: str | os.PathLike,
                 view: dict[str, Any] | None = None) -> Path:
    return atomic_write_text(path, project_to_json(comp, view))


def load_project(path: str | os.PathLike) -> tuple[Composition, dict[str, Any]]:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InvalidInputError(f"{path.name} is larger than {MAX_BYTES // 2**20} MB")
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return project_from_json(raw)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{path.name}: {exc}") from None
