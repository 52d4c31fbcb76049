"""Export a trained Transformer to ONNX (with its KV cache) and write its model card.

The card reports negative log-likelihood per event on held-out pieces and the
musical metrics of continuations made through the shipped ONNX file and the app's
own extend(): each held-out piece (all voices, 90 bpm) is primed with its first
`PRIME_SECONDS` and extended by `EXTEND_SECONDS` with the defaults; the real
piece's next `EXTEND_SECONDS` are measured the same way beside it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ..generation.transformer import ExtendParams, TokenRunner, extend
from ..music.composition import Composition, Note, Tempo
from ..music.keys import Key
from ..music.metrics import track_metrics
from .arcnn_export import _mean, _relative, held_out
from .card import onnx_file, training_record, write_card
from .transformer_net import export_onnx

PPQ = 480
BPM = 90.0
PRIME_SECONDS = 10.0
EXTEND_SECONDS = 20.0
MAX_PIECES = 30


def parity(model, session) -> float:
    """Max |ONNX - PyTorch| over a prime and three cached single-token steps."""
    model.eval()
    tokens = torch.randint(2, model.cfg.vocab_size, (1, 12))
    worst = 0.0
    with torch.no_grad():
        past = model.empty_past()
        ort_past = past.numpy()
        for chunk in (tokens[:, :9], tokens[:, 9:10], tokens[:, 10:11], tokens[:, 11:12]):
            logits, past = model(chunk, past)
            o_logits, ort_past = session.run(None, {"tokens": chunk.numpy(), "past": ort_past})
            worst = max(worst, float(np.abs(o_logits - logits.numpy()).max()),
                        float(np.abs(ort_past - past.numpy()).max()))
    return worst


def _piece(data, p: int) -> tuple[Composition, Key]:
    rows = data.notes[data.notes[:, 0] == p]
    tonic, minor = data.piece_keys[p]
    key = Key(int(tonic), "minor" if minor else "major")
    num, den = (int(x) for x in data.piece_meters[p])
    comp = Composition(ppq=PPQ, tempos=[Tempo.from_bpm(0, BPM)], time_signature=(num, den), key=key)
    comp.add_track("Voices", 52, notes=[Note(int(a) * PPQ // 4, int(pitch), int(b - a) * PPQ // 4, 80)
                                       for _, _, a, b, pitch in rows])
    return comp, key


def _metrics(notes: list[Note], comp: Composition, key: Key, start: int, seconds: float) -> dict:
    shifted = [Note(n.start - start, n.pitch, n.duration, n.velocity) for n in notes]
    bar = comp.ticks_per_bar * 4 // PPQ
    steps = int(seconds * BPM / 60 * 4)
    m = track_metrics(shifted, PPQ, bar, key, n_steps=steps)
    pitches = [n.pitch for n in notes]
    m["notes_per_second"] = len(notes) / seconds
    m["pitch_range"] = (max(pitches) - min(pitches)) if pitches else 0
    m["seconds_covered"] = (max(comp.seconds_at(n.end) for n in notes) - comp.seconds_at(start)
                            if notes else 0.0)
    return m


def continuation_metrics(runner: TokenRunner, data, pieces, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    if len(pieces) > MAX_PIECES:
        pieces = sorted(rng.choice(pieces, MAX_PIECES, replace=False))
    real_acc: dict[str, list] = {}
    model_acc: dict[str, list] = {}
    used = 0
    for i, p in enumerate(pieces):
        comp, key = _piece(data, int(p))
        cut = int(round(comp.tick_at(PRIME_SECONDS)))
        stop = int(round(comp.tick_at(PRIME_SECONDS + EXTEND_SECONDS)))
        notes = comp.tracks[0].notes
        real_next = [n for n in notes if cut <= n.start < stop]
        if len(real_next) < 8:
            continue
        prime = comp.copy()
        prime.tracks[0].notes = [Note(n.start, n.pitch, min(n.end, cut) - n.start, n.velocity)
                                 for n in notes if n.start < cut]
        end = prime.tracks[0].end
        out = extend(prime, runner, ExtendParams(extend_seconds=EXTEND_SECONDS,
                                                 input_seconds=PRIME_SECONDS, seed=seed + i))
        new = [n for n in out.tracks[0].notes if n.start >= end]
        real_next = [Note(n.start, n.pitch, min(n.end, stop) - n.start, n.velocity) for n in real_next]
        for acc, got, at in ((real_acc, real_next, cut), (model_acc, new, end)):
            for k, v in _metrics(got, comp, key, at, EXTEND_SECONDS).items():
                acc.setdefault(k, []).append(v)
        used += 1

    def mean(acc):
        return {k: _mean(v) for k, v in acc.items()}
    real, model = mean(real_acc), mean(model_acc)
    return {"pieces": used, "real": real, "continuation": model,
            "continuation_vs_real_relative_gap": _relative(model, real),
            "notes": (f"Held-out test pieces (all voices) at {BPM:g} bpm: primed with the first "
                      f"{PRIME_SECONDS:g} s, extended by {EXTEND_SECONDS:g} s with the defaults "
                      "(top-k 40, creative risk 1.0, max rest 2 s, 4 notes per chord), one seed "
                      "per piece; 'real' is the same piece's next "
                      f"{EXTEND_SECONDS:g} s. Key = the piece's key (Krumhansl-Schmuckler).")}


def _recent_loss(log: Path, n: int) -> float | None:
    """Mean training loss of the last `n` steps in the run's log (one batch is noisy)."""
    if not log.exists():
        return None
    losses: dict[int, float] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "loss" in record:
            losses[record["step"]] = record["loss"]  # a resumed run logs a step again: keep the last
    recent = [losses[k] for k in sorted(losses)[-n:]]
    return round(float(np.mean(recent)), 4) if recent else None


