"""The model registry: every `<id>.onnx` with its card `<id>.json` in the model folders.

Shipped models (the repository's models/) and a user's own (library.paths'
user_models_dir(), plus $DEEPCOMPOSER_MODELS, a path list) are found the same way:
a card beside each ONNX file, parsed once into a typed ModelCard (cards.py). A
model whose card is invalid or whose ONNX file's sha256 differs from the card's is
listed as refused, with the reason, and asking for it raises MissingResourceError
(exit 4); a bad entry never affects the others.
onnxruntime sessions are cached per model, with graph optimisation on and the
intra-op threads set.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import MissingResourceError
from .cards import CardError, ModelCard, parse_card

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True)
class ModelEntry:
    id: str
    onnx: Path
    card: ModelCard | None
    problem: str | None = None  # why the model is refused, if it is

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> dict:
        c = self.card
        return {"id": self.id, "mode": c and c.mode, "genre": c and c.genre,
                "title": c and c.title, "tracks": [t.name for t in c.tracks] if c else [],
                "path": str(self.onnx), "ok": self.ok, "problem": self.problem,
                "metrics": c and dict(c.metrics), "training": c and dict(c.training)}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _intra_op_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class Registry:
    def __init__(self, folders: list[Path] | None = None) -> None:
        self.folders = folders if folders is not None else default_folders()
        self._sessions: dict[tuple[str, str], object] = {}
        self._hashes: dict[tuple[str, int, int], str] = {}  # (path, mtime, size) -> sha256
        self._entries: dict[str, tuple[tuple, ModelEntry]] = {}  # onnx path -> (versions, entry)
        self._lock = threading.Lock()

    def entries(self) -> list[ModelEntry]:
        """Every model found, refused ones included (with their problem); the first
        folder wins when two hold the same id."""
        found: dict[str, ModelEntry] = {}
        for folder in self.folders:
            if not folder.is_dir():
                continue
            for onnx in sorted(folder.glob("*.onnx")):
                if onnx.stem not in found:
                    found[onnx.stem] = self._entry(onnx)
        return list(found.values())

    def _entry(self, onnx: Path) -> ModelEntry:
        """The entry of one model, read again only when its card or ONNX file changed
        (the registry is asked for every generation)."""
        card_path = onnx.with_suffix(".json")
        try:
            key = tuple((st.st_mtime_ns, st.st_size) for st in (onnx.stat(), card_path.stat()))
        except OSError:
            return self._read_entry(onnx)
        cached = self._entries.get(str(onnx))
        if cached is None or cached[0] != key:
            cached = (key, self._read_entry(onnx))
            self._entries[str(onnx)] = cached
        return cached[1]

    def _read_entry(self, onnx: Path) -> ModelEntry:
        card_path = onnx.with_suffix(".json")
        try:
            data = json.loads(card_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return ModelEntry(onnx.stem, onnx, None, "no model card beside the ONNX file")
        except (OSError, ValueError, RecursionError) as exc:
            return ModelEntry(onnx.stem, onnx, None, f"unreadable model card: {exc}")
        try:
            card = parse_card(data, onnx.stem)
        except CardError as exc:
            return ModelEntry(onnx.stem, onnx, None, str(exc))
        try:
            same = self._sha256(onnx) == card.sha256
        except OSError as exc:
            return ModelEntry(onnx.stem, onnx, card, f"unreadable ONNX file: {exc.strerror or exc}")
        problem = None if same else "the ONNX file's sha256 does not match its card (damaged or changed)"
        return ModelEntry(onnx.stem, onnx, card, problem)

    def _sha256(self, path: Path) -> str:
        """Hash once per file version: a changed file has a new mtime or size."""
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size)
        if key not in self._hashes:
            self._hashes[key] = sha256_file(path)
        return self._hashes[key]

    def get(self, model_id: str, mode: str | None = None) -> ModelEntry:
        entry = next((e for e in self.entries() if e.id == model_id), None)
        if entry is None:
            raise MissingResourceError(f"model {model_id!r} not found in "
                                       f"{', '.join(str(f) for f in self.folders)}")
        if not entry.ok:
            raise MissingResourceError(f"model {model_id!r} refused: {entry.problem}")
        if mode and entry.card.mode != mode:
            raise MissingResourceError(f"model {model_id!r} is a {entry.card.mode} model, "
                                       f"not {mode}")
        return entry

    def models(self, mode: str) -> list[ModelEntry]:
        """The usable models of one mode."""
        return [e for e in self.entries() if e.ok and e.card.mode == mode]

    def default_id(self, mode: str) -> str:
        ids = [e.id for e in self.models(mode)]
        if not ids:
            raise MissingResourceError(f"no {mode} model installed")
        return ids[0]

    def session(self, model_id: str, mode: str | None = None) -> tuple[object, ModelCard]:
        """A cached onnxruntime session for a verified model, and its card."""
        entry = self.get(model_id, mode)
        key = (str(entry.onnx), entry.card.sha256)
        with self._lock:
            if key not in self._sessions:
                import onnxruntime as ort
                opts = ort.SessionOptions()
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                opts.intra_op_num_threads = _intra_op_threads()
                try:
                    self._sessions[key] = ort.InferenceSession(
                        str(entry.onnx), opts, providers=["CPUExecutionProvider"])
                except Exception as exc:  # onnxruntime raises its own types
                    raise MissingResourceError(f"model {model_id!r} cannot be loaded: {exc}") from exc
            return self._sessions[key], entry.card


def default_folders() -> list[Path]:
    from ..library.paths import user_models_dir
    extra = [Path(p) for p in os.environ.get("DEEPCOMPOSER_MODELS", "").split(os.pathsep) if p]
    return [*extra, SHIPPED_DIR, user_models_dir()]


_DEFAULT: Registry | None = None


def default_registry() -> Registry:
    """One process-wide registry, so sessions are built once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Registry()
    return _DEFAULT
