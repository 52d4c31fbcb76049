"""Training data: music21 corpus presets and a user's MIDI folder, as 4-track notes.

Each piece becomes four tracks (melody = the highest voice, then three
accompaniment voices, highest to lowest) of notes on a grid of 4 steps per beat.
A piece of two or three voices leaves inner tracks silent, so that the lowest
voice is always the bass track.
Parsing is slow (music21: about a minute for the chorales), so a dataset is
parsed once and cached as plain arrays in one .npz per preset (no pickle) under
`cache_folder()`: $DEEPCOMPOSER_CACHE, else platformdirs' user cache dir.

Splits are by piece (a hash of the piece's name), so no window of a test piece
is ever seen in training; `windows()` cuts pieces into fixed-size rolls.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InvalidInputError
from ..fileio import atomic_write_bytes
from ..music.keys import detect_key

STEPS_PER_BEAT = 4
N_TRACKS = 4
CACHE_VERSION = 1


@dataclass(frozen=True)
class Preset:
    """A corpus preset: which music21 composers, how many pieces at most."""

    composers: tuple[str, ...]
    source: str
    licence: str
    max_pieces: int = 400
    suffixes: tuple[str, ...] = (".mxl", ".krn", ".xml", ".musicxml")
    min_voices: int = N_TRACKS  # pieces with fewer sounding parts are left out
    folk: tuple[str, ...] = ()  # music21 ABC song books (essenFolksong/NAME.abc) to add
    melody_only: bool = False  # keep each piece's highest voice alone, as the melody track


_CORPUS_LICENCE = ("music21 corpus (BSD-3 toolkit; corpus files used with their encoders' "
                   "permission, see music21's corpus licence notes)")
PRESETS: dict[str, Preset] = {
    "bach-chorales": Preset(("bach",), "music21 corpus: J. S. Bach chorales (four voices)",
                            _CORPUS_LICENCE),
    "string-quartets": Preset(("haydn", "mozart", "beethoven"),
                              "music21 corpus: Haydn, Mozart and Beethoven string quartets",
                              _CORPUS_LICENCE),
    "palestrina": Preset(("palestrina",), "music21 corpus: Palestrina masses (Humdrum kern)",
                         _CORPUS_LICENCE, max_pieces=300),
    "monteverdi": Preset(("monteverdi",), "music21 corpus: Monteverdi madrigals (books 3-5)",
                         _CORPUS_LICENCE),
    # Mostly three voices (cantus, contratenor, tenor); two-voice pieces are left out.
    "trecento": Preset(("trecento",), "music21 corpus: Italian Trecento ballate and madrigals "
                       "(Landini and contemporaries, three and four voices)", _CORPUS_LICENCE,
                       min_voices=3),
    # Melody lines for a model that continues a tune: chorale sopranos and German folk and
    # children's songs; the user-melody benchmark's tunes are never among them.
    "melodies": Preset(("bach",), "music21 corpus: the soprano lines of J. S. Bach's chorales "
                       "and German folk and children's songs of the Essen Folksong Collection",
                       _CORPUS_LICENCE + "; Essen Folksong Collection: non-commercial use by "
                       "permission (music21 corpus/essenFolksong/license.txt)",
                       max_pieces=400, min_voices=1, melody_only=True,
                       folk=("kinder0", "altdeu10", "altdeu20", "boehme10", "erk10", "fink0")),
}
BENCHMARK = Path(__file__).resolve().parents[2] / "resources" / "benchmark" / "melodies.json"


def benchmark_ids() -> set[str]:
    """The ids ('essenFolksong/han2.abc#499') of the user-melody benchmark's tunes,
    which no model may train on."""
    import json
    try:
        return {m["id"] for m in json.loads(BENCHMARK.read_text())["melodies"]}
    except (OSError, ValueError, KeyError):
        return set()


@dataclass
class Dataset:
    """Pieces as notes. notes: (N, 5) int32 rows [piece, track, start, end, pitch] in steps."""

    name: str
    source: str
    licence: str
    piece_names: np.ndarray  # (P,) str
    piece_keys: np.ndarray  # (P, 2) int: tonic pitch class, 0 major / 1 minor
    piece_meters: np.ndarray  # (P, 2) int: time signature
    piece_steps: np.ndarray  # (P,) int: length in steps
    notes: np.ndarray
    skipped: tuple[tuple[str, str], ...] = ()  # (file, why) of a folder's unusable files

    @property
    def n_pieces(self) -> int:
        return len(self.piece_names)

    def split(self, part: str) -> np.ndarray:
        """Indices of the pieces in 'train' (80 %), 'validation' (10 %) or 'test' (10 %),
        chosen by a hash of each piece's name so the split never changes. With three
        pieces or more no split is empty: one the hash leaves empty takes the piece of
        the highest hash from the largest other split (training first), so a small
        folder still has a validation and a test piece (a preset's splits, never empty,
        are as the hash makes them)."""
        hashes = np.array([int(hashlib.sha1(str(n).encode()).hexdigest()[:8], 16)
                           for n in self.piece_names], dtype=np.int64).reshape(-1)
        buckets = hashes % 10
        groups = {"train": buckets < 8, "validation": buckets == 8, "test": buckets == 9}
        if self.n_pieces >= len(groups):
            for name in ("validation", "test", "train"):
                if not groups[name].any():
                    donor = max((g for g in groups.values() if g.sum() > 1),
                                key=lambda g: (int(g.sum()), g is groups["train"]))
                    candidates = np.nonzero(donor)[0]
                    pick = candidates[np.argmax(hashes[candidates])]
                    donor[pick], groups[name][pick] = False, True
        return np.nonzero(groups[part])[0]

    def piece_rolls(self, piece: int, lowest: int, n_pitches: int) -> np.ndarray:
        """(4, steps, n_pitches) bool roll; pitches outside the range fold in by octaves."""
        rows = self.notes[self.notes[:, 0] == piece]
        roll = np.zeros((N_TRACKS, int(self.piece_steps[piece]), n_pitches), dtype=bool)
        for _, track, start, end, pitch in rows:
            p = fold_pitch(int(pitch), lowest, n_pitches) - lowest
            roll[track, start:end, p] = True
        return roll

    def to_npz(self) -> bytes:
        buf = io.BytesIO()
        np.savez_compressed(buf, version=np.array(CACHE_VERSION), name=np.array(self.name),
                            source=np.array(self.source), licence=np.array(self.licence),
                            piece_names=self.piece_names.astype(str), piece_keys=self.piece_keys,
                            piece_meters=self.piece_meters, piece_steps=self.piece_steps,
                            notes=self.notes)
        return buf.getvalue()

    @classmethod
    def from_npz(cls, path: Path) -> "Dataset":
        with np.load(path, allow_pickle=False) as z:
            if int(z["version"]) != CACHE_VERSION:
                raise ValueError("old cache version")
            return cls(str(z["name"]), str(z["source"]), str(z["licence"]), z["piece_names"],
                       z["piece_keys"], z["piece_meters"], z["piece_steps"], z["notes"])


def fold_pitch(pitch: int, lowest: int, n_pitches: int) -> int:
    while pitch < lowest:
        pitch += 12
    while pitch >= lowest + n_pitches:
        pitch -= 12
    return pitch


def cache_folder() -> Path:
    env = os.environ.get("DEEPCOMPOSER_CACHE")
    if env:
        return Path(env)
    from ..library.paths import cache_dir
    return cache_dir() / "datasets"


def _assemble(name: str, source: str, licence: str, pieces: list[tuple],
              melody_only: bool = False) -> Dataset:
    """pieces: (piece name, (num, den), [[(start, end, pitch), ...] per part]) -> Dataset.
    melody_only: each piece's highest part alone, as the melody track."""
    names, keys, meters, steps, rows = [], [], [], [], []
    for piece_name, meter, parts in pieces:
        parts = [p for p in parts if p]
        if melody_only and parts:
            parts = [max(parts, key=lambda p: np.mean([n[2] for n in p]))]
        elif len(parts) < 2:
            continue
        # Highest voice is the melody; the accompaniment is the next two and the lowest,
        # which is always the bass track (fewer voices leave the inner tracks silent).
        parts.sort(key=lambda p: -np.mean([n[2] for n in p]))
        if len(parts) >= 4:
            chosen = list(enumerate(parts[:3] + [parts[-1]]))
        elif len(parts) == 1:
            chosen = [(0, parts[0])]
        else:
            chosen = list(zip({2: (0, 3), 3: (0, 1, 3)}[len(parts)], parts))
        i = len(names)
        pitches, durations = [], []
        for track, part in chosen:
            for start, end, pitch in part:
                rows.append((i, track, start, end, pitch))
                pitches.append(pitch)
                durations.append(end - start)
        key = detect_key(pitches, durations)
        names.append(piece_name)
        keys.append((key.tonic, 0 if key.mode == "major" else 1))
        meters.append(meter)
        steps.append(max(r[3] for r in rows if r[0] == i))
    if not names:
        raise InvalidInputError(f"dataset {name!r}: no piece with at least two voices")
    return Dataset(name, source, licence, np.array(names), np.array(keys, dtype=np.int32),
                   np.array(meters, dtype=np.int32), np.array(steps, dtype=np.int32),
                   np.array(rows, dtype=np.int32).reshape(-1, 5))