DESCRIPTION = ("Continues a melody (polyphony allowed) event by event, as AWS DeepComposer's "
               "Transformer did: a decoder-only Transformer with rotary positions over 310 "
               "performance tokens, run with a KV cache; CPU-sized.")


def export_model(trainer, out_dir: str | Path, model_id: str, genre: str) -> dict:
    import onnxruntime as ort

    onnx_path = onnx_file(out_dir, model_id)
    cfg, net, data = trainer.cfg, trainer.cfg.net, trainer.data
    trainer.load_best()
    trainer.model.eval()
    export_onnx(trainer.model, str(onnx_path))
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    diff = parity(trainer.model, session)
    runner = TokenRunner(session, net.max_len)
    test_nll = trainer.nll(trainer.test, 128)
    val_nll = trainer.nll(trainer.val, 128)
    train_nll = trainer.nll(trainer.train, 128)  # training pieces, with their augmentation
    metrics = {"test_nll_per_event": round(test_nll, 4), "validation_nll_per_event": round(val_nll, 4),
               "train_nll_per_event": round(train_nll, 4),
               "nll_goal": 1.0, "nll_sequences": 128, "nll_tokens_per_sequence": cfg.seq_len,
               "evaluated_on": held_out(data)[1],
               **continuation_metrics(runner, data, held_out(data)[0], cfg.seed)}
    sections = {
        "transformer": {**net.to_dict(),
                        "parameters": int(sum(p.numel() for p in trainer.model.parameters())),
                        "tokens": "performance events: NOTE_ON/NOTE_OFF x 88, TIME_SHIFT 10 ms x 100, "
                                  "VELOCITY x 32, PAD, START",
                        "onnx_vs_pytorch_max_abs_diff": diff,
                        # trained on single lines only: the panel picks it for a melody
                        "texture": "melody" if (data.notes[:, 1] == 0).all() else "any"},
        "inputs": [{"name": "tokens", "shape": ["batch", "seq"], "dtype": "int64"},
                   {"name": "past", "shape": [net.n_layers, 2, "batch", net.n_heads, "past_len",
                                              net.head_dim]}],
        "outputs": [{"name": "logits", "shape": ["batch", "seq", net.vocab_size]},
                    {"name": "present", "shape": [net.n_layers, 2, "batch", net.n_heads,
                                                  "past_len + seq", net.head_dim]}],
    }
    training = training_record(trainer, "transformer", model_id,
                               {"tokens_per_epoch": int(trainer.train_tokens)}, {
        "augmentation": "transposition -5..+5, tempo 60-120 bpm, one velocity 60-100 per sample",
        "steps": trainer.step, "tokens_seen": int(trainer.tokens_seen),
        "epochs": round(trainer.tokens_seen / max(trainer.train_tokens, 1), 2),
        "wall_seconds": round(trainer.seconds, 1), "final_train_nll": trainer.last_loss,
        "train_nll_last_100_steps": _recent_loss(trainer.run / "log.jsonl", 100),
        "final_validation_nll": trainer.val_score,
        "tokens_per_second": round(trainer.tokens_seen / max(trainer.seconds, 1e-9), 1)})
    return write_card(out_dir, model_id, mode="transformer", genre=genre,
                      title="Transformer melody extension", description=DESCRIPTION,
                      sections=sections, training=training, metrics=metrics)
