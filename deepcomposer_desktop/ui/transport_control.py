"""The window's transport, sound and recording behaviour, as a mixin of MainWindow.

Kept apart from the widget building so each file stays readable; it uses the
window's doc, transport, player, sound, live input, recorder and status line.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer

PREVIEW_MS = 250  # how long a note sounds when clicked or drawn in the roll


class TransportControl:
    def _channel(self) -> int:
        i = self.doc.current_track
        return self.doc.track(i).channel if i >= 0 else 0

    def preview_note(self, pitch: int, velocity: int) -> None:
        if self.player.playing:
            return
        channel = self._channel()
        self.sound.note_on(channel, pitch, velocity)
        QTimer.singleShot(PREVIEW_MS, lambda: self.sound.note_off(channel, pitch))

    def toggle_play(self) -> None:
        if self.player.playing:
            self.player.stop()
        else:
            self.player.play(self.transport.position)

    def toggle_record(self) -> None:
        if self.transport.recording:
            self.player.stop()  # _player_state finishes the take
            return
        if self.doc.current_track < 0:
            self.add_track()
        bars = 1 if self.transport.count_in else 0
        self.player.stop()
        self.recorder.start(self.transport.position, self.player.sink.now() + self.player.start_delay, bars)
        self.transport.set_switch("recording", True)
        self.editor.roll.live_notes = self.recorder.notes_so_far
        self.player.play(self.transport.position, count_in_bars=bars)

    def _player_state(self, state: str) -> None:
        self.transport.set_switch("playing", state == "playing")
        if state != "playing" and self.transport.recording:
            self.editor.roll.live_notes = None
            count = self.recorder.stop()
            self.transport.set_switch("recording", False)
            self.statusBar().showMessage(f"Recorded {count} notes", 4000)

    def _loop_changed(self) -> None:
        tr = self.transport
        if tr.has_loop:
            self.player.set_loop(tr.loop_start, tr.loop_end)
        else:
            self.player.clear_loop()

    def _switches_changed(self) -> None:
        if self.player.metronome != self.transport.metronome:
            self.player.metronome = self.transport.metronome
        self.settings.set("transport/metronome", self.transport.metronome)
        self.settings.set("transport/count_in", self.transport.count_in)

    def _sound_ready(self, soundfont: str, audio: str) -> None:
        self.soundfont_label.setText(soundfont)
        self.audio_label.setText(audio)
        synth = self.sound.synth
        if synth is not None and synth.audio_driver is not None:
            from ..audio.sequencer import SynthSink
            self.player.stop()  # the sequencer's clock replaces the timer's: switch while stopped
            self.player.sink.use(SynthSink(synth))


    def _devices_changed(self, names: list) -> None:
        text = ", ".join(names) if names else "none"
        self.midi_label.setText(f"MIDI in: {text}")
        self.midi_label.setToolTip(self.live.device_error or "USB MIDI keyboards play the selected track")
