"""The model registry: every `<id>.onnx` with its card `<id>.json` in the model folders.

Shipped models (the repository's models/) and a user's own (library.paths'
user_models_dir(), plus $DEEPCOMPOSER_MODELS, a path list) are found the same way:
a card beside each ONNX file. A model whose card is invalid or whose ONNX file's
sha256 differs from the card's is refused with MissingResourceError (exit 4).
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

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "models"
MODES = ("gan", "arcnn", "transformer")
# Every card (DESIGN.md "Model card"); each mode adds the fields its runner reads.
REQUIRED = {"id": str, "mode": str, "title": str, "training": dict, "metrics": dict,
            "sha256": str}
REQUIRED_BY_MODE = {"gan": {"genre": str, "tracks": list, "grid": dict, "inputs": list,
                            "outputs": list, "gan": dict},
                    "arcnn": {"grid": dict},
                    "transformer": {"transformer": dict}}


@dataclass(frozen=True)
class ModelEntry:
    id: str
    onnx: Path
    card: dict | None
    problem: str | None = None  # why the model is refused, if it is

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> dict:
        c = self.card or {}
        return {"id": self.id, "mode": c.get("mode"), "genre": c.get("genre"),
                "title": c.get("title"), "tracks": [t.get("name") for t in c.get("tracks", [])],
                "path": str(self.onnx), "ok": self.ok, "problem": self.problem,
                "metrics": c.get("metrics"), "training": c.get("training")}


def validate_card(card: object, model_id: str) -> str | None:
    """None when the card is well-formed, else what is wrong with it."""
    if not isinstance(card, dict):
        return "card is not a JSON object"
    for key, kind in REQUIRED.items():
        if not isinstance(card.get(key), kind):
            return f"card field {key!r} missing or not a {kind.__name__}"
    if card["id"] != model_id:
        return f"card id {card['id']!r} does not match the file name"
    if card["mode"] not in MODES:
        return f"unknown mode {card['mode']!r}"
    for key, kind in REQUIRED_BY_MODE.get(card["mode"], {}).items():
        if not isinstance(card.get(key), kind):
            return f"{card['mode']} card field {key!r} missing or not a {kind.__name__}"
    return None


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
            card = json.loads(card_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return ModelEntry(onnx.stem, onnx, None, "no model card beside the ONNX file")
        except (OSError, ValueError) as exc:
            return ModelEntry(onnx.stem, onnx, None, f"unreadable model card: {exc}")
        problem = validate_card(card, onnx.stem)
        if problem is None and self._sha256(onnx) != card["sha256"]:
            problem = "the ONNX file's sha256 does not match its card (damaged or changed)"
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
        if mode and entry.card["mode"] != mode:
            raise MissingResourceError(f"model {model_id!r} is a {entry.card['mode']} model, "
                                       f"not {mode}")
        return entry

    def default_id(self, mode: str) -> str:
        ids = [e.id for e in self.entries() if e.ok and e.card["mode"] == mode]
        if not ids:
            raise MissingResourceError(f"no {mode} model installed")
        return ids[0]

    def session(self, model_id: str, mode: str | None = None):
        """A cached onnxruntime session for a verified model."""
        entry = self.get(model_id, mode)
        key = (str(entry.onnx), entry.card["sha256"])
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

    def gan_model(self, model_id: str):
        from .gan import GanModel
        session, card = self.session(model_id, "gan")
        return GanModel.from_card(session, card)


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
