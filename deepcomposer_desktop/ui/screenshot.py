"""Save a picture of the studio window, offscreen (for docs/ and bug reports).

    python -m deepcomposer_desktop.ui.screenshot docs/studio.png --open sample:twinkle \\
        [--gan MODEL_ID --seed 7] [--size 1400x860]

With --gan the melody is accompanied by that installed GAN model first, through the
generate panel, exactly as a click on Generate does.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deepcomposer_desktop.ui.screenshot")
    parser.add_argument("output")
    parser.add_argument("--open", default="sample:twinkle", help="MIDI file, project or sample:NAME")
    parser.add_argument("--gan", help="accompany with this GAN model id first")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--size", default="1400x860")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QStandardPaths, QTimer

    from .app import create_app
    QStandardPaths.setTestModeEnabled(True)  # leave the user's settings alone
    app = create_app()
    from .main_window import MainWindow
    window = MainWindow(audio=False, interactive=False)
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    if not window.files.open_path(args.open):
        print(f"cannot open {args.open}: {window.last_error}", file=sys.stderr)
        return 3
    if args.gan:
        panel = window.generate_panel
        index = panel.model.findData(args.gan)
        if index < 0:
            print(f"no installed GAN model {args.gan!r}", file=sys.stderr)
            return 4
        panel.model.setCurrentIndex(index)
        panel.seed.setValue(args.seed)
        loop = QEventLoop()
        window.jobs.finished.connect(loop.quit)
        window.jobs.failed.connect(loop.quit)
        panel.generate()
        loop.exec()
        window.doc.set_current_track(0)
    QTimer.singleShot(0, window.editor.fit)
    for _ in range(3):
        app.processEvents()
    ok = window.grab().save(args.output)
    print(args.output if ok else f"could not write {args.output}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
