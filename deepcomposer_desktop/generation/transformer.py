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
from ..music.edit import quantize
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


def continue_tokens(runner: TokenRunner, prime: list[int], params: ExtendParams,
                    rng: np.random.Generator, pitch_ok: np.ndarray | None = None,
                    progress: Progress = None,
                    max_hold: float = MAX_HOLD_SECONDS) -> list[int]:
    """Sample tokens after `prime` until `extend_seconds` of time have passed. A new
    note held longer than `max_hold` gets its NOTE_OFF fed to the model in place of a
    sampled token: the model often loses a note's NOTE_ON when the context slides and
    would otherwise hold it to the end (measured: notes of 10-29 s in +30 s of twinkle)."""
    base = np.ones(tk.VOCAB_SIZE, bool)
    base[[tk.PAD, tk.START]] = False
    if pitch_ok is not None:
        base &= tk.note_on_mask(pitch_ok)
    no_note_on = base.copy()
    no_note_on[tk.NOTE_ON:tk.NOTE_OFF] = False
    context = list(prime[-runner.max_len:])
    logits, past = runner.run(context, runner.empty_past())
    out: list[int] = []
    elapsed, onsets_now = 0.0, 0
    sounding: dict[int, list[float]] = {}  # pitch -> onsets of the notes it holds (FIFO)
    forced: list[int] = []
    max_steps = int(params.extend_seconds * 60) + 200  # a model that never moves time must stop
    for _ in range(max_steps):
        if forced:
            token = forced.pop(0)
        else:
            held = [elapsed - onsets[0] for onsets in sounding.values() if onsets]
            # A chord is what sounds together: no new note past max_chord_notes at once.
            crowded = max(onsets_now, sum(len(o) for o in sounding.values()))
            mask = no_note_on if crowded >= params.max_chord_notes else base
            if held:  # no time shift may carry the longest-held note past max_hold
                room = int(round((max_hold - max(held)) / tk.SHIFT_SECONDS))
                if room < tk.N_SHIFTS:
                    mask = mask.copy()
                    mask[tk.TIME_SHIFT + max(room, 1):tk.VELOCITY] = False
            token = choose(logits, mask, params, rng)
        out.append(token)
        if tk.is_note_on(token):
            sounding.setdefault(tk.note_on_pitch(token), []).append(elapsed)
            onsets_now += 1
        elif tk.is_note_off(token):
            onsets = sounding.get(tk.note_off_pitch(token))
            if onsets:
                onsets.pop(0)
        if tk.TIME_SHIFT <= token < tk.VELOCITY:
            elapsed += tk.shift_seconds(token)
            onsets_now = 0
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


def extend(comp: Composition, runner: TokenRunner, params: ExtendParams,
           progress: Progress = None) -> Composition:
    params.validate()
    track = comp.tracks[params.track]
    notes = sorted(track.notes)
    end_s = comp.seconds_at(track.end)
    window = max(0.0, end_s - params.input_seconds)
    timed = [tk.TimedNote(max(comp.seconds_at(n.start), window) - window,
                          comp.seconds_at(n.end) - window, n.pitch, n.velocity)
             for n in notes if comp.seconds_at(n.end) > window]
    prime = tk.encode(timed)
    key = params.key
    if params.key_lock and key is None:
        key = comp.key or detect_key([n.pitch for n in notes], [n.duration for n in notes])
    pitch_ok = key.scale_mask() if params.key_lock and key is not None else None
    rng = np.random.default_rng(params.seed)
    max_hold = max([MAX_HOLD_SECONDS] + [n.end - n.start for n in timed])
    tokens = continue_tokens(runner, prime, params, rng, pitch_ok, progress, max_hold)
    generated = tk.decode(tokens, offset=end_s, close_at=end_s + params.extend_seconds)
    generated = collapse_rests(generated, end_s, params.max_rest_seconds)
    new_notes = []
    for n in generated:
        start = int(round(comp.tick_at(n.start)))
        stop = int(round(comp.tick_at(n.end)))
        new_notes.append(Note(start, n.pitch, max(stop - start, 1), max(1, min(n.velocity, 127))))
    if params.quantize and params.quantize != "off":
        new_notes = quantize(new_notes, comp.ppq, params.quantize, ends=True)
    out = comp.copy()
    out.tracks[params.track].notes = sorted(notes + new_notes)
    return out
