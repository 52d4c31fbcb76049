"""Melody continuation with a performance-token Transformer (onnxruntime + numpy).

The ONNX network (training/transformer_net.py) takes `tokens` [1, seq] and a KV
cache `past` [layers, 2, 1, heads, past_len, head_dim] and returns `logits` and
`present`: the prime runs once, then every new token costs one step.

`extend(composition, runner, params)` primes with the last `input_seconds` of a
track, samples until `extend_seconds` of music have been generated, and returns a
copy of the composition with the continuation appended to that track, after the
input's last note. The DeepComposer parameters map as follows: input duration ->
input_seconds, track extension duration -> extend_seconds, sampling (top-k or
nucleus) with its threshold, creative risk -> temperature, maximum rest time ->
max_rest_seconds (longer silences are shortened to it), maximum notes per chord ->
max_chord_notes (NOTE_ONs are masked while that many new notes sound). `key` masks
NOTE_ON tokens outside a scale. No new note is held longer than MAX_HOLD_SECONDS (or
the prime's longest note). A seed gives the same result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import numpy as np

from ..music.composition import Composition, Note
from ..music.chords import chord_at
from ..music.edit import grid_ticks, quantize
from ..music.keys import Key, detect_key
from ..progress import Progress, report
from . import tokenizer as tk
from .modes import MODES, default

# The longest notes in the chorales: a whole note under a fermata at the slowest
# training tempo (60 bpm). A prime with longer notes raises the cap to its longest.
MAX_HOLD_SECONDS = 4.0


def _default(name: str):
    return field(default=default("transformer", name))


@dataclass
class ExtendParams:
    """The parameters of one run; the user's ones (and their defaults and ranges) are
    declared in modes.py."""
    extend_seconds: float = _default("extend_seconds")
    input_seconds: float = _default("input_seconds")
    temperature: float = _default("temperature")
    sampling: str = _default("sampling")  # "topk" or "nucleus"
    threshold: float | None = _default("threshold")  # k for top-k (40), p for nucleus (0.9)
    max_rest_seconds: float = _default("max_rest_seconds")
    max_chord_notes: int = _default("max_chord_notes")
    key_lock: bool = _default("key_lock")  # lock to `key`, or to the key detected from the input
    quantize: str = _default("quantize")  # e.g. "1/16" snaps the continuation to that grid
    key: Key | None = None
    seed: int | None = None
    track: int = 0

    def validate(self) -> None:
        """ValueError naming the first parameter out of its range."""
        spec = MODES["transformer"]
        spec.values({p.name: getattr(self, p.name) for p in spec.params})


class TokenRunner:
    """One onnxruntime session of the Transformer and the shape of its cache."""

    def __init__(self, session, max_len: int = 1024) -> None:
        self.session = session
        shape = {i.name: i.shape for i in session.get_inputs()}["past"]
        self.n_layers, self.n_heads, self.head_dim = int(shape[0]), int(shape[3]), int(shape[5])
        self.max_len = max_len

    def empty_past(self) -> np.ndarray:
        return np.zeros((self.n_layers, 2, 1, self.n_heads, 0, self.head_dim), np.float32)

    def run(self, tokens: list[int], past: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Logits of the last token and the new cache."""
        logits, present = self.session.run(
            None, {"tokens": np.asarray([tokens], dtype=np.int64), "past": past})
        return logits[0, -1], present


def choose(logits: np.ndarray, mask: np.ndarray, params: ExtendParams,
           rng: np.random.Generator) -> int:
    """Sample one token: temperature, then top-k or nucleus, among allowed tokens."""
    z = np.where(mask, logits.astype(np.float64) / params.temperature, -np.inf)
    if params.sampling == "topk":
        k = int(params.threshold or 40)
        if k < mask.sum():
            cut = np.partition(z, -k)[-k]
            z = np.where(z >= cut, z, -np.inf)
    z -= z.max()
    p = np.exp(z)
    p /= p.sum()
    if params.sampling == "nucleus":
        top_p = float(params.threshold or 0.9)
        order = np.argsort(-p)
        keep = np.cumsum(p[order]) - p[order] < top_p  # always keeps the best token
        q = np.zeros_like(p)
        q[order[keep]] = p[order[keep]]
        p = q / q.sum()
    return int(rng.choice(len(p), p=p))