def _music21_parts(score) -> tuple[tuple[int, int], list[list[tuple[int, int, int]]]]:
    meter = (4, 4)
    ts = next(iter(score.recurse().getElementsByClass("TimeSignature")), None)
    if ts is not None:
        meter = (int(ts.numerator), int(ts.denominator))
    parts = []
    for part in score.parts:
        notes = []
        for el in part.stripTies().flatten().notes:
            ql = float(el.duration.quarterLength)
            if ql <= 0:  # grace notes
                continue
            start = int(round(float(el.offset) * STEPS_PER_BEAT))
            end = max(int(round((float(el.offset) + ql) * STEPS_PER_BEAT)), start + 1)
            notes.extend((start, end, int(p.midi)) for p in el.pitches)
        parts.append(notes)
    return meter, parts


def _parse_preset(name: str, preset: Preset, limit: int | None) -> Dataset:
    from music21 import corpus  # training extra only
    from tqdm import tqdm

    paths = sorted({str(p) for c in preset.composers for p in corpus.getComposer(c)
                    if str(p).endswith(preset.suffixes)})
    cap = min(preset.max_pieces, limit or preset.max_pieces)
    if len(paths) > cap:  # evenly spaced, deterministic
        paths = [paths[i] for i in np.linspace(0, len(paths) - 1, cap).astype(int)]
    pieces = []
    for path in tqdm(paths, desc=f"parsing {name}", unit="piece"):
        try:
            meter, parts = _music21_parts(corpus.parse(path))
        except Exception:  # a damaged corpus file is skipped, not fatal
            continue
        if sum(1 for p in parts if p) >= preset.min_voices:
            pieces.append((path.split("/corpus/")[-1], meter, parts))
    pieces += _folk_songs(preset.folk, limit)
    return _assemble(name, preset.source, preset.licence, pieces, preset.melody_only)


