"""The studio window: transport bar, track list, piano roll, on-screen piano,
generate panel and status line, around one Document.

Widgets are wired here and nowhere else; each one only talks to the Document
(undo commands in, signals out), the TransportState, or the player.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QLabel, QMainWindow, QMessageBox, QSplitter,
                               QVBoxLayout, QWidget)

from ..music.composition import Track
from .commands import InsertTracks, RemoveTrack, SetTrackAttr
from .document import Document
from .empty_hint import EmptySongHint
from .file_actions import OPENABLE_SUFFIXES, FileActions
from .live_input import LiveInput
from .piano_keyboard import PianoKeyboard
from .playback import QtPlayer
from .recording import TakeRecorder
from .recovery import AutosaveController, describe
from .roll_editor import RollEditor
from .settings import Settings
from .sound import LiveSound
from .studio_actions import StudioActions
from .track_list import TrackList
from .transport_bar import TransportBar
from .transport_control import TransportControl
from .transport_state import TransportState
from .versions import VersionsController
from .versions_panel import install_versions
from .workers import JobRunner

class MainWindow(StudioActions, TransportControl, QMainWindow):
    take_unplugged = Signal(str)  # emitted on the MIDI poller's thread, handled on ours

    def __init__(self, *, audio: bool = True, interactive: bool = True) -> None:
        super().__init__()
        self.interactive = interactive  # False in tests: no modal dialogs
        self.last_error: str | None = None
        self.settings = Settings()
        self.doc = Document(parent=self)
        self.versions = VersionsController(self.doc, self)  # Generate's results (ui/versions.py)
        self.transport = TransportState(self)
        self.jobs = JobRunner(self)
        self.sound = LiveSound(self)
        self.player = QtPlayer(self.doc.comp, self.sound, self)
        self.live = LiveInput(self.sound, self.player.sink.now, self)
        self.recorder = TakeRecorder(self.doc, self.live.hub, self.player.sink.now,
                                     on_unplugged=self.take_unplugged.emit)
        self.setAcceptDrops(True)
        self.setMinimumSize(760, 520)

        self.transport_bar = TransportBar(self.doc, self.transport, self)
        self.addToolBar(self.transport_bar)
        self.editor = RollEditor(self.doc, self.transport, self)
        self.tracks = TrackList(self.doc, self)
        self.piano = PianoKeyboard(parent=self)
        self.split = split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.tracks)
        split.addWidget(self.editor)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 900])
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split, 1)
        layout.addWidget(self.piano)
        self.setCentralWidget(central)
        self.generate_dock = self._build_generate_panel()
        self.files = FileActions(self, self.settings)
        self.versions_dock = install_versions(self)  # the Versions list, File > Library
        self._build_status_line()
        self._build_menus()
        self._wire()
        self._restore_settings()
        self._update_title()
        self.autosave = AutosaveController(self.doc, self)
        self.autosave.live_take = self._live_take  # a take being recorded is saved too
        self.autosave.versions = self.versions.to_dict  # and the song's generated versions
        self.versions.changed.connect(
            lambda: self.versions.to_dict() is not None and self.autosave.versions_changed())
        self.empty_hint = EmptySongHint(self.doc, self.transport, self.editor.roll)
        self.autosave.start()
        if audio:  # tests pass False: no sound card, no MIDI ports touched
            self.sound.start(self.settings.get("audio/soundfont") or None)
            self.live.start_devices()
            if self.settings.get("midi/playback_port"):
                self.midi_out_action.setChecked(True)

    # --- building ----------------------------------------------------------------------
    def _build_generate_panel(self) -> QDockWidget | None:
        try:
            from .generate_panel import GeneratePanel
        except ImportError:  # the generation modes are not installed
            return None
        dock = QDockWidget("Generate", self)
        dock.setObjectName("generate_dock")
        self.generate_panel = GeneratePanel(self.doc, self.jobs, dock, versions=self.versions)
        dock.setWidget(self.generate_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def _build_status_line(self) -> None:
        bar = self.statusBar()
        bar.addPermanentWidget(self._build_typing_label())  # Musical Typing's octave, velocity
        self.midi_label = QLabel("MIDI in: none", self)
        self.soundfont_label = QLabel(self.sound.soundfont_text, self)
        self.audio_label = QLabel(self.sound.audio_text, self)
        for label in (self.midi_label, self.soundfont_label, self.audio_label):
            bar.addPermanentWidget(label)

    def _action(self, text: str, keys, slot, name: str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(f"action_{name}")
        if keys:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda _c=False: slot())
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        f, roll = self.files.actions, self.editor.roll.actions_by_name
        menu = self.menuBar().addMenu("&File")
        menu.addAction(f["new"])
        menu.addAction(f["open"])
        menu.addMenu(self.files.recent_menu)
        menu.addMenu(self.files.samples_menu)
        menu.addAction(self.library_action)
        menu.addSeparator()
        for name in ("save", "save_as", "export_midi", "export_wav"):
            menu.addAction(f[name])
        menu.addSeparator()
        menu.addAction(self._action("&Quit", QKeySequence.StandardKey.Quit, self.close, "quit"))
        menu = self.menuBar().addMenu("&Edit")
        undo = self.doc.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.doc.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        menu.addActions([undo, redo])
        menu.addSeparator()
        menu.addActions([roll[n] for n in ("select_all", "delete", "duplicate", "quantize", "up",
                                           "down", "octave_up", "octave_down")])
        menu.addSeparator()  # the chord lane's (ui/chord_lane.py)
        menu.addActions([self.editor.chords.actions_by_name[n] for n in ("detect", "clear")])
        menu = self.menuBar().addMenu("&Track")
        menu.addAction(self._action("&New Track", "Ctrl+T", self.add_track, "new_track"))
        menu.addAction(self._action("&Delete Track", None, self.delete_track, "delete_track"))
        menu.addAction(self._action("&Mute", "M", lambda: self.toggle_track("mute"), "mute"))
        menu.addAction(self._action("&Solo", "S", lambda: self.toggle_track("solo"), "solo"))
        self._build_takes_menu(menu)
        menu = self.menuBar().addMenu("T&ransport")
        menu.addActions(list(self.transport_bar.actions_by_name.values()))
        menu.addSeparator()
        self.midi_out_action = QAction("Send Playback to MIDI Port", self, checkable=True)
        self.midi_out_action.setObjectName("action_midi_out")
        self.midi_out_action.setToolTip('A virtual MIDI port, "DeepComposer Playback", that a DAW '
                                        "or another synth can listen to")
        self.midi_out_action.toggled.connect(self.set_midi_out)
        menu.addAction(self.midi_out_action)
        menu = self.menuBar().addMenu("&View")
        menu.addAction(self._action("Fit Song", "Ctrl+0", self.editor.fit, "fit"))
        menu.addAction(self.editor.chords.actions_by_name["show"])
        if self.generate_dock is not None:
            menu.addAction(self.generate_dock.toggleViewAction())
        menu.addAction(self.versions_dock.toggleViewAction())
        from .training_window import install_training
        install_training(self)  # Tools > Train a Genre (ui/training_window.py)
        self._build_help_menu()

    def _wire(self) -> None:
        doc, tr, player = self.doc, self.transport, self.player
        doc.modified_changed.connect(lambda _m: self._update_title())
        doc.reset.connect(self._song_loaded)
        for signal in (doc.notes_changed, doc.track_changed):
            signal.connect(lambda _i: player.refresh())
        doc.tracks_changed.connect(player.refresh)
        doc.song_changed.connect(player.refresh)
        player.signals.position.connect(tr.set_position)
        player.signals.state.connect(self._player_state)
        tr.loop_changed.connect(self._loop_changed)
        tr.switches_changed.connect(self._switches_changed)
        self.editor.seek.connect(player.seek)
        self.transport_bar.play_toggled.connect(self.toggle_play)
        self.transport_bar.record_toggled.connect(self.toggle_record)
        self.editor.roll.note_previewed.connect(self.preview_note)
        self.editor.keys.pitch_pressed.connect(lambda p: self.live.play(p, 100, True))
        self.editor.keys.pitch_released.connect(lambda p: self.live.play(p, 0, False))
        self.piano.played.connect(self.live.play)
        self.piano.released_all.connect(self.live.release)
        self.live.key_changed.connect(self.piano.set_held)
        self.live.devices_changed.connect(self._devices_changed)
        self.take_unplugged.connect(self._take_unplugged)
        doc.current_track_changed.connect(lambda _i: self.live.set_channel(self._channel()))
        doc.reset.connect(lambda: self.live.set_channel(self._channel()))
        self.sound.ready.connect(self._sound_ready)
        self.files.opened.connect(lambda _p: self._update_title())
        lane = self.editor.chords
        lane.interactive = self.interactive
        lane.generated = lambda: set(self.versions.generated_tracks())  # never read those
        lane.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.jobs.failed.connect(lambda _id, msg: self.show_error(msg))

    # --- tracks ----------------------------------------------------------------------
    def add_track(self) -> None:
        comp = self.doc.comp
        track = Track(name=f"Track {len(comp.tracks) + 1}", channel=comp.free_channel())
        self.doc.undo_stack.push(InsertTracks(self.doc, [track]))

    def delete_track(self) -> None:
        if self.doc.current_track >= 0:
            self.doc.undo_stack.push(RemoveTrack(self.doc, self.doc.current_track))

    def toggle_track(self, attr: str) -> None:
        i = self.doc.current_track
        if i >= 0:
            self.doc.undo_stack.push(SetTrackAttr(self.doc, i, attr, not getattr(self.doc.track(i), attr)))

    # --- song and window state ---------------------------------------------------------
    def _song_loaded(self) -> None:
        self.player.stop()
        self.player.set_composition(self.doc.comp)
        self.transport.set_position(0)
        self.transport.set_loop(0, 0)
        self._update_title()

    def _update_title(self) -> None:
        name = self.doc.path.name if self.doc.path else self.doc.comp.title
        self.setWindowTitle(f"{name}[*]")  # Qt shows '*' in place of [*] when modified
        self.setWindowModified(self.doc.is_modified)

    def show_error(self, message: str) -> None:
        self.last_error = message
        self.statusBar().showMessage(message, 8000)
        if self.interactive:
            QMessageBox.warning(self, "DeepComposer", message)

    def _restore_settings(self) -> None:
        geometry = self.settings.get("window/geometry")
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = self.settings.get("window/state")
        if not state.isEmpty():
            self.restoreState(state)
        split = self.settings.get("window/splitter")
        if not split.isEmpty():
            self.split.restoreState(split)
        self.transport.set_switch("metronome", self.settings.get("transport/metronome"))
        self.transport.set_switch("count_in", self.settings.get("transport/count_in"))
        self.editor.set_snap(self.settings.get("roll/snap"))
        self.editor.snap_box.currentTextChanged.connect(lambda s: self.settings.set("roll/snap", s))
        self.editor.chords.set_shown(self.settings.get("roll/chords"))
        self.editor.chords.actions_by_name["show"].toggled.connect(
            lambda on: self.settings.set("roll/chords", on))

    def closeEvent(self, event) -> None:
        if not self.confirm_discard():
            event.ignore()
            return
        self.settings.set("window/geometry", self.saveGeometry())
        self.settings.set("window/state", self.saveState())
        self.settings.set("window/splitter", self.split.saveState())
        self.settings.sync()
        self.player.close()
        self.close_midi_out()
        self.live.close()
        if self.player.sink.target is not None:
            self.player.sink.target.close()
        self.jobs.cancel()
        self.jobs.wait(2000)
        if getattr(self, "training_window", None) is not None:
            self.training_window.shutdown()  # a run saves its checkpoint: resumable next time
        self.sound.close()
        self.autosave.discard()  # a clean exit leaves nothing to recover
        super().closeEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_shown_once", False):
            self._shown_once = True
            self.editor.roll.setFocus()  # keys edit notes, not the tempo box, from the start
            if self.interactive:
                QTimer.singleShot(0, lambda: self.autosave.offer(self._ask_recover, self.versions.load))

    def _ask_recover(self, found) -> bool:
        answer = QMessageBox.question(
            self, "Recover unsaved work?",
            f"DeepComposer did not close cleanly last time. Recover {describe(found)}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # --- drag and drop -----------------------------------------------------------------
    def _dropped_path(self, mime) -> str | None:
        for url in mime.urls() if mime.hasUrls() else []:
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in OPENABLE_SUFFIXES:
                return url.toLocalFile()
        return None

    def dragEnterEvent(self, event) -> None:
        if self._dropped_path(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        path = self._dropped_path(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.files.open_path(path)
