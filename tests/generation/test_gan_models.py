"""The shipped GAN models (the real ONNX files in models/) through the app's
generation path: coverage, verbatim melody, key lock, seeds, lengths, pickups;
and the registry refusing damaged models."""

import json
import shutil

import numpy as np
import pytest

from deepcomposer_desktop.cli import main as cli
from deepcomposer_desktop.errors import InvalidInputError, MissingResourceError
from deepcomposer_desktop.generation.gan import GanModel, generate_accompaniment
from deepcomposer_desktop.generation.registry import SHIPPED_DIR, Registry
from deepcomposer_desktop.music import Composition, Note, Track, load_sample, read_midi
from deepcomposer_desktop.music.keys import Key

GAN_IDS = sorted(e.id for e in Registry([SHIPPED_DIR]).entries()
                 if e.card and e.card.mode == "gan")


def test_at_least_four_valid_gan_models_ship():
    entries = [e for e in Registry([SHIPPED_DIR]).entries() if e.id in GAN_IDS]
    assert len(entries) >= 4
    for e in entries:
        assert e.ok, e.problem
        m = e.card.metrics
        assert {"real", "model", "baseline"} <= set(m) and m["test_windows"] > 0
        assert e.card.training["pieces"]["test"] > 0 and e.card.training["licence"]
        assert e.onnx.stat().st_size < 5_000_000


def _gan(model_id: str) -> GanModel:
    return GanModel.from_card(*Registry([SHIPPED_DIR]).session(model_id, "gan"))