def _folk_songs(books: tuple[str, ...], limit: int | None) -> list[tuple]:
    """The one-voice songs of music21's Essen song books, the benchmark's left out."""
    from music21 import corpus
    from tqdm import tqdm

    held_out, pieces = benchmark_ids(), []
    for book in books:
        rel = f"essenFolksong/{book}.abc"
        try:
            opus = corpus.parse(rel)
        except Exception:  # a damaged corpus file is skipped, not fatal
            continue
        for score in tqdm(opus.scores, desc=f"parsing {rel}", unit="song"):
            song_id = f"{rel}#{score.metadata.number}"
            if song_id in held_out:
                continue
            try:
                meter, parts = _music21_parts(score)
            except Exception:
                continue
            if any(parts):
                pieces.append((song_id, meter, parts))
            if limit and len(pieces) >= limit:
                return pieces
    return pieces


def load_preset(name: str, limit: int | None = None) -> Dataset:
    """A corpus preset, from the cache when present. `limit` caps pieces (tests)."""
    if name not in PRESETS:
        raise InvalidInputError(f"unknown dataset {name!r}; presets: {', '.join(PRESETS)}")
    path = cache_folder() / f"{name}{'' if limit is None else f'-{limit}'}.npz"
    if path.exists():
        try:
            return Dataset.from_npz(path)
        except (ValueError, KeyError, OSError):
            pass  # stale or damaged: parse again
    data = _parse_preset(name, PRESETS[name], limit)
    atomic_write_bytes(path, data.to_npz())
    return data


@dataclass(frozen=True)
class FolderFilter:
    """The 'dataset filtering tags' for a user's MIDI folder; None means any."""

    glob: str | None = None  # file name pattern, e.g. "*bach*"
    folder: str | None = None  # a sub-folder name the file must lie under
    min_bpm: float | None = None
    max_bpm: float | None = None
    time_signature: tuple[int, int] | None = None
    program: int | None = None  # GM program some track must use

    def accepts_path(self, rel: Path) -> bool:
        if self.glob and not fnmatch.fnmatch(rel.name.lower(), self.glob.lower()):
            return False
        return not self.folder or self.folder in rel.parent.parts

    def accepts(self, comp) -> bool:
        bpm = comp.bpm
        if self.min_bpm is not None and bpm < self.min_bpm:
            return False
        if self.max_bpm is not None and bpm > self.max_bpm:
            return False
        if self.time_signature and tuple(comp.time_signature) != tuple(self.time_signature):
            return False
        return self.program is None or any(t.program == self.program and not t.is_drum
                                           for t in comp.tracks)


def skipped_text(skipped, most: int = 3) -> str:
    """'2 files skipped: a.mid (why); b.mid (why)' for a folder's unusable files."""
    shown = "; ".join(f"{name} ({why})" for name, why in skipped[:most])
    more = f"; and {len(skipped) - most} more" if len(skipped) > most else ""
    return f"{len(skipped)} file{'s' * (len(skipped) != 1)} skipped: {shown}{more}"


