"""AR-CNN enhancement speed, against its floor.

    python -m benchmarks arcnn        (or `make bench ARGS=arcnn`)

1. enhance() with 100 sampling iterations on an 8-bar melody (the first 8 bars of
   sample ode-to-joy), end to end (roll, 100 network passes, sampling, notes);
   goal < 0.6 s median.
2. One onnxruntime pass (1 x 1 x 128 x the card's pitches).
Floor: the U-Net's convolution FLOPs per pass (counted from its layer shapes)
divided by the fp32 rate this machine reaches on a 2048 x 2048 matrix product,
measured in the same run (benchmarks.matmul_rate).
"""

from __future__ import annotations

import numpy as np

from benchmarks import matmul_rate, summary, timeit
from deepcomposer_desktop.generation.arcnn import ArcnnRunner, EnhanceParams, enhance
from deepcomposer_desktop.generation.modes import preferred_model
from deepcomposer_desktop.generation.registry import default_registry
from deepcomposer_desktop.music import load_sample
from deepcomposer_desktop.music.edit import slice_bars


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
    model_id = preferred_model(reg, "arcnn")  # the one the app uses
    session, card = reg.session(model_id, "arcnn")
    grid = card.grid
    runner = ArcnnRunner(session, grid)
    eight = slice_bars(load_sample("ode-to-joy"), 0, 8)
    rate = matmul_rate()
    flops = unet_flops(card.arcnn.base_channels, grid.steps, grid.pitches)
    rows = []
    how = f"{flops / 1e9:.3f} GFLOP a pass (U-Net convolutions) / the matmul rate"
    roll = np.zeros((grid.steps, grid.pitches), bool)
    roll[::4, 30] = True
    pass_times = timeit(lambda: runner.score(roll), repeat=50)
    rows.append(summary(f"arcnn onnxruntime pass ({model_id})", pass_times,
                        gflop=round(flops / 1e9, 3), floor_s=flops / rate, floor_flop=flops,
                        floor_how=how))
    times = timeit(lambda: enhance(eight, runner, EnhanceParams(iterations=100, seed=1)), repeat=15)
    rows.append(summary("arcnn enhance 8 bars, 100 iterations", times, floor_s=100 * flops / rate,
                        floor_flop=100 * flops,
                        floor_how=f"100 passes x {how}",
                        passes_per_s=round(100 / float(np.median(times)), 1)))
    return rows
