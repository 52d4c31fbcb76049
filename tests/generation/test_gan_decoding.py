"""The GAN runner's pieces that need no trained model: decoding, stitching,
key masks, the baseline."""

import numpy as np
import pytest

from deepcomposer_desktop.generation.gan import (GanModel, accompany_roll, decode_lines,
                                                 fill_silent_bars, key_mask, viterbi_min_length,
                                                 viterbi_voices, window_starts)
from deepcomposer_desktop.music.keys import Key
from deepcomposer_desktop.training.baseline import diatonic_triads, triad_accompaniment
from deepcomposer_desktop.training.evaluation import note_lengths, window_metrics


def test_viterbi_keeps_one_line_and_ignores_short_flicker():
    raw = np.full((8, 4), -1.0)
    raw[:, 1] = 0.5
    raw[3, 2] = 0.6  # one step slightly better elsewhere: not worth two changes
    out = viterbi_voices(raw, change_penalty=0.5)
    assert (out.sum(axis=1) <= 1).all()
    assert out[:, 1].all()
    # Without a penalty the flicker wins.
    assert viterbi_voices(raw, 0.0)[3, 2]


def test_viterbi_rests_where_every_pitch_is_below_the_threshold():
    raw = np.full((6, 3), -0.9)
    raw[:3, 0] = 0.8
    assert viterbi_voices(raw, 0.1).sum(axis=1).tolist() == [1, 1, 1, 0, 0, 0]
    assert viterbi_voices(raw, 0.1, threshold=-0.95).sum() == 6


def _line_score(path, raw, penalty, threshold):
    total = sum(0.0 if p < 0 else raw[t, p] - threshold for t, p in enumerate(path))
    return total - penalty * sum(a != b for a, b in zip(path, path[1:]))


def _runs(path):
    """(state, length) of each run of a path; the last run may be cut by the end."""
    runs, start = [], 0
    for t in range(1, len(path) + 1):
        if t == len(path) or path[t] != path[start]:
            runs.append((path[start], t - start))
            start = t
    return runs


def test_min_length_viterbi_is_the_best_line_whose_notes_are_long_enough():
    # Against every path of small score maps: the best total score among the paths
    # whose notes (all but one cut by the end) last min_steps or more.
    import itertools
    rng = np.random.default_rng(3)
    for _ in range(60):
        steps, pitches, m = 6, 3, int(rng.integers(2, 4))
        penalty, threshold = float(rng.choice([0.0, 0.1, 0.5])), float(rng.choice([0, -0.5]))
        raw = rng.uniform(-1, 1, (steps, pitches))
        best = max(_line_score(path, raw, penalty, threshold)
                   for path in itertools.product(range(-1, pitches), repeat=steps)
                   if all(n >= m for p, n in _runs(path)[:-1] if p >= 0))
        out = viterbi_min_length(raw[None], penalty, threshold, m)[0]
        assert (out.sum(axis=1) <= 1).all()
        path = [int(r.argmax()) if r.any() else -1 for r in out]
        assert all(n >= m for p, n in _runs(path)[:-1] if p >= 0)
        assert _line_score(path, raw, penalty, threshold) == pytest.approx(best)


def test_min_length_one_is_the_plain_line_and_two_removes_blips():
    raw = np.random.default_rng(4).uniform(-1, 1, (4, 3, 32, 16)).astype(np.float32)
    assert (viterbi_min_length(raw, 0.1, -0.5, 1) == viterbi_voices(raw, 0.1, -0.5)).all()
    plain = decode_lines(raw, 1, 0.0, -0.5)
    long = decode_lines(raw, 1, 0.0, -0.5, min_steps=2)
    assert (np.concatenate([note_lengths(r) for r in plain.reshape(-1, 32, 16)]) == 1).any()
    # Every note ends at least 2 steps after it starts, save one cut by the end.
    for roll in long.reshape(-1, 32, 16):
        path = [int(r.argmax()) if r.any() else -1 for r in roll]
        assert all(n >= 2 for p, n in _runs(path)[:-1] if p >= 0)


