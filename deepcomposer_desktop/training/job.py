"""The trainer process of the Train a Genre window (ui/training_window.py).

The window never imports torch: it starts this module in a process of its own and
reads one JSON object per line from its stdout (anything else the libraries print
goes to stderr, which the window keeps as the run's log):

    python -m deepcomposer_desktop.training.job preview SPEC_JSON
    python -m deepcomposer_desktop.training.job estimate SPEC_JSON
    python -m deepcomposer_desktop.training.job train RUN_DIR
    python -m deepcomposer_desktop.training.job export RUN_DIR --id ID [--epoch N] [--quick]

SPEC is the run's settings (`mode`, `dataset`: a preset or a folder, `filters`,
`limit_pieces`, `epochs`, `lr`, `update_ratio`, `batch_size`, `seed`,
`max_minutes`, `base_channels`, `model_id`, `genre`); a run folder keeps it in
spec.json. Events: `preview` (files, pieces, bars, voices, what was left out and
why), `estimate` (seconds a step, measured), `started`, `step` (the trainer's
log record: losses every step, the held-out metrics and `distance` at the end of
each GAN epoch), `epoch` (a saved GAN epoch: ONNX + JSON in RUN/epochs/),
`paused`, `stopped`, `finished`, `exported` and `error` (kind `invalid`,
`missing_extra` or `internal`; exit status 3, 4 or 1 as the CLI's).

Pause and stop: the window writes "pause" or "stop" to RUN/control; the trainer
reads it before each step, saves its checkpoint (trainer.Trainer.save) and exits;
`train` on the same folder resumes from that checkpoint, also after the app was
closed. RUN/status.json says where the run stands.

Every mode trains through trainer.Trainer, so AR-CNN and Transformer runs get the
same log, pause, resume and export; GAN runs also measure the musical metrics of
each epoch on the held-out (validation) pieces against the real accompaniment's,
and save the epoch's generator as ONNX (every SNAPSHOT_SECONDS of training at most,
thinned to MAX_SNAPSHOTS) so that the window can play a saved epoch and export it.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from ..errors import DeepComposerError, InvalidInputError
from ..fileio import atomic_write_text

EXTRA = ("torch", "music21", "onnx", "safetensors", "tqdm")
INSTALL = "pip install 'deepcomposer-desktop[train]'"
MAX_SNAPSHOTS = 40  # saved epochs kept (the latest KEEP_LATEST always, older ones thinned)
# An epoch's generator is saved (ONNX, for listening and export) when this many seconds of
# training have passed since the last one saved: short epochs of a small folder are not
# each worth a file (spec "snapshot_seconds" overrides).
SNAPSHOT_SECONDS = 10.0
KEEP_LATEST = 10
TIMED_STEPS = 3
# The window's listening decoding of an epoch's generator (before the export's search).
LISTEN_DECODING = {"voices_per_track": 1, "min_steps": 2, "change_penalty": 0.25,
                   "threshold": -0.5, "candidates": 1, "key_lock": True}
NEAR_REAL = ("in_scale_rate", "pitch_classes_per_bar", "qualified_note_rate", "polyphonic_rate",
             "note_length")

_out = sys.stdout  # the protocol channel (main() moves it off fd 1)


def say(event: str, **fields) -> None:
    _out.write(json.dumps({"event": event, **fields}, default=_plain) + "\n")
    _out.flush()


def _plain(value):
    """numpy numbers and paths in an event."""
    if hasattr(value, "item"):
        return value.item()
    return str(value)


# --- the dataset ---------------------------------------------------------------------------
def dataset_args(spec: dict) -> argparse.Namespace:
    """The spec's data as `deepcomposer train` arguments (datasets.load_dataset)."""
    f = spec.get("filters") or {}
    return argparse.Namespace(dataset=spec["dataset"], limit_pieces=spec.get("limit_pieces"),
                              time_signature=f.get("time_signature"), glob=f.get("glob"),
                              folder=f.get("folder"), min_bpm=f.get("min_bpm"),
                              max_bpm=f.get("max_bpm"), program=f.get("program"))


