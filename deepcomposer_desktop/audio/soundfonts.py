"""Finding a General MIDI SoundFont, and refusing a damaged one before FluidSynth sees it.

Order: the user's setting -> $DEEPCOMPOSER_SOUNDFONT -> one shipped with the app or
put in the app's data folder -> the usual system folders (where `make` installs
FluidR3_GM.sf2 through packaging/setup-debian.sh). Within the shipped and the
system tiers the better-known General MIDI fonts win over whatever else is there.
"""

from __future__ import annotations

import logging
import os
import struct
import sys
from pathlib import Path

from ..bundle import app_root
from ..errors import MissingResourceError

log = logging.getLogger(__name__)

ENV_VAR = "DEEPCOMPOSER_SOUNDFONT"
EXTENSIONS = (".sf2", ".sf3")
# Best first; a name not listed ranks after all of these (alphabetically).
PREFERRED = (
    "fluidr3_gm.sf2", "fluidr3_gm.sf3", "musescore_general.sf3", "musescore_general.sf2",
    "generaluser gs v1.471.sf2", "default-gm.sf2", "default-gm.sf3", "timgm6mb.sf2",
)
_REPO_ROOT = app_root()  # the repository, or the bundle's data folder when frozen


def shipped_dirs() -> list[Path]:
    """Folders for a SoundFont that comes with the app or was put there by set-up."""
    from ..library.paths import data_dir  # lazy: platformdirs only when searching

    dirs = [_REPO_ROOT / "resources" / "soundfonts", data_dir() / "soundfonts"]
    if getattr(sys, "frozen", False):  # a PyInstaller bundle keeps data beside the executable
        dirs.insert(0, Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "soundfonts")
    return dirs


def system_dirs() -> list[Path]:
    """Where Linux distributions, Homebrew and Windows users usually keep SoundFonts."""
    home = Path.home()
    if sys.platform == "darwin":
        return [Path("/opt/homebrew/share/soundfonts"), Path("/usr/local/share/soundfonts"),
                Path("/opt/homebrew/share/fluid-synth/sf2"),
                home / "Library/Audio/Sounds/Banks", home / "Library/Application Support/soundfonts"]
    if sys.platform == "win32":
        roots = [os.environ.get(v) for v in ("ProgramData", "ProgramFiles", "USERPROFILE")]
        return ([Path(r) / "soundfonts" for r in roots if r]
                + [Path("C:/soundfonts"), Path("C:/SoundFonts")])
    return [Path("/usr/share/sounds/sf2"), Path("/usr/share/sounds/sf3"),
            Path("/usr/share/soundfonts"), Path("/usr/local/share/soundfonts"),
            Path("/usr/share/sounds/sf2/fluid-soundfont-gm"),
            home / ".local/share/soundfonts", home / ".local/share/sounds/sf2"]


def _rank(path: Path) -> tuple[int, str]:
    name = path.name.lower()
    return (PREFERRED.index(name) if name in PREFERRED else len(PREFERRED), name)


def _fonts_in(folders: list[Path]) -> list[Path]:
    """SoundFonts in `folders`, best name first, then folder order."""
    found = []
    for order, folder in enumerate(folders):
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        found += [(_rank(p), order, p) for p in entries
                  if p.suffix.lower() in EXTENSIONS and p.is_file()]
    return [p for _, _, p in sorted(found)]


def is_valid_soundfont(path: str | os.PathLike) -> bool:
    try:
        validate_soundfont(path)
    except MissingResourceError:
        return False
    return True


def find_soundfont(setting: str | None = None) -> Path | None:
    """The SoundFont to use, or None when there is none (sound is then off).

    A path the user named (setting or environment) is returned whenever the file
    exists, damaged or not, so that validate_soundfont can tell them what is wrong
    with the file they chose; one that does not exist is skipped with a warning.
    Found fonts are only taken when their header is sound.
    """
    for origin, value in (("setting", setting), (ENV_VAR, os.environ.get(ENV_VAR))):
        if value:
            path = Path(value).expanduser()
            if path.is_file():
                return path
            log.warning("the SoundFont named by the %s does not exist: %s", origin, path)
    for tier in (shipped_dirs(), system_dirs()):
        for path in _fonts_in(tier):
            if is_valid_soundfont(path):
                return path
            log.warning("skipping a damaged SoundFont: %s", path)
    return None


# The preset-data chunks every SoundFont 2 has, with the size of one record in each.
_PDTA_RECORDS = {b"phdr": 38, b"pbag": 4, b"pmod": 10, b"pgen": 4, b"inst": 22,
                 b"ibag": 4, b"imod": 10, b"igen": 4, b"shdr": 46}


class _Damaged(Exception):
    pass


def _chunks(fh, start: int, end: int):
    """(id, data offset, size) of the RIFF chunks between `start` and `end`."""
    pos = start
    while pos + 8 <= end:
        fh.seek(pos)
        head = fh.read(8)
        if len(head) < 8:
            raise _Damaged("truncated")
        cid, size = head[:4], struct.unpack("<I", head[4:])[0]
        if pos + 8 + size > end:
            raise _Damaged(f"its {cid.decode('latin-1')!r} chunk runs past the end of the file")
        yield cid, pos + 8, size
        pos += 8 + size + (size & 1)


def _check_structure(fh, end: int) -> None:
    """The lists a synthesiser reads (INFO, sdta, pdta) and the preset data's records."""
    lists = {}
    for cid, at, size in _chunks(fh, 12, end):
        if cid == b"LIST" and size >= 4:
            fh.seek(at)
            lists[fh.read(4)] = (at + 4, at + size)
    for name, what in ((b"INFO", "information"), (b"sdta", "samples"), (b"pdta", "presets")):
        if name not in lists:
            raise _Damaged(f"no {name.decode()!r} list ({what})")
    found = {cid: size for cid, _at, size in _chunks(fh, *lists[b"pdta"])}
    for cid, record in _PDTA_RECORDS.items():
        size = found.get(cid)
        if size is None:
            raise _Damaged(f"no {cid.decode()!r} chunk in its presets")
        if size % record or size < record * (2 if cid in (b"phdr", b"inst", b"shdr") else 1):
            raise _Damaged(f"its {cid.decode()!r} chunk has a broken size ({size} bytes)")


def validate_soundfont(path: str | os.PathLike) -> None:
    """Raise MissingResourceError unless `path` looks like a whole SF2/SF3 file.

    Checks the RIFF header, the 'sfbk' form type, that the file is as long as its
    header says (a truncated download is the usual damage), and the chunk structure
    a synthesiser reads (the INFO, sdta and pdta lists, the nine preset-data chunks
    and their record sizes), reading only chunk headers. FluidSynth would otherwise
    fail later with a message a user cannot act on (and libinstpatch's own lines on
    stderr).
    """
    path = Path(path)
    if not path.is_file():
        raise MissingResourceError(f"SoundFont not found: {path}")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"sfbk":
                raise MissingResourceError(f"{path} is not a SoundFont (no RIFF 'sfbk' header)")
            declared = struct.unpack("<I", head[4:8])[0] + 8
            if declared > size:
                raise MissingResourceError(
                    f"SoundFont {path} is damaged: truncated ({size} of {declared} bytes)")
            _check_structure(fh, declared)
    except _Damaged as exc:
        raise MissingResourceError(f"SoundFont {path} is damaged: {exc}") from None
    except OSError as exc:
        raise MissingResourceError(f"cannot read SoundFont {path}: {exc.strerror or exc}") from None
