"""A fuzz campaign over every reader of the app: mutated MIDI files and projects,
in process and through the command line. Not part of `make test` or `make bench`
(it takes minutes); run it after a change to import, projects or the CLI:

    nice -n 10 .venv/bin/python -m benchmarks.fuzz_campaign            # the full campaign
    .venv/bin/python -m benchmarks.fuzz_campaign --midi 500 --projects 200 --cli 20  # a smoke run

In process, each mutated MIDI file goes through `deepcomposer info --json` (the CLI's
main, in this process) and, when it is accepted, through what the app does with a
song: export and import again, the project round trip, the events the player and
renderer send and their frames, the piano roll the models read, and every 10th (or
--generate-every) a real generation by one of the three modes. Each mutated project
goes through `info` and through the autosave scan (`recoverable`). Through the CLI,
mutated MIDI files and projects go to `info`, `generate` (three modes) and `render`
as a user would run them, in separate processes.

A failure is anything but exit 0 or 3 (4 only where a model or SoundFont is missing),
more than one line of stderr for an error, an exception in a consumer of an accepted
song, or a run over the time limit. The failing inputs are kept in --keep (default
benchmarks/fuzz_failures/) to replay. Prints the counts and writes them as JSON
(--json, default benchmarks/fuzz_results.json).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import mido

from deepcomposer_desktop.cli import main as cli_main
from deepcomposer_desktop.errors import InvalidInputError
from deepcomposer_desktop.library.autosave import recoverable
from deepcomposer_desktop.library.project import load_project, project_to_json
from deepcomposer_desktop.music import SAMPLES, Note, load_sample
from deepcomposer_desktop.music.midifile import midi_bytes, read_midi, read_midi_bytes
from deepcomposer_desktop.music.serialize import composition_from_dict, composition_to_dict

HERE = Path(__file__).parent
TIME_LIMIT = 120  # seconds for one mutant in process (a model's run included): a hang, not a slow run
CLI_TIME_LIMIT = 180


# --- seeds -----------------------------------------------------------------------------
def _smf(tracks: list[list], ppq: int = 96, fmt: int = 1) -> bytes:
    mid = mido.MidiFile(type=fmt, ticks_per_beat=ppq)
    for msgs in tracks:
        mid.tracks.append(mido.MidiTrack(msgs))
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def midi_seeds() -> list[bytes]:
    """Valid files of many shapes: the samples (type 1 with a conductor, chords as
    markers), type 0 with several channels and drums, small and large PPQ, compound
    and odd metres, tempo maps, running status, SysEx, pitch bends."""
    seeds = []
    for name in sorted(SAMPLES):
        comp = load_sample(name)
        seeds.append(midi_bytes(comp))
    twinkle = load_sample("twinkle")
    twinkle.add_track("Drums", is_drum=True, notes=[Note(i * 480, 36, 60) for i in range(16)])
    twinkle.add_track("Bass", 32, notes=[n.moved(pitch=n.pitch - 24) for n in twinkle.tracks[0].notes])
    seeds.append(midi_bytes(twinkle))
    M, Meta = mido.Message, mido.MetaMessage
    notes = []
    for i, p in enumerate([60, 62, 64, 65, 67, 69, 71, 72]):
        notes += [M("note_on", note=p, velocity=90, time=0 if i == 0 else 48, channel=i % 3),
                  M("note_off", note=p, velocity=0, time=48, channel=i % 3)]
    conductor = [Meta("set_tempo", tempo=500000), Meta("time_signature", numerator=6, denominator=8),
                 Meta("key_signature", key="Eb"), Meta("set_tempo", tempo=400000, time=384),
                 Meta("marker", text="Cm7", time=0), Meta("set_tempo", tempo=900000, time=192)]
    seeds.append(_smf([conductor + notes], ppq=96, fmt=0))
    for ppq in (1, 24, 960, 32767):
        seeds.append(_smf([[Meta("time_signature", numerator=3, denominator=4),
                            M("program_change", program=40), *notes]], ppq=ppq))
    seeds.append(_smf([[Meta("time_signature", numerator=7, denominator=8),
                        M("sysex", data=[1, 2, 3]), M("pitchwheel", pitch=2000),
                        M("control_change", control=7, value=90), *notes,
                        M("note_on", note=70, velocity=64, time=10)]]))  # never ended
    # Running status, written by hand: 90 3C 40 / 3C 00 / 3E 40 / 3E 00.
    body = bytes([0, 0x90, 60, 64, 96, 60, 0, 0, 62, 64, 96, 62, 0]) + b"\x00\xff\x2f\x00"
    seeds.append(b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", len(body)) + body)
    return seeds


def project_seeds() -> list[str]:
    out = []
    for name in ("twinkle", "greensleeves", "amazing-grace"):
        comp = load_sample(name)
        comp.add_track("Drums", is_drum=True, notes=[Note(0, 36, 10)])
        comp.tracks[0].color, comp.tracks[0].pan = "#ff8800", 20
        out.append(project_to_json(comp, {"source": "x.mid", "saved_at": 5.0}))
    return out


# --- mutators ----------------------------------------------------------------------------
INTERESTING = [0x00, 0x01, 0x02, 0x0F, 0x10, 0x3F, 0x40, 0x7F, 0x80, 0x81, 0xC0, 0xF0, 0xF7, 0xFE, 0xFF]
META_PATTERNS = [b"\xff\x51\x03", b"\xff\x58\x04", b"\xff\x59\x02", b"\xff\x03", b"\xff\x06"]


def mutate_midi(seed: bytes, rng: random.Random, seeds: list[bytes]) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.choice((1, 1, 1, 1, 1, 2, 2, 3, 8))):
        if not data:
            data = bytearray(rng.choice(seeds))
        op = rng.randrange(13)
        i = rng.randrange(len(data))
        if op == 0:
            data[i] = rng.randrange(256)
        elif op == 1:
            data[i] ^= 1 << rng.randrange(8)
        elif op == 2:
            data[i] = rng.choice(INTERESTING)
        elif op == 3:
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 4:
            del data[i:i + rng.randint(1, 16)]
        elif op == 5 and len(data) > 14:
            del data[rng.randint(14, len(data)):]
        elif op == 6:
            j, n = rng.randrange(len(data)), rng.randint(1, 64)
            data[j:j] = data[i:i + n]
        elif op == 7:
            other = rng.choice(seeds)
            data = data[:i] + bytearray(other[rng.randrange(len(other)):])
        elif op == 8:  # a meta event's data: tempo 0 or huge, a denominator exponent up to 255
            spots = [k for pat in META_PATTERNS for k in _find_all(data, pat)]
            if spots:
                k = rng.choice(spots) + 3
                for m in range(k, min(k + 4, len(data))):
                    data[m] = rng.choice(INTERESTING + [rng.randrange(256)])
        elif op == 9:  # a long delta time (4-byte variable-length number)
            data[i:i] = bytes([0x80 | rng.randrange(128), 0xFF, 0xFF, rng.randrange(128)])
        elif op == 10 and len(data) >= 14:  # header: format, track count, division
            k = rng.choice((8, 10, 12))
            data[k:k + 2] = struct.pack(">H", rng.choice((0, 1, 2, 3, 0x7FFF, 0x8000, 0xFFFF,
                                                          rng.randrange(65536))))
        elif op == 11:  # a chunk length
            spots = _find_all(data, b"MTrk")
            if spots:
                k = rng.choice(spots) + 4
                data[k:k + 4] = struct.pack(">I", rng.choice((0, 1, 0xFFFFFFFF, rng.randrange(1 << 20))))
        elif op == 12:  # a note far away or a very long one: a big delta before an event
            spots = _find_all(data, b"\x80") + _find_all(data, b"\x90")
            if spots:
                k = rng.choice(spots)
                data[k - 1:k] = bytes([0x81 | rng.randrange(127), 0x80 | rng.randrange(128),
                                       rng.randrange(128)])
    if rng.random() < 0.5:  # half the time the chunk lengths fit again: the events are mutated
        data = _repair(data)
    return bytes(data)


def _repair(data: bytearray) -> bytearray:
    """Each MTrk chunk's length set to reach the next MTrk (or the end), and the header's
    track count to the chunks there are, so that a mutation inside a track is read as
    events rather than refused as a truncated file."""
    spots = _find_all(data, b"MTrk")
    for k, start in enumerate(spots):
        end = spots[k + 1] if k + 1 < len(spots) else len(data)
        data[start + 4:start + 8] = struct.pack(">I", max(0, end - start - 8))
    if len(data) >= 14 and data[:4] == b"MThd" and spots:
        data[10:12] = struct.pack(">H", len(spots))
    return data


def _find_all(data: bytearray, pattern: bytes) -> list[int]:
    out, k = [], data.find(pattern)
    while k >= 0 and len(out) < 64:
        out.append(k)
        k = data.find(pattern, k + 1)
    return out


HUGE_TEXT = ["1e400", "-1e400", "NaN", "Infinity", "9" * 400, "-1", "0", "2147483648",
             "18446744073709551616", '"x"', "[]", "{}", "null", "true", "1.5", "[" * 5000 + "]" * 5000]


def mutate_project(seed: str, rng: random.Random) -> str:
    if rng.random() < 0.25:  # bytes
        data = bytearray(seed.encode())
        for _ in range(rng.randint(1, 4)):
            if not data:
                break
            i = rng.randrange(len(data))
            choice = rng.randrange(3)
            if choice == 0:
                data[i] = rng.randrange(32, 127)
            elif choice == 1:
                del data[i:i + rng.randint(1, 20)]
            else:
                del data[i:]
        return data.decode("utf-8", "replace")
    data = json.loads(seed)
    for _ in range(rng.choice((1, 1, 2, 3))):
        data = _mutate_node(data, rng, 0)
    text = json.dumps(data)
    if rng.random() < 0.3:  # replace a number with a text only JSON can hold (1e400, NaN...)
        spots = [k for k in range(len(text)) if text[k].isdigit() and not text[k - 1].isdigit()]
        if spots:
            k = rng.choice(spots)
            end = k
            while end < len(text) and (text[end].isdigit() or text[end] in ".-e"):
                end += 1
            text = text[:k] + rng.choice(HUGE_TEXT) + text[end:]
    return text


def _mutate_node(node, rng: random.Random, depth: int):
    pool = [-1, 0, 1, 127, 128, 2**31, 2**63, -(2**63), 1e308, 0.5, True, None, "x", "#zzzzzz",
            [], {}, [0, 0], [1, 2, 3, 4], [[0, 60, 480, 100]] * 3, "C major", "H minor", "Cmaj7"]
    if isinstance(node, dict) and node and (depth == 0 or rng.random() < 0.8):
        key = rng.choice(list(node))
        if depth == 0 and "composition" in node and rng.random() < 0.85:
            key = "composition"  # the envelope's own fields are refused at once
        if rng.random() < 0.1:
            del node[key]
        else:
            node[key] = _mutate_node(node[key], rng, depth + 1)
        return node
    if isinstance(node, list) and node and rng.random() < 0.8:
        i = rng.randrange(len(node))
        r = rng.random()
        if r < 0.1:
            node.pop(i)
        elif r < 0.2:
            node.extend(node[i:i + 1] * rng.randint(1, 50))
        else:
            node[i] = _mutate_node(node[i], rng, depth + 1)
        return node
    return rng.choice(pool)


# --- in process --------------------------------------------------------------------------
class _Timeout(BaseException):  # not an Exception: the CLI's catch-all must not take it
    pass


@contextlib.contextmanager
def _time_limit(seconds: int):
    def on_alarm(*_):
        raise _Timeout()
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _cli(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = cli_main(args)
        except SystemExit as exc:
            rc = int(exc.code or 0)
    return rc, err.getvalue()


def _check_cli(rc: int, err: str, allowed=(0, 3)) -> str | None:
    if rc not in allowed:
        first = err.strip().splitlines()[0] if err.strip() else ""
        kind = first.split("internal error: ")[1].split(":")[0] if "internal error" in first else first[:60]
        return f"exit {rc}: {kind}"
    if rc and len(err.strip().splitlines()) != 1:
        return f"exit {rc} with {len(err.strip().splitlines())} lines of stderr"
    return None


class Generators:
    """The three modes on the shipped models, run in process on some accepted songs."""

    def __init__(self) -> None:
        from deepcomposer_desktop.generation.registry import default_registry
        self.registry = default_registry()

    def run(self, comp, i: int) -> None:
        from deepcomposer_desktop.generation.modes import Request, generate
        mode = ("gan", "arcnn", "transformer")[i % 3]
        track = next((k for k, t in enumerate(comp.tracks) if t.notes), None)
        if track is None:
            return
        values = {"arcnn": {"iterations": 10}, "transformer": {"extend_seconds": 2.0}}.get(mode, {})
        req = Request(self.registry.default_id(mode), track, i, values)
        try:
            generate(self.registry, mode, comp, req)
        except InvalidInputError:
            pass  # a song the mode cannot take (too long for the GAN...) is said, not a crash


def consume(comp, path: Path, generators: Generators | None, i: int) -> None:
    """What the app does with an accepted song; any exception is a failure."""
    from deepcomposer_desktop.audio.events import build_events
    from deepcomposer_desktop.audio.render import _frames
    from deepcomposer_desktop.music.pianoroll import RollGrid, notes_to_roll
    again = read_midi_bytes(midi_bytes(comp))  # export, import again (overlapping notes of one
    before = sum(len(t.notes) for t in comp.tracks)  # pitch are merged on export, no more)
    after = sum(len(t.notes) for t in again.tracks)
    assert (0 < after <= before) if before else after == 0, "export and import lost the song"
    composition_from_dict(json.loads(json.dumps(composition_to_dict(comp))))
    events = build_events(comp, metronome=True)
    frames = _frames(comp, [e.tick for e in events] + [comp.end], 44100)
    assert all(f >= 0 for f in frames)
    for track in comp.tracks[:4]:
        notes_to_roll(track.notes, RollGrid(comp.ppq, 4, 36, 64))
    comp.summary()
    if generators is not None:
        generators.run(comp, i)


def _reason(err: str) -> str:
    """A refusal's kind: its message without the file name, numbers and quoted parts."""
    text = err.strip().splitlines()[0].removeprefix("deepcomposer: error: ") if err.strip() else ""
    text = re.sub(r"^[^ ]*mutant\.\w+: ", "", text)
    text = re.sub(r"\(.*", "(...)", text)
    return re.sub(r"[\d,.]+", "N", text)[:70]


