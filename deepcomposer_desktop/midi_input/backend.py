"""Choosing the MIDI system: mido's rtmidi backend, loaded only when asked.

Order: a backend named by the caller or by $DEEPCOMPOSER_MIDI_BACKEND (a mido
backend string such as "mido.backends.rtmidi/UNIX_JACK"), else each API compiled
into python-rtmidi in its own order (ALSA before JACK on Linux), the first that
opens. A Linux machine without /dev/snd has no ALSA sequencer; a running JACK
server still gives real MIDI ports. The C libraries print their failures to
stderr themselves, so probes run with stderr silenced and the reason is kept.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

from ..errors import MissingResourceError

ENV_BACKEND = "DEEPCOMPOSER_MIDI_BACKEND"
RTMIDI = "mido.backends.rtmidi"
CLIENT_NAME = "DeepComposer"                 # our client on the MIDI system
VIRTUAL_OUTPUT_NAME = "DeepComposer Playback"  # the port a DAW listens to

_stderr_lock = threading.Lock()


class MidiUnavailableError(MissingResourceError):
    """No MIDI system could be opened (the app then plays from the screen only)."""


@contextlib.contextmanager
def quiet_stderr():
    """Silence file descriptor 2 for a moment (libasound and libjack write there
    directly). Process-wide, so only around short probes."""
    with _stderr_lock:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError):  # no real stderr (a frozen GUI app): nothing to hide
            yield
            return
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _probe(name: str):
    """A mido Backend that lists ports, or the reason it cannot."""
    import mido

    backend = mido.Backend(name, load=False)
    with quiet_stderr():
        backend.get_input_names()
        backend.get_output_names()
    return backend


def rtmidi_apis() -> list[str]:
    """APIs compiled into python-rtmidi, best first; empty when it cannot load."""
    try:
        import mido

        return list(mido.Backend(RTMIDI).module.get_api_names())
    except (ImportError, OSError):
        return []


def describe(backend) -> str:
    """"rtmidi/UNIX_JACK" for a mido Backend."""
    name = backend.name.removeprefix("mido.backends.")
    return f"{name}/{backend.api}" if backend.api else name


def open_backend(name: str | None = None):
    """The mido Backend to use; MidiUnavailableError saying why there is none."""
    name = name or os.environ.get(ENV_BACKEND)
    candidates = [name] if name else [f"{RTMIDI}/{api}" for api in rtmidi_apis()]
    if not candidates:
        raise MidiUnavailableError("MIDI is not available: python-rtmidi could not load "
                                   "(on Linux it needs libasound2)")
    reasons = []
    for candidate in candidates:
        try:
            return _probe(candidate)
        except Exception as exc:  # rtmidi raises its own SystemError/RuntimeError types
            why = str(exc).strip().rstrip('.') or type(exc).__name__
            reasons.append(f"{candidate.split('/')[-1]}: {why}")
    raise MidiUnavailableError("no MIDI system could be opened (" + "; ".join(reasons) + ")")


def is_own_port(name: str) -> bool:
    """Our own virtual ports, which the app must never open as inputs (a loop)."""
    return name.startswith(CLIENT_NAME + ":") or name == VIRTUAL_OUTPUT_NAME
