"""Sound: SoundFont discovery, the FluidSynth synth (live and offline), the pure-Python
player and offline WAV render. No Qt here (ui/ subclasses the Player).

Importing this package does not load libfluidsynth; the first Synth does, and
raises MissingResourceError (with the reason) when it or a SoundFont is missing,
so the app opens, edits and exports without sound.

    synth = Synth()                      # finds FluidR3_GM.sf2 & co (soundfonts.py)
    synth.start_audio()                  # "pulseaudio", "alsa", ... or None
    player = Player(SynthSink(synth), composition)
    player.play(); player.seek(tick); player.set_loop(a, b); player.stop()
    render(composition, "out.wav")       # deterministic, far faster than real time
"""

from .events import Event, build_events
from .player import Player, PlayerState, Sink
from .render import RenderResult, render, render_array
from .sequencer import SynthSink
from .soundfonts import find_soundfont, validate_soundfont
from .synth import (METRONOME_CHANNEL, Synth, available_drivers, fluidsynth_available,
                    fluidsynth_unavailable_reason)

__all__ = [
    "Event", "build_events", "Player", "PlayerState", "Sink", "RenderResult", "render",
    "render_array", "SynthSink", "find_soundfont", "validate_soundfont", "METRONOME_CHANNEL",
    "Synth", "available_drivers", "fluidsynth_available", "fluidsynth_unavailable_reason",
]