def folder_filter(spec: dict):
    from .datasets import FolderFilter
    args = dataset_args(spec)
    ts = None
    if args.time_signature:
        try:
            num, den = (int(x) for x in str(args.time_signature).split("/"))
            ts = (num, den)
        except ValueError:
            raise InvalidInputError(f"bad time signature {args.time_signature!r}") from None
    return FolderFilter(args.glob or None, args.folder or None, args.min_bpm, args.max_bpm, ts,
                        args.program)


def _why_not(filt, rel: Path, comp=None) -> tuple[str, str] | None:
    """(reason, in words) why a folder's file does not pass the filter tags (None: it
    passes): first by its path, then (with `comp`) by its contents."""
    if comp is None:
        if filt.glob and not fnmatch.fnmatch(rel.name.lower(), filt.glob.lower()):
            return "name pattern", f"name does not match {filt.glob}"
        if filt.folder and filt.folder not in rel.parent.parts:
            return "sub-folder", f"not in a sub-folder {filt.folder}"
        return None
    bpm = comp.bpm
    if filt.min_bpm is not None and bpm < filt.min_bpm:
        return "tempo", f"tempo {bpm:.0f} bpm, below {filt.min_bpm:g}"
    if filt.max_bpm is not None and bpm > filt.max_bpm:
        return "tempo", f"tempo {bpm:.0f} bpm, above {filt.max_bpm:g}"
    if filt.time_signature and tuple(comp.time_signature) != tuple(filt.time_signature):
        return "time signature", "time signature {}/{}, not {}/{}".format(
            *comp.time_signature, *filt.time_signature)
    if filt.program is not None and not filt.accepts(comp):
        from ..music.gm import program_name
        return "instrument", f"no track plays {program_name(filt.program)} (program {filt.program})"
    return None if filt.accepts(comp) else ("filters", "left out by the filters")


def _stats(data) -> dict:
    """Pieces, bars, voices and split of a dataset."""
    import numpy as np

    from .datasets import STEPS_PER_BEAT
    bars = 0.0
    for (num, den), steps in zip(data.piece_meters, data.piece_steps):
        per_bar = max(1, round(num * STEPS_PER_BEAT * 4 / max(den, 1)))
        bars += float(steps) / per_bar
    voices: dict[str, int] = {}
    for p in range(data.n_pieces):
        n = len(np.unique(data.notes[data.notes[:, 0] == p, 1]))
        voices[str(n)] = voices.get(str(n), 0) + 1
    return {"pieces": int(data.n_pieces), "bars": int(round(bars)),
            "voices": dict(sorted(voices.items())),
            "split": {s: int(len(data.split(s))) for s in ("train", "validation", "test")}}