@dataclass(frozen=True)
class Shape:
    """What the sampling holds the continuation to, measured from the prime.

    single_line: one note at a time (a melody is continued as a melody);
    low/high: the register new notes may start in; min_note: no NOTE_OFF before a
    note is this old (seconds); rate: the prime's notes per second, which the new
    notes keep within about a note either way (None: free); pitch_bias: a
    (128,) logit bias per MIDI pitch (the key), or a function of the time (seconds
    from the continuation's start) giving one (the chord track)."""
    single_line: bool = False
    low: int = tk.LOWEST
    high: int = tk.HIGHEST
    min_note: float = tk.SHIFT_SECONDS
    rate: float | None = None
    pitch_bias: object = None


def _pitch_bias(shape: Shape, elapsed: float) -> np.ndarray | None:
    bias = shape.pitch_bias
    return bias(elapsed) if callable(bias) else bias


def continue_tokens(runner: TokenRunner, prime: list[int], params: ExtendParams,
                    rng: np.random.Generator, pitch_ok: np.ndarray | None = None,
                    progress: Progress = None,
                    max_hold: float = MAX_HOLD_SECONDS, shape: Shape = Shape()) -> list[int]:
    """Sample tokens after `prime` until `extend_seconds` of time have passed, every
    limit enforced by masking what the model may say next rather than by editing
    its notes afterwards: no NOTE_ON while max_chord_notes notes (one, for a single
    line) sound or outside the register; no NOTE_OFF before a note is min_note old;
    no time shift that would make a silence longer than max_rest_seconds or hold a
    note past `max_hold` (the model often loses a note's NOTE_ON when the context
    slides and would otherwise hold it to the end); the density kept near the
    prime's. A new note held to `max_hold` gets its NOTE_OFF fed to the model."""
    base = np.ones(tk.VOCAB_SIZE, bool)
    base[[tk.PAD, tk.START]] = False
    if pitch_ok is not None:
        base &= tk.note_on_mask(pitch_ok)
    register = np.zeros(128, bool)
    register[max(shape.low, 0):min(shape.high, 127) + 1] = True
    base &= tk.note_on_mask(register)
    context = list(prime[-runner.max_len:])
    logits, past = runner.run(context, runner.empty_past())
    out: list[int] = []
    elapsed, last_sound, new_notes = 0.0, 0.0, 0
    sounding: dict[int, list[float]] = {}  # pitch -> onsets of the notes it holds (FIFO)
    forced: list[int] = []
    cap = 1 if shape.single_line else params.max_chord_notes
    max_steps = int(params.extend_seconds * 60) + 200  # a model that never moves time must stop
    for _ in range(max_steps):
        if forced:
            token = forced.pop(0)
        else:
            token = choose(_biased(logits, shape, elapsed),
                           _allowed(base, sounding, elapsed, last_sound, new_notes, cap,
                                    params, shape, max_hold), params, rng)
        out.append(token)
        if tk.is_note_on(token):
            sounding.setdefault(tk.note_on_pitch(token), []).append(elapsed)
            new_notes += 1
        elif tk.is_note_off(token):
            onsets = sounding.get(tk.note_off_pitch(token))
            if onsets:
                onsets.pop(0)
            if not any(sounding.values()):
                last_sound = elapsed
        if tk.TIME_SHIFT <= token < tk.VELOCITY:
            elapsed += tk.shift_seconds(token)
            forced = [tk.note_off(pitch) for pitch, onsets in sounding.items()
                      if onsets and elapsed - onsets[0] >= max_hold - 1e-9]
            report(progress, elapsed / params.extend_seconds)
            if elapsed >= params.extend_seconds:
                break
        context.append(token)
        if past.shape[4] + 1 > runner.max_len:  # slide: re-prime on the recent half
            context = [tk.START] + context[-(runner.max_len // 2):]
            logits, past = runner.run(context, runner.empty_past())
        else:
            logits, past = runner.run([token], past)
    return out


def _biased(logits: np.ndarray, shape: Shape, elapsed: float) -> np.ndarray:
    bias = _pitch_bias(shape, elapsed)
    if bias is None:
        return logits
    out = logits.astype(np.float64).copy()
    out[tk.NOTE_ON:tk.NOTE_OFF] += bias[tk.LOWEST:tk.HIGHEST + 1]
    return out


def _allowed(base: np.ndarray, sounding: dict[int, list[float]], elapsed: float,
             last_sound: float, new_notes: int, cap: int, params: ExtendParams, shape: Shape,
             max_hold: float) -> np.ndarray:
    """The tokens the continuation may take next (see continue_tokens)."""
    mask = base.copy()
    held = [elapsed - onsets[0] for onsets in sounding.values() if onsets]
    n_sounding = sum(len(o) for o in sounding.values())
    ahead = shape.rate is not None and new_notes > shape.rate * elapsed + 1.0
    behind = shape.rate is not None and new_notes + 1.0 < shape.rate * elapsed
    if n_sounding >= cap or ahead:
        mask[tk.NOTE_ON:tk.NOTE_OFF] = False
    mask[tk.NOTE_OFF:tk.TIME_SHIFT] = False  # only sounding notes end, and not too soon
    for pitch, onsets in sounding.items():
        if onsets and elapsed - onsets[0] >= shape.min_note - 1e-9:
            mask[tk.note_off(pitch)] = base[tk.note_off(pitch)]
    room = tk.N_SHIFTS if new_notes else 0  # the first note falls on the beat itself
    if held:  # no time shift may carry the longest-held note past max_hold
        room = min(room, int(round((max_hold - max(held)) / tk.SHIFT_SECONDS)))
    else:  # nor a silence past max_rest_seconds
        room = min(room, int(round((params.max_rest_seconds - (elapsed - last_sound))
                                   / tk.SHIFT_SECONDS)))
    if behind and shape.rate:  # falling behind the prime's pace: short steps only
        room = min(room, max(1, int(0.5 / shape.rate / tk.SHIFT_SECONDS)))
    if room < tk.N_SHIFTS:
        mask[tk.TIME_SHIFT + max(room, 0):tk.VELOCITY] = False
    if not mask[tk.NOTE_ON:tk.VELOCITY].any():  # never a dead end: time moves on
        mask[tk.TIME_SHIFT] = True
    return mask


def collapse_rests(notes: list[tk.TimedNote], start: float, max_rest: float) -> list[tk.TimedNote]:
    """Shorten every silence longer than `max_rest` (from `start` on) to `max_rest`."""
    out, shift, sounding_until = [], 0.0, start
    for n in sorted(notes, key=lambda n: n.start):
        gap = n.start - shift - sounding_until
        if gap > max_rest:
            shift += gap - max_rest
        moved = tk.TimedNote(n.start - shift, n.end - shift, n.pitch, n.velocity)
        sounding_until = max(sounding_until, moved.end)
        out.append(moved)
    return out


KEY_BIAS = 2.5  # logits taken from a note outside the key (no lock: it stays possible)
CHORD_BIAS = 1.0  # logits given to a tone of the chord sounding
LEGATO = 0.03  # seconds two notes of a line may overlap and still be one line
REGISTER = 4  # semitones a single line may go beyond the prime's range
MIN_NOTE = 0.05  # seconds: no shorter note unless the prime has one


def is_single_line(notes: list[tk.TimedNote]) -> bool:
    """True when no two notes sound together (beyond a legato overlap)."""
    ordered = sorted(notes, key=lambda n: n.start)
    return all(b.start >= a.end - LEGATO for a, b in zip(ordered, ordered[1:]))


def shape_of(comp: Composition, prime: list[tk.TimedNote], params: ExtendParams,
             key: Key | None, start_s: float) -> Shape:
    """The continuation's limits from the prime: a single line stays one, in its
    register and at its pace; no note shorter than the grid or MIN_NOTE unless the
    prime has one; the key (or, from start_s on, the song's chord track) preferred."""
    pitches = [n.pitch for n in prime]
    shortest = min((n.end - n.start for n in prime), default=MIN_NOTE)
    grid = MIN_NOTE
    if params.quantize and params.quantize != "off":
        grid = max(grid, comp.seconds_at(grid_ticks(comp.ppq, params.quantize))
                   - comp.seconds_at(0))
    single = bool(prime) and is_single_line(prime)
    low, high = (min(pitches) - REGISTER, max(pitches) + REGISTER) if single and pitches \
        else (tk.LOWEST, tk.HIGHEST)
    span = max(prime[-1].end - prime[0].start, 1e-6) if prime else 0.0
    rate = len(prime) / span if single and span > 0 else None
    in_key = np.zeros(128) if key is None else np.where(key.scale_mask(), 0.0, -KEY_BIAS)
    bias: object = in_key
    if comp.chords:
        chords = comp.chords

        def bias(elapsed: float) -> np.ndarray:  # the chord sounding then, from the song's track
            chord = chord_at(chords, int(comp.tick_at(start_s + elapsed)))
            if chord is None:
                return in_key
            tones = np.isin(np.arange(128) % 12, sorted(chord.pitch_classes))
            return np.where(tones, CHORD_BIAS, np.minimum(in_key, 0.0))
    return Shape(single, low, high, min(grid, shortest) if shortest < grid else grid, rate, bias)


def extend(comp: Composition, runner: TokenRunner, params: ExtendParams,
           progress: Progress = None) -> Composition:
    """The track continued from the next beat after its last note, by
    `extend_seconds`, as the prime's Shape allows."""
    params.validate()
    track = comp.tracks[params.track]
    notes = sorted(track.notes)
    end_tick = track.end
    beat = comp.ticks_per_beat
    next_beat = -(-end_tick // beat) * beat
    end_s = comp.seconds_at(end_tick)
    start_s = comp.seconds_at(next_beat)
    window = max(0.0, end_s - params.input_seconds)
    timed = [tk.TimedNote(max(comp.seconds_at(n.start), window) - window,
                          comp.seconds_at(n.end) - window, n.pitch, n.velocity)
             for n in notes if comp.seconds_at(n.end) > window]
    prime = tk.encode(timed) + tk.shift_tokens(start_s - end_s)  # to the next beat
    key = params.key or comp.key or detect_key([n.pitch for n in notes],
                                               [n.duration for n in notes])
    pitch_ok = key.scale_mask() if params.key_lock else None
    rng = np.random.default_rng(params.seed)
    max_hold = max([MAX_HOLD_SECONDS] + [n.end - n.start for n in timed])
    shape = shape_of(comp, timed, params, key, start_s)
    tokens = continue_tokens(runner, prime, params, rng, pitch_ok, progress, max_hold, shape)
    generated = tk.decode(tokens, offset=start_s, close_at=start_s + params.extend_seconds)
    new_notes = []
    for n in generated:
        start = int(round(comp.tick_at(n.start)))
        # a note the time limit cut short still lasts the shortest note
        stop = int(round(comp.tick_at(max(n.end, n.start + shape.min_note))))
        new_notes.append(Note(start, n.pitch, max(stop - start, 1), max(1, min(n.velocity, 127))))
    if params.quantize and params.quantize != "off":
        new_notes = quantize(new_notes, comp.ppq, params.quantize, ends=True)
    out = comp.copy()
    out.tracks[params.track].notes = sorted(notes + new_notes)
    return out