def in_process_midi(n: int, rng: random.Random, keep: Path, every: int) -> dict:
    seeds = midi_seeds()
    generators = Generators() if every else None
    stats: Counter = Counter()
    reasons: Counter = Counter()
    failures: Counter = Counter()
    slowest = 0.0
    work = Path(tempfile.mkdtemp(prefix="fuzz-midi-"))
    start = time.monotonic()
    try:
        for i in range(n):
            data = mutate_midi(rng.choice(seeds), rng, seeds)
            path = work / "mutant.mid"
            path.write_bytes(data)
            problem = None
            began = time.monotonic()
            try:
                with _time_limit(TIME_LIMIT):
                    rc, err = _cli(["info", str(path), "--json"])
                    problem = _check_cli(rc, err)
                    stats[f"info exit {rc}"] += 1
                    if rc == 3:
                        reasons[_reason(err)] += 1
                    if rc == 0 and problem is None:
                        comp = read_midi(path)
                        run_models = bool(every) and stats["accepted"] % every == 0
                        consume(comp, path, generators if run_models else None, i)
                        stats["accepted"] += 1
                        stats["generated"] += run_models
            except _Timeout:
                problem = "timeout"
            except Exception as exc:  # noqa: BLE001 -- what the campaign is looking for
                problem = f"consumer {type(exc).__name__}: {str(exc)[:80]}"
            slowest = max(slowest, time.monotonic() - began)
            if problem:
                failures[problem] += 1
                keep.mkdir(parents=True, exist_ok=True)
                (keep / f"midi-{i}.mid").write_bytes(data)
            if (i + 1) % 1000 == 0:
                print(f"  midi {i + 1}/{n}: {dict(stats)} failures {sum(failures.values())} "
                      f"({time.monotonic() - start:.0f} s)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"mutants": n, "seconds": round(time.monotonic() - start, 1), "counts": dict(stats),
            "slowest_mutant_seconds": round(slowest, 2),
            "refusals": dict(reasons.most_common(25)), "failures": dict(failures)}