def preview(spec: dict) -> dict:
    """What a dataset holds and, for a folder, every file left out with the reason:
    the same pieces load_dataset trains on (one pass over the files)."""
    from .datasets import MIN_PIECES, PRESETS, _assemble, load_preset
    if spec["dataset"] in PRESETS:
        data = load_preset(spec["dataset"], spec.get("limit_pieces"))
        preset = PRESETS[spec["dataset"]]
        return {"kind": "preset", "source": data.source, "files": int(data.n_pieces),
                **_stats(data), "left_out": [], "reasons": {},
                "note": f"corpus pieces with fewer than {preset.min_voices} voices are not in "
                        "the preset", "trainable": data.n_pieces >= MIN_PIECES}
    from ..music.midifile import read_midi
    root = Path(spec["dataset"])
    if not root.is_dir():
        raise InvalidInputError(f"folder not found: {root}")
    filt = folder_filter(spec)
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".mid", ".midi"))
    pieces, left_out = [], []
    for path in paths:
        rel = path.relative_to(root)
        why = _why_not(filt, rel)
        comp = None
        if why is None:
            try:
                comp = read_midi(path)
            except DeepComposerError as exc:
                why = "unreadable", f"unreadable: {str(exc).removeprefix(f'{path.name}: ')}"
        if why is None:
            why = _why_not(filt, rel, comp)
        if why is None:
            parts = [t for t in comp.tracks if not t.is_drum and t.notes]
            if not parts:
                why = "no notes", "no notes"
            elif len(parts) < 2:
                why = "one voice", "one voice only (a melody needs an accompaniment to learn from)"
        if why is not None:
            left_out.append({"file": str(rel), "reason": why[0], "why": why[1]})
            continue
        per_step = comp.ppq / 4
        pieces.append((str(rel), tuple(comp.time_signature),
                       [[(int(round(n.start / per_step)),
                          max(int(round(n.end / per_step)), int(round(n.start / per_step)) + 1),
                          n.pitch) for n in t.notes] for t in parts]))
    reasons: dict[str, int] = {}
    for item in left_out:
        reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
    result = {"kind": "folder", "source": str(root), "files": len(paths), "left_out": left_out,
              "reasons": reasons, "pieces": 0, "bars": 0, "voices": {},
              "split": {"train": 0, "validation": 0, "test": 0}, "trainable": False}
    if pieces:
        result.update(_stats(_assemble(root.name, "", "", pieces)))
        result["trainable"] = len(pieces) >= MIN_PIECES
    return result


# --- trainers --------------------------------------------------------------------------------
class Halt(Exception):
    """The window asked the trainer to pause or stop (RUN/control)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def read_control(run: Path) -> str | None:
    try:
        what = (run / "control").read_text().strip()
    except OSError:
        return None
    return what if what in ("pause", "stop") else None


class Live:
    """What every mode's trainer gets in the window: each log record is also an event
    on stdout, and RUN/control is read before each step."""

    def train_step(self, elapsed: float) -> dict:
        what = read_control(self.run)
        if what:
            raise Halt(what)
        return super().train_step(elapsed)

    def _emit(self, log, bar, shown, record) -> None:
        super()._emit(log, bar, shown, record)
        say("step", **record)


def gan_trainer_class():
    import numpy as np

    from .evaluation import absolute_gaps, note_lengths, relative_gaps, window_metrics
    from .gan_train import GanTrainer

    def mean_note_length(rolls) -> float | None:
        """Mean length in beats of the accompaniment's notes of (W, 4, steps, pitches) rolls."""
        lengths = [note_lengths(track) for w in rolls for track in w[1:]]
        lengths = np.concatenate(lengths) if lengths else np.zeros(0)
        return round(float(lengths.mean()) / 4, 4) if len(lengths) else None

    class WindowGanTrainer(Live, GanTrainer):
        """A GAN trainer that also measures the note length and the distance to the real
        data at each epoch, and saves the epoch's generator for listening and export."""
        announce = True  # say each saved epoch (not while estimating)
        snapshot_seconds = SNAPSHOT_SECONDS  # an epoch is saved this long after the last one
        _last_snapshot = float("-inf")

        def __init__(self, cfg, data, progress: bool = False) -> None:
            super().__init__(cfg, data, progress)
            train = data.split("train")
            rows = data.notes[(data.notes[:, 1] == 0) & np.isin(data.notes[:, 0], train)]
            self.melody_center = float(np.median(rows[:, 4])) if len(rows) else 67.0
            real = {}
            if len(self.val_windows):
                real = window_metrics(self.val_windows, self.val_keys, self.lowest)
                real["note_length"] = mean_note_length(self.val_windows)
            self.reference = {"validation_pieces": int(len(data.split("validation")[:20])),
                              "windows": int(len(self.val_windows)), "real": real}
            if self.rank == 0:
                self.run.mkdir(parents=True, exist_ok=True)
                atomic_write_text(self.run / "reference.json", json.dumps(self.reference))

        def evaluate(self) -> dict:
            if not len(self.val_windows):
                return {}
            fake = self.generate(self.val_windows[:, 0])
            rolls = np.concatenate([self.val_windows[:, :1], fake], axis=1)
            out = window_metrics(rolls, self.val_keys, self.lowest)
            out["note_length"] = mean_note_length(rolls)
            return out

        def validate(self) -> dict:
            fields = super().validate()
            if self.rank:
                return fields
            fields["distance"] = distance(fields.get("validation") or {}, self.reference["real"])
            if self.seconds - self._last_snapshot >= self.snapshot_seconds:
                self._last_snapshot = self.seconds
                self.snapshot(fields)
            return fields

        def snapshot(self, fields: dict) -> None:
            from .gan_net import export_onnx
            folder = self.run / "epochs"
            folder.mkdir(parents=True, exist_ok=True)
            stem = folder / f"epoch_{self.epoch:06d}"
            export_onnx(self.G, f"{stem}.onnx")
            n = self.cfg.net
            meta = {"epoch": self.epoch, "step": self.step, "seconds": round(self.seconds, 2),
                    "lowest": self.lowest, "pitches": n.pitches, "steps": n.steps,
                    "noise_shape": list(n.noise_shape), "melody_center": self.melody_center,
                    "decoding": LISTEN_DECODING, "validation": fields.get("validation"),
                    "distance": fields.get("distance")}
            atomic_write_text(f"{stem}.json", json.dumps(meta))
            thin(folder)
            if self.announce:
                say("epoch", **meta, onnx=f"{stem}.onnx")

    def distance(model: dict, real: dict) -> float | None:
        """Mean gap of the generated statistics to the real accompaniment's (relative;
        absolute where the real value is 0): 0 is the real music. A statistic the
        generated music has none of (no notes at all) counts as a gap of 1."""
        rel, ab = relative_gaps(model, real), absolute_gaps(model, real)
        gaps = []
        for k in NEAR_REAL:
            if real.get(k) is None:
                continue
            gap = rel[k] if rel.get(k) is not None else ab.get(k)
            gaps.append(1.0 if gap is None else gap)  # None: the generated music has none
        return round(float(np.mean(gaps)), 4) if gaps else None

    return WindowGanTrainer


