import pytest


@pytest.fixture(scope="session")
def midi_folder(tmp_path_factory):
    """Nine four-track pieces (each sample melody over its triad baseline, in two
    folders) written as MIDI files: a small real dataset for the folder loader and
    the smoke training, built without music21."""
    import numpy as np

    from deepcomposer_desktop.training.baseline import triad_accompaniment
    from deepcomposer_desktop.music import SAMPLES, load_sample, write_midi
    from deepcomposer_desktop.music.pianoroll import RollGrid, notes_to_roll, roll_to_notes

    root = tmp_path_factory.mktemp("midi")
    for i, name in enumerate(sorted(SAMPLES)):
        comp = load_sample(name)
        grid = RollGrid(comp.ppq, 4, 36, 64)
        melody = notes_to_roll(comp.tracks[0].notes, grid)
        acc = triad_accompaniment(melody, comp.key, 36)
        for roll, voice in zip(acc, ("Alto", "Tenor", "Bass")):
            notes = roll_to_notes(roll, grid)
            if voice == "Bass":
                notes = [n.moved(pitch=n.pitch - 12) for n in notes]
            comp.add_track(voice, 48, notes=notes)
        folder = root / ("hymns" if i % 2 else "songs")
        folder.mkdir(exist_ok=True)
        write_midi(comp, folder / f"{name}.mid")
    assert np.all([p.stat().st_size > 0 for p in root.rglob("*.mid")])
    return root
