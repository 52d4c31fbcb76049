"""Opening, saving and exporting: MIDI files, projects, samples, recent files.

Each action that needs a file name asks a dialog only when none is given, so the
tests (and drag-and-drop) call the same code with a path. Problems are shown as
one clear line (`window.show_error`), never a traceback.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from ..errors import DeepComposerError
from ..library.project import SUFFIX as PROJECT_SUFFIX
from ..library.project import load_project, load_project_versions, save_project
from ..music import SAMPLE_PREFIX, SAMPLES, load_composition
from ..music.composition import Composition, Track
from ..music.midifile import write_midi
from .settings import Settings

MIDI_FILTER = "MIDI files (*.mid *.midi *.MID)"
OPENABLE = (f"Songs (*.mid *.midi *.MID *{PROJECT_SUFFIX});;{MIDI_FILTER};;"
            f"DeepComposer projects (*{PROJECT_SUFFIX})")
OPENABLE_SUFFIXES = {".mid", ".midi", PROJECT_SUFFIX}


def _render_module():
    # by import path: audio/__init__ may export a function of the same name
    return importlib.import_module("deepcomposer_desktop.audio.render")


def wav_export_available() -> bool:
    try:
        _render_module()
    except ImportError:
        return False
    return True


class FileActions(QObject):
    opened = Signal(str)  # what was opened (path or sample:NAME)
    saved = Signal(str)  # a project file was written (the library records the song)

    def __init__(self, window, settings: Settings) -> None:
        super().__init__(window)
        self.window, self.doc, self.settings = window, window.doc, settings
        self.actions: dict[str, QAction] = {}
        for name, text, keys, slot in (
                ("new", "&New Song", QKeySequence.StandardKey.New, lambda: self.new_song()),
                ("open", "&Open / Import MIDI…", QKeySequence.StandardKey.Open, lambda: self.open_path()),
                ("save", "&Save Project", QKeySequence.StandardKey.Save, lambda: self.save()),
                ("save_as", "Save Project &As…", QKeySequence.StandardKey.SaveAs,
                 lambda: self.save(ask=True)),
                ("export_midi", "&Export MIDI…", "Ctrl+E", lambda: self.export_midi()),
                ("export_wav", "Export &WAV…", "Ctrl+Shift+E", lambda: self.export_wav())):
            action = QAction(text, window)
            action.setObjectName(f"action_{name}")
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            self.actions[name] = action
        if not wav_export_available():
            self.actions["export_wav"].setEnabled(False)
            self.actions["export_wav"].setToolTip("WAV export needs the audio renderer (audio/render.py)")
        self.recent_menu = QMenu("Open &Recent", window)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.samples_menu = QMenu("Sample &Melodies", window)
        for name, sample in SAMPLES.items():
            self.samples_menu.addAction(sample.title, lambda n=name: self.open_path(SAMPLE_PREFIX + n))

    # --- new and open --------------------------------------------------------------------
    def new_song(self) -> bool:
        if not self.window.confirm_discard():
            return False
        self.doc.load(Composition(tracks=[Track(name="Melody")]))
        self.opened.emit("")
        return True

    def open_path(self, path: str | None = None) -> bool:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Open a song",
                                                  self.settings.get("folders/open"), OPENABLE)
            if not path:
                return False
        try:  # read and check the file first: a bad one never costs the song open now
            if path.endswith(PROJECT_SUFFIX):
                comp, _view = load_project(path)
            else:
                comp = load_composition(path)
        except DeepComposerError as exc:
            self.window.show_error(str(exc))
            return False
        if not self.window.confirm_discard():
            return False
        is_file = not path.startswith(SAMPLE_PREFIX)
        self.doc.load(comp, path if path.endswith(PROJECT_SUFFIX) else None)
        versions = getattr(self.window, "versions", None)
        if versions is not None and path.endswith(PROJECT_SUFFIX):
            versions.load(load_project_versions(path))  # the file's versions, if it has any
        if is_file:
            self.settings.set("folders/open", str(Path(path).resolve().parent))
            self.settings.add_recent(str(Path(path).resolve()))
        self.opened.emit(path)
        return True

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = [p for p in self.settings.get("files/recent") if Path(p).exists()]
        for path in recent:
            self.recent_menu.addAction(Path(path).name, lambda p=path: self.open_path(p))
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)

    # --- save and export ---------------------------------------------------------------
    def _ask(self, title: str, suffix: str, filt: str, folder_key: str) -> Path | None:
        start = Path(self.settings.get(folder_key) or Path.home()) / f"{self._stem()}{suffix}"
        path, _ = QFileDialog.getSaveFileName(self.window, title, str(start), filt)
        if not path:
            return None
        path = Path(path)
        return path if path.suffix.lower() in (suffix, ".midi") else path.with_suffix(suffix)

    def _stem(self) -> str:
        """A file name from the title: "Twinkle, Twinkle, Little Star" gives "Twinkle
        Twinkle Little Star" (apostrophes dropped, other odd characters spaces)."""
        title = (self.doc.comp.title or "").replace("'", "").replace("\u2019", "")
        return " ".join("".join(c if c.isalnum() or c in "-_" else " " for c in title).split()) or "Untitled"

    def save(self, path: str | Path | None = None, ask: bool = False) -> bool:
        if path is None:
            path = None if ask else self.doc.path
            if path is None:
                path = self._ask("Save project", PROJECT_SUFFIX,
                                 f"DeepComposer projects (*{PROJECT_SUFFIX})", "folders/save")
                if path is None:
                    return False
        try:
            versions = getattr(self.window, "versions", None)
            save_project(self.doc.comp, path,
                         versions=versions.to_dict() if versions is not None else None)
        except (OSError, DeepComposerError) as exc:
            self.window.show_error(f"could not save {path}: {exc}")
            return False
        self.doc.path = Path(path)
        self.doc.undo_stack.setClean()
        self.settings.set("folders/save", str(Path(path).resolve().parent))
        self.settings.add_recent(str(Path(path).resolve()))
        self.window.statusBar().showMessage(f"Saved {Path(path).name}", 4000)
        self.saved.emit(str(path))
        return True

    def export_midi(self, path: str | Path | None = None) -> Path | None:
        """A type-1 MIDI file, one track per instrument (what GarageBand and DAWs import)."""
        path = path or self._ask("Export MIDI", ".mid", MIDI_FILTER, "folders/export")
        if path is None:
            return None
        try:
            written = write_midi(self.doc.comp, path)
        except (OSError, DeepComposerError) as exc:
            self.window.show_error(f"could not export {path}: {exc}")
            return None
        self.settings.set("folders/export", str(Path(written).resolve().parent))
        self.window.statusBar().showMessage(f"Exported {Path(written).name}", 4000)
        return Path(written)

    def export_wav(self, path: str | Path | None = None) -> Path | None:
        if not wav_export_available():
            self.window.show_error("WAV export needs the audio renderer, which is not installed")
            return None
        path = path or self._ask("Export WAV", ".wav", "WAV audio (*.wav)", "folders/export")
        if path is None:
            return None
        comp = self.doc.comp.copy()  # the worker reads a snapshot, never the live song
        soundfont = self.settings.get("audio/soundfont")

        def render(progress):
            progress(0.0, "Rendering audio")
            return _render_module().render(comp, path, soundfont or None)

        self.window.jobs.submit(render, "Export WAV", on_result=lambda _r: (
            self.settings.set("folders/export", str(Path(path).resolve().parent)),
            self.window.statusBar().showMessage(f"Exported {Path(path).name}", 4000)))
        return Path(path)
