"""`make bench`: speed measurements, never run by the tests.

Each `benchmarks/bench_*.py` module has `main(args) -> list[dict]`; a row is one
measurement with at least `name`, `median` (seconds or the row's `unit`), and
`n` (repetitions). `python -m benchmarks [NAME ...]` runs all or some modules,
prints a table and writes `benchmarks/results.json` for docs/BENCHMARKS.md.
"""

import statistics
import time


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
