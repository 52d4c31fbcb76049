"""The app as a whole: MIDI import, start-up, memory.

    python -m benchmarks app        (or `make bench ARGS=app`)

1. MIDI import of a large file (8 tracks, 100 000 notes, written by the app):
   `music.midifile.read_midi` (the chunk scan that refuses absurd files, mido's
   parse, the conversion to a Composition, the song checks) against its peer,
   plain `mido.MidiFile` on the same file.
2. Start to a visible window: a new Python process that does what `deepcomposer`
   does (the CLI imported, QApplication, MainWindow with sound and MIDI started,
   show) until the window's first paint, offscreen. Peer: the same for a bare
   QMainWindow (Python and Qt alone). The first start of each is left out (it fills
   the page cache and the app's data folder).
3. Peak memory (the process's maximum resident set) with every installed model
   loaded and run once, in the studio window, against its peer: the same window
   with no model loaded.
Each child process runs with a throw-away DEEPCOMPOSER_HOME and leaves the
user's settings alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mido

from benchmarks import summary, timeit
from deepcomposer_desktop.music import Composition, Note
from deepcomposer_desktop.music.midifile import read_midi, write_midi

ROOT = Path(__file__).resolve().parent.parent

START = r"""
import sys, time
t0 = float(sys.argv[1])
bare = sys.argv[2] == "bare"
if not bare:
    import deepcomposer_desktop.cli  # noqa: F401  (what the `deepcomposer` script imports first)
from PySide6.QtCore import QEvent, QObject, QStandardPaths
QStandardPaths.setTestModeEnabled(True)
if bare:
    from PySide6.QtWidgets import QApplication, QMainWindow
    app = QApplication([])
    window = QMainWindow()
    window.resize(1400, 860)
else:
    from deepcomposer_desktop.ui.app import create_app
    app = create_app()
    from deepcomposer_desktop.ui.main_window import MainWindow
    window = MainWindow()
class FirstPaint(QObject):  # the first paint of the window or any widget in it
    done = False
    def eventFilter(self, obj, event):
        if (not self.done and event.type() == QEvent.Type.Paint
                and getattr(obj, "window", None) and obj.window() is window):
            self.done = True
            print(time.time() - t0, flush=True)
            window.close()  # a clean exit: no autosave left for the next start to offer
            app.quit()
        return False
spy = FirstPaint()
app.installEventFilter(spy)
window.show()
app.exec()
"""

MEMORY = r"""
import json, resource, sys
from PySide6.QtCore import QStandardPaths
QStandardPaths.setTestModeEnabled(True)
from deepcomposer_desktop.ui.app import create_app
app = create_app()
from deepcomposer_desktop.ui.main_window import MainWindow
window = MainWindow(audio=False, interactive=False)
window.show()
app.processEvents()
loaded = []
if sys.argv[1] == "models":
    from deepcomposer_desktop.generation.modes import Request, generate
    from deepcomposer_desktop.generation.registry import default_registry
    from deepcomposer_desktop.music import load_sample
    reg = default_registry()
    song = load_sample("twinkle")
    for entry in reg.entries():
        if entry.ok:
            reg.session(entry.id, entry.card.mode)
            generate(reg, entry.card.mode, song, Request(entry.id, seed=1))
            loaded.append(entry.id)
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"peak_mb": peak_kb / 1024, "models": loaded}))
"""


def large_song(notes: int = 100_000, tracks: int = 8) -> Composition:
    comp = Composition()
    for t in range(tracks):
        comp.add_track(f"Track {t + 1}", notes=[
            Note(i * 120, 36 + (i * 7 + t * 5) % 60, 110, 40 + i % 80)
            for i in range(notes // tracks)])
    return comp


def bench_import(folder: Path) -> list[dict]:
    path = folder / "large.mid"
    comp = large_song()
    write_midi(comp, path)
    notes = sum(len(t.notes) for t in comp.tracks)
    mb = path.stat().st_size / 1e6
    peer = "plain mido.MidiFile() of the same file"
    return [summary(f"MIDI import, {notes:,} notes in {len(comp.tracks)} tracks ({mb:.1f} MB): read_midi()",
                    timeit(lambda: read_midi(path), repeat=5, warmup=1), peer=peer),
            summary(peer, timeit(lambda: mido.MidiFile(path), repeat=5, warmup=1), peer_only=True)]


def _env(home: Path) -> dict:
    return {**os.environ, "DEEPCOMPOSER_HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
            "XDG_CONFIG_HOME": str(home / "config"), "PYTHONPATH": str(ROOT)}


def bench_start(folder: Path, runs: int = 5) -> list[dict]:
    times: dict[str, list[float]] = {"app": [], "bare": []}
    for k in range(runs + 1):
        for kind in times:
            t0 = time.time()
            out = subprocess.run([sys.executable, "-c", START, repr(t0), kind], env=_env(folder),
                                 capture_output=True, text=True, timeout=120, cwd=folder)
            if out.returncode != 0 or not out.stdout.strip():
                raise RuntimeError(f"the {kind} window did not start: {out.stderr[-500:]}")
            if k:
                times[kind].append(float(out.stdout.strip().splitlines()[-1]))
    peer = "start to a visible window: a bare QMainWindow (Python + Qt)"
    return [summary("start to a visible window: the studio, sound and MIDI started", times["app"],
                    peer=peer),
            summary(peer, times["bare"], peer_only=True)]


def bench_memory(folder: Path, runs: int = 3) -> list[dict]:
    peaks: dict[str, list[float]] = {"models": [], "none": []}
    models: list[str] = []
    for _ in range(runs):
        for kind in peaks:
            out = subprocess.run([sys.executable, "-c", MEMORY, kind], env=_env(folder),
                                 capture_output=True, text=True, timeout=600, cwd=folder)
            if out.returncode != 0:
                raise RuntimeError(f"the memory run failed: {out.stderr[-500:]}")
            result = json.loads(out.stdout.strip().splitlines()[-1])
            peaks[kind].append(result["peak_mb"])
            models = result["models"] or models
    peer = "peak memory, the studio window with no model loaded"
    return [summary(f"peak memory, the studio window with all {len(models)} models loaded and run once",
                    peaks["models"], unit="MB", peer=peer, models=models),
            summary(peer, peaks["none"], unit="MB", peer_only=True)]


def main(args=None) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="deepcomposer-bench-") as tmp:
        folder = Path(tmp)
        return bench_import(folder) + bench_start(folder) + bench_memory(folder)
