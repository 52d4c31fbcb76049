"""`make bench`: speed measurements, never run by the tests.

Each `benchmarks/bench_*.py` module has `main(args) -> list[dict]`; a row is one
measurement with at least `name`, `median` (seconds or the row's `unit`), and
`n` (repetitions). `python -m benchmarks [NAME ...]` runs all or some modules,
prints a table, writes `benchmarks/results.json` and regenerates docs/BENCHMARKS.md
from it (benchmarks/report.py).

What a row is compared with, measured in the same run:
- `floor_s` (seconds, with `floor_how`): the least time the work can take, e.g. a
  network's FLOPs (`floor_flop`) divided by the best matrix-product rate of the run;
- `peer`: the `name` of another row of the same module doing the same job another
  way (the `fluidsynth` command, plain mido, a bare Qt window...); a row with
  `peer_only` is shown only as another row's peer.
`command` is the shell command that measured the row (default: the module's).
"""

import statistics
import time

import numpy as np


def timeit(fn, repeat: int = 20, warmup: int = 2) -> list[float]:
    """Wall-clock seconds of `repeat` calls after `warmup` calls (medians are what we quote)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def summary(name: str, times: list[float], **extra) -> dict:
    return {"name": name, "median": statistics.median(times), "min": min(times),
            "max": max(times), "n": len(times), "unit": "s", **extra}


_MATMUL: list[float] = []  # seconds of every 2048^2 product timed in this run


def sample_matmul(n: int = 2048, repeat: int = 5) -> None:
    """Time `repeat` fp32 n x n matrix products with numpy (after one warm-up). The runner
    samples at the start and after each module: on a shared machine the best of all the
    samples is the nearest to the machine's real peak."""
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    _MATMUL.extend(timeit(lambda: a @ a, repeat=repeat, warmup=1))


def matmul_rate(n: int = 2048) -> float:
    """fp32 FLOP/s of numpy's matrix product at its best so far in the run (the machine's
    practical peak, which makes FLOPs / rate a floor). The runner recomputes every row's
    `floor_s` from its `floor_flop` with the run's final best."""
    if not _MATMUL:
        sample_matmul(n)
    return 2 * n ** 3 / min(_MATMUL)


def matmul_row(n: int = 2048) -> dict:
    if not _MATMUL:
        sample_matmul(n)
    rates = [2 * n ** 3 / t / 1e9 for t in _MATMUL]
    row = summary(f"numpy fp32 matmul {n}x{n}", rates, unit="GFLOP/s", reference=True,
                  floor_how=f"the FLOP floors divide by the best, {max(rates):.0f} GFLOP/s "
                            "(sampled at the start and after each module)")
    row["best"] = max(rates)
    return row