def thin(folder: Path) -> None:
    """Keep at most MAX_SNAPSHOTS saved epochs: the first, the latest KEEP_LATEST, and
    every other one of the rest, again and again as the run grows."""
    def kept() -> list[Path]:
        return sorted(folder.glob("epoch_*.json"), key=lambda p: int(p.stem.split("_")[-1]))

    saved = kept()
    while len(saved) > MAX_SNAPSHOTS:
        for meta in saved[1:-KEEP_LATEST][::2]:
            meta.unlink(missing_ok=True)
            meta.with_suffix(".onnx").unlink(missing_ok=True)
        saved = kept()


def build_trainer(spec: dict, data, run_dir: str | Path, live: bool = True):
    """The mode's trainer for a spec (resuming from the run folder's checkpoint)."""
    mode = spec.get("mode", "gan")
    common = dict(dataset=spec["dataset"], run_dir=str(run_dir), epochs=int(spec["epochs"]),
                  max_minutes=spec.get("max_minutes"), lr=float(spec["lr"]),
                  batch_size=int(spec["batch_size"]), seed=int(spec["seed"]),
                  limit_pieces=spec.get("limit_pieces"))
    if mode == "gan":
        from .gan_net import GanConfig
        from .gan_train import GanTrainer, TrainConfig
        cfg = TrainConfig(**common, update_ratio=int(spec["update_ratio"]),
                          net=GanConfig(base=int(spec.get("base_channels", 16))))
        cls = gan_trainer_class() if live else GanTrainer
        trainer = cls(cfg, data, progress=False)
        if live:
            trainer.snapshot_seconds = float(spec.get("snapshot_seconds", SNAPSHOT_SECONDS))
        return trainer
    if mode == "arcnn":
        from .arcnn_train import ArcnnConfig, ArcnnTrainer
        cfg = ArcnnConfig(**common, base=int(spec.get("base_channels", 16)))
        cls = ArcnnTrainer
    elif mode == "transformer":
        from .transformer_net import TransformerConfig
        from .transformer_train import TransformerTrainConfig, TransformerTrainer
        width = int(spec.get("width", 256))
        net = TransformerConfig(d_model=width, n_layers=int(spec.get("layers", 4)),
                                n_heads=int(spec.get("heads", 4)), d_ff=4 * width,
                                max_len=int(spec.get("seq_len", 512)))
        cfg = TransformerTrainConfig(**common, seq_len=int(spec.get("seq_len", 512)), net=net)
        cls = TransformerTrainer
    else:
        raise InvalidInputError(f"unknown mode {mode!r}")
    if live:
        cls = type(f"Window{cls.__name__}", (Live, cls), {})
    return cls(cfg, data, progress=False)


