"""The studio's sound: one Synth when FluidSynth, a SoundFont and an audio device are
there, silence otherwise. Nothing here may stop the window opening.

The SoundFont takes a moment to load, so `start()` does it on a plain thread and
announces the outcome with `ready`; until then every call is a silent no-op.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from ..music.composition import Composition


class LiveSound(QObject):
    ready = Signal(str, str)  # SoundFont text, audio text (for the status line)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.synth = None
        self.soundfont_text = "SoundFont: not loaded"
        self.audio_text = "Audio: off"

    def start(self, soundfont: str | None = None) -> None:
        threading.Thread(target=self._load, args=(soundfont,), daemon=True,
                         name="synth-load").start()

    def _load(self, soundfont: str | None) -> None:
        try:
            from ..audio.synth import Synth
            synth = Synth(soundfont or None)
        except Exception as exc:  # missing library, SoundFont or module: stay silent
            self.soundfont_text = f"SoundFont: none ({str(exc).splitlines()[0][:80]})"
            self.ready.emit(self.soundfont_text, "Audio: silent")
            return
        driver = synth.start_audio()
        self.soundfont_text = f"SoundFont: {synth.soundfont.name}"
        if driver:
            self.synth = synth
            self.audio_text = f"Audio: {driver}"
        else:  # nothing would ever render it: its event queue would only fill up
            synth.close()
            self.audio_text = "Audio: no device (silent)"
        self.ready.emit(self.soundfont_text, self.audio_text)

    # every method is safe to call without a synth (a midi_input.thru.NoteSink)
    def note_on(self, channel: int, pitch: int, velocity: int = 100) -> None:
        if self.synth is not None:
            self.synth.note_on(channel, pitch, velocity)

    def note_off(self, channel: int, pitch: int) -> None:
        if self.synth is not None:
            self.synth.note_off(channel, pitch)

    def control_change(self, channel: int, control: int, value: int) -> None:
        if self.synth is not None:
            self.synth.control_change(channel, control, value)

    def pitch_bend(self, channel: int, value: int) -> None:
        if self.synth is not None:
            self.synth.pitch_bend(channel, value)

    def click(self, accent: bool) -> None:
        if self.synth is not None:
            self.synth.click(accent)

    def apply_tracks(self, comp: Composition) -> None:
        if self.synth is not None:
            self.synth.apply_tracks(comp)

    def all_notes_off(self) -> None:
        if self.synth is not None:
            self.synth.all_notes_off()

    def close(self) -> None:
        if self.synth is not None:
            self.synth.close()
            self.synth = None
