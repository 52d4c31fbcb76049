"""The one place that loads FluidSynth: pyfluidsynth, plus the few
C functions it does not wrap, declared here with ctypes.

Nothing is loaded at import time: `load()` imports pyfluidsynth on first use and
raises MissingResourceError, with the reason, when libfluidsynth is missing.
FluidSynth's own log goes to Python logging (never straight to stderr), and the
last errors are kept so a failed audio driver can be reported in one line.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import ctypes.util
import io
import logging
import os
import sys
import tempfile
import threading
from ctypes import CFUNCTYPE, POINTER, c_char_p, c_double, c_int, c_short, c_void_p

from ..errors import MissingResourceError

log = logging.getLogger("deepcomposer_desktop.audio.fluidsynth")
log.addHandler(logging.NullHandler())  # a library never prints unless the app asks

CHANNEL_TYPE_DRUM = 1
_LEVELS = {0: logging.CRITICAL, 1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG}
_LOG_FN = CFUNCTYPE(None, c_int, c_char_p, c_void_p)
_OPTION_FN = CFUNCTYPE(None, c_void_p, c_char_p, c_char_p)
_ALSA_ERROR_FN = CFUNCTYPE(None, c_char_p, c_int, c_char_p, c_int, c_char_p)

_lock = threading.Lock()
_module = None
_failure: str | None = None
_keep_alive: list = []  # ctypes callbacks must outlive every call from C
recent_errors: collections.deque[str] = collections.deque(maxlen=8)


def _on_log(level: int, message: bytes, _data) -> None:
    text = message.decode("utf-8", "replace") if message else ""
    if level <= 1:
        recent_errors.append(text)
    log.log(_LEVELS.get(level, logging.DEBUG), "%s", text)


def _declare(lib) -> None:
    """Prototypes for the functions pyfluidsynth leaves out (all in FluidSynth >= 2.0)."""
    protos = {
        "fluid_synth_write_float": (c_int, [c_void_p, c_int, c_void_p, c_int, c_int,
                                            c_void_p, c_int, c_int]),
        "fluid_sequencer_remove_events": (None, [c_void_p, c_short, c_short, c_int]),
        "fluid_synth_set_channel_type": (c_int, [c_void_p, c_int, c_int]),
        "fluid_settings_foreach_option": (None, [c_void_p, c_char_p, c_void_p, _OPTION_FN]),
        "fluid_set_log_function": (c_void_p, [c_int, _LOG_FN, c_void_p]),
        "fluid_version_str": (c_char_p, []),
        "fluid_settings_setint": (c_int, [c_void_p, c_char_p, c_int]),
        "fluid_settings_setstr": (c_int, [c_void_p, c_char_p, c_char_p]),
        "fluid_settings_setnum": (c_int, [c_void_p, c_char_p, c_double]),
        "fluid_settings_getint": (c_int, [c_void_p, c_char_p, POINTER(c_int)]),
    }
    for name, (restype, argtypes) in protos.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes


def _quiet_alsa() -> None:
    """libasound prints "cannot find card" lines itself when a machine has no sound
    card; the failure is reported through FluidSynth's log, so drop ALSA's copy."""
    name = ctypes.util.find_library("asound")
    if not name:
        return
    try:
        handler = _ALSA_ERROR_FN(lambda *args: None)
        ctypes.CDLL(name).snd_lib_error_set_handler(handler)
        _keep_alive.append(handler)
    except (OSError, AttributeError):
        pass


def load():
    """The pyfluidsynth module, ready to use; MissingResourceError when it can't be."""
    global _module, _failure
    with _lock:
        if _module is not None:
            return _module
        if _failure is not None:
            raise MissingResourceError(_failure)
        try:
            # pyfluidsynth prints where it found the library when $CI is set; that
            # line would corrupt `--json` output, so its stdout goes nowhere.
            with contextlib.redirect_stdout(io.StringIO()):
                import fluidsynth
            _declare(fluidsynth._fl)
        except (ImportError, OSError, AttributeError) as exc:
            _failure = ("FluidSynth is not available, so sound is off "
                        f"(install libfluidsynth3 / FluidSynth 2.x: {exc})")
            raise MissingResourceError(_failure) from None
        callback = _LOG_FN(_on_log)
        _keep_alive.append(callback)
        for level in _LEVELS:
            fluidsynth._fl.fluid_set_log_function(level, callback, None)
        _quiet_alsa()
        _module = fluidsynth
        return _module


def available() -> bool:
    try:
        load()
    except MissingResourceError:
        return False
    return True


def unavailable_reason() -> str | None:
    """Why FluidSynth could not be loaded, or None when it loads."""
    try:
        load()
    except MissingResourceError as exc:
        return str(exc)
    return None


@contextlib.contextmanager
def quiet_stderr():
    """While the block runs, what C code writes to stderr (file descriptor 2) goes to
    the log instead: libinstpatch, FluidSynth's SoundFont reader, prints GLib
    criticals itself on a damaged file, and the user must see one line, ours."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            for line in sink.read(1 << 16).decode("utf-8", "replace").splitlines():
                if line.strip():
                    log.warning("%s", line.strip())


def version() -> str:
    return load()._fl.fluid_version_str().decode()


def setting_options(settings_ptr, name: str) -> list[str]:
    """The values a string setting accepts, e.g. the audio drivers compiled in."""
    lib = load()._fl
    found: list[str] = []
    callback = _OPTION_FN(lambda _data, _name, option: found.append(option.decode()))
    lib.fluid_settings_foreach_option(settings_ptr, name.encode(), None, callback)
    return found


def set_setting(settings_ptr, name: str, value) -> bool:
    """Set a FluidSynth setting by its type; False when FluidSynth refused it."""
    lib = load()._fl
    key = name.encode()
    if isinstance(value, str):
        ok = lib.fluid_settings_setstr(settings_ptr, key, value.encode())
    elif isinstance(value, bool) or isinstance(value, int):
        ok = lib.fluid_settings_setint(settings_ptr, key, int(value))
    else:
        ok = lib.fluid_settings_setnum(settings_ptr, key, float(value))
    return ok == 0  # FLUID_OK


def write_float(synth_ptr, frames: int, buffer_address: int) -> None:
    """Render `frames` stereo frames as interleaved float32 at `buffer_address`."""
    load()._fl.fluid_synth_write_float(synth_ptr, frames, buffer_address, 0, 2,
                                       buffer_address, 1, 2)
