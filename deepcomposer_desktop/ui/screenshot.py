"""Save a picture of the studio window, offscreen (for docs/ and bug reports).

    python -m deepcomposer_desktop.ui.screenshot docs/studio.png --open sample:twinkle \\
        [--gan MODEL_ID --seed 7] [--size 1400x860]
    python -m deepcomposer_desktop.ui.screenshot docs/first-screen.png --open new
    python -m deepcomposer_desktop.ui.screenshot docs/versions.png --open sample:twinkle \\
        --generate gan-bach-chorales --generate gan-monteverdi --seed 7
    python -m deepcomposer_desktop.ui.screenshot docs/library.png --library \\
        --generate gan-bach-chorales --generate gan-palestrina
    python -m deepcomposer_desktop.ui.screenshot docs/chord-lane.png --chords --size 1500x640 \\
        --generate gan-bach-chorales --generate gan-palestrina --generate gan-trecento --seed 7

With --gan the melody is accompanied by that installed GAN model first, through the
generate panel, exactly as a click on Generate does, and the version is kept.
Each --generate makes one more version with that model (the last one shown; the
seed goes up by one each time). With --library, each --generate runs on another
sample melody (saved as a project in a throw-away folder) and the picture is the
File > Library dialog.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deepcomposer_desktop.ui.screenshot")
    parser.add_argument("output")
    parser.add_argument("--open", default="sample:twinkle",
                        help="MIDI file, project or sample:NAME; 'new': the first screen, an empty song")
    parser.add_argument("--gan", help="accompany with this GAN model id first (kept)")
    parser.add_argument("--generate", action="append", default=[], metavar="MODEL_ID",
                        help="make a version with this model (repeatable)")
    parser.add_argument("--library", action="store_true", help="picture the Library dialog")
    parser.add_argument("--chords", action="store_true",
                        help="picture the chord lane over the roll: the song with the first "
                             "version kept, then each other version, stacked (ui/chord_shot.py)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--size", default="1400x860")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if "DEEPCOMPOSER_HOME" not in os.environ:  # the library and autosaves: not the user's
        import tempfile
        os.environ["DEEPCOMPOSER_HOME"] = tempfile.mkdtemp(prefix="deepcomposer-shot-")
    from PySide6.QtCore import QEventLoop, QStandardPaths, QTimer

    from .app import create_app
    QStandardPaths.setTestModeEnabled(True)  # leave the user's settings alone
    app = create_app()
    from .main_window import MainWindow
    window = MainWindow(audio=False, interactive=False)
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    if args.open != "new" and not window.files.open_path(args.open):
        print(f"cannot open {args.open}: {window.last_error}", file=sys.stderr)
        return 3

    def generate(model: str, seed: int) -> bool:
        panel = window.generate_panel
        mode = next((e.card.mode for e in panel.registry.entries() if e.id == model and e.ok), None)
        if mode is None:
            print(f"no installed model {model!r}", file=sys.stderr)
            return False
        panel.mode.setCurrentIndex(panel.mode.findData(mode))
        panel.model.setCurrentIndex(panel.model.findData(model))
        panel.seed.setValue(seed)
        loop = QEventLoop()
        window.jobs.finished.connect(loop.quit)
        window.jobs.failed.connect(loop.quit)
        panel.generate()
        loop.exec()
        return True

    if args.gan:
        if not generate(args.gan, args.seed):
            return 4
        window.versions.keep()
        window.doc.set_current_track(0)
    if args.library:
        import tempfile

        from ..music import SAMPLE_PREFIX, SAMPLES
        folder = tempfile.mkdtemp(prefix="deepcomposer-shot-")
        for k, (model, name) in enumerate(zip(args.generate, [n for n in SAMPLES if n != "twinkle"])):
            window.files.open_path(SAMPLE_PREFIX + name)
            if not generate(model, args.seed + k):
                return 4
            window.files.save(os.path.join(folder, f"{name}.dcproj"))
        dialog = window.show_library()
        dialog.resize(width * 3 // 5, height // 2)
        for _ in range(3):
            app.processEvents()
        ok = dialog.grab().save(args.output)
        print(args.output if ok else f"could not write {args.output}")
        return 0 if ok else 1
    for k, model in enumerate(args.generate):
        if not generate(model, args.seed + k):
            return 4
    if args.chords:
        from .chord_shot import chord_lane_picture
        ok = chord_lane_picture(window, app, args.output)
        print(args.output if ok else f"could not write {args.output}")
        return 0 if ok else 1
    QTimer.singleShot(0, window.editor.fit)
    for _ in range(3):
        app.processEvents()
    ok = window.grab().save(args.output)
    print(args.output if ok else f"could not write {args.output}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
