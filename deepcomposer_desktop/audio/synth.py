"""One FluidSynth instance: the sound of the tracks, the metronome, live and offline.

Every public method takes one lock, so MIDI-thru callbacks (rtmidi's thread), the
player's thread and the GUI may call it at once. With no audio driver started
the synth still renders offline (`render_float`), which is how tests and WAV
export hear it on a machine without a sound card.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import numpy as np

from ..errors import MissingResourceError
from ..music.composition import DRUM_CHANNEL, Composition
from . import _fluid
from .events import CLICK_ACCENT, CLICK_BEAT, METRONOME_CHANNEL
from .soundfonts import find_soundfont, validate_soundfont

log = logging.getLogger(__name__)

MIDI_CHANNELS = 32            # 0-15 for tracks and MIDI thru; METRONOME_CHANNEL (16) is the click's
DEFAULT_GAIN = 0.4            # FluidSynth's 0.2 peaks near 5 % of full scale
NO_AUDIO_DEVICE = "no audio device"
# Tried in this order when no driver is named; "file" would write fluidsynth.wav
# into the working folder and JACK may start a server, so both only on request.
PREFERRED_DRIVERS = {
    "linux": ["pipewire", "pulseaudio", "alsa"],  # PulseAudio also reaches PipeWire
    "darwin": ["coreaudio", "portaudio"],
    "win32": ["wasapi", "dsound", "waveout"],
}  # (sdl2 only works once the app itself has initialised SDL)


def fluidsynth_available() -> bool:
    """True when libfluidsynth loads; `fluidsynth_unavailable_reason()` says why not."""
    return _fluid.available()


def fluidsynth_unavailable_reason() -> str | None:
    return _fluid.unavailable_reason()


def available_drivers() -> list[str]:
    """Audio drivers built into this FluidSynth that play to a device (no SoundFont needed)."""
    fl = _fluid.load()
    settings = fl.new_fluid_settings()
    try:
        return _playing_drivers(settings)
    finally:
        fl.delete_fluid_settings(settings)


def _playing_drivers(settings) -> list[str]:
    return [d for d in _fluid.setting_options(settings, "audio.driver") if d != "file"]


class Synth:
    """A General MIDI synthesiser. Raises MissingResourceError when FluidSynth or a
    usable SoundFont is missing; callers then carry on without sound."""

    def __init__(self, soundfont: str | Path | None = None, *, samplerate: int = 44100,
                 gain: float = DEFAULT_GAIN, reverb: bool = True, chorus: bool = True) -> None:
        fl = _fluid.load()
        path = find_soundfont() if soundfont is None else Path(soundfont)
        if path is None:
            raise MissingResourceError(
                "no General MIDI SoundFont found: install fluid-soundfont-gm, or name a .sf2 "
                "file with --soundfont or $DEEPCOMPOSER_SOUNDFONT")
        validate_soundfont(path)
        if not 8000 <= samplerate <= 96000:
            raise ValueError(f"sample rate {samplerate} Hz is outside FluidSynth's 8000-96000")
        self._lock = threading.RLock()
        self._fl = fl
        # One rendering thread keeps offline output bit-identical from run to run.
        self._fs = fl.Synth(gain=float(gain), samplerate=samplerate, channels=MIDI_CHANNELS,
                            **{"synth.cpu-cores": 1, "synth.reverb.active": int(reverb),
                               "synth.chorus.active": int(chorus)})
        self.samplerate = samplerate
        self.soundfont = path
        self.audio_driver: str | None = None
        self.audio_error: str | None = None
        self._driver_ptr = None
        self._sequencers: list = []
        with _fluid.quiet_stderr():  # libinstpatch's own lines about a damaged file
            self.sfid = self._fs.sfload(str(path), 1)  # 1: give every channel its GM preset
        if self.sfid < 0:
            self._fs.delete()
            raise MissingResourceError(f"FluidSynth could not load the SoundFont {path} "
                                       "(damaged or not a SoundFont 2 file)")
        fl._fl.fluid_synth_set_channel_type(self._fs.synth, METRONOME_CHANNEL, _fluid.CHANNEL_TYPE_DRUM)
        self._fs.program_select(METRONOME_CHANNEL, self.sfid, 128, 0)

    # --- MIDI -------------------------------------------------------------------
    def note_on(self, channel: int, pitch: int, velocity: int) -> None:
        with self._lock:
            self._fs.noteon(channel, pitch, velocity)

    def note_off(self, channel: int, pitch: int) -> None:
        with self._lock:
            self._fs.noteoff(channel, pitch)

    def control_change(self, channel: int, control: int, value: int) -> None:
        with self._lock:
            self._fs.cc(channel, control, value)

    def pitch_bend(self, channel: int, value: int) -> None:
        """`value` from -8192 (down) to 8191 (up); 0 is no bend."""
        with self._lock:
            self._fs.pitch_bend(channel, max(-8192, min(8191, int(value))))

    def program_change(self, channel: int, program: int) -> None:
        with self._lock:
            self._fs.program_change(channel, program)

    def all_notes_off(self) -> None:
        """Release every key on every channel (CC 123), letting notes ring out naturally."""
        with self._lock:
            for channel in range(MIDI_CHANNELS):
                self._fs.all_notes_off(channel)

    def all_sounds_off(self) -> None:
        """Silence at once, release tails included (CC 120)."""
        with self._lock:
            for channel in range(MIDI_CHANNELS):
                self._fs.all_sounds_off(channel)

    def click(self, accent: bool = False, velocity: int = 100) -> None:
        """One metronome click, now."""
        with self._lock:
            self._fs.noteon(METRONOME_CHANNEL, CLICK_ACCENT if accent else CLICK_BEAT, velocity)

    def apply_tracks(self, composition: Composition) -> None:
        """Program, volume and pan of each track on its channel; muted tracks (and
        those a solo leaves out) get volume 0, so even notes already scheduled go
        quiet. Silent tracks are set first: an audible one sharing their channel wins."""
        audible = {id(t) for t in composition.audible_tracks()}
        with self._lock:
            for track in sorted(composition.tracks, key=lambda t: id(t) in audible):
                channel = track.channel
                if track.is_drum or channel == DRUM_CHANNEL:
                    self._fs.program_select(channel, self.sfid, 128, track.program)
                else:
                    self._fs.program_select(channel, self.sfid, 0, track.program)
                self._fs.cc(channel, 7, track.volume if id(track) in audible else 0)
                self._fs.cc(channel, 10, track.pan)

    # --- output -----------------------------------------------------------------
    def render_float(self, frames: int, out: np.ndarray | None = None) -> np.ndarray:
        """Render `frames` stereo frames offline as float32 (frames, 2), into `out` if given.
        Only while no audio driver runs: the driver's thread is then the one rendering."""
        if self._driver_ptr:
            raise RuntimeError("the synth is playing through an audio driver; stop_audio() first")
        if out is None:
            out = np.empty((frames, 2), np.float32)
        if out.dtype != np.float32 or out.shape != (frames, 2) or not out.flags.c_contiguous:
            raise ValueError("out must be a C-contiguous float32 array of shape (frames, 2)")
        with self._lock:
            _fluid.write_float(self._fs.synth, frames, out.ctypes.data)
        return out

    def active_voices(self) -> int:
        with self._lock:
            return self._fs.get_active_voice_count()

    def available_drivers(self) -> list[str]:
        """Audio drivers compiled into this FluidSynth that play to a device."""
        return _playing_drivers(self._fs.settings)

    def program_of(self, channel: int) -> tuple[int, int]:
        """(bank, program) a channel plays; bank 128 is the drum kits."""
        with self._lock:
            _sfid, bank, program = self._fs.program_info(channel)
            return bank, program

    def start_audio(self, driver: str | None = None, *, period_size: int = 128,
                    periods: int = 4, settings: dict | None = None) -> str | None:
        """Start live output; the name of the driver that really started, or None.

        With `driver` only that one is tried, else the platform's best ones in turn.
        The buffer is periods x period_size frames (512, 11.6 ms at 44.1 kHz) for a
        short way from key to ear. `settings` are FluidSynth settings for the driver
        (e.g. {"audio.alsa.device": "hw:1"}). On failure `audio_error` says why, and
        the synth keeps working offline."""
        compiled = _fluid.setting_options(self._fs.settings, "audio.driver")
        order = [driver] if driver else [
            d for d in PREFERRED_DRIVERS.get(sys.platform, PREFERRED_DRIVERS["linux"]) if d in compiled]
        with self._lock:
            self._stop_audio()
            options = {"audio.period-size": period_size, "audio.periods": periods, **(settings or {})}
            for name, value in options.items():
                if not _fluid.set_setting(self._fs.settings, name, value):
                    raise ValueError(f"FluidSynth refused the setting {name}={value!r}")
            errors = []
            for name in order:
                if name not in compiled:
                    errors.append(f"{name}: not built into this FluidSynth")
                    continue
                _fluid.recent_errors.clear()
                _fluid.set_setting(self._fs.settings, "audio.driver", name)
                ptr = self._fl.new_fluid_audio_driver(self._fs.settings, self._fs.synth)
                if ptr:  # pyfluidsynth's start() would not tell us; the pointer does
                    self._driver_ptr, self.audio_driver, self.audio_error = ptr, name, None
                    log.info("audio output through %s", name)
                    return name
                errors.append(f"{name}: {'; '.join(_fluid.recent_errors) or 'failed'}")
            self.audio_error = f"{NO_AUDIO_DEVICE} ({' | '.join(errors) or 'no driver to try'})"
            log.info("%s", self.audio_error)
            return None

    def stop_audio(self) -> None:
        with self._lock:
            self._stop_audio()

    def _stop_audio(self) -> None:
        if self._driver_ptr:
            self._fl.delete_fluid_audio_driver(self._driver_ptr)
        self._driver_ptr, self.audio_driver = None, None

    # --- scheduling -------------------------------------------------------------
    def new_sequencer(self, sample_clock: bool):
        """A FluidSynth sequencer feeding this synth, owned (and closed) by it.

        With `sample_clock` its time advances with the samples rendered (the audio
        driver's or render_float's), so scheduled notes land on exact frames; else
        it follows the system clock. Returns (sequencer, destination id)."""
        with self._lock:
            seq = self._fl.Sequencer(time_scale=1000, use_system_timer=not sample_clock)
            dest = seq.register_fluidsynth(self._fs)
            self._sequencers.append(seq)
            return seq, dest

    def cancel_scheduled(self, seq, dest: int) -> None:
        """Drop every event `seq` still holds for this synth."""
        with self._lock:
            self._fl._fl.fluid_sequencer_remove_events(seq.sequencer, -1, dest, -1)

    def release_sequencer(self, seq) -> None:
        with self._lock:
            if seq in self._sequencers:
                self._sequencers.remove(seq)
                seq.delete()

    def close(self) -> None:
        """Stop audio, drop sequencers (before the synth they point at), free the synth."""
        with self._lock:
            if self._fs is None:
                return
            self._stop_audio()
            for seq in self._sequencers:
                seq.delete()
            self._sequencers.clear()
            self._fs.delete()
            self._fs = None

    def __enter__(self) -> "Synth":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
