"""Versions of a song: each Generate makes one instead of adding tracks to the song.

A version remembers how it was made (mode, model, seed, parameters, input track,
when, how long the run took, what changed) and what it adds: the accompaniment
tracks of a GAN run, or the changed copy of the input track (a *take*) of an
AR-CNN or Transformer run. The song itself is left alone until the user keeps a
version:

- `preview(song, n)` is the song as version n would make it, for listening and
  looking (a new Composition sharing the song's Track objects; the song is not
  changed, so nothing goes on the undo stack);
- `keep_plan(song, n)` says what keeping it changes, which the window turns into
  ONE undo step: a GAN version's tracks replace those an earlier kept version
  added (regenerating never stacks accompaniments), a take's notes replace the
  input track's notes.

Tracks a kept version put into the song are known by identity (`generated`), so
the generate panel's input defaults to the user's own melody, never to one of
them. Plain Python, no Qt: saved in project files and in the library.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import InvalidInputError
from ..music.composition import Composition, Note, Track, on_free_channels
from ..music.serialize import composition_from_dict, composition_to_dict

MODE_WORDS = {"gan": "GAN", "arcnn": "AR-CNN", "transformer": "Transformer"}
MAX_VERSIONS = 500  # a project file with more keeps the newest


@dataclass
class Version:
    number: int  # 1, 2, ... in the order they were made; never reused within a song
    mode: str  # "gan", "arcnn" or "transformer"
    model_id: str
    model_title: str
    genre: str
    seed: int | None
    params: dict[str, Any]  # every parameter as the run used it (the card's values filled in)
    input_track: int  # the track the model read, by its index at the time
    input_name: str
    created: float  # seconds since the epoch, when the result arrived
    seconds: float  # how long the run took
    summary: str  # what changed, in words ("+3 tracks, 412 notes")
    adds: str  # "tracks": new tracks beside the song's; "take": new notes for the input track
    tracks: list[Track] = field(default_factory=list)
    generation_id: int | None = None  # its row in the library, when recorded
    input_ref: Track | None = field(default=None, repr=False, compare=False)  # in memory only

    @property
    def name(self) -> str:
        return f"v{self.number}"

    def title(self, numbered: bool = True) -> str:
        """"v2 · GAN · monteverdi · seed 17" (without "v2 · " unless `numbered`)."""
        parts = [self.name] if numbered else []
        parts.append(MODE_WORDS.get(self.mode, self.mode))
        if self.genre:
            parts.append(self.genre.replace("-", " "))
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        return " · ".join(parts)

    def when(self) -> str:
        return time.strftime("%H:%M", time.localtime(self.created))

    def note_count(self) -> int:
        return sum(len(t.notes) for t in self.tracks)

    # --- JSON ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "mode": self.mode, "model_id": self.model_id,
                "model_title": self.model_title, "genre": self.genre, "seed": self.seed,
                "params": dict(self.params), "input_track": self.input_track,
                "input_name": self.input_name, "created": self.created,
                "seconds": self.seconds, "summary": self.summary, "adds": self.adds,
                "generation_id": self.generation_id,
                "tracks": composition_to_dict(Composition(tracks=self.tracks))["tracks"]}

    @classmethod
    def from_dict(cls, data: Any) -> "Version":
        if not isinstance(data, dict):
            raise InvalidInputError("damaged version (not an object)")
        try:
            adds = str(data.get("adds", "tracks"))
            if adds not in ("tracks", "take"):
                raise ValueError(f"adds {adds!r}")
            params = data.get("params", {})
            if not isinstance(params, dict):
                raise ValueError("params is not an object")
            seed = data.get("seed")
            gen = data.get("generation_id")
            return cls(
                number=int(data["number"]), mode=str(data["mode"]),
                model_id=str(data["model_id"]), model_title=str(data.get("model_title", "")),
                genre=str(data.get("genre", "")), seed=None if seed is None else int(seed),
                params=params, input_track=int(data.get("input_track", 0)),
                input_name=str(data.get("input_name", "")),
                created=float(data.get("created", 0.0)), seconds=float(data.get("seconds", 0.0)),
                summary=str(data.get("summary", "")), adds=adds,
                tracks=composition_from_dict({"tracks": data.get("tracks", [])}).tracks,
                generation_id=None if gen is None else int(gen))
        except InvalidInputError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"damaged version ({type(exc).__name__}: {exc})") from None


@dataclass
class Preview:
    """The song as a version makes it, for the player and the piano roll."""
    composition: Composition  # the song's tracks (hidden ones left out) plus `overlay`
    overlay: list[Track]  # the version's tracks, as they would enter the song
    hidden: set[int]  # indices of song tracks the version replaces


@dataclass
class KeepPlan:
    """What keeping a version changes in the song (one undo step)."""
    remove: list[int]  # song track indices to remove, highest first
    insert: list[Track]  # tracks to insert, at `at` (after the removals)
    at: int
    replace: tuple[int, list[Note], list[Note]] | None  # (track, notes removed, notes added)


def _find(song: Composition, track: Track) -> int:
    return next((i for i, t in enumerate(song.tracks) if t is track), -1)


def note_changes(before: list[Note], after: list[Note]) -> tuple[list[Note], list[Note]]:
    """(removed, added): the multiset difference between two note lists."""
    b, a = Counter(before), Counter(after)
    return sorted((b - a).elements()), sorted((a - b).elements())


class VersionHistory:
    def __init__(self) -> None:
        self.versions: list[Version] = []
        self.kept: dict[int, list[Track]] = {}  # version number -> the tracks Keep inserted
        self._next = 1
        self.problems = 0  # damaged versions left out when read from a file

    def __len__(self) -> int:
        return len(self.versions)

    def __iter__(self):
        return iter(self.versions)

    def get(self, number: int) -> Version:
        for v in self.versions:
            if v.number == number:
                return v
        raise KeyError(number)

    def add(self, version: Version) -> Version:
        """Append `version`, numbering it after the last one."""
        version.number = self._next
        self._next += 1
        self.versions.append(version)
        return version

    # --- the song's tracks ---------------------------------------------------------------
    def generated(self, song: Composition) -> list[int]:
        """Indices of the song's tracks that a kept version added (in the song now)."""
        ids = {id(t) for tracks in self.kept.values() for t in tracks}
        return [i for i, t in enumerate(song.tracks) if id(t) in ids]

    def kept_versions(self, song: Composition) -> set[int]:
        """Numbers of the versions whose kept tracks are in the song now."""
        present = {id(t) for t in song.tracks}
        return {n for n, tracks in self.kept.items() if tracks and all(id(t) in present for t in tracks)}

    def default_input(self, song: Composition) -> int:
        """The melody the user recorded or opened: the first track no version added,
        with notes if one has them; -1 for a song without tracks."""
        generated = set(self.generated(song))
        own = [i for i in range(len(song.tracks)) if i not in generated]
        with_notes = [i for i in own if song.tracks[i].notes]
        if with_notes:
            return with_notes[0]
        if own:
            return own[0]
        return 0 if song.tracks else -1

    def input_index(self, song: Composition, version: Version) -> int:
        """Where the version's input track is in the song now, or -1."""
        if version.input_ref is not None:
            i = _find(song, version.input_ref)
            if i >= 0:
                return i
        i = version.input_track
        if 0 <= i < len(song.tracks) and song.tracks[i].name == version.input_name:
            return i
        named = [j for j, t in enumerate(song.tracks) if t.name == version.input_name]
        if named:
            return named[0]
        return i if 0 <= i < len(song.tracks) else -1

    # --- showing and keeping -------------------------------------------------------------
    def preview(self, song: Composition, number: int) -> Preview:
        version = self.get(number)
        if version.adds == "take":
            i = self.input_index(song, version)
            if i < 0 or not version.tracks:
                return Preview(song, [], set())
            source = song.tracks[i]
            take = source.copy(notes=list(version.tracks[0].notes))
            take.mute = False
            tracks = list(song.tracks)
            tracks[i] = take
            return Preview(replace(song, tracks=tracks), [take], {i})
        hidden = set(self.generated(song))
        base = [t for i, t in enumerate(song.tracks) if i not in hidden]
        overlay = on_free_channels(version.tracks, base)
        return Preview(replace(song, tracks=base + overlay), overlay, hidden)

    def keep_plan(self, song: Composition, number: int) -> KeepPlan:
        version = self.get(number)
        if version.adds == "take":
            i = self.input_index(song, version)
            if i < 0 or not version.tracks:
                raise InvalidInputError(f"{version.name}'s input track {version.input_name!r} "
                                        "is no longer in the song")
            removed, added = note_changes(song.tracks[i].notes, version.tracks[0].notes)
            return KeepPlan([], [], i, (i, removed, added))
        remove = sorted(self.generated(song), reverse=True)
        base = [t for i, t in enumerate(song.tracks) if i not in remove]
        insert = on_free_channels(version.tracks, base)
        at = min(remove) if remove else len(song.tracks)
        return KeepPlan(remove, insert, at, None)

    def mark_kept(self, number: int, tracks: list[Track]) -> None:
        """Remember the tracks Keep inserted for version `number` (by identity)."""
        if tracks:
            self.kept[number] = list(tracks)

    # --- JSON (project files and the library) -------------------------------------------
    def to_dict(self, song: Composition) -> dict[str, Any]:
        index = {id(t): i for i, t in enumerate(song.tracks)}
        kept = {str(n): [index[id(t)] for t in tracks]
                for n, tracks in self.kept.items() if all(id(t) in index for t in tracks)}
        return {"items": [v.to_dict() for v in self.versions[-MAX_VERSIONS:]], "kept": kept,
                "next": self._next}

    @classmethod
    def from_dict(cls, data: Any, song: Composition) -> "VersionHistory":
        """The history saved with `song`. Damaged versions are left out (the song
        matters more than its drafts); `problems` says how many."""
        history = cls()
        if not isinstance(data, dict):
            return history
        items = data.get("items", [])
        for raw in items if isinstance(items, list) else []:
            try:
                version = Version.from_dict(raw)
            except InvalidInputError:
                history.problems += 1
                continue
            if 0 <= version.input_track < len(song.tracks) \
                    and song.tracks[version.input_track].name == version.input_name:
                version.input_ref = song.tracks[version.input_track]
            history.versions.append(version)
        history.versions.sort(key=lambda v: v.number)
        kept = data.get("kept", {})
        for key, indices in kept.items() if isinstance(kept, dict) else ():
            try:
                number = int(key)
                tracks = [song.tracks[int(i)] for i in indices]
            except (TypeError, ValueError, IndexError):
                history.problems += 1
                continue
            history.mark_kept(number, tracks)
        last = max((v.number for v in history.versions), default=0)
        try:
            history._next = max(last + 1, int(data.get("next", 1)))
        except (TypeError, ValueError):
            history._next = last + 1
        return history
