"""Every user setting the studio keeps, declared once.

A setting has a key, a type, a default and a line of documentation; `Settings`
reads and writes them through QSettings so that a wrong type stored by an older
version falls back to the default instead of crashing the window. The schema has
a version; `migrate()` upgrades what older versions stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

SCHEMA_VERSION = 1
MAX_RECENT = 10


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any
    doc: str


SETTINGS = {s.key: s for s in [
    Setting("window/geometry", QByteArray, QByteArray(), "Main window position and size."),
    Setting("window/state", QByteArray, QByteArray(), "Main window docks and toolbars."),
    Setting("window/splitter", QByteArray, QByteArray(), "Width of the track list beside the roll."),
    Setting("folders/open", str, "", "Folder of the last MIDI file or project opened."),
    Setting("folders/export", str, "", "Folder of the last MIDI or WAV export."),
    Setting("folders/save", str, "", "Folder of the last project saved."),
    Setting("files/recent", list, [], "Recently opened files, newest first."),
    Setting("roll/snap", str, "1/16", "Piano-roll snap grid (1/4 .. 1/32, T for triplets, off)."),
    Setting("roll/chords", bool, True, "Show the chord lane above the piano roll."),
    Setting("transport/metronome", bool, False, "Click on every beat while playing or recording."),
    Setting("transport/count_in", bool, True, "One bar of clicks before recording starts."),
    Setting("midi/playback_port", bool, False, "Also send playback to the virtual MIDI port."),
    Setting("audio/soundfont", str, "", "SoundFont (.sf2) chosen by the user; empty: found automatically."),
]}


class Settings:
    """Typed access to the declared settings; unknown keys are a programming error."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._q = qsettings or QSettings()
        self.migrate()

    def get(self, key: str) -> Any:
        spec = SETTINGS[key]
        value = self._q.value(key, spec.default)
        if spec.type is list:
            if value is None or value == "":
                return []
            return [str(v) for v in (value if isinstance(value, list) else [value])]
        if spec.type is bool and isinstance(value, str):
            return value.lower() == "true"
        if not isinstance(value, spec.type):
            try:
                return spec.type(value)
            except (TypeError, ValueError):
                return spec.default
        return value

    def set(self, key: str, value: Any) -> None:
        spec = SETTINGS[key]
        if spec.type is not QByteArray and not isinstance(value, spec.type):
            raise TypeError(f"setting {key} takes {spec.type.__name__}, not {type(value).__name__}")
        self._q.setValue(key, value)

    def add_recent(self, path: str) -> list[str]:
        recent = [p for p in self.get("files/recent") if p != path]
        recent.insert(0, path)
        self.set("files/recent", recent[:MAX_RECENT])
        return recent[:MAX_RECENT]

    def migrate(self) -> None:
        stored = int(self._q.value("schema_version", 0) or 0)
        if stored < 1:
            pass  # version 1 is the first schema: nothing older to convert
        if stored != SCHEMA_VERSION:
            self._q.setValue("schema_version", SCHEMA_VERSION)

    def sync(self) -> None:
        self._q.sync()