def in_process_projects(n: int, rng: random.Random, keep: Path) -> dict:
    seeds = project_seeds()
    stats: Counter = Counter()
    reasons: Counter = Counter()
    failures: Counter = Counter()
    work = Path(tempfile.mkdtemp(prefix="fuzz-proj-"))
    start = time.monotonic()
    try:
        for i in range(n):
            text = mutate_project(rng.choice(seeds), rng)
            path = work / "mutant.dcproj"
            path.write_text(text, encoding="utf-8", errors="replace")
            problem = None
            try:
                with _time_limit(TIME_LIMIT):
                    rc, err = _cli(["info", str(path), "--json"])
                    problem = _check_cli(rc, err)
                    stats[f"info exit {rc}"] += 1
                    if rc == 3:
                        reasons[_reason(err)] += 1
                    try:
                        comp = load_project(path)[0]
                    except InvalidInputError:
                        comp = None
                    if comp is not None and rc == 0:
                        consume(comp, path, None, i)
                    folder = work / f"autosave-{i}"
                    folder.mkdir()
                    shutil.copy(path, folder / "autosave-999999-1.dcproj")
                    found = recoverable(folder)
                    kept = (folder / "damaged" / "autosave-999999-1.dcproj").exists()
                    if bool(found) == kept:
                        problem = problem or "autosave neither offered nor kept aside"
                    shutil.rmtree(folder)
            except _Timeout:
                problem = "timeout"
            except Exception as exc:  # noqa: BLE001
                problem = f"consumer {type(exc).__name__}: {str(exc)[:80]}"
            if problem:
                failures[problem] += 1
                keep.mkdir(parents=True, exist_ok=True)
                (keep / f"project-{i}.dcproj").write_text(text, encoding="utf-8", errors="replace")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"mutants": n, "seconds": round(time.monotonic() - start, 1), "counts": dict(stats),
            "refusals": dict(reasons.most_common(25)), "failures": dict(failures)}


