"""The model registry: every `<id>.onnx` with its card `<id>.json` in the model folders.

Shipped models (the repository's models/) and a user's own (library.paths'
user_models_dir(), plus $DEEPCOMPOSER_MODELS, a path list, searched first) are found
the same way: a card beside each ONNX file, parsed once into a typed ModelCard
(cards.py). Each model is read on its own, and whatever is wrong with one (a folder
named x.onnx, an unreadable or damaged ONNX file, a card that does not parse or is
nested too deeply, a sha256 that differs from the card's, a network that does not
fit its card's mode or grid: networks.py) makes that entry refused, with the reason;
it never affects the others. Asking for a refused model raises MissingResourceError
(exit 4). When two folders hold the same id, the first intact copy is used, and a
refused copy before it is listed beside it, saying which one is used.
onnxruntime sessions are cached per model, with graph optimisation on and the
intra-op threads set; a file onnxruntime cannot load, or whose network does not fit,
is refused from then on and the next intact copy (if any) is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from ..bundle import app_root
from ..errors import InvalidInputError, MissingResourceError
from ..fileio import read_limited
from .cards import CardError, ModelCard, parse_card
from .networks import NotOnnx, read_signature, session_signature, signature_problem

SHIPPED_DIR = app_root() / "models"  # the repository's, or the bundle's when frozen
MAX_CARD_BYTES = 1 << 20


@dataclass(frozen=True)
class ModelEntry:
    id: str
    onnx: Path
    card: ModelCard | None
    problem: str | None = None  # why the model is refused, if it is
    note: str | None = None  # which copy is used, when another copy of this id is refused

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> dict:
        c = self.card
        return {"id": self.id, "mode": c and c.mode, "genre": c and c.genre,
                "title": c and c.title, "tracks": [t.name for t in c.tracks] if c else [],
                "path": str(self.onnx), "ok": self.ok, "problem": self.problem,
                "note": self.note,
                "metrics": c and dict(c.metrics), "training": c and dict(c.training)}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _intra_op_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


class Registry:
    def __init__(self, folders: list[Path] | None = None) -> None:
        self.folders = folders if folders is not None else default_folders()
        self._sessions: dict[tuple[str, str], object] = {}
        # (path, mtime, size) -> (sha256, the network's signature or why it has none)
        self._files: dict[tuple[str, int, int], tuple[str, object]] = {}
        self._entries: dict[str, tuple[tuple, ModelEntry]] = {}  # onnx path -> (versions, entry)
        self._load_problems: dict[tuple[str, str], str] = {}  # (onnx path, sha256) -> why
        self._lock = threading.RLock()

    @staticmethod
    def _onnx_files(folder: Path) -> list[Path]:
        try:
            return sorted(folder.glob("*.onnx")) if folder.is_dir() else []
        except OSError:  # an unreadable folder holds no model we can use
            return []

    def entries(self) -> list[ModelEntry]:
        """Every model found, refused ones included (with their problem). Per id: the
        first intact copy in folder order, then any refused copies (each saying which
        copy is used); a later intact copy behind a used one is not listed."""
        copies: dict[str, list[ModelEntry]] = {}
        for folder in self.folders:
            for onnx in self._onnx_files(folder):
                copies.setdefault(onnx.stem, []).append(self._entry(onnx))
        out: list[ModelEntry] = []
        for found in copies.values():
            used = next((e for e in found if e.ok), None)
            refused = [e for e in found if not e.ok]
            if used is None:
                out += refused
                continue
            if refused:
                used = replace(used, note=f"using {used.onnx}; "
                               + "; ".join(f"the copy {e.onnx} is refused" for e in refused))
            out.append(used)
            out += [replace(e, note=f"not used: {used.onnx} is used instead") for e in refused]
        return out

    def _entry(self, onnx: Path) -> ModelEntry:
        """The entry of one model, read again only when its card or ONNX file changed
        (the registry is asked for every generation). Whatever goes wrong refuses this
        entry alone."""
        card_path = onnx.with_suffix(".json")
        try:
            key = tuple((st.st_mtime_ns, st.st_size) for st in (onnx.stat(), card_path.stat()))
        except OSError:
            key = None
        cached = self._entries.get(str(onnx))
        if key is None or cached is None or cached[0] != key:
            try:
                entry = self._read_entry(onnx)
            except Exception as exc:  # noqa: BLE001 -- one bad file must not hide the others
                entry = ModelEntry(onnx.stem, onnx, None,
                                   f"cannot be read ({type(exc).__name__}: {_one_line(exc)})")
            cached = (key, entry)
            if key is not None:
                self._entries[str(onnx)] = cached
        entry = cached[1]
        if entry.ok:
            problem = self._load_problems.get((str(onnx), entry.card.sha256))
            if problem:
                entry = replace(entry, problem=problem)
        return entry

    def _read_entry(self, onnx: Path) -> ModelEntry:
        card_path = onnx.with_suffix(".json")
        if not onnx.is_file():
            return ModelEntry(onnx.stem, onnx, None,
                              "the ONNX 'file' is a folder" if onnx.is_dir()
                              else "the ONNX file is not a regular file")
        if not card_path.exists():
            return ModelEntry(onnx.stem, onnx, None, "no model card beside the ONNX file")
        try:
            data = json.loads(read_limited(card_path, MAX_CARD_BYTES))
        except RecursionError:
            return ModelEntry(onnx.stem, onnx, None, "unreadable model card: nested too deeply")
        except (InvalidInputError, ValueError) as exc:
            return ModelEntry(onnx.stem, onnx, None, f"unreadable model card: {_one_line(exc)[:200]}")
        try:
            card = parse_card(data, onnx.stem)
        except CardError as exc:
            return ModelEntry(onnx.stem, onnx, None, str(exc))
        except RecursionError:
            return ModelEntry(onnx.stem, onnx, None, "unreadable model card: nested too deeply")
        try:
            sha, signature = self._file(onnx)
        except OSError as exc:
            return ModelEntry(onnx.stem, onnx, card, f"unreadable ONNX file: {exc.strerror or exc}")
        if sha != card.sha256:
            return ModelEntry(onnx.stem, onnx, card,
                              "the ONNX file's sha256 does not match its card (damaged or changed)")
        if isinstance(signature, str):
            return ModelEntry(onnx.stem, onnx, card, signature)
        return ModelEntry(onnx.stem, onnx, card, signature_problem(card, *signature))

    def _file(self, path: Path) -> tuple[str, object]:
        """(sha256, (inputs, outputs) or why there are none) once per file version: a
        changed file has a new mtime or size."""
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size)
        if key not in self._files:
            try:
                signature: object = read_signature(path)
            except NotOnnx as exc:
                signature = f"the ONNX file is not a model we can read ({exc})"
            self._files[key] = (sha256_file(path), signature)
        return self._files[key]

    def get(self, model_id: str, mode: str | None = None) -> ModelEntry:
        found = [e for e in self.entries() if e.id == model_id]
        if not found:
            raise MissingResourceError(f"model {model_id!r} not found in "
                                       f"{', '.join(str(f) for f in self.folders)}")
        entry = next((e for e in found if e.ok), None)
        if entry is None:
            raise MissingResourceError(f"model {model_id!r} refused: {found[0].problem}")
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
        """A cached onnxruntime session for a verified model, and its card. A copy
        onnxruntime cannot load, or whose network does not fit its card, is refused
        from then on, and the next intact copy of the id is tried."""
        for _copy in range(len(self.folders) + 1):
            entry = self.get(model_id, mode)
            key = (str(entry.onnx), entry.card.sha256)
            with self._lock:
                if key in self._sessions:
                    return self._sessions[key], entry.card
                import onnxruntime as ort
                opts = ort.SessionOptions()
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                opts.intra_op_num_threads = _intra_op_threads()
                try:
                    session = ort.InferenceSession(str(entry.onnx), opts,
                                                   providers=["CPUExecutionProvider"])
                except Exception as exc:  # noqa: BLE001 -- onnxruntime raises its own types
                    problem = f"onnxruntime cannot load it: {_one_line(exc)[:300]}"
                else:
                    problem = signature_problem(entry.card, *session_signature(session),
                                                exact_inputs=True)
                if problem is None:
                    self._sessions[key] = session
                    return session, entry.card
                self._load_problems[key] = problem
        raise MissingResourceError(f"model {model_id!r} cannot be loaded")


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
