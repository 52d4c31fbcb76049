import numpy as np
import onnxruntime as ort
import pytest

from deepcomposer_desktop.generation.cards import Grid
from deepcomposer_desktop.progress import Cancelled
from deepcomposer_desktop.generation.arcnn import ArcnnRunner, EnhanceParams, _windows, enhance
from deepcomposer_desktop.music import Key, Note, load_sample
from deepcomposer_desktop.music.pianoroll import RollGrid, notes_to_roll


@pytest.fixture(scope="module", params=["untrained", "shipped"])
def runner(request, tiny_arcnn_onnx):
    """Every guarantee on a tiny untrained net and on the shipped model."""
    if request.param == "untrained":
        return ArcnnRunner(ort.InferenceSession(str(tiny_arcnn_onnx)), Grid(4, 128, 36, 64))
    from deepcomposer_desktop.generation.registry import default_registry
    try:
        model_id = default_registry().default_id("arcnn")
    except Exception as exc:
        pytest.skip(f"no AR-CNN model installed: {exc}")
    session, card = default_registry().session(model_id, "arcnn")
    return ArcnnRunner(session, card.grid)


def cells(comp, runner):
    grid = RollGrid(comp.ppq, 4, runner.lowest, runner.n_pitches)
    return notes_to_roll(comp.tracks[0].notes, grid, 256)


def test_windows_cover_every_step_once():
    for n in (128, 129, 200, 256, 1000):
        owned = np.zeros(n, int)
        for w0, a, b in _windows(n, 128):
            assert w0 <= a < b <= w0 + 128
            owned[a:b] += 1
        assert (owned == 1).all()


def test_budgets_hold_exactly(runner):
    comp = load_sample("ode-to-joy")  # 16 bars: two windows share the budgets
    before = cells(comp, runner)
    out = enhance(comp, runner, EnhanceParams(iterations=300, max_add=7, max_remove_percent=10,
                                              temperature=6, seed=1))
    after = cells(out, runner)
    assert (after & ~before).sum() <= 7
    assert (~after & before).sum() <= int(before.sum() * 0.10)
    assert (after != before).any()


def test_inpainting_changes_nothing_outside_the_region(runner):
    comp = load_sample("twinkle")
    tpb = comp.ticks_per_bar
    out = enhance(comp, runner, EnhanceParams(iterations=200, region=(2 * tpb, 4 * tpb),
                                              pitch_region=(60, 72), temperature=3, seed=2))
    inside = lambda n: 2 * tpb <= n.start < 4 * tpb and 60 <= n.pitch <= 72
    assert [n for n in out.tracks[0].notes if not inside(n)] == \
        [n for n in comp.tracks[0].notes if not inside(n)]
    assert out.tracks[0].notes != comp.tracks[0].notes


def test_key_lock_and_seed(runner):
    comp = load_sample("greensleeves")
    p = EnhanceParams(iterations=150, key_lock=True, temperature=4, seed=9)
    a, b = enhance(comp, runner, p), enhance(comp, runner, p)
    assert a.tracks[0].notes == b.tracks[0].notes
    added = set(a.tracks[0].notes) - set(comp.tracks[0].notes)
    assert added and all(n.pitch % 12 in Key(9, "minor").scale for n in added)


def test_untouched_notes_stay_verbatim_even_off_the_grid(runner):
    comp = load_sample("mary")
    comp.tracks[0].notes = [n.moved(start=n.start + 7, velocity=33 + i % 50)
                            for i, n in enumerate(comp.tracks[0].notes)]
    comp.tracks[0].notes.append(Note(0, 20, 480))  # below the pitch window: never touched
    out = enhance(comp, runner, EnhanceParams(iterations=20, max_remove_percent=0, seed=3))
    assert set(comp.tracks[0].notes) <= set(out.tracks[0].notes)


def test_zero_iterations_is_the_identity_and_cancel_stops(runner):
    comp = load_sample("saints")
    assert enhance(comp, runner, EnhanceParams(iterations=0)).tracks[0].notes == comp.tracks[0].notes
    calls = []

    def watch(fraction):
        calls.append(fraction)
        if len(calls) == 5:
            raise Cancelled

    with pytest.raises(Cancelled):
        enhance(comp, runner, EnhanceParams(iterations=100), progress=watch)
    assert calls == sorted(calls) and len(calls) == 5 and calls[-1] <= 0.06


def test_bad_params(runner):
    with pytest.raises(ValueError):
        enhance(load_sample("mary"), runner, EnhanceParams(max_remove_percent=150))
