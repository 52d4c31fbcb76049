"""Build the Linux bundle and its tarball (`make package` runs this through the slow test).

    python packaging/build_linux.py [--dist dist] [--work build/pyinstaller]

1. PyInstaller with packaging/deepcomposer.spec: DIST/deepcomposer/, one folder
   (the executable, and _internal/ with Python, Qt, onnxruntime, libfluidsynth and
   the libraries it needs, the models, the SoundFont and the user guide).
2. DIST/deepcomposer-desktop-VERSION-linux-ARCH.tar.gz: that folder, plus
   share/applications/ (the .desktop file), share/icons/hicolor/ (SVG and a
   256 px PNG drawn from it), share/metainfo/ (AppStream) and install.sh, which
   copies it to ~/.local/opt and registers the launcher, icon and metainfo.
Prints the two sizes; `--json` prints them as JSON on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
APP_ID = "io.github.deepcomposer.Desktop"
DESKTOP = "deepcomposer-desktop.desktop"

INSTALL_SH = """#!/bin/sh
# Install DeepComposer Desktop for this user: ~/.local/opt/deepcomposer, a launcher in the
# applications menu, the icon, the AppStream metainfo and ~/.local/bin/deepcomposer.
#   ./install.sh            install (again: update)
#   ./install.sh --remove   remove what install.sh put there (your songs and models stay)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
opt=$HOME/.local/opt/deepcomposer
if [ "${1:-}" = --remove ]; then
  rm -rf "$opt" "$HOME/.local/bin/deepcomposer" "$data/applications/%(desktop)s" \\
    "$data/icons/hicolor/scalable/apps/deepcomposer.svg" \\
    "$data/icons/hicolor/256x256/apps/deepcomposer.png" \\
    "$data/metainfo/%(app_id)s.metainfo.xml"
  echo "removed"; exit 0
fi
mkdir -p "$HOME/.local/opt" "$HOME/.local/bin" "$data/applications" "$data/metainfo" \\
  "$data/icons/hicolor/scalable/apps" "$data/icons/hicolor/256x256/apps"
rm -rf "$opt"
cp -a "$here/deepcomposer" "$opt"
ln -sf "$opt/deepcomposer" "$HOME/.local/bin/deepcomposer"
sed "s|^Exec=deepcomposer|Exec=$opt/deepcomposer|" "$here/share/applications/%(desktop)s" \\
  > "$data/applications/%(desktop)s"
cp "$here/share/icons/hicolor/scalable/apps/deepcomposer.svg" "$data/icons/hicolor/scalable/apps/"
cp "$here/share/icons/hicolor/256x256/apps/deepcomposer.png" "$data/icons/hicolor/256x256/apps/"
cp "$here/share/metainfo/%(app_id)s.metainfo.xml" "$data/metainfo/"
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
echo "installed in $opt; DeepComposer Desktop is in the applications menu"
""" % {"desktop": DESKTOP, "app_id": APP_ID}


def folder_size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from deepcomposer_desktop import __version__
    return __version__


def icon_png(svg: Path, out: Path, size: int = 256) -> None:
    """Draw the SVG icon into a PNG with Qt (offscreen; no display needed)."""
    code = ("import sys; from PySide6.QtGui import QGuiApplication, QImage, QPainter, QColor;"
            "from PySide6.QtSvg import QSvgRenderer; app = QGuiApplication(['x']);"
            f"img = QImage({size}, {size}, QImage.Format.Format_ARGB32); img.fill(QColor(0, 0, 0, 0));"
            "p = QPainter(img); QSvgRenderer(sys.argv[1]).render(p); p.end();"
            "sys.exit(0 if img.save(sys.argv[2]) else 1)")
    subprocess.run([sys.executable, "-c", code, str(svg), str(out)], check=True,
                   env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def build(dist: Path, work: Path) -> dict:
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                    "--distpath", str(dist), "--workpath", str(work),
                    str(PACKAGING / "deepcomposer.spec")], check=True, cwd=ROOT)
    bundle = dist / "deepcomposer"
    name = f"deepcomposer-desktop-{version()}-linux-{platform.machine()}"
    stage = work / name
    shutil.rmtree(stage, ignore_errors=True)
    share = stage / "share"
    for sub in ("applications", "metainfo", "icons/hicolor/scalable/apps", "icons/hicolor/256x256/apps"):
        (share / sub).mkdir(parents=True)
    shutil.copy2(PACKAGING / DESKTOP, share / "applications" / DESKTOP)
    shutil.copy2(PACKAGING / f"{APP_ID}.metainfo.xml", share / "metainfo")
    svg = ROOT / "resources" / "icons" / "deepcomposer.svg"
    shutil.copy2(svg, share / "icons/hicolor/scalable/apps")
    icon_png(svg, share / "icons/hicolor/256x256/apps/deepcomposer.png")
    (stage / "install.sh").write_text(INSTALL_SH)
    (stage / "install.sh").chmod(0o755)
    tarball = dist / f"{name}.tar.gz"
    with tarfile.open(tarball, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=f"{name}/deepcomposer")
        for item in sorted(stage.iterdir()):
            tar.add(item, arcname=f"{name}/{item.name}")
    internal = bundle / "_internal"
    parts = {"soundfonts": internal / "soundfonts", "models": internal / "models"}
    return {"bundle": str(bundle), "bundle_bytes": folder_size(bundle),
            **{f"{k}_bytes": folder_size(v) for k, v in parts.items() if v.is_dir()},
            "tarball": str(tarball), "tarball_bytes": tarball.stat().st_size, "top": name}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python packaging/build_linux.py")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    info = build(args.dist.resolve(), args.work.resolve())
    mb = 1024 * 1024
    print(f"bundle  {info['bundle']}: {info['bundle_bytes'] / mb:.0f} MB "
          f"(models {info.get('models_bytes', 0) / mb:.0f} MB, "
          f"SoundFont {info.get('soundfonts_bytes', 0) / mb:.1f} MB)")
    print(f"tarball {info['tarball']}: {info['tarball_bytes'] / mb:.0f} MB")
    if args.json:
        print(json.dumps(info))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
