"""GAN accompaniment latency, against its floor.

    python -m benchmarks gan        (or `make bench ARGS=gan`)

1. generate_accompaniment() on an 8-bar melody (the first 8 bars of sample
   ode-to-joy), end to end: melody -> rolls -> onnxruntime (7 overlapping 2-bar
   windows in one batch) -> cross-fade -> key lock -> single-line decoding ->
   notes -> Composition. Session already built (the registry caches it); goal < 50 ms.
   With the card's number of candidates per window (each one a network pass and a
   decoding), for the default model and then for every other shipped GAN model.
2. The onnxruntime pass alone for those 7 windows, and for one window.
3. The same for 64 bars (the longest melody the mode takes).
4. Line decoding alone, 3 voices x 1 024 steps (64 bars) of random scores: the
   plain line (viterbi_voices) and the line whose notes last an eighth at least
   (viterbi_min_length), a Python loop over the steps either way.
Floor: the generator's forward FLOPs (convolutions) per window x windows x
candidates, divided by the fp32 matrix-product rate measured in the same run
(benchmarks.matmul_rate); real passes on small convs run far below that rate.
The min-length decoding's peer is the plain decoding of the same scores.
"""

from __future__ import annotations

import numpy as np

from benchmarks import matmul_rate, summary, timeit
from deepcomposer_desktop.generation.modes import Request, generate
from deepcomposer_desktop.generation.gan import (GanModel, viterbi_min_length,
                                                 viterbi_voices, window_starts)
from deepcomposer_desktop.generation.registry import default_registry
from deepcomposer_desktop.music import load_sample
from deepcomposer_desktop.music.edit import slice_bars



def _flops(card) -> float:
    """Conv FLOPs of one generator pass, from the card's grid and parameter count
    (torch's exact count when the training extra is installed)."""
    try:
        from deepcomposer_desktop.training.gan_net import GanConfig, generator_flops
        h = card.training["hyperparameters"]["net"]
        return float(generator_flops(GanConfig(**h)))
    except ImportError:
        return float("nan")


def _model(reg, model_id: str) -> GanModel:
    return GanModel.from_card(*reg.session(model_id, "gan"))


def main(args=None) -> list[dict]:
    reg = default_registry()
    model_id = reg.default_id("gan")
    model = _model(reg, model_id)
    card = reg.get(model_id).card
    flops = _flops(card)
    ode = load_sample("ode-to-joy")
    eight = slice_bars(ode, 0, 8)
    long = ode.copy()
    notes = ode.tracks[0].notes
    span = ode.bars * ode.ticks_per_bar
    long.tracks[0].notes = [n.moved(start=n.start + k * span) for k in range(4) for n in notes]
    rate = matmul_rate()
    how = f"{flops / 1e6:.1f} MFLOP a window (generator convolutions)"
    rows = []
    for label, comp in (("8 bars", eight), ("64 bars", long)):
        steps = comp.bars * 16
        n_windows = len(window_starts(steps, model.steps))
        floor = flops * n_windows / rate
        times = timeit(lambda c=comp: generate(reg, "gan", c, Request(model_id, seed=1)), repeat=30)
        k = model.candidates
        rows.append(summary(f"gan generate {label} ({model_id}, {k} candidate{'s' * (k != 1)})",
                            times, windows=n_windows * k,
                            floor_s=floor * k, floor_flop=flops * n_windows * k,
                            floor_how=f"{how} x {n_windows} windows x {model.candidates} / the matmul rate",
                            gflop=round(flops * n_windows * model.candidates / 1e9, 3)))
        batch = np.zeros((n_windows, model.steps, model.pitches), bool)
        batch[:, :, 30] = True
        noise = model.noise(n_windows, np.random.default_rng(0))
        times = timeit(lambda b=batch, z=noise: model.raw(b, z), repeat=30)
        rows.append(summary(f"gan onnxruntime pass, {n_windows} windows", times, floor_s=floor,
                            floor_flop=flops * n_windows,
                            floor_how=f"{how} x {n_windows} / the matmul rate"))
    for other in sorted(e.id for e in reg.models("gan")):
        if other == model_id:
            continue
        k = _model(reg, other).candidates
        f = _flops(reg.get(other).card)
        n_windows = len(window_starts(eight.bars * 16, model.steps))
        times = timeit(lambda o=other: generate(reg, "gan", eight, Request(o, seed=1)), repeat=30)
        rows.append(summary(f"gan generate 8 bars ({other}, {k} candidates)", times,
                            windows=n_windows * k, floor_s=f * n_windows * k / rate,
                            floor_flop=f * n_windows * k,
                            floor_how=f"{f / 1e6:.1f} MFLOP x {n_windows} windows x {k} / the matmul rate"))
    one = np.zeros((1, model.steps, model.pitches), bool)
    z1 = model.noise(1, np.random.default_rng(0))
    rows.append(summary("gan onnxruntime pass, 1 window", timeit(lambda: model.raw(one, z1),
                                                                repeat=50),
                        floor_s=flops / rate, floor_flop=flops, floor_how=f"{how} / the matmul rate"))
    scores = np.random.default_rng(0).uniform(-1, 1, (3, 64 * 16, model.pitches))
    plain = "gan line decoding, 3 voices x 1024 steps (plain)"
    rows.append(summary(plain, timeit(lambda: viterbi_voices(scores, 0.1, -0.5), repeat=20),
                        peer_only=True))
    rows.append(summary("gan line decoding, 3 voices x 1024 steps (notes >= an eighth)",
                        timeit(lambda: viterbi_min_length(scores, 0.1, -0.5, 2), repeat=20),
                        peer=plain))
    return rows