def load_data(spec: dict):
    from .datasets import load_dataset
    return load_dataset(dataset_args(spec))


def read_spec(run: Path) -> dict:
    try:
        return json.loads((run / "spec.json").read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{run} is not a training run ({exc})") from None


def write_status(run: Path, status: str, **fields) -> None:
    atomic_write_text(run / "status.json", json.dumps(
        {"status": status, "pid": os.getpid(), "updated": time.time(), **fields}))


# --- commands ------------------------------------------------------------------------------
def estimate(spec: dict) -> dict:
    """Seconds a step and a validation on this machine, from a few timed steps of the
    spec's trainer in a throw-away folder, and the run's time from them."""
    started = time.monotonic()
    data = load_data(spec)
    with tempfile.TemporaryDirectory(prefix="deepcomposer-estimate-") as tmp:
        trainer = build_trainer(spec, data, tmp)
        trainer.announce = False
        setup = time.monotonic() - started
        trainer.train_step(0.0)  # warm-up: the first step allocates
        t0 = time.monotonic()
        for _ in range(TIMED_STEPS):
            trainer.train_step(time.monotonic() - t0)
        per_step = (time.monotonic() - t0) / TIMED_STEPS
        total = trainer.total_steps
        per_epoch = getattr(trainer, "steps_per_epoch", None)
        gan = spec.get("mode", "gan") == "gan"
        validations = spec["epochs"] if gan else \
            max(1, total // max(1, getattr(trainer.cfg, "eval_every", total)))
        trainer.step = per_epoch or 1
        trainer.validate()  # the first pays for one-time imports (the ONNX exporter)
        snapshots, per_snapshot = 0, 0.0
        if gan:  # the checks without, then one saved epoch alone
            trainer.snapshot_seconds = float("inf")
            t0 = time.monotonic()
            trainer.snapshot({})
            per_snapshot = time.monotonic() - t0
            every = float(spec.get("snapshot_seconds", SNAPSHOT_SECONDS))
            train_seconds = total * per_step
            if spec.get("max_minutes"):
                train_seconds = min(train_seconds, spec["max_minutes"] * 60)
            snapshots = min(validations, int(train_seconds / max(every, 1e-9)) + 1)
        t0 = time.monotonic()
        trainer.validate()
        per_validation = time.monotonic() - t0
    seconds = setup + total * per_step + validations * per_validation + snapshots * per_snapshot
    budget = spec.get("max_minutes")
    limited = bool(budget) and seconds > budget * 60 + setup
    return {"seconds_per_step": round(per_step, 4), "seconds_per_validation": round(per_validation, 3),
            "saved_epochs": snapshots, "seconds_per_saved_epoch": round(per_snapshot, 3),
            "setup_seconds": round(setup, 2), "total_steps": int(total),
            "steps_per_epoch": per_epoch, "validations": int(validations),
            "seconds": round(min(seconds, budget * 60 + setup) if limited else seconds, 1),
            "limited_by_budget": limited, "cpu_count": os.cpu_count()}


def train(run: Path) -> int:
    spec = read_spec(run)
    (run / "control").unlink(missing_ok=True)
    write_status(run, "starting")
    data = load_data(spec)
    trainer = build_trainer(spec, data, run)
    info = {"step": trainer.step, "total_steps": trainer.total_steps,
            "steps_per_epoch": getattr(trainer, "steps_per_epoch", None),
            "epoch": getattr(trainer, "epoch", None), "pieces": int(data.n_pieces),
            "reference": getattr(trainer, "reference", None)}
    say("started", **info)
    write_status(run, "running", step=trainer.step, total_steps=trainer.total_steps)
    try:
        summary = trainer.fit()
    except Halt as halt:
        trainer.save()  # the checkpoint a resume starts from
        (run / "control").unlink(missing_ok=True)
        status = "paused" if halt.what == "pause" else "stopped"
        write_status(run, status, step=trainer.step, total_steps=trainer.total_steps,
                     epoch=getattr(trainer, "epoch", None))
        say(status, step=trainer.step, epoch=getattr(trainer, "epoch", None))
        return 0
    write_status(run, "finished", step=trainer.step, total_steps=trainer.total_steps,
                 epoch=getattr(trainer, "epoch", None))
    say("finished", summary=summary)
    target = spec.get("export_on_finish")  # {"id": ..., "quick": ...}: export in this process
    if target:
        say("exporting", id=target["id"])
        card, path = export_trainer(trainer, spec, run, target["id"], None,
                                    bool(target.get("quick")))
        say("exported", id=target["id"], path=str(path), metrics=card["metrics"],
            training=card["training"])
    return 0


def export(run: Path, model_id: str, epoch: int | None, quick: bool,
           out_dir: str | None = None) -> tuple[dict, Path]:
    """ONNX and card of the run's latest weights (or of a saved GAN epoch) into the
    user's models folder, the card describing the user's data."""
    spec = read_spec(run)
    trainer = build_trainer(spec, load_data(spec), run, live=False)
    return export_trainer(trainer, spec, run, model_id, epoch, quick, out_dir)


def export_trainer(trainer, spec: dict, run: Path, model_id: str, epoch: int | None = None,
                   quick: bool = False, out_dir: str | None = None) -> tuple[dict, Path]:
    import importlib

    from ..library.paths import user_models_dir
    from .card import save_card, staged_onnx
    mode = spec.get("mode", "gan")
    out = Path(out_dir) if out_dir else user_models_dir()
    genre = spec.get("genre") or Path(spec["dataset"]).name
    kwargs = {}
    if mode == "gan":
        kwargs["quick"] = quick
        if epoch is not None:
            stem = run / "epochs" / f"epoch_{epoch:06d}"
            try:
                meta = json.loads(Path(f"{stem}.json").read_text())
            except (OSError, ValueError):
                raise InvalidInputError(f"epoch {epoch} of this run was not saved") from None
            trainer.step, trainer.epoch, trainer.seconds = meta["step"], meta["epoch"], meta["seconds"]
            kwargs["onnx_source"] = f"{stem}.onnx"
    elif epoch is not None:
        raise InvalidInputError(f"a {mode} run exports its best weights, not a chosen epoch")
    exporter = importlib.import_module(f".{mode}_export", __package__).export_model
    try:
        card = exporter(trainer, out, model_id, genre=genre, **kwargs)
    finally:
        staged_onnx(out, model_id).unlink(missing_ok=True)
    card = describe_data(card, spec, run, epoch)
    save_card(out / f"{model_id}.json", card, out / f"{model_id}.onnx")
    return card, out / f"{model_id}.onnx"


def describe_data(card: dict, spec: dict, run: Path, epoch: int | None) -> dict:
    """The card's record of the user's data: files, filters, what was left out, and
    where the run lives; the description says it in words."""
    try:
        seen = preview(spec)
    except DeepComposerError:
        seen = {}
    filters = {k: v for k, v in (spec.get("filters") or {}).items() if v not in (None, "")}
    data = {"files": seen.get("files"), "pieces_used": seen.get("pieces"),
            "bars": seen.get("bars"), "voices": seen.get("voices"), "filters": filters,
            "left_out": len(seen.get("left_out", [])), "left_out_reasons": seen.get("reasons", {})}
    training = dict(card["training"])
    training["data"] = data
    training["run"] = {"folder": str(run), "epoch_exported": epoch if epoch is not None else "latest"}
    training["command"] = ("Tools > Train a Genre in the studio window (training/job.py; "
                           f"the run folder {run.name})")
    card["training"] = training
    what = "a corpus preset" if seen.get("kind") == "preset" else "the user's own MIDI files"
    card["description"] += (f" Trained in the studio on {what}: {data['files']} files, "
                            f"{data['pieces_used']} pieces used"
                            + (f", filtered by {', '.join(filters)}" if filters else "") + ".")
    return card


def main(argv: list[str] | None = None) -> int:
    global _out
    # The protocol owns the real stdout; prints of any library go to stderr (the log).
    _out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    parser = argparse.ArgumentParser(prog="python -m deepcomposer_desktop.training.job")
    parser.add_argument("command", choices=("preview", "estimate", "train", "export"))
    parser.add_argument("target", help="a spec as JSON (preview, estimate) or a run folder")
    parser.add_argument("--id", help="the exported model's id")
    parser.add_argument("--epoch", type=int, help="export this saved epoch (GAN)")
    parser.add_argument("--quick", action="store_true", help="a short decoding search (GAN)")
    parser.add_argument("--out", help="the models folder (default: the user's)")
    args = parser.parse_args(argv)
    run = None if args.command in ("preview", "estimate") else Path(args.target)
    print(f"deepcomposer trainer {args.command} (pid {os.getpid()}): {args.target}",
          file=sys.stderr, flush=True)
    try:
        import warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        if args.command != "preview":
            _threads()
        if args.command == "preview":
            say("preview", **preview(json.loads(args.target)))
        elif args.command == "estimate":
            say("estimate", **estimate(json.loads(args.target)))
        elif args.command == "train":
            return train(run)
        else:
            if not args.id:
                raise InvalidInputError("export needs --id")
            card, path = export(run, args.id, args.epoch, args.quick, args.out)
            say("exported", id=args.id, path=str(path), metrics=card["metrics"],
                training=card["training"])
        return 0
    except ModuleNotFoundError as exc:
        if not (exc.name and exc.name.split(".")[0] in EXTRA):
            raise
        message = (f"training needs the 'train' extra ({exc.name} is not installed): {INSTALL}")
        _failed(run, "missing_extra", message)
        return 4
    except DeepComposerError as exc:
        _failed(run, "invalid", str(exc))
        return exc.exit_status
    except Exception as exc:  # noqa: BLE001 -- reported to the window, traceback in the log
        traceback.print_exc()
        _failed(run, "internal", f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
        return 1


def _threads() -> None:
    """All cores but one (the window's and the sound's): on a busy machine, PyTorch
    threads that wait for each other are far slower than fewer of them.
    $DEEPCOMPOSER_TRAIN_THREADS overrides."""
    import torch
    wanted = os.environ.get("DEEPCOMPOSER_TRAIN_THREADS")
    torch.set_num_threads(int(wanted) if wanted else max(1, (os.cpu_count() or 2) - 1))


def _failed(run: Path | None, kind: str, message: str) -> None:
    if run is not None and run.is_dir() and (run / "spec.json").exists():
        try:
            write_status(run, "failed", message=message)
        except OSError:
            pass
    say("error", kind=kind, message=message)


if __name__ == "__main__":
    raise SystemExit(main())
