import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepcomposer_desktop.generation import tokenizer as tk
from deepcomposer_desktop.generation.tokenizer import TimedNote


def test_vocabulary_is_deepcomposers_310():
    assert tk.VOCAB_SIZE == 310
    assert tk.VELOCITY + tk.N_VELOCITY == 310 and tk.TIME_SHIFT - tk.NOTE_OFF == 88


def test_encode_a_two_note_phrase_by_hand():
    notes = [TimedNote(0.0, 0.5, 60, 100), TimedNote(0.5, 2.0, 64, 100)]
    tokens = tk.encode(notes)
    v = tk.VELOCITY + tk.velocity_to_bin(100)
    assert tokens == [tk.START, v, tk.NOTE_ON + 39, tk.TIME_SHIFT + 49, tk.NOTE_OFF + 39,
                      tk.NOTE_ON + 43, tk.TIME_SHIFT + 99, tk.TIME_SHIFT + 49, tk.NOTE_OFF + 43]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 500), st.integers(1, 300), st.integers(21, 108),
                          st.integers(1, 127)), max_size=40))
def test_round_trip_on_the_10ms_grid(raw):
    # Distinct pitches per onset so FIFO pairing is unambiguous.
    notes, seen = [], set()
    for start, dur, pitch, vel in raw:
        if any(p == pitch and not (start >= e or start + dur <= s) for s, e, p in seen):
            continue
        seen.add((start, start + dur, pitch))
        notes.append(TimedNote(start / 100, (start + dur) / 100, pitch, vel))
    back = tk.decode(tk.encode(notes))
    key = lambda n: (round(n.start, 6), n.pitch)
    assert len(back) == len(notes)
    for a, b in zip(sorted(notes, key=key), sorted(back, key=key)):
        assert b.start == pytest.approx(a.start) and b.end == pytest.approx(a.end)
        assert a.pitch == b.pitch and tk.velocity_to_bin(a.velocity) == tk.velocity_to_bin(b.velocity)


def test_decode_closes_sounding_notes_and_ignores_stray_offs():
    tokens = [tk.NOTE_OFF + 5, tk.NOTE_ON + 10, tk.TIME_SHIFT + 9]
    assert tk.decode(tokens) == [TimedNote(0.0, 0.1, 31, 64)]
    assert tk.decode(tokens, close_at=1.0)[0].end == 1.0


def test_out_of_range_pitches_fold_by_octaves():
    back = tk.decode(tk.encode([TimedNote(0, 1, 12, 80), TimedNote(0, 1, 120, 80)]))
    assert sorted(n.pitch for n in back) == [24, 108]


def test_note_on_mask():
    ok = np.zeros(128, bool)
    ok[60] = True
    mask = tk.note_on_mask(ok)
    assert mask[tk.NOTE_ON + 39] and not mask[tk.NOTE_ON + 40] and mask[tk.NOTE_OFF + 40]
