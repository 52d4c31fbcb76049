import struct
from pathlib import Path

import pytest

from deepcomposer_desktop.audio import soundfonts
from deepcomposer_desktop.audio.soundfonts import find_soundfont, validate_soundfont
from deepcomposer_desktop.errors import MissingResourceError


def _chunk(cid: bytes, data: bytes) -> bytes:
    return cid + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) & 1)


# The structure of a SoundFont (INFO, sdta, pdta lists; the nine preset-data chunks of
# two records each), without any sound in it.
RECORDS = {b"phdr": 38, b"pbag": 4, b"pmod": 10, b"pgen": 4, b"inst": 22, b"ibag": 4,
           b"imod": 10, b"igen": 4, b"shdr": 46}
WHOLE = (_chunk(b"LIST", b"INFO" + _chunk(b"ifil", b"\x02\x00\x01\x00"))
         + _chunk(b"LIST", b"sdta" + _chunk(b"smpl", b""))
         + _chunk(b"LIST", b"pdta" + b"".join(_chunk(c, bytes(2 * n)) for c, n in RECORDS.items())))


def fake_sf2(path: Path, body: bytes = WHOLE) -> Path:
    """The outside and chunk structure of a SoundFont: RIFF header, 'sfbk' form, the
    length it declares, the lists and chunks a synthesiser reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"sfbk" + body)
    return path


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """Empty shipped and system folders, and no $DEEPCOMPOSER_SOUNDFONT."""
    shipped, system = tmp_path / "shipped", tmp_path / "system"
    monkeypatch.setattr(soundfonts, "shipped_dirs", lambda: [shipped])
    monkeypatch.setattr(soundfonts, "system_dirs", lambda: [tmp_path / "absent", system])
    monkeypatch.delenv(soundfonts.ENV_VAR, raising=False)
    return shipped, system


def test_nothing_anywhere_gives_none(folders):
    assert find_soundfont() is None
    assert find_soundfont("") is None


def test_order_setting_then_environment_then_shipped_then_system(folders, tmp_path, monkeypatch):
    shipped, system = folders
    in_system = fake_sf2(system / "FluidR3_GM.sf2")
    assert find_soundfont() == in_system
    in_shipped = fake_sf2(shipped / "mine.sf2")
    assert find_soundfont() == in_shipped  # shipped beats system, even a better-named one
    from_env = fake_sf2(tmp_path / "env.sf2")
    monkeypatch.setenv(soundfonts.ENV_VAR, str(from_env))
    assert find_soundfont() == from_env
    chosen = fake_sf2(tmp_path / "chosen.sf3")
    assert find_soundfont(str(chosen)) == chosen


def test_fluidr3_is_preferred_over_timgm6mb_and_unknown_names(folders):
    _, system = folders
    fake_sf2(system / "AAA.sf2")
    fake_sf2(system / "TimGM6mb.sf2")
    assert find_soundfont().name == "TimGM6mb.sf2"
    fake_sf2(system / "FluidR3_GM.sf2")
    assert find_soundfont().name == "FluidR3_GM.sf2"


def test_a_named_file_that_does_not_exist_falls_back_with_a_warning(folders, tmp_path, caplog):
    _, system = folders
    found = fake_sf2(system / "TimGM6mb.sf2")
    assert find_soundfont(str(tmp_path / "gone.sf2")) == found
    assert "does not exist" in caplog.text


def test_damaged_fonts_in_folders_are_skipped_but_a_named_one_is_reported(folders, tmp_path):
    _, system = folders
    good = fake_sf2(system / "TimGM6mb.sf2")
    (system / "FluidR3_GM.sf2").write_bytes(b"RIFF\x00\x10\x00\x00sfbk")  # truncated
    assert find_soundfont() == good
    named = system / "FluidR3_GM.sf2"
    assert find_soundfont(str(named)) == named  # the user asked for it: say what is wrong
    with pytest.raises(MissingResourceError, match="truncated"):
        validate_soundfont(named)


@pytest.mark.parametrize("content, message", [
    (None, "not found"),
    (b"", "not a SoundFont"),
    (b"MThd\x00\x00\x00\x06\x00\x01\x00\x02", "not a SoundFont"),
    (b"RIFF\x04\x00\x00\x00WAVE", "not a SoundFont"),
    (b"RIFF\xff\xff\x00\x00sfbkLIST", "truncated"),
])
def test_validate_refuses_missing_and_damaged_files(tmp_path, content, message):
    path = tmp_path / "font.sf2"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(MissingResourceError, match=message):
        validate_soundfont(path)


def test_validate_accepts_a_whole_file(tmp_path):
    validate_soundfont(fake_sf2(tmp_path / "ok.sf2"))


def test_the_installed_general_midi_font_is_found_and_sound():
    installed = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
    if not installed.exists():
        pytest.skip("fluid-soundfont-gm is not installed")
    found = find_soundfont()
    assert found is not None and found.name == "FluidR3_GM.sf2"
    validate_soundfont(found)
