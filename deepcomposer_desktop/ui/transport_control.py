"""The window's transport, sound and recording behaviour, as a mixin of MainWindow.

Kept apart from the widget building so each file stays readable; it uses the
window's doc, transport, player, sound, live input, recorder and status line.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer

from .commands import plural

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
        """Record into the selected track until stopped (R again, or Space), past the
        song's end if need be, as GarageBand does; with a loop region, round the loop,
        each pass a take. Pressed while playing, recording starts where the music is."""
        tr = self.transport
        if tr.recording:
            self.player.stop()  # _player_state finishes the take
            return
        if self.doc.current_track < 0:
            self.add_track()
        playing = self.player.playing
        start = self.player.position if playing else tr.position
        bars = 1 if tr.count_in and not playing else 0
        cycle = None
        if tr.has_loop:
            if not tr.loop_start <= start < tr.loop_end:
                start = tr.loop_start
            cycle = (tr.loop_start, tr.loop_end)
        self.player.stop()
        self.player.play(start, count_in_bars=bars, open_end=True)
        self.recorder.start(start, self.player.music_start, bars, cycle)
        tr.set_switch("recording", True)
        self.editor.roll.live_notes = self.recorder.notes_so_far
        self.autosave.follow_recording()  # the take is kept safe as it grows
        self.statusBar().showMessage("Recording round the loop: each pass is a take" if cycle else
                                     "Recording: R or Space stops")

    def _player_state(self, state: str) -> None:
        self.transport.set_switch("playing", state == "playing")
        if state != "playing" and self.transport.recording:
            self.editor.roll.live_notes = None
            count = self.recorder.stop()
            self.transport.set_switch("recording", False)
            why, self._take_ended_by = getattr(self, "_take_ended_by", None), None
            take = self.recorder.last_take
            takes = take.takes if take is not None else []
            text = f"Recorded {plural(count, 'note')}"
            if len(takes) > 1:
                text = (f"Recorded {plural(len(takes), 'take')}; take {takes[-1][0]} is in the "
                        "track (Track > Takes to choose another)")
            self.statusBar().showMessage(f"{text}; the take ended: {why}" if why else text,
                                         8000 if why else 4000)

    def _take_unplugged(self, reason: str) -> None:
        """A keyboard went away mid-take: the take already ended, keeping its notes;
        stop the transport so they land as one undo step and the user sees why."""
        if self.transport.recording:
            self._take_ended_by = reason
            self.player.stop()

    def close_midi_out(self) -> None:
        for out in self.player.sink.outputs:
            out.close()  # releases every note on the port first
            out.port.close()
        self.player.sink.outputs = []

    def set_midi_out(self, on: bool) -> None:
        """Send playback to the virtual MIDI port too (midi_input/virtual_out.py)."""
        sink = self.player.sink
        self.close_midi_out()
        if on:
            try:
                from ..midi_input.backend import open_backend
                from ..midi_input.virtual_out import MidiOutSink, open_virtual_output
                sink.outputs = [MidiOutSink(open_virtual_output(open_backend()))]
            except Exception as exc:  # no MIDI system here (or Windows MM: no virtual ports)
                self.midi_out_action.setChecked(False)
                why = str(exc).splitlines()[0] if str(exc) else repr(exc)
                self.show_error(f"No virtual MIDI output port: {why}")
                return
        self.settings.set("midi/playback_port", bool(on))
        self.statusBar().showMessage("Playback also goes to the MIDI port \"DeepComposer Playback\""
                                     if on else "Playback to the MIDI port is off", 4000)

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
