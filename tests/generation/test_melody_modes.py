"""Continue means continue, enhance visibly: the melody modes on folk tunes of the
user-melody benchmark and on the samples, their limits enforced by the sampling."""

from __future__ import annotations

import pytest

from deepcomposer_desktop.generation.modes import Request, generate, preferred_model
from deepcomposer_desktop.generation.registry import default_registry
from deepcomposer_desktop.music import Composition, Note, Track, load_sample
from deepcomposer_desktop.music.benchmark import load_melodies, spread
from deepcomposer_desktop.music.keys import Key
from deepcomposer_desktop.music.midifile import midi_bytes
from deepcomposer_desktop.training.melody_eval import (_mido_cells, continuation_metrics,
                                                        enhancement_metrics)

TUNES = spread(load_melodies(), 4)  # one in each metre


@pytest.fixture(scope="module")
def registry():
    reg = default_registry()
    if not reg.models("transformer") or not reg.models("arcnn"):
        pytest.skip("no Transformer or AR-CNN model installed")
    return reg


@pytest.mark.parametrize("tune", TUNES, ids=lambda t: f"{t.metre[0]}-{t.metre[1]}")
def test_a_melody_is_continued_as_a_melody(registry, tune):
    r = continuation_metrics(tune, registry, {"extend_seconds": 12})
    assert r["single_line_prime"] and r["single_line"] and r["in_range"]
    assert r["notes"] > 5 and r["short"] == 0 and r["together"] == 1
    assert r["longest_rest"] <= r["max_rest"] + 0.011
    assert abs(r["rate"] - r["rate_prime"]) <= 0.25 * r["rate_prime"]
    assert r["in_scale"] >= 0.85


def test_the_continuation_starts_on_the_next_beat_and_keeps_the_rest_cap(registry):
    song = load_sample("twinkle")
    end = song.tracks[0].end + 100  # a melody that stops just after a beat
    last = song.tracks[0].notes[-1]
    song.tracks[0].notes[-1] = last.moved(duration=last.duration + 100)
    model = preferred_model(registry, "transformer", song, 0)
    out = generate(registry, "transformer", song, Request(model, 0, 3, {
        "extend_seconds": 10, "max_rest_seconds": 0.5})).composition
    new = sorted(n for n in out.tracks[0].notes if n.start >= end)
    beat = song.ticks_per_beat
    assert new[0].start == -(-end // beat) * beat
    for a, b in zip(new, new[1:]):
        assert out.seconds_at(b.start) - out.seconds_at(a.end) <= 0.5 + 0.011


@pytest.mark.parametrize("tune", TUNES, ids=lambda t: f"{t.metre[0]}-{t.metre[1]}")
def test_enhance_changes_the_melody_within_its_budgets(registry, tune):
    r = enhancement_metrics(tune, registry, {"max_add": 20, "max_remove_percent": 10})
    assert r["changed"] and r["added"] <= 20 and r["removed"] <= r["max_remove"]
    assert r["in_scale"] >= 0.9 and r["range_beyond"] <= 3


def test_enhance_budgets_hold_for_overlapping_notes_of_one_pitch(registry):
    """A notation program's export: a note-on while its pitch sounds. The importer
    and the writer resolve it as a DAW plays it, so the cells the budgets count are
    the cells the file holds."""
    notes = [Note(i * 480, p, 960, 90) for i, p in enumerate([67, 67, 69, 67, 72, 71, 67, 67,
                                                              69, 67, 74, 72])]
    song = Composition(tracks=[Track("Melody", notes=notes)], key=Key(7))
    before = _mido_cells(midi_bytes(song))
    out = generate(registry, "arcnn", song, Request(
        preferred_model(registry, "arcnn", song, 0), 0, 5, {"max_add": 20, "max_remove_percent": 10})
    ).composition
    after = _mido_cells(midi_bytes(out))
    assert before != after
    assert len(after - before) <= 20 and len(before - after) <= len(before) // 10
    new = set(out.tracks[0].notes) - set(notes)
    assert sum(n.pitch % 12 in Key(7).scale for n in new) >= 0.9 * len(new)
    assert max(n.duration for n in out.tracks[0].notes) <= 960
