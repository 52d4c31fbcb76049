"""The Linux bundle (`make package`): built by packaging/build_linux.py, unpacked from its
tarball into a bare folder, then run with an environment that has no .venv, no
PYTHONPATH and no repository: the window opens (offscreen) and `sample:twinkle`
renders to a WAV that is not silent, with the bundle's own models, SoundFont and
libfluidsynth.

Marked slow: minutes of PyInstaller, so `make test` leaves it out (pyproject's
`-m "not slow"`); `make package` runs it (`pytest -m slow tests/packaging`).
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tarfile
import wave
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]  # the build is in the first test

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "packaging" / "build_linux.py"


def _bare_env(home: Path) -> dict[str, str]:
    """What a desktop session gives a launcher: no virtual environment anywhere."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "QT_QPA_PLATFORM": "offscreen", "DEEPCOMPOSER_HOME": str(home / "deepcomposer"),
            "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_CACHE_HOME": str(home / ".cache")}


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory) -> tuple[Path, dict]:
    pytest.importorskip("PyInstaller", reason="make package installs PyInstaller")
    if not sys.platform.startswith("linux"):
        pytest.skip("the tarball is the Linux bundle (macOS, Windows: packaging/README.md)")
    done = subprocess.run([sys.executable, str(BUILD), "--json"], cwd=ROOT, capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    info = json.loads(done.stdout.strip().splitlines()[-1])
    print("\n".join(done.stdout.strip().splitlines()[-3:-1]))  # the sizes, shown with -s
    where = tmp_path_factory.mktemp("bare")
    with tarfile.open(info["tarball"]) as tar:
        tar.extractall(where, filter="tar")
    top = where / info["top"]
    return top, info


def _run(exe: Path, *args: str, home: Path, **extra) -> subprocess.CompletedProcess:
    env = {**_bare_env(home), **extra}
    return subprocess.run([str(exe), *args], cwd=home, env=env, capture_output=True, text=True,
                          timeout=300)


def test_tarball_has_the_launcher_icon_and_metainfo(unpacked):
    top, info = unpacked
    assert (top / "share/applications/deepcomposer-desktop.desktop").is_file()
    assert (top / "share/metainfo/io.github.deepcomposer.Desktop.metainfo.xml").is_file()
    assert _png_size(top / "share/icons/hicolor/256x256/apps/deepcomposer.png") == (256, 256)
    assert (top / "share/icons/hicolor/scalable/apps/deepcomposer.svg").is_file()
    assert os.access(top / "install.sh", os.X_OK)
    internal = top / "deepcomposer" / "_internal"
    assert (internal / "libfluidsynth.so.3").is_file()
    assert list((internal / "soundfonts").glob("*.sf[23]"))
    assert (internal / "docs" / "USER_GUIDE.md").is_file()


def test_bundle_opens_the_window_headless(unpacked, tmp_path):
    top, _ = unpacked
    shot = tmp_path / "window.png"
    done = _run(top / "deepcomposer" / "deepcomposer", "--screenshot", str(shot), "--open",
                "sample:twinkle", "--size", "1000x700", home=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert _png_size(shot) == (1000, 700)
    assert shot.stat().st_size > 20_000  # a drawn window, not an empty frame


def test_bundle_uses_its_own_models_and_soundfont(unpacked, tmp_path):
    top, _ = unpacked
    exe = top / "deepcomposer" / "deepcomposer"
    models = _run(exe, "models", "--json", home=tmp_path)
    assert models.returncode == 0, models.stderr
    listed = json.loads(models.stdout)
    entries = listed if isinstance(listed, list) else listed.get("models", listed)
    assert {m["mode"] for m in entries if m["ok"]} == {"gan", "arcnn", "transformer"}
    assert all(Path(m["path"]).is_relative_to(top) for m in entries), entries
    devices = _run(exe, "devices", "--json", home=tmp_path)
    assert devices.returncode == 0, devices.stderr
    assert str(top / "deepcomposer" / "_internal" / "soundfonts") in devices.stdout


def test_bundle_says_training_needs_the_extra(unpacked, tmp_path):
    top, _ = unpacked
    done = _run(top / "deepcomposer" / "deepcomposer", "train", "--mode", "gan", "--dataset",
                "bach-chorales", "--output", str(tmp_path / "m"), home=tmp_path)
    assert done.returncode == 4, done.stderr
    assert "'train' extra" in done.stderr and "Traceback" not in done.stderr


def test_bundle_renders_twinkle_to_a_wav_that_is_not_silent(unpacked, tmp_path):
    top, _ = unpacked
    out = tmp_path / "twinkle.wav"
    # LD_DEBUG=libs: the dynamic loader says which libfluidsynth it opened.
    done = _run(top / "deepcomposer" / "deepcomposer", "render", "sample:twinkle", "--output",
                str(out), home=tmp_path, LD_DEBUG="libs")
    assert done.returncode == 0, done.stderr[-3000:]
    opened = [line for line in done.stderr.splitlines()
              if "calling init:" in line and "libfluidsynth" in line]
    assert opened and all(str(top) in line for line in opened), opened
    with wave.open(str(out)) as w:
        frames = w.readframes(w.getnframes())
        assert w.getnchannels() == 2 and w.getsampwidth() == 2
        seconds = w.getnframes() / w.getframerate()
    audio = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768
    assert seconds > 5
    assert np.abs(audio).max() > 0.05 and np.sqrt(np.mean(audio ** 2)) > 0.005