def load_folder(folder: str | os.PathLike, filt: FolderFilter = FolderFilter()) -> Dataset:
    """Every MIDI file under `folder` that passes `filt`. Unreadable or invalid files
    (and ones without notes) are skipped, and listed with the reason in the dataset's
    `skipped`."""
    from ..errors import DeepComposerError
    from ..music.midifile import read_midi

    root = Path(folder)
    if not root.is_dir():
        raise InvalidInputError(f"dataset folder not found: {root}")
    try:
        paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".mid", ".midi"))
    except OSError as exc:
        raise InvalidInputError(f"cannot read the dataset folder {root}: {exc.strerror or exc}") \
            from None
    pieces, skipped = [], []
    for path in paths:
        rel = path.relative_to(root)
        if not filt.accepts_path(rel):
            continue
        try:
            comp = read_midi(path)
        except DeepComposerError as exc:
            skipped.append((str(rel), str(exc).removeprefix(f"{path.name}: ")))
            continue
        if not filt.accepts(comp):
            continue
        if not any(t.notes for t in comp.tracks if not t.is_drum):
            skipped.append((str(rel), "no notes"))
            continue
        per_step = comp.ppq / STEPS_PER_BEAT
        parts = [[(int(round(n.start / per_step)),
                   max(int(round(n.end / per_step)), int(round(n.start / per_step)) + 1), n.pitch)
                  for n in t.notes] for t in comp.tracks if not t.is_drum]
        pieces.append((str(rel), tuple(comp.time_signature), parts))
    if not pieces:
        raise InvalidInputError(f"no usable MIDI file in {root} matches the filters"
                                + (f" ({skipped_text(skipped)})" if skipped else ""))
    data = _assemble(root.name, f"user folder {root}", "the user's own files", pieces)
    data.skipped = tuple(skipped)
    return data


MIN_PIECES = 3  # one each for training, validation and test


def check_trainable(data: Dataset) -> Dataset:
    """InvalidInputError when `data` has too few pieces to train and measure a model."""
    if data.n_pieces < MIN_PIECES:
        note = f"; {skipped_text(list(data.skipped))}" if data.skipped else ""
        raise InvalidInputError(
            f"dataset {data.name!r} has {data.n_pieces} usable piece"
            f"{'s' * (data.n_pieces != 1)}; training needs at least "
            f"{MIN_PIECES} (one each for training, validation and test){note}")
    return data


def load_dataset(args) -> Dataset:
    """The dataset a `deepcomposer train` command names: a preset (--limit-pieces), or
    a folder with the folder filters (--glob, --folder, --min-bpm, --max-bpm,
    --time-signature, --program). Too few pieces to train and measure a model is an
    InvalidInputError (check_trainable)."""
    if args.dataset in PRESETS:
        return check_trainable(load_preset(args.dataset, args.limit_pieces))
    ts = None
    if args.time_signature:
        try:
            num, den = (int(x) for x in args.time_signature.split("/"))
            ts = (num, den)
        except ValueError as exc:
            raise InvalidInputError(f"bad --time-signature {args.time_signature!r}") from exc
    return check_trainable(load_folder(args.dataset, FolderFilter(
        args.glob, args.folder, args.min_bpm, args.max_bpm, ts, args.program)))


def windows(data: Dataset, pieces: np.ndarray, lowest: int, n_pitches: int, steps: int = 32,
            hop: int = 16) -> np.ndarray:
    """(W, 4, steps, n_pitches) bool windows where the melody and accompaniment both play."""
    out = []
    for piece in pieces:
        roll = data.piece_rolls(int(piece), lowest, n_pitches)
        for s in range(0, max(roll.shape[1] - steps, 0) + 1, hop):
            w = roll[:, s:s + steps]
            if w.shape[1] < steps:
                w = np.pad(w, ((0, 0), (0, steps - w.shape[1]), (0, 0)))
            if w[0].any() and w[1:].any():
                out.append(w)
    return np.stack(out) if out else np.zeros((0, N_TRACKS, steps, n_pitches), bool)


def best_lowest(data: Dataset, n_pitches: int = 64, pieces: np.ndarray | None = None) -> int:
    """The lowest pitch of an n_pitches-wide range centred on the notes (1st to 99th
    percentile, duration-weighted), so transposition has room both ways."""
    rows = data.notes if pieces is None else data.notes[np.isin(data.notes[:, 0], pieces)]
    hist = np.bincount(rows[:, 4], weights=rows[:, 3] - rows[:, 2], minlength=128)[:128]
    cdf = np.cumsum(hist) / max(hist.sum(), 1)
    lo, hi = int(np.searchsorted(cdf, 0.01)), int(np.searchsorted(cdf, 0.99))
    return int(np.clip((lo + hi + 1) // 2 - n_pitches // 2, 0, 128 - n_pitches))
