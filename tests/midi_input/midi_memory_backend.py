"""An in-memory mido backend, loaded by name like rtmidi's: mido.Backend("midi_memory_backend").

As in mido's own tests (tests/test_ports.py), ports live in memory, so the code
under test runs exactly as with a real system: mido's Backend opens the port, the
port parses raw bytes into Messages and calls the callback the app gave it. A
"keyboard" is a virtual output (what hardware looks like to an app: a name in
get_input_names()); closing it unplugs it. Delivery is synchronous on the
sender's thread, so a test that sets its clock and sends knows the timestamp.
"""

from __future__ import annotations

import threading

from mido import ports

_lock = threading.RLock()
_sources: dict[str, list["Input"]] = {}   # a name listed as an input -> inputs connected to it
_sinks: set[str] = set()                  # names listed as outputs (virtual inputs)


def reset() -> None:
    with _lock:
        _sources.clear()
        _sinks.clear()


def get_devices(**_kwargs):
    with _lock:
        return ([{"name": n, "is_input": True, "is_output": False} for n in _sources]
                + [{"name": n, "is_input": False, "is_output": True} for n in sorted(_sinks)])


class Input(ports.BaseInput):
    def _open(self, callback=None, virtual=False, client_name=None, **_kwargs):
        self.callback = callback
        with _lock:
            if virtual or client_name:
                self.name = f"{client_name}:{self.name}" if client_name else self.name
                _sinks.add(self.name)
            elif self.name not in _sources:
                raise OSError(f"unknown port {self.name!r}")
            else:
                _sources[self.name].append(self)

    def _deliver(self, data: bytes) -> None:
        """What rtmidi's _callback_wrapper does: bytes -> Message -> callback or queue."""
        self._parser.feed(data)  # without a callback the message waits in the parser's queue
        if self.callback is not None:
            for msg in self._parser:
                self.callback(msg)

    def _close(self):
        with _lock:
            _sinks.discard(self.name)
            for inputs in _sources.values():
                if self in inputs:
                    inputs.remove(self)


class Output(ports.BaseOutput):
    def _open(self, virtual=False, client_name=None, **_kwargs):
        if not (virtual or client_name):
            raise OSError("the memory backend only has virtual outputs (keyboards)")
        self.name = f"{client_name}:{self.name}" if client_name else self.name
        with _lock:
            if self.name in _sources:
                raise OSError(f"port {self.name!r} exists")
            _sources[self.name] = []

    def _send(self, msg):
        with _lock:
            inputs = list(_sources.get(self.name, ()))
        for port in inputs:
            port._deliver(bytes(msg.bytes()))

    def _close(self):
        """Unplugging: the name vanishes from the list; inputs on it hear nothing more."""
        with _lock:
            _sources.pop(self.name, None)


class IOPort(ports.BaseIOPort):
    def __init__(self, *_args, **_kwargs):
        raise OSError("the memory backend has no I/O ports")
