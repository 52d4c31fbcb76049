"""A picture of the Train a Genre window during a real run, offscreen (docs/training.png).

    python -m deepcomposer_desktop.ui.training_shot docs/training.png --folder DIR \\
        [--time-signature 4/4] [--seconds 180] [--size 1500x940]
    python -m deepcomposer_desktop.ui.training_shot shot.png --preset bach-chorales --limit 60

It opens the studio and Tools > Train a Genre exactly as a person would, chooses the
data and its filter, waits for the preview, times a few steps (Estimate), starts a
run with the shipped models' hyper-parameters (the Quick look preset), lets it train
for `--seconds`, renders the accompaniment of the latest saved epoch in the Listen
roll, and saves the window; then the run is stopped. docs/training.png was made on a
folder of 60 Bach chorales written as MIDI files from music21's corpus (a user's own
folder would do the same).
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deepcomposer_desktop.ui.training_shot")
    parser.add_argument("output")
    data = parser.add_mutually_exclusive_group(required=True)
    data.add_argument("--folder", help="a folder of MIDI files")
    data.add_argument("--preset", help="a corpus preset")
    parser.add_argument("--limit", type=int, default=0, help="pieces of the preset (0: all)")
    parser.add_argument("--time-signature", help="the filter tag, e.g. 4/4")
    parser.add_argument("--seconds", type=float, default=180, help="how long it trains first")
    parser.add_argument("--name", default="gan-my-chorales")
    parser.add_argument("--size", default="1500x940")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if "DEEPCOMPOSER_HOME" not in os.environ:  # the run and the library: not the user's
        import tempfile
        os.environ["DEEPCOMPOSER_HOME"] = tempfile.mkdtemp(prefix="deepcomposer-shot-")
    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QApplication

    from .app import create_app
    QStandardPaths.setTestModeEnabled(True)
    app = create_app()
    from .main_window import MainWindow
    studio = MainWindow(audio=False, interactive=False)
    tw = studio.show_training()

    def wait(condition, seconds: float) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not condition():
            app.processEvents()
            time.sleep(0.02)
        return bool(condition())

    width, height = (int(v) for v in args.size.split("x"))
    tw.resize(width, height)
    form = tw.form
    if args.folder:
        form.set_folder(args.folder)
    else:
        form.use_preset.setChecked(True)
        form.preset.setCurrentText(args.preset)
        form.limit.setValue(args.limit)
    if args.time_signature:
        form.time_signature.setCurrentText(args.time_signature)
    form.model_id.setText(args.name)
    form.preset_box.setCurrentText("Quick look (20 minutes)")
    if not wait(lambda: tw.last_preview is not None, 600):
        print(f"no preview: {tw.preview_label.text()}", file=sys.stderr)
        return 1
    tw.estimate()
    wait(lambda: tw.last_estimate is not None, 300)
    if not tw.start():
        print(f"cannot start: {tw.last_error}", file=sys.stderr)
        return 1
    started = time.monotonic()
    wait(lambda: tw.last_error is not None or time.monotonic() - started > args.seconds,
         args.seconds + 5)
    if tw.last_error:
        print(tw.last_error, file=sys.stderr)
    if tw.saved_epochs:
        tw.epoch_slider.setValue(len(tw.saved_epochs) - 1)
        tw.render_selected()
        wait(lambda: tw.listen_comp is not None, 60)
    for _ in range(20):
        app.processEvents()
    tw.grab().save(args.output)
    print(f"{args.output}: {tw.status.text()}")
    tw.stop()
    wait(lambda: not tw.busy, 60)
    tw.shutdown()
    studio.close()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
