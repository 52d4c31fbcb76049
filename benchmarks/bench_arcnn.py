"""AR-CNN enhancement speed, against its floor.

    python -m benchmarks arcnn        (or `make bench ARGS=arcnn`)

1. enhance() with 100 sampling iterations on an 8-bar melody (the first 8 bars of
   sample ode-to-joy), end to end (roll, 100 network passes, sampling, notes);
   goal < 1 s median.
2. One onnxruntime pass (1 x 1 x 128 x 64).
Floor: the U-Net's convolution FLOPs per pass (counted from its layer shapes)
divided by the fp32 rate this machine reaches on a 2048 x 2048 matrix product,
measured here.
"""

from __future__ import annotations

import numpy as np

from benchmarks import summary, timeit
from deepcomposer_desktop.generation.arcnn import ArcnnRunner, EnhanceParams, enhance
from deepcomposer_desktop.generation.registry import default_registry
from deepcomposer_desktop.music import load_sample
from deepcomposer_desktop.music.edit import slice_bars


def matmul_rate(n: int = 2048) -> float:
    """fp32 FLOP/s of numpy's matrix product (the machine's practical peak)."""
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    times = timeit(lambda: a @ a, repeat=5, warmup=1)
    return 2 * n ** 3 / min(times)


def unet_flops(base: int, steps: int, pitches: int, levels: int = 4) -> float:
    """Multiply-adds x 2 of training.arcnn_net.ArcnnUNet's convolutions."""
    flops, c_in, h, w = 0.0, 1, steps, pitches
    chans = [base * 2 ** i for i in range(levels)]
    sizes = []
    for i, c in enumerate(chans):
        flops += 2 * 9 * (c_in * c + c * c) * h * w  # two 3x3 convs
        sizes.append((h, w))
        c_in = c
        if i < levels - 1:
            h, w = h // 2, w // 2
    for c, (h, w) in zip(reversed(chans[:-1]), reversed(sizes[:-1])):
        flops += 2 * (2 * c) * c * h * w  # 2x2 stride-2 transposed conv onto (h, w)
        flops += 2 * 9 * (2 * c * c + c * c) * h * w  # double conv after the skip
    return flops + 2 * chans[0] * steps * pitches  # the 1x1 output conv


def main(args=None) -> list[dict]:
    reg = default_registry()
    model_id = reg.default_id("arcnn")
    session, card = reg.session(model_id, "arcnn")
    grid = card.grid
    runner = ArcnnRunner(session, grid)
    eight = slice_bars(load_sample("ode-to-joy"), 0, 8)
    rate = matmul_rate()
    flops = unet_flops(card.arcnn.base_channels, grid.steps, grid.pitches)
    rows = [summary("numpy fp32 matmul 2048^2 (GFLOP/s)", [rate / 1e9], unit="GFLOP/s")]
    roll = np.zeros((grid["steps"], grid["pitches"]), bool)
    roll[::4, 30] = True
    pass_times = timeit(lambda: runner.score(roll), repeat=50)
    rows.append(summary(f"arcnn onnxruntime pass ({model_id})", pass_times,
                        gflop=round(flops / 1e9, 3), floor_s=flops / rate))
    times = timeit(lambda: enhance(eight, runner, EnhanceParams(iterations=100, seed=1)), repeat=15)
    rows.append(summary("arcnn enhance 8 bars, 100 iterations", times, floor_s=100 * flops / rate,
                        passes_per_s=round(100 / float(np.median(times)), 1)))
    return rows
