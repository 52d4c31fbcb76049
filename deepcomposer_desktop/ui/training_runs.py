"""What the Train a Genre window knows of training, without importing it: the trainer
runs in a process of its own (training/job.py), which this module starts and hears
(`JobProcess`: one JSON event a line on its stdout), and leaves its runs in folders
under the user's data folder (`RunFolder`), which the window lists again when it is
opened after the app was closed. Also: whether the `train` extra is installed (found,
never imported: torch stays out of the window's process), when losses and metrics
have settled, and the rendering of a saved epoch's accompaniment for listening
(onnxruntime, as the generate panel runs models).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QIODevice, QObject, QProcess, QProcessEnvironment, Signal

from ..library.paths import data_dir
from ..music.composition import Composition

EXTRA_MODULES = ("torch", "music21", "onnx", "safetensors")
INSTALL_COMMAND = "pip install 'deepcomposer-desktop[train]'"
JOB_MODULE = "deepcomposer_desktop.training.job"
# The corpus presets of training/datasets.py (ui/ never imports training/; a test
# checks that the two lists agree).
PRESETS = ("bach-chorales", "string-quartets", "palestrina", "monteverdi", "trecento", "melodies")
# Events after which a job has nothing more to say.
FINAL_EVENTS = {"preview", "estimate", "paused", "stopped", "exported", "error"}
MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def missing_extra() -> list[str]:
    """The modules of the `train` extra that are not installed (looked up, not imported)."""
    missing = []
    for name in EXTRA_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def runs_root() -> Path:
    """Where the window's runs live: the user's data folder (DEEPCOMPOSER_HOME in tests)."""
    return data_dir() / "training"


def _read_json(path: Path, default):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


@dataclass(frozen=True)
class RunFolder:
    """A run of the window: spec.json (its settings), status.json (where it stands,
    written by the trainer), log.jsonl (its steps), reference.json (the real data's
    metrics), epochs/ (saved GAN epochs), trainer.log (the trainer's own output)."""

    path: Path

    @classmethod
    def create(cls, spec: dict, root: Path | None = None) -> "RunFolder":
        root = root or runs_root()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = root / f"{stamp}-{spec['model_id']}"
        n = 2
        while path.exists():
            path = root / f"{stamp}-{spec['model_id']}-{n}"
            n += 1
        path.mkdir(parents=True)
        from ..fileio import atomic_write_text
        atomic_write_text(path / "spec.json", json.dumps({**spec, "created": time.time()}, indent=1))
        return cls(path)

    @property
    def spec(self) -> dict:
        return _read_json(self.path / "spec.json", {})

    def update_spec(self, **fields) -> None:
        from ..fileio import atomic_write_text
        atomic_write_text(self.path / "spec.json", json.dumps({**self.spec, **fields}, indent=1))

    @property
    def log_path(self) -> Path:
        return self.path / "trainer.log"

    def status(self) -> dict:
        return _read_json(self.path / "status.json", {"status": "new"})

    def state(self, alive: bool = False) -> str:
        """The status, with a run the trainer left while running (the app or the
        machine went down) told as 'interrupted': resumable from its checkpoint."""
        status = self.status().get("status", "new")
        if status in ("running", "starting") and not alive:
            return "interrupted"
        return status

    def set_status(self, status: str, **fields) -> None:
        """The window's word on the run, when no trainer is there to give it."""
        from ..fileio import atomic_write_text
        atomic_write_text(self.path / "status.json", json.dumps(
            {**self.status(), "status": status, "updated": time.time(), **fields}))

    def has_checkpoint(self) -> bool:
        return (self.path / "checkpoint.safetensors").exists()

    def history(self) -> list[dict]:
        """The trainer's log records (what `step` events carried), oldest first."""
        out = []
        try:
            with open(self.path / "log.jsonl", encoding="utf-8") as f:
                for line in f:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        continue  # a line cut by a crash
        except OSError:
            pass
        return out

    def reference(self) -> dict:
        return _read_json(self.path / "reference.json", {})

    def epochs(self) -> list[dict]:
        """The saved epochs (GAN), each with the path of its ONNX file."""
        out = []
        for meta in sorted((self.path / "epochs").glob("epoch_*.json")):
            data = _read_json(meta, None)
            onnx = meta.with_suffix(".onnx")
            if isinstance(data, dict) and onnx.exists() and isinstance(data.get("epoch"), int):
                out.append({**data, "onnx": str(onnx)})
        return sorted(out, key=lambda m: m["epoch"])

    def write_control(self, what: str) -> None:
        (self.path / "control").write_text(what)

    def clear_control(self) -> None:
        (self.path / "control").unlink(missing_ok=True)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(the trainer left no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(the trainer's log is empty)"

    def label(self) -> str:
        spec, status = self.spec, self.status()
        step = status.get("step")
        where = f" at step {step}" if step else ""
        return (f"{spec.get('model_id', self.path.name)} ({spec.get('mode', 'gan')}, "
                f"{Path(str(spec.get('dataset', '?'))).name}): {self.state()}{where}")


def list_runs(root: Path | None = None) -> list[RunFolder]:
    """The window's runs, newest first."""
    root = root or runs_root()
    try:
        folders = [p for p in root.iterdir() if (p / "spec.json").exists()]
    except OSError:
        return []
    return [RunFolder(p) for p in sorted(folders, key=lambda p: p.name, reverse=True)]


class JobProcess(QObject):
    """One run of training/job.py: `event(dict)` for each line it says, then
    `ended(exit_code, crashed, last_event)`. Crashed: it died or exited without a
    final word (a segfault, the kernel's OOM killer, a kill)."""

    event = Signal(dict)
    ended = Signal(int, bool, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process: QProcess | None = None
        self.command = ""
        self.last: dict | None = None
        self.errors = ""  # stderr, when it is not written to a log file
        self._buffer = b""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def start(self, args: list[str], log: Path | None = None) -> None:
        if self.running:
            raise RuntimeError("a job is already running")
        proc = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        path = env.value("PYTHONPATH", "")
        env.insert("PYTHONPATH", os.pathsep.join(p for p in (str(PACKAGE_ROOT), path) if p))
        env.insert("PYTHONUNBUFFERED", "1")
        proc.setProcessEnvironment(env)
        if log is not None:
            proc.setStandardErrorFile(str(log), QIODevice.OpenModeFlag.Append)
        proc.readyReadStandardOutput.connect(self._read)
        proc.readyReadStandardError.connect(self._read_errors)
        proc.finished.connect(self._finished)
        proc.errorOccurred.connect(self._error)
        self.process, self.last, self.errors, self._buffer = proc, None, "", b""
        self.command = " ".join([Path(sys.executable).name, "-m", JOB_MODULE, *args])
        proc.start(sys.executable, ["-m", JOB_MODULE, *args])

    def kill(self) -> None:
        if self.running:
            self.process.kill()

    def wait(self, msecs: int) -> bool:
        return self.process is None or self.process.waitForFinished(msecs) or not self.running

    def _read(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and "event" in event:
                self.last = event
                self.event.emit(event)

    def _read_errors(self) -> None:
        self.errors = (self.errors + bytes(self.process.readAllStandardError()).decode(
            "utf-8", "replace"))[-20000:]

    def _error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.errors += f"\ncannot start {sys.executable}: {self.process.errorString()}"
            self.ended.emit(-1, True, None)

    def _finished(self, code: int, status) -> None:
        self._read()
        crashed = (status == QProcess.ExitStatus.CrashExit or self.last is None
                   or self.last.get("event") not in FINAL_EVENTS
                   and not (self.last.get("event") == "finished" and code == 0))
        self.ended.emit(int(code), bool(crashed), self.last)


# --- judging a run ----------------------------------------------------------------------
def losses_settled(values: list[float]) -> bool:
    """The mean of the last fifth of the steps (20 at least) within 5 % of the whole
    run's range of the fifth before it: the losses have levelled off."""
    n = len(values)
    window = max(20, n // 5)
    if n < 2 * window:
        return False
    before = sum(values[-2 * window:-window]) / window
    after = sum(values[-window:]) / window
    spread = max(values) - min(values)
    return spread > 0 and abs(after - before) <= 0.05 * spread


def metric_settled(values: list[float], patience: int = 3, tolerance: float = 0.01) -> bool:
    """No epoch of the last `patience` improved (lowered) the value by more than
    `tolerance` below the best before them."""
    values = [v for v in values if v is not None and math.isfinite(v)]
    if len(values) <= patience:
        return False
    return min(values[-patience:]) > min(values[:-patience]) - tolerance


def settle_hint(losses: dict[str, list[float]], distances: list[float],
                epochs: list[int]) -> str:
    """One sentence on whether more training is likely to help."""
    moving = [name for name, values in losses.items() if values and not losses_settled(values)]
    loss_ok = bool(losses) and all(values for values in losses.values()) and not moving
    metric_ok = metric_settled(distances)
    best = ""
    finite = [(d, e) for d, e in zip(distances, epochs) if d is not None and math.isfinite(d)]
    if finite:
        d, e = min(finite)
        best = f" (closest to your music: {d:.3f} at epoch {e})"
    if loss_ok and metric_ok:
        return ("Settled: the losses have levelled off and the metrics have not come closer "
                f"to your music for 3 epochs{best}. More training is unlikely to help; "
                "listen to the last epochs and export the one you like.")
    if metric_ok:
        return (f"The metrics have stopped coming closer to your music{best}, while the losses "
                "still move: listen to the recent epochs.")
    if loss_ok:
        return "The losses have levelled off; the metrics are still moving: keep going."
    if not any(losses.values()):
        return ""
    return "Still learning: the losses" + (" and the metrics" if distances else "") + \
        " are still moving."


# --- listening -----------------------------------------------------------------------------
def melody_track(comp: Composition) -> int:
    """The first pitched track with notes (the melody a listening sample accompanies)."""
    for i, t in enumerate(comp.tracks):
        if t.notes and not t.is_drum:
            return i
    return 0


def render_epoch(meta: dict, melody: Composition, seed: int = 7) -> Composition:
    """The accompaniment a saved epoch's generator gives `melody`, through the same
    generation path as an installed model (with a plain decoding: the export's search
    picks the card's)."""
    import onnxruntime as ort

    from ..generation.gan import DEFAULT_TRACKS, GanModel, generate_accompaniment
    session = ort.InferenceSession(meta["onnx"], providers=["CPUExecutionProvider"])
    model = GanModel.build(session, int(meta["lowest"]), int(meta["pitches"]), int(meta["steps"]),
                           tuple(meta["noise_shape"]), float(meta["melody_center"]),
                           DEFAULT_TRACKS, **meta.get("decoding", {}))
    result = generate_accompaniment(melody, model, seed=seed, track=melody_track(melody))
    result.title = f"epoch {meta['epoch']}"
    return result