# --- through the command line ------------------------------------------------------------
COMMANDS = [  # (weight, name, arguments after the input)
    (45, "info", lambda inp, out: ["info", inp]),
    (15, "generate gan", lambda inp, out: ["generate", "--input", inp, "--output", out + ".mid",
                                           "--seed", "1"]),
    (8, "generate arcnn", lambda inp, out: ["generate", "--mode", "arcnn", "--iterations", "10",
                                            "--input", inp, "--output", out + ".mid"]),
    (10, "generate transformer", lambda inp, out: ["generate", "--mode", "transformer",
                                                   "--extend-seconds", "2", "--input", inp,
                                                   "--output", out + ".mid"]),
    (22, "render", lambda inp, out: ["render", inp, "--output", out + ".wav"]),
]


def _one_cli(job) -> tuple[str, int, str, str | None, bytes, str]:
    i, name, args, data, suffix, work = job
    env = {**os.environ, "DEEPCOMPOSER_HOME": str(work / "home")}
    try:
        done = subprocess.run([sys.executable, "-m", "deepcomposer_desktop", *args],
                              capture_output=True, text=True, timeout=CLI_TIME_LIMIT, env=env)
    except subprocess.TimeoutExpired:
        return name, -1, "", "timeout", data, suffix
    problem = _check_cli(done.returncode, done.stderr)
    if problem is None and done.returncode == 0:
        lines = done.stderr.strip().splitlines()
        if name == "info" and lines or name == "render" and lines \
                or name.startswith("generate") and (len(lines) != 1 or not lines[0].startswith("wrote")):
            problem = f"exit 0 with unexpected stderr ({len(lines)} lines)"
    return name, done.returncode, done.stderr, problem, data, suffix