def _bars_played(comp: Composition, track: Track) -> set[int]:
    tpb = comp.ticks_per_bar
    bars = set()
    for n in track.notes:
        bars.update(range(n.start // tpb, (n.end - 1) // tpb + 1))
    return bars


def _melody(pitches, ppq=480, start=0, step=480, velocity=None) -> Composition:
    notes = [Note(start + i * step, p, step, velocity[i] if velocity else 90)
             for i, p in enumerate(pitches)]
    return Composition(tracks=[Track("Tune", 73, 0, notes=notes)], ppq=ppq, title="t")


@pytest.mark.parametrize("model_id", GAN_IDS)
def test_accompanies_every_bar_keeping_the_melody_verbatim(model_id):
    comp = load_sample("ode-to-joy")
    out = generate_accompaniment(comp, _gan(model_id), seed=1)
    assert len(out.tracks) == 4
    assert out.tracks[0].notes == comp.tracks[0].notes
    assert (out.tracks[0].name, out.tracks[0].program) == (comp.tracks[0].name,
                                                           comp.tracks[0].program)
    melody_bars = _bars_played(comp, comp.tracks[0])
    covered = set().union(*(_bars_played(out, t) for t in out.tracks[1:]))
    assert melody_bars <= covered
    card = Registry([SHIPPED_DIR]).get(model_id).card
    assert [t.program for t in out.tracks[1:]] == [t.program for t in card.tracks[1:]]
    assert comp.tracks[0].notes == load_sample("ode-to-joy").tracks[0].notes  # input untouched


@pytest.mark.parametrize("model_id", GAN_IDS)
def test_key_lock_keeps_every_note_in_the_key(model_id):
    comp = load_sample("greensleeves")  # A minor, 3/4
    out = generate_accompaniment(comp, _gan(model_id), seed=2, key=Key(9, "minor"), key_lock=True)
    pcs = {n.pitch % 12 for t in out.tracks[1:] for n in t.notes}
    assert pcs and pcs <= Key(9, "minor").scale
    # A melody in F# major, detected: the lock follows the melody's key.
    tune = _melody([66, 68, 70, 71, 73, 75, 77, 78, 77, 75, 73, 71, 70, 68, 66, 66])
    out = generate_accompaniment(tune, _gan(model_id), seed=3, key_lock=True)
    assert {n.pitch % 12 for t in out.tracks[1:] for n in t.notes} <= out.key.scale
    assert out.key == Key(6, "major")


def test_same_seed_same_result_other_seed_other_result():
    model_id = GAN_IDS[0]
    comp = load_sample("twinkle")
    a = generate_accompaniment(comp, _gan(model_id), seed=5)
    b = generate_accompaniment(comp, _gan(model_id), seed=5)
    c = generate_accompaniment(comp, _gan(model_id), seed=6)
    assert [t.notes for t in a.tracks] == [t.notes for t in b.tracks]
    assert [t.notes for t in a.tracks] != [t.notes for t in c.tracks]


@pytest.mark.parametrize("bars", [1, 64])
def test_one_bar_and_sixty_four_bars(bars):
    comp = _melody([60, 64, 67, 72] * bars)
    assert comp.bars == bars
    out = generate_accompaniment(comp, _gan(GAN_IDS[0]), seed=0)
    covered = set().union(*(_bars_played(out, t) for t in out.tracks[1:]))
    assert covered >= set(range(bars))
    assert max(n.end for t in out.tracks[1:] for n in t.notes) <= bars * comp.ticks_per_bar


def test_too_long_or_empty_melodies_are_input_errors():
    with pytest.raises(InvalidInputError):
        generate_accompaniment(_melody([60, 62, 64, 65] * 65), GAN_IDS[0], seed=0)
    with pytest.raises(InvalidInputError):
        generate_accompaniment(Composition(tracks=[Track("empty")]), _gan(GAN_IDS[0]), seed=0)


def test_pickup_and_leading_rests_are_accompanied():
    # Silent until beat 4 of bar 1, then a tune with a held note off the grid.
    comp = _melody([67, 72, 71, 72, 74, 72, 71, 69, 67], start=3 * 480)
    comp.tracks[0].notes.append(Note(13 * 480 + 7, 72, 1500, 80))
    out = generate_accompaniment(comp, _gan(GAN_IDS[0]), seed=4)
    covered = set().union(*(_bars_played(out, t) for t in out.tracks[1:]))
    assert covered >= _bars_played(comp, comp.tracks[0]) >= {0, 1, 2, 3}
    assert out.tracks[0].notes == comp.tracks[0].notes  # the off-grid note too


def test_velocities_follow_the_melody_dynamics():
    soft_to_loud = list(np.linspace(30, 120, 32).astype(int))
    comp = _melody([60, 62, 64, 65, 67, 65, 64, 62] * 4, velocity=soft_to_loud)
    out = generate_accompaniment(comp, _gan(GAN_IDS[0]), seed=0)
    acc = sorted(n for t in out.tracks[1:] for n in t.notes)
    first = np.mean([n.velocity for n in acc if n.start < 8 * 480])
    last = np.mean([n.velocity for n in acc if n.start >= 24 * 480])
    assert first < 50 and last > 80


def _copy_model(tmp_path, model_id="gan-copy"):
    src = Registry([SHIPPED_DIR]).get(GAN_IDS[0])
    shutil.copy(src.onnx, tmp_path / f"{model_id}.onnx")
    card = dict(src.card.raw, id=model_id)
    (tmp_path / f"{model_id}.json").write_text(json.dumps(card))
    return tmp_path / f"{model_id}.onnx", tmp_path / f"{model_id}.json"


def test_registry_refuses_a_tampered_model_and_finds_user_models(tmp_path):
    onnx, card = _copy_model(tmp_path)
    reg = Registry([tmp_path])
    assert reg.get("gan-copy", "gan").ok  # a user's model is found like a shipped one
    data = bytearray(onnx.read_bytes())
    data[len(data) // 2] ^= 0xFF
    onnx.write_bytes(bytes(data))
    with pytest.raises(MissingResourceError, match="sha256"):
        Registry([tmp_path]).get("gan-copy")


def test_registry_refuses_an_invalid_card(tmp_path):
    _, card = _copy_model(tmp_path)
    bad = json.loads(card.read_text())
    del bad["metrics"]
    card.write_text(json.dumps(bad))
    with pytest.raises(MissingResourceError, match="metrics"):
        Registry([tmp_path]).get("gan-copy")
    card.write_text("{not json")
    assert not Registry([tmp_path]).entries()[0].ok


@pytest.mark.parametrize("path, value, field", [
    (("gan", "noise_shape"), [8, "x"], "gan.noise_shape"),
    (("grid", "pitches"), 200, "grid.pitches"),
    (("tracks",), [{"name": "Melody", "program": 0}], "tracks"),
    (("tracks", 1, "program"), 128, "tracks.1.program"),
    (("gan", "candidates"), 0, "gan.candidates"),
    (("mode",), "drums", "mode"),
])
def test_a_bad_inner_card_field_is_named(tmp_path, path, value, field):
    """A card is parsed once into typed fields: a bad inner field refuses the model
    with its name, and the other models stay usable."""
    _, card = _copy_model(tmp_path)
    bad = json.loads(card.read_text())
    node = bad
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    card.write_text(json.dumps(bad))
    reg = Registry([tmp_path, SHIPPED_DIR])
    entry = next(e for e in reg.entries() if e.id == "gan-copy")
    assert not entry.ok and repr(field) in entry.problem
    assert reg.get(GAN_IDS[0], "gan").ok


def test_cli_generate_writes_four_tracks_covering_the_melody(tmp_path, capsys):
    out = tmp_path / "ode.mid"
    assert cli(["generate", "--mode", "gan", "--input", "sample:ode-to-joy",
                "--output", str(out), "--seed", "3"]) == 0
    comp = read_midi(out)
    assert len(comp.tracks) >= 4
    melody_bars = _bars_played(comp, comp.tracks[0])
    for t in comp.tracks[1:]:
        assert t.notes
    assert melody_bars <= set().union(*(_bars_played(comp, t) for t in comp.tracks[1:]))


def test_cli_candidates_and_key_lock_options(tmp_path, capsys):
    args = ["generate", "--mode", "gan", "--model", "gan-palestrina", "--input",
            "sample:greensleeves", "--seed", "1"]
    assert cli(args + ["--output", str(tmp_path / "a.mid"), "--candidates", "0"]) == 3
    assert "candidates" in capsys.readouterr().err
    outs = {}
    for k in (1, 16):
        path = tmp_path / f"k{k}.mid"
        assert cli(args + ["--output", str(path), "--candidates", str(k), "--key-lock"]) == 0
        comp = read_midi(path)
        assert {n.pitch % 12 for t in comp.tracks[1:] for n in t.notes} <= Key(9, "minor").scale
        outs[k] = [sorted(t.notes) for t in comp.tracks[1:]]
    assert outs[1] != outs[16]


def test_cli_exit_4_for_missing_or_damaged_models(tmp_path, monkeypatch, capsys):
    onnx, _ = _copy_model(tmp_path)
    onnx.write_bytes(onnx.read_bytes()[:-10])
    monkeypatch.setenv("DEEPCOMPOSER_MODELS", str(tmp_path))
    import deepcomposer_desktop.generation.registry as registry
    monkeypatch.setattr(registry, "_DEFAULT", None)
    args = ["generate", "--mode", "gan", "--input", "sample:twinkle", "--output",
            str(tmp_path / "x.mid")]
    assert cli(args + ["--model", "gan-copy"]) == 4
    assert cli(args + ["--model", "no-such-model"]) == 4
    assert "sha256" in capsys.readouterr().err
    assert cli(["models", "--json"]) == 4  # the damaged one is listed, refused
    listed = json.loads(capsys.readouterr().out)
    assert any(m["id"] == "gan-copy" and not m["ok"] for m in listed)


def test_cli_models_json_lists_the_shipped_models(capsys):
    assert cli(["models", "--json"]) == 0
    listed = {m["id"]: m for m in json.loads(capsys.readouterr().out)}
    assert set(GAN_IDS) <= set(listed)
    assert all(listed[i]["mode"] == "gan" and len(listed[i]["tracks"]) == 4 for i in GAN_IDS)


# The bar (docs/MODELS.md, "How models are evaluated"). gan-string-quartets misses it: its
# test pieces lie further from the training pieces than the bar's 10 % (docs/MODELS.md,
# "gan-string-quartets").
MEETING = {"gan-bach-chorales", "gan-monteverdi", "gan-palestrina", "gan-trecento"}


def test_at_least_four_shipped_models_meet_the_bar():
    registry = Registry([SHIPPED_DIR])
    met = {i for i in GAN_IDS if registry.get(i).card.metrics["quality_bar"]["met"]}
    assert len(met) >= 4 and MEETING <= met


@pytest.mark.parametrize("model_id", GAN_IDS)
def test_cards_meet_the_bar_by_their_own_numbers(model_id):
    """The bar, recomputed from the card's held-out numbers rather than
    trusting its flag: in-scale rate, pitch classes per bar, qualified-note rate and
    polyphony within 10 % of the real music's (absolute where the real value is 0),
    and a lower tonal distance than the rule-based baseline's."""
    m = Registry([SHIPPED_DIR]).get(model_id).card.metrics
    real, model, base = m["real"], m["model"], m["baseline"]
    gaps = [abs(model[k] - real[k]) / real[k] if real[k] else abs(model[k] - real[k])
            for k in ("in_scale_rate", "pitch_classes_per_bar", "qualified_note_rate",
                      "polyphonic_rate")]
    ok = max(gaps) <= 0.10 and model["tonal_distance"] < base["tonal_distance"]
    assert ok == m["quality_bar"]["met"]
    assert ok or model_id not in MEETING
