"""The mode table: its documentation is current, card defaults fill in, values are
checked, and a result says what changed and lands on free channels."""

from __future__ import annotations

from pathlib import Path

import pytest

from deepcomposer_desktop.generation.modes import MODES, Request, generate, markdown_table
from deepcomposer_desktop.generation.registry import SHIPPED_DIR, Registry
from deepcomposer_desktop.music import Composition, Note, Track, load_sample

DOC = Path(__file__).resolve().parents[2] / "docs" / "PARAMETERS.md"


def test_the_parameter_table_in_docs_is_generated_from_the_modes():
    assert DOC.read_text() == markdown_table(), \
        "run: python -m deepcomposer_desktop.generation.modes > docs/PARAMETERS.md"


def test_card_fields_give_defaults_and_values_are_checked():
    registry = Registry([SHIPPED_DIR])
    for entry in registry.models("gan"):
        values = MODES["gan"].values({}, entry.card)
        assert values == {"key_lock": entry.card.gan.key_lock,
                          "candidates": entry.card.gan.candidates}
    assert MODES["arcnn"].values({"iterations": 7})["iterations"] == 7
    for bad in ({"iterations": 1001}, {"iterations": 2.5}, {"temperature": float("nan")},
                {"key_lock": "yes"}, {"nonsense": 1}):
        with pytest.raises(ValueError):
            MODES["arcnn"].values(bad)
    with pytest.raises(ValueError, match="nucleus"):
        MODES["transformer"].values({"sampling": "nucleus", "threshold": 40})


def test_a_generation_lands_on_free_channels_never_the_drum_channel():
    registry = Registry([SHIPPED_DIR])
    song = load_sample("twinkle")
    for i in range(1, 13):  # with the melody, channels 0-8 and 10-13 are taken
        song.tracks.append(Track(f"t{i}", channel=i if i < 9 else i + 1,
                                 notes=[Note(0, 60, 480, 80)]))
    model = registry.models("gan")[0].id
    result = generate(registry, "gan", song, Request(model, seed=1))
    # 14 and 15 are free; then every channel has one track, and the lowest is shared
    assert [t.channel for t in result.tracks] == [14, 15, 0]
    assert result.summary.startswith(f"+{len(result.tracks)} tracks, ")


def test_an_unchanged_take_is_reported_as_no_change():
    registry = Registry([SHIPPED_DIR])
    song = Composition(tracks=[Track("Melody", notes=[Note(i * 480, 60 + i, 480, 90)
                                                      for i in range(8)])])
    model = registry.models("arcnn")[0].id
    result = generate(registry, "arcnn", song, Request(model, seed=1, values={"iterations": 0}))
    assert result.summary == "no change: try a higher creative risk"
    assert result.tracks == []  # not added: it would double the melody


def test_a_changed_take_counts_notes_in_words():
    registry = Registry([SHIPPED_DIR])
    song = Composition(tracks=[Track("Melody", notes=[Note(i * 480, 60 + i, 480, 90)
                                                      for i in range(8)])])
    model = registry.models("arcnn")[0].id
    result = generate(registry, "arcnn", song, Request(model, seed=1,
                                                       values={"iterations": 30,
                                                               "temperature": 3.0}))
    assert len(result.tracks) == 1 and result.tracks[0].name == "Melody (AR-CNN take)"
    added = len(set(result.tracks[0].notes) - set(song.tracks[0].notes))
    removed = len(set(song.tracks[0].notes) - set(result.tracks[0].notes))
    assert result.summary == (f"+{added} note{'s' * (added != 1)}, "
                              f"\u2212{removed} note{'s' * (removed != 1)}")


def test_parameter_values_read_as_words():
    threshold = MODES["transformer"].param("threshold")
    assert threshold.value_text(None) == "auto (k 40 or p 0.9)"
    assert MODES["transformer"].param("extend_seconds").value_text(20.0) == "20 s"
    assert MODES["gan"].param("key_lock").value_text(True) == "on"
