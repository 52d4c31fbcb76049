"""The player's ledger of notes it has started: the one place that knows what may
be sounding, so that stop, pause, seek and a loop's end leave nothing hanging."""

from __future__ import annotations

import math

from .events import NOTE_OFF, NOTE_ON, Event

PENDING = math.inf  # started, note-off not scheduled yet


class SoundingNotes:
    def __init__(self, sink) -> None:
        self._sink = sink
        self._keys: dict[tuple[int, int], float] = {}  # (channel, pitch) -> note-off time

    def __len__(self) -> int:
        return len(self._keys)

    def send(self, at: float, event: Event) -> None:
        """Schedule `event` at `at`; a note-off only for a note we started (a note
        begun before the play position has no note-on, so its off is skipped)."""
        key = (event.channel, event.pitch)
        if event.kind == NOTE_ON:
            self._sink.schedule(at, event)
            self._keys[key] = PENDING
        elif self._keys.get(key) == PENDING:
            self._sink.schedule(at, event)
            self._keys[key] = at

    def cut_at(self, at: float) -> None:
        """Note-offs at `at` for every note still waiting for one (a loop's end)."""
        for key, off in self._keys.items():
            if off == PENDING:
                self._sink.schedule(at, Event(0, NOTE_OFF, key[0], key[1], 0))
                self._keys[key] = at

    def silence(self) -> None:
        """Drop everything scheduled and release, now, every note that may sound:
        also those whose note-off was scheduled and has just been dropped."""
        self._sink.cancel()
        for channel, pitch in self._keys:
            self._sink.send_now(Event(0, NOTE_OFF, channel, pitch, 0))
        self._keys.clear()

    def forget(self, before: float) -> None:
        """Let go of notes whose note-off was due before `before` (long heard)."""
        for key in [k for k, off in self._keys.items() if off < before]:
            del self._keys[key]
