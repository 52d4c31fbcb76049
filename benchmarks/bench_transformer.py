"""Transformer extension speed.

    python -m benchmarks transformer        (or `make bench ARGS=transformer`)

extend() of sample "twinkle" by 30 s with the defaults (top-k 40, creative risk
1.0), with the model the app picks for it and with every other installed one, end
to end: prime (one pass over the prime with an empty cache), then one
cached step per new token, sliding the context when it fills; goal < 1 s median.
Reported with the tokens sampled per second.
Floor: the FLOPs of every network call extend() makes (2 x parameters a token, plus
attention over the cache: 4 x layers x width x context a token), divided by the
matrix-product rate measured in the same run (benchmarks.matmul_rate).
"""

from __future__ import annotations

import numpy as np

from benchmarks import matmul_rate, summary, timeit
from deepcomposer_desktop.generation.modes import preferred_model
from deepcomposer_desktop.generation.registry import default_registry
from deepcomposer_desktop.generation.transformer import ExtendParams, TokenRunner, extend
from deepcomposer_desktop.music import load_sample


class CountingRunner(TokenRunner):
    """Counts the tokens sampled (one cached single-token step each, bar the last) and
    the FLOPs of every call."""

    sampled = 0
    flops = 0.0
    parameters = 0

    def run(self, tokens, past):
        if len(tokens) == 1:
            self.sampled += 1
        self.flops += call_flops(self, len(tokens), past.shape[4], self.parameters)
        return super().run(tokens, past)


def call_flops(runner: TokenRunner, n: int, past_len: int, parameters: int) -> float:
    """Multiply-adds x 2 of one call on `n` new tokens after `past_len` cached ones."""
    width = runner.n_heads * runner.head_dim
    attention = sum(4 * runner.n_layers * width * (past_len + i + 1) for i in range(n))
    return 2.0 * parameters * n + attention


def extend_row(reg, model_id: str, rate: float) -> tuple[dict, TokenRunner, int]:
    session, card = reg.session(model_id, "transformer")
    runner = TokenRunner(session, card.transformer.max_len)
    twinkle = load_sample("twinkle")
    params = ExtendParams(extend_seconds=30.0, seed=1)
    times = timeit(lambda: extend(twinkle, runner, params), repeat=10)
    counting = CountingRunner(session, card.transformer.max_len)
    counting.parameters = parameters = int(card.raw["transformer"]["parameters"])
    extend(twinkle, counting, params)
    tokens = counting.sampled
    median = float(np.median(times))
    row = summary(f"transformer extend twinkle +30 s ({model_id})", times,
                  tokens=tokens, tokens_per_s=round(tokens / median, 1),
                  floor_s=counting.flops / rate, floor_flop=counting.flops,
                  floor_how=f"{counting.flops / 1e9:.2f} GFLOP ({tokens} tokens sampled, "
                            f"{parameters / 1e6:.2f} M parameters) / the matmul rate")
    return row, runner, parameters


def main(args=None) -> list[dict]:
    reg = default_registry()
    rate = matmul_rate()
    # The model the app continues Twinkle with (a single line: the melody model), then
    # every other installed one.
    first = preferred_model(reg, "transformer", load_sample("twinkle"), 0)
    ids = [first] + [e.id for e in reg.models("transformer") if e.id != first]
    results = [extend_row(reg, model_id, rate) for model_id in ids]
    rows = [row for row, _, _ in results]
    _, runner, parameters = results[0]  # the cached step is timed on the app's model
    past = runner.empty_past()
    _, past = runner.run(list(range(2, 202)), past)
    step = timeit(lambda: runner.run([5], past), repeat=50)
    one = call_flops(runner, 1, 200, parameters)
    return rows + [summary(f"transformer one cached step (200 tokens of context, {first})", step,
                           floor_s=one / rate, floor_flop=one,
                           floor_how=f"{one / 1e6:.1f} MFLOP / the matmul rate")]