def through_cli(n: int, rng: random.Random, keep: Path, workers: int) -> dict:
    midi, projects = midi_seeds(), project_seeds()
    work = Path(tempfile.mkdtemp(prefix="fuzz-cli-"))
    weights = [w for w, _, _ in COMMANDS]
    jobs = []
    for i in range(n):
        _, name, make = rng.choices(COMMANDS, weights)[0]
        if rng.random() < 0.15:
            data, suffix = mutate_project(rng.choice(projects), rng).encode("utf-8", "replace"), ".dcproj"
        else:
            data, suffix = mutate_midi(rng.choice(midi), rng, midi), ".mid"
        inp = work / f"in-{i}{suffix}"
        inp.write_bytes(data)
        jobs.append((i, name, make(str(inp), str(work / f"out-{i}")), data, suffix, work))
    stats: Counter = Counter()
    failures: Counter = Counter()
    start = time.monotonic()
    try:
        with ThreadPoolExecutor(workers) as pool:
            for k, (name, rc, _err, problem, data, suffix) in enumerate(pool.map(_one_cli, jobs)):
                stats[f"{name} exit {rc}"] += 1
                if problem:
                    failures[f"{name}: {problem}"] += 1
                    keep.mkdir(parents=True, exist_ok=True)
                    (keep / f"cli-{k}{suffix}").write_bytes(data)
                if (k + 1) % 100 == 0:
                    print(f"  cli {k + 1}/{n}: failures {sum(failures.values())} "
                          f"({time.monotonic() - start:.0f} s)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"runs": n, "seconds": round(time.monotonic() - start, 1), "counts": dict(sorted(stats.items())),
            "failures": dict(failures)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fuzz_campaign")
    parser.add_argument("--midi", type=int, default=20_000, help="mutated MIDI files in process")
    parser.add_argument("--projects", type=int, default=5_000, help="mutated projects in process")
    parser.add_argument("--cli", type=int, default=1_000, help="runs through the command line")
    parser.add_argument("--generate-every", type=int, default=10,
                        help="run a model on every Nth accepted song in process (0: never)")
    parser.add_argument("--workers", type=int, default=2, help="command-line runs at once")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--keep", type=Path, default=HERE / "fuzz_failures")
    parser.add_argument("--json", type=Path, default=HERE / "fuzz_results.json")
    args = parser.parse_args(argv)
    os.environ.setdefault("DEEPCOMPOSER_HOME", tempfile.mkdtemp(prefix="fuzz-home-"))
    results = {"seed": args.seed, "when": time.strftime("%Y-%m-%d %H:%M")}
    rng = random.Random(args.seed)
    if args.midi:
        print(f"in process: {args.midi} mutated MIDI files", flush=True)
        results["midi_in_process"] = in_process_midi(args.midi, rng, args.keep, args.generate_every)
    if args.projects:
        print(f"in process: {args.projects} mutated projects", flush=True)
        results["projects_in_process"] = in_process_projects(args.projects, rng, args.keep)
    if args.cli:
        print(f"through the CLI: {args.cli} runs", flush=True)
        results["cli"] = through_cli(args.cli, rng, args.keep, args.workers)
    print(json.dumps(results, indent=1))
    args.json.write_text(json.dumps(results, indent=1) + "\n")
    failed = sum(sum(part["failures"].values()) for part in results.values() if isinstance(part, dict))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