def test_decoding_fills_a_bar_where_only_the_melody_plays():
    raw = np.full((3, 32, 8), -0.99)
    raw[1, :, 5] = -0.5
    melody = np.zeros((32, 8), bool)
    melody[20:24, 3] = True  # the melody plays in bar 2 only
    rolls = fill_silent_bars(decode_lines(raw, 1, 0.1, 0.0), raw, melody, 16)
    assert not rolls[:, :16].any()
    assert rolls[:, 16:].any() and rolls[1, 20:24, 5].all()


def test_window_starts_cover_any_length():
    assert window_starts(10, 32) == [0]
    assert window_starts(32, 32) == [0]
    for n in (33, 100, 1024):
        starts = window_starts(n, 32)
        assert starts[0] == 0 and starts[-1] + 32 >= n
        assert all(b - a == 16 for a, b in zip(starts, starts[1:]))


class ConstantSession:
    """Stands in for onnxruntime: every window gets the same scores, so any seam
    from stitching would show as a change along time."""

    def run(self, _names, feeds):
        b, _, steps, pitches = feeds["melody"].shape
        out = np.tile(np.linspace(-1, 1, pitches, dtype=np.float32), (b, 3, steps, 1))
        return [out]


def test_crossfade_has_no_seams_and_key_lock_suppresses():
    model = GanModel.build(ConstantSession(), lowest=36, pitches=64, steps=32)
    melody = np.zeros((100, 64), bool)
    raw = accompany_roll(model, melody, np.random.default_rng(0))
    assert raw.shape == (3, 100, 64)
    assert np.allclose(raw, raw[:, :1])  # identical at every step
    mask = key_mask(Key(0, "major"), 36, 64)
    locked = accompany_roll(model, melody, np.random.default_rng(0), mask)
    assert (locked[:, :, ~mask] < -1).all() and np.allclose(locked[:, :, mask], raw[:, :, mask])


def test_key_mask_follows_the_octave_shift():
    # pitch index 0 is MIDI 36 (C); with the melody moved up 12, it is still a C.
    assert key_mask(Key(0, "major"), 36, 12, shift=12).tolist() == \
        [True, False, True, False, True, True, False, True, False, True, False, True]


def test_baseline_triads_are_diatonic_and_follow_the_melody():
    assert diatonic_triads(Key(0, "major"))[0] == (0, 4, 7)
    assert diatonic_triads(Key(9, "minor"))[4] == (4, 8, 11)  # E major: raised 7th
    melody = np.zeros((16, 64), bool)
    melody[:4, 65 - 36] = True  # F4 over beat 1 -> a triad holding F
    acc = triad_accompaniment(melody, Key(0, "major"), 36)
    pcs = {(p + 36) % 12 for p in np.nonzero(acc[:, 0])[1]}
    assert 5 in pcs and pcs <= {0, 2, 4, 5, 7, 9, 11}
    assert (acc.sum(axis=2) == 1).all()  # every voice sounds at every step


def test_window_metrics_of_the_real_thing():
    w = np.zeros((1, 4, 32, 64), bool)
    w[0, 0, :, 60 - 36] = True  # C melody
    w[0, 1, :16, 64 - 36] = True  # E, a bar long
    w[0, 2, :, 55 - 36] = True  # G
    w[0, 3, :, 48 - 36] = True  # C
    m = window_metrics(w, [Key(0, "major")], 36)
    assert m["in_scale_rate"] == 1.0 and m["polyphonic_rate"] == 0.0
    assert m["qualified_note_rate"] == 1.0 and m["pitch_classes_per_bar"] == 1.0
    assert m["empty_bar_rate"] == round(1 / 6, 4)
    assert note_lengths(w[0, 1]).tolist() == [16]


