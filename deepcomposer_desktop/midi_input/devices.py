"""MIDI keyboards: list them, open one or all, and notice them come and go.

`DeviceManager.refresh()` compares the ports the MIDI system lists with the ones
open: a new keyboard is opened (if wanted), a vanished one is closed and reported
lost, so its held notes are released and a take it was part of ends cleanly.
`start()` runs refresh in a background thread every `poll_interval` seconds,
never on the GUI thread; polling works the same on ALSA, JACK, CoreMIDI and
Windows MM, where notification APIs differ. Each open port delivers its
messages from rtmidi's callback thread straight to `handle(msg, port_name)`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable

import mido

from .backend import describe, is_own_port, quiet_stderr

log = logging.getLogger(__name__)

Handler = Callable[[mido.Message, str], None]


@dataclass(frozen=True)
class PortList:
    backend: str
    inputs: list[str]
    outputs: list[str]


def list_ports(backend) -> PortList:
    """Every MIDI input and output the system offers now (our own ports included)."""
    with quiet_stderr():
        inputs, outputs = backend.get_input_names(), backend.get_output_names()
    return PortList(describe(backend), list(inputs), list(outputs))


class _Gate:
    """A port's callback that can be shut before the port is closed.

    python-rtmidi holds the GIL in close_port while ALSA joins, and JACK waits for,
    the thread that delivers messages; if that thread is just then waiting for the
    GIL to run a callback, the process hangs (seen here with JACK). So closing goes:
    shut the gate (callbacks return at once), wait for one still running, give the
    MIDI thread DRAIN seconds with the GIL free to pass anything in flight, close."""

    DRAIN = 0.03

    def __init__(self, handle: Handler, name: str) -> None:
        self.handle, self.name = handle, name
        self._open, self._busy = True, 0
        self._cond = threading.Condition()

    def __call__(self, msg: mido.Message) -> None:
        with self._cond:
            if not self._open:
                return
            self._busy += 1
        try:
            self.handle(msg, self.name)
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def shut(self, timeout: float = 1.0) -> None:
        with self._cond:
            self._open = False
            self._cond.wait_for(lambda: self._busy == 0, timeout)
        time.sleep(self.DRAIN)


class DeviceManager:
    """Keeps the wanted keyboards open while they are plugged in.

    `wanted` None opens every input (other than our own virtual ports); a set of
    names opens only those, whenever they are present. `on_lost(name)` and
    `on_change(open_names)` run on the thread that noticed (the poller's)."""

    def __init__(self, handle: Handler, *, backend, wanted: Iterable[str] | None = None,
                 on_lost: Callable[[str], None] | None = None,
                 on_change: Callable[[list[str]], None] | None = None,
                 poll_interval: float = 1.0) -> None:
        self.handle = handle
        self.backend = backend
        self.on_lost = on_lost
        self.on_change = on_change
        self.poll_interval = poll_interval
        self._wanted: set[str] | None = None if wanted is None else set(wanted)
        self._ports: dict[str, tuple[object, _Gate]] = {}  # name -> (port, its callback)
        self._lock = threading.RLock()
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    @property
    def open_names(self) -> list[str]:
        with self._lock:
            return sorted(self._ports)

    def port(self, name: str):
        """The open mido port of `name` (KeyError when it is not open)."""
        with self._lock:
            return self._ports[name][0]

    def select(self, names: Iterable[str] | None) -> tuple[list[str], list[str]]:
        """Open only `names` (None: all); ports no longer wanted are closed. Returns
        refresh()'s (opened, lost)."""
        with self._lock:
            self._wanted = None if names is None else set(names)
            return self.refresh()

    def _is_wanted(self, name: str) -> bool:
        return not is_own_port(name) and (self._wanted is None or name in self._wanted)

    def refresh(self) -> tuple[list[str], list[str]]:
        """One look at the MIDI system: open new wanted ports, drop vanished ones.
        Returns (names opened, names lost)."""
        try:
            # Silencing stderr is process-wide, so only once the system is known to be failing
            # (libjack then prints a line on every poll); a working system prints nothing.
            with quiet_stderr() if self.last_error else contextlib.nullcontext():
                present = set(self.backend.get_input_names())
            self.last_error = None
        except Exception as exc:  # the MIDI system itself went away (a JACK server stopped)
            self.last_error = str(exc) or type(exc).__name__
            present = set()
        with self._lock:
            gone = [n for n in self._ports if n not in present or not self._is_wanted(n)]
            for name in gone:
                self._close(name)
            opened = []
            for name in sorted(present):
                if name not in self._ports and self._is_wanted(name) and self._open(name):
                    opened.append(name)
            names = sorted(self._ports)
        for name in gone:
            log.info("MIDI input gone: %s", name)
            if self.on_lost is not None:
                self.on_lost(name)
        if (opened or gone) and self.on_change is not None:
            self.on_change(names)
        return opened, gone

    def _open(self, name: str) -> bool:
        gate = _Gate(self.handle, name)
        try:
            port = self.backend.open_input(name, callback=gate)
        except Exception as exc:  # busy or vanished between list and open: next poll retries
            log.warning("cannot open MIDI input %s: %s", name, exc)
            return False
        self._ports[name] = (port, gate)
        log.info("MIDI input open: %s", name)
        return True

    def _close(self, name: str) -> None:
        port, gate = self._ports.pop(name)
        gate.shut()
        try:
            port.close()
        except Exception as exc:  # a port whose device vanished may fail to close
            log.debug("closing MIDI input %s: %s", name, exc)

    # --- the poller --------------------------------------------------------------------
    def start(self) -> None:
        """Open what is there now and keep watching, all from a daemon thread (opening
        ports can take a while; the caller, maybe the GUI thread, returns at once)."""
        with self._lock:
            if self._thread is not None:
                return
            stop = self._stop = threading.Event()

            def run() -> None:
                self.refresh()
                while not stop.wait(self.poll_interval):
                    self.refresh()

            self._thread = threading.Thread(target=run, name="deepcomposer-midi-devices",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop watching and close every port (no note is reported lost)."""
        with self._lock:
            stop, thread = self._stop, self._thread
            self._stop = self._thread = None
        if stop is not None:
            stop.set()
            if thread is not threading.current_thread():
                thread.join(timeout=5.0)
        with self._lock:
            for name in list(self._ports):
                self._close(name)

    def __enter__(self) -> "DeviceManager":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
