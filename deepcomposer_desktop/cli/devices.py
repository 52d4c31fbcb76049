"""`deepcomposer devices [--json]`: MIDI inputs and outputs, audio drivers, the SoundFont in use.

A report, not a check: what is missing is said (and the exit status stays 0), so
a user can see at once why a keyboard is silent or which SoundFont plays.
"""

from __future__ import annotations

import json

from ..errors import MissingResourceError


def register(sub) -> None:
    p = sub.add_parser("devices", help="list MIDI inputs/outputs, audio drivers and the SoundFont")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p.add_argument("--midi-backend", metavar="NAME",
                   help="a mido backend, e.g. mido.backends.rtmidi/UNIX_JACK "
                        "(default: $DEEPCOMPOSER_MIDI_BACKEND, else the first rtmidi API that opens)")
    p.add_argument("--soundfont", metavar="FILE", help="the SoundFont the app would be told to use")


def midi_report(backend_name: str | None = None) -> dict:
    from ..midi_input.backend import open_backend
    from ..midi_input.devices import list_ports

    try:
        ports = list_ports(open_backend(backend_name))
    except MissingResourceError as exc:
        return {"available": False, "backend": None, "error": str(exc), "inputs": [], "outputs": []}
    return {"available": True, "backend": ports.backend, "error": None,
            "inputs": ports.inputs, "outputs": ports.outputs}


def soundfont_problem(path) -> str | None:
    """What is wrong with the SoundFont at `path` (damaged, truncated...), or None."""
    from ..audio import soundfonts

    try:
        soundfonts.validate_soundfont(path)
    except MissingResourceError as exc:
        return str(exc)
    return None


def audio_report(soundfont: str | None = None) -> tuple[dict, str | None]:
    """FluidSynth and its drivers; the SoundFont path (None when there is none)."""
    from ..audio import soundfonts, synth

    path = soundfonts.find_soundfont(soundfont)
    usable = path if path is not None and soundfont_problem(path) is None else None
    return _drivers(synth, usable), None if path is None else str(path)


def _drivers(synth, path) -> dict:
    audio = {"fluidsynth": synth.fluidsynth_available(), "drivers": [], "error": None}
    if not audio["fluidsynth"]:
        audio["error"] = synth.fluidsynth_unavailable_reason()
        return audio
    if hasattr(synth, "available_drivers"):  # a module-level probe, when audio/ offers one
        audio["drivers"] = list(synth.available_drivers())
    elif path is not None:  # else ask a synth; it needs a sound SoundFont
        try:
            with synth.Synth(path, reverb=False, chorus=False) as s:
                audio["drivers"] = s.available_drivers()
        except MissingResourceError as exc:
            audio["error"] = str(exc)
    return audio


def run(args) -> int:
    midi = midi_report(args.midi_backend)
    audio, soundfont = audio_report(args.soundfont)
    problem = soundfont_problem(soundfont) if soundfont else None
    report = {"midi": midi, "audio": audio, "soundfont": soundfont,
              "soundfont_ok": soundfont is not None and problem is None,
              "soundfont_problem": problem}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    if midi["available"]:
        print(f"MIDI ({midi['backend']})")
        print("  inputs:  " + (", ".join(midi["inputs"]) or "none (plug in a keyboard)"))
        print("  outputs: " + (", ".join(midi["outputs"]) or "none"))
    else:
        print(f"MIDI: unavailable: {midi['error']}")
    if audio["fluidsynth"]:
        drivers = ", ".join(audio["drivers"]) or "unknown"
        print(f"Audio: FluidSynth, drivers: {drivers}" + (f" ({audio['error']})" if audio["error"] else ""))
    else:
        print(f"Audio: unavailable: {audio['error']}")
    if problem:
        print(f"SoundFont: {soundfont}: DAMAGED, sound is off ({problem})")
    else:
        print(f"SoundFont: {soundfont or 'none found (sound is off; install fluid-soundfont-gm)'}")
    return 0
