"""Recording into the selected track through midi_input's Recorder.

The Recorder runs on the player's sink clock (the InputHub stamps each message
with it), so a note played while the player says tick T is written at tick T,
count-in included. When recording stops, the
take becomes ONE undo step on the Document.

A keyboard unplugged mid-take ends the take on the device poller's thread; the
Recorder keeps it for the next stop(), and `on_unplugged(reason)` tells the window
(which must hop to its own thread) so it can stop the transport and say why.

Cycle recording (a loop region on) keeps every pass round the loop that holds notes
as a take: the last one goes into the track, and `choose_take` swaps in another
(one undo step each). Which take a track holds is read from its notes, so undo
and redo never leave the chooser out of step.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable

from ..midi_input.hub import InputHub
from ..midi_input.recorder import Recorder, RecordMode
from ..music.composition import Note, Track
from .commands import ReplaceNotes, plural
from .document import Document


def note_difference(old: list[Note], new: list[Note]) -> tuple[list[Note], list[Note]]:
    """(removed, added) turning `old` into `new`, duplicates counted."""
    a, b = Counter(old), Counter(new)
    return sorted((a - b).elements()), sorted((b - a).elements())


@dataclass(frozen=True)
class TakeSet:
    """The takes of one cycle recording into `track` (the Track object itself, so
    tracks added or removed before it do not lose it)."""
    track: Track
    takes: tuple[tuple[int, tuple[Note, ...]], ...]  # (pass number, notes)


class TakeRecorder:
    def __init__(self, doc: Document, hub: InputHub, clock: Callable[[], float],
                 mode: RecordMode = RecordMode.OVERDUB,
                 on_unplugged: Callable[[str], None] | None = None) -> None:
        self.doc, self.hub, self.clock, self.mode = doc, hub, clock, mode
        self.on_unplugged = on_unplugged
        self._recorder: Recorder | None = None
        self._track = -1
        self.take_sets: list[TakeSet] = []
        doc.reset.connect(self.take_sets.clear)  # another song: its takes are gone
        self.last_take = None  # the Take of the last recording, for the status line

    @property
    def active(self) -> bool:
        return self._recorder is not None

    @property
    def track(self) -> int:
        """The track being recorded (or last recorded) into."""
        return self._track

    def start(self, start_tick: int, music_start: float, count_in_bars: int,
              cycle: tuple[int, int] | None = None) -> None:
        """Record the current track from `start_tick`, which the player sounds at clock
        time `music_start` after `count_in_bars`; `cycle`: the loop it goes round."""
        self._track = self.doc.current_track
        self._recorder = Recorder(self.doc.comp, clock=self.clock, mode=self.mode,
                                  count_in_bars=count_in_bars, on_take_ended=self._ended)
        self._recorder.arm()
        self._recorder.start(start_tick, cycle=cycle, music_start=music_start)
        self.hub.recorder = self._recorder

    def _ended(self, take) -> None:
        if take.ended_by != "stop" and self.on_unplugged is not None:
            self.on_unplugged(take.ended_by)

    def notes_so_far(self) -> list[Note]:
        """The take as it stands, held notes up to now (painted live in the roll)."""
        return self._recorder.notes_so_far() if self._recorder is not None else []

    def stop(self) -> int:
        """End the take; push it as one undo command. Returns the number of notes."""
        recorder, self._recorder = self._recorder, None
        self.hub.recorder = None
        take = self.last_take = recorder.stop() if recorder is not None else None
        if take is None or not take.notes or not 0 <= self._track < len(self.doc.comp.tracks):
            return 0
        track = self.doc.track(self._track)
        old = list(track.notes)
        removed, added = note_difference(old, take.apply_to(old))
        text = f"Record {plural(len(take.notes), 'note')}"
        if len(take.takes) > 1:
            self.take_sets.append(TakeSet(track, tuple(take.takes)))
            text = f"Record take {take.takes[-1][0]} ({plural(len(take.notes), 'note')})"
        self.doc.undo_stack.push(ReplaceNotes(self.doc, self._track, removed, added, text))
        return len(take.notes)

    # --- cycle takes ----------------------------------------------------------------
    def takes_for(self, index: int) -> TakeSet | None:
        """The last cycle recording's takes of track `index`, if it has any."""
        if not 0 <= index < len(self.doc.comp.tracks):
            return None
        track = self.doc.track(index)
        return next((s for s in reversed(self.take_sets) if s.track is track), None)

    def chosen_take(self, index: int) -> int | None:
        """The pass number of the take track `index` holds now (None: none of them)."""
        takes = self.takes_for(index)
        if takes is None:
            return None
        have = Counter(self.doc.track(index).notes)
        for number, notes in reversed(takes.takes):
            if not Counter(notes) - have:
                return number
        return None

    def choose_take(self, index: int, number: int) -> bool:
        """Put take `number` into track `index` in place of the one it holds: one undo step."""
        takes = self.takes_for(index)
        wanted = dict(takes.takes).get(number) if takes else None
        if wanted is None:
            return False
        current = self.chosen_take(index)
        if current == number:
            return False
        old = list(self.doc.track(index).notes)
        new = Counter(old)
        if current is not None:
            new -= Counter(dict(takes.takes)[current])
        new.update(wanted)
        removed, added = note_difference(old, list(new.elements()))
        self.doc.undo_stack.push(ReplaceNotes(self.doc, index, removed, added, f"Choose take {number}"))
        return True
