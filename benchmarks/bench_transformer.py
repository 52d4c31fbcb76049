"""Transformer extension speed.

    python -m benchmarks transformer        (or `make bench ARGS=transformer`)

extend() of sample "twinkle" by 30 s with the defaults (top-k 40, creative risk
1.0), end to end: prime (one pass over the prime with an empty cache), then one
cached step per new token, sliding the context when it fills; goal < 2 s median.
Reported with the tokens sampled per second.
"""

from __future__ import annotations

import numpy as np

from benchmarks import summary, timeit
from deepcomposer_desktop.generation.registry import default_registry
from deepcomposer_desktop.generation.transformer import ExtendParams, TokenRunner, extend
from deepcomposer_desktop.music import load_sample


class CountingRunner(TokenRunner):
    """Counts the tokens sampled (one cached single-token step each, bar the last)."""

    sampled = 0

    def run(self, tokens, past):
        if len(tokens) == 1:
            self.sampled += 1
        return super().run(tokens, past)


def main(args=None) -> list[dict]:
    reg = default_registry()
    model_id = reg.default_id("transformer")
    session, card = reg.session(model_id, "transformer")
    runner = TokenRunner(session, card.transformer.max_len)
    twinkle = load_sample("twinkle")
    params = ExtendParams(extend_seconds=30.0, seed=1)
    times = timeit(lambda: extend(twinkle, runner, params), repeat=10)
    counting = CountingRunner(session, card.transformer.max_len)
    extend(twinkle, counting, params)
    tokens = counting.sampled
    median = float(np.median(times))
    past = runner.empty_past()
    _, past = runner.run(list(range(2, 202)), past)
    step = timeit(lambda: runner.run([5], past), repeat=50)
    return [summary(f"transformer extend twinkle +30 s ({model_id})", times,
                    tokens=tokens, tokens_per_s=round(tokens / median, 1)),
            summary("transformer one cached step (200 tokens of context)", step)]