def test_batched_viterbi_equals_one_voice_at_a_time():
    rng = np.random.default_rng(3)
    raw = np.tanh(rng.standard_normal((5, 3, 32, 20)) * 2).astype(np.float32)
    raw[:, :, :, rng.random(20) < 0.3] = -2.0
    for penalty, threshold in ((0.0, 0.0), (0.1, -0.5), (0.5, -0.9), (1.0, -0.99)):
        batched = viterbi_voices(raw, penalty, threshold)
        single = np.stack([[viterbi_voices(r, penalty, threshold) for r in w] for w in raw])
        assert batched.shape == raw.shape and (batched == single).all()


def test_second_voice_adds_double_stops_only_where_a_second_pitch_is_strong():
    raw = np.full((3, 16, 8), -0.9, np.float32)
    raw[:, :, 2] = 0.8
    raw[:, 4:8, 6] = 0.7  # a strong second pitch for 4 steps
    raw[:, 10:12, 5] = 0.2  # a weak one
    model = GanModel.build(None, 0, 8, 16, voices_per_track=2, change_penalty=0.1,
                     threshold=-0.5, second_threshold=0.5)
    rolls = model.decode_voices(raw)
    assert rolls[:, :, 2].all()
    chords = rolls.sum(axis=2) >= 2
    assert chords[:, 4:8].all() and chords.sum() == 3 * 4
    model = model.with_decoding(voices_per_track=1)
    assert (model.decode_voices(raw).sum(axis=2) <= 1).all()


def test_key_guide_lock_is_strict_and_the_soft_pull_only_lowers():
    model = GanModel.build(ConstantSession(), lowest=36, pitches=64, steps=32, key_penalty=0.25,
                     key_lock=False)
    melody = np.zeros((40, 64), bool)
    free = accompany_roll(GanModel.build(ConstantSession(), 36, 64, 32), melody,
                          np.random.default_rng(0))
    mask, strict = model.key_guide(Key(0, "major"), None)  # the card's default: soft
    assert not strict and mask is not None
    soft = accompany_roll(model, melody, np.random.default_rng(0), mask, strict=strict)
    assert np.allclose(soft[:, :, mask], free[:, :, mask])
    assert np.allclose(soft[:, :, ~mask], np.maximum(free[:, :, ~mask] - 0.25, -2.0), atol=1e-6)
    mask, strict = model.key_guide(Key(0, "major"), True)  # the musician's lock: strict
    locked = accompany_roll(model, melody, np.random.default_rng(0), mask, strict=strict)
    assert (locked[:, :, ~mask] == -2.0).all()
    plain = GanModel.build(ConstantSession(), 36, 64, 32)
    assert plain.key_guide(Key(0, "major"), False) == (None, False)


class CandidateSession:
    """Candidate i of a one-window batch puts all three voices on pitch 5i (mod the
    range), so the first candidate is a C against a G melody and the 12 candidates
    cover every pitch class: the most consonant one is known."""

    def run(self, _names, feeds):
        b, _, steps, pitches = feeds["melody"].shape
        out = np.full((b, 3, steps, pitches), -1.0, np.float32)
        for i in range(b):
            out[i, :, :, (5 * i) % pitches] = 1.0
        return [out]


def test_more_candidates_pick_the_accompaniment_nearest_the_melody():
    from deepcomposer_desktop.generation.gan import window_consonance
    melody = np.zeros((32, 24), bool)
    melody[:, 7] = True
    model = GanModel.build(CandidateSession(), lowest=0, pitches=24, steps=32, voices_per_track=1,
                     change_penalty=0.1, threshold=-0.5)
    tds = {}
    for k in (1, 12):
        raw = accompany_roll(model, melody, np.random.default_rng(4), candidates=k)
        rolls = model.decode(raw, melody, 16)
        tds[k] = float(window_consonance(melody, rolls[None])[0])
    assert tds[1] > 1 and tds[12] == 0  # the G (pitch 7 or 19) found among 12
    # Deterministic for a seed.
    a = accompany_roll(model, melody, np.random.default_rng(9), candidates=8)
    b = accompany_roll(model, melody, np.random.default_rng(9), candidates=8)
    assert (a == b).all()
