"""The pictures of docs/USER_GUIDE.md, drawn by the studio window itself, offscreen.

    .venv/bin/python docs/make_screenshots.py              all of them
    .venv/bin/python docs/make_screenshots.py modes about  some (names below)

    keyboard   guide-keyboard.png    a USB keyboard's port open: the status line names it,
                                     the chord held on it lights the on-screen piano
    recording  guide-recording.png   a take being recorded from that keyboard
    modes      guide-gan.png, guide-arcnn.png, guide-transformer.png: the Generate panel
                                     in each mode, after a Generate on "Twinkle"
    training   guide-training.png    Tools > Train a Genre
    about      guide-about.png       Help > About: the models (one refused), the SoundFont,
                                     the audio driver, the MIDI keyboard

The keyboard is real MIDI: a private JACK server (jackd with its dummy driver, so no
sound card is needed) and a virtual port, "Keystation 49", played from this script
and opened by the app's DeviceManager like any USB keyboard. Without jackd those
pictures are skipped, with a message. Everything runs with a throw-away
DEEPCOMPOSER_HOME, so the user's settings, library and models are left alone; the
seeds are fixed, so a rerun draws the same pictures. The README's and the other
docs pictures come from `python -m deepcomposer_desktop.ui.screenshot`
(docs/ARCHITECTURE.md lists those commands).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
JACK_API = "mido.backends.rtmidi/UNIX_JACK"
KEYBOARD = "Keystation 49"
# "Twinkle, twinkle": (pitch, beats) at 100 bpm, played into the keyboard port
TUNE = [(60, 1), (60, 1), (67, 1), (67, 1), (69, 1), (69, 1), (67, 2), (65, 1), (65, 1), (64, 1),
        (64, 1), (62, 1), (62, 1), (60, 2)]
NAMES = ("keyboard", "recording", "modes", "training", "about")


def prepare_environment() -> Path:
    """Offscreen Qt, a throw-away data folder, and a user model folder holding one
    model the registry refuses (its card's checksum is not its file's)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="deepcomposer-guide-"))
    os.environ["DEEPCOMPOSER_HOME"] = str(home)
    mine = home / "my-models"
    mine.mkdir()
    shutil.copy(ROOT / "models" / "gan-bach-chorales.onnx", mine / "my-jazz-trio.onnx")
    card = json.loads((ROOT / "models" / "gan-bach-chorales.json").read_text())
    card.update(id="my-jazz-trio", title="GAN accompaniment: my jazz trio", sha256="0" * 64)
    (mine / "my-jazz-trio.json").write_text(json.dumps(card, indent=1))
    os.environ["DEEPCOMPOSER_MODELS"] = str(mine)
    return home


class Jack:
    """A private JACK server on the dummy driver, and a keyboard port on it."""

    def __init__(self) -> None:
        self.proc = None
        self.keyboard = None

    def start(self) -> bool:
        jackd = shutil.which("jackd")
        if jackd is None:
            print("jackd is not installed (Debian: jackd2): no keyboard pictures", file=sys.stderr)
            return False
        name = f"deepcomposer-guide-{os.getpid()}"
        os.environ["JACK_DEFAULT_SERVER"] = name
        os.environ["DEEPCOMPOSER_MIDI_BACKEND"] = JACK_API
        self.proc = subprocess.Popen([jackd, "-n", name, "--no-realtime", "-d", "dummy", "-r",
                                      "48000", "-p", "256"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     env={**os.environ, "JACK_NO_AUDIO_RESERVATION": "1"})
        from deepcomposer_desktop.midi_input.backend import MidiUnavailableError, open_backend
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                backend = open_backend(JACK_API)
            except MidiUnavailableError:
                time.sleep(0.1)
                continue
            self.keyboard = backend.open_output("MIDI 1", client_name=KEYBOARD)
            return True
        print("the JACK server did not start: no keyboard pictures", file=sys.stderr)
        self.stop()
        return False

    def send(self, kind: str, note: int, velocity: int = 90) -> None:
        import mido
        self.keyboard.send(mido.Message(kind, note=note, velocity=velocity))

    def stop(self) -> None:
        if self.keyboard is not None:
            self.keyboard.close()
            self.keyboard = None
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


def wait(app, seconds: float, until=None) -> bool:
    """Run the event loop for `seconds`, or until `until()` is true."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if until is not None and until():
            return True
        time.sleep(0.01)
    return until is None


def save(widget, name: str, rect=None) -> None:
    picture = widget.grab(rect) if rect is not None else widget.grab()
    path = DOCS / name
    if not picture.save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"{path.relative_to(ROOT)}  {picture.width()}x{picture.height()}")


def new_window(audio: bool, size=(1280, 760)):
    from deepcomposer_desktop.ui.main_window import MainWindow
    window = MainWindow(audio=audio, interactive=False)
    window.resize(*size)
    window.show()
    return window


def generate(app, window, mode: str, model: str | None = None, seed: int = 7, **values) -> None:
    """One click on Generate in `mode`, as a user makes it, waiting for the result."""
    panel = window.generate_panel
    panel.mode.setCurrentIndex(panel.mode.findData(mode))
    if model is not None:
        panel.model.setCurrentIndex(panel.model.findData(model))
    for name, value in values.items():
        panel.params.set_value(name, value)
    panel.seed.setValue(seed)
    panel.seed_lock.setChecked(True)
    done = []
    window.jobs.finished.connect(lambda *_a: done.append(1))
    window.jobs.failed.connect(lambda *_a: done.append(1))
    panel.generate()
    wait(app, 120, lambda: done)


def keyboard_and_recording(app, jack: Jack, names) -> None:
    window = new_window(audio=True)
    opened = wait(app, 20, lambda: KEYBOARD in window.midi_label.text()
                  and "not loaded" not in window.soundfont_label.text())
    if not opened:
        print(f"the keyboard port was not opened ({window.midi_label.text()})", file=sys.stderr)
    if "keyboard" in names:
        for note in (60, 64, 67):  # a C major chord, held
            jack.send("note_on", note)
        wait(app, 0.5)
        piano = window.piano
        top = piano.mapTo(window, piano.rect().topLeft()).y() - 4
        save(window, "guide-keyboard.png", window.rect().adjusted(0, top, 0, 0))
        for note in (60, 64, 67):
            jack.send("note_off", note)
        wait(app, 0.3)
    if "recording" in names:
        view, roll = window.editor.view, window.editor.roll
        bar = window.doc.comp.ticks_per_bar
        view.zoom_x(roll.width() / (9 * bar) / view.px_per_tick)  # the whole take in view
        view.set_scroll(x=0, y=view.y(79) + view.scroll_y, view_h=roll.height())
        window.transport_bar.tempo.setValue(100)  # the tempo the tune is played at
        window.transport.set_switch("count_in", False)
        window.transport.set_switch("metronome", True)
        window.toggle_record()
        # The tune comes in through the same InputHub as the keyboard's notes, from the GUI
        # thread's timers (a loaded machine delays the JACK server's cycles, bunching notes).
        from PySide6.QtCore import QTimer
        beat, at, last = 60_000 / 100, 0.0, 0
        for pitch, beats in TUNE[:11]:  # the picture is taken with the take still growing
            QTimer.singleShot(int(50 + at * beat), lambda p=pitch: window.live.play(p, 90, True))
            last = int(50 + (at + beats * 0.9) * beat)
            QTimer.singleShot(last, lambda p=pitch: window.live.play(p, 0, False))
            at += beats
        wait(app, last / 1000 + 0.2)
        save(window, "guide-recording.png")
        window.toggle_record()
        wait(app, 0.5)
    window.close()


def modes(app) -> None:
    window = new_window(audio=False, size=(1280, 860))
    window.files.open_path("sample:twinkle")
    dock = window.generate_dock
    from PySide6.QtCore import Qt
    window.resizeDocks([dock], [360], Qt.Orientation.Horizontal)  # room for the longest labels
    generate(app, window, "gan", "gan-bach-chorales")
    save(dock, "guide-gan.png")
    bar = window.doc.comp.ticks_per_bar
    window.transport.set_loop(4 * bar, 6 * bar)  # bars 5-6, for "Only the loop region"
    window.generate_panel.region.setChecked(True)
    generate(app, window, "arcnn", "arcnn-melodies", iterations=100)
    save(dock, "guide-arcnn.png")
    window.generate_panel.region.setChecked(False)
    generate(app, window, "transformer", "transformer-bach-chorales", extend_seconds=10)
    save(dock, "guide-transformer.png")
    window.close()


def training(app) -> None:
    window = new_window(audio=False)
    show = getattr(window, "show_training", None)  # what Tools > Train a Genre… calls
    if show is None:
        print("no Tools > Train a Genre in this build: no training picture", file=sys.stderr)
        return
    trainer = show()
    trainer.resize(1400, 900)
    # "My MIDI folder": four-part settings of the sample tunes (each accompanied by the
    # chorale model, as a user's own arrangements would be) and two bare melodies,
    # which a GAN cannot learn from: the preview says so.
    folder = Path(os.environ["DEEPCOMPOSER_HOME"]) / "my-arrangements"
    folder.mkdir()
    from deepcomposer_desktop.generation.modes import Request
    from deepcomposer_desktop.generation.modes import generate as engine
    from deepcomposer_desktop.generation.registry import default_registry
    from deepcomposer_desktop.music import SAMPLES, load_sample
    from deepcomposer_desktop.music.midifile import write_midi
    for k, name in enumerate(SAMPLES):
        song = load_sample(name)
        if k >= 2:
            result = engine(default_registry(), "gan", song, Request("gan-bach-chorales", seed=k))
            song = result.composition
        write_midi(song, folder / f"{name}.mid")
    trainer.form.use_folder.setChecked(True)
    trainer.form.folder.setText(str(folder))
    trainer.form.model_id.setText("gan-my-hymns")
    if not wait(app, 120, lambda: trainer.last_preview is not None):
        print("the data preview did not come", file=sys.stderr)
    # A short real run (a few epochs of a small network), so the curves have points and
    # an epoch can be listened to; the window's own trainer process does the work.
    for name, value in (("epochs", 4), ("batch_size", 16), ("max_minutes", 3)):
        trainer.form.hyper[name].setValue(value)
    if trainer.start():
        wait(app, 420, lambda: not trainer.busy)
        if trainer.saved_epochs:
            trainer.select_epoch(trainer.saved_epochs[-1]["epoch"])
            wait(app, 30, lambda: trainer.listen_comp is not None)
    else:
        print(f"the run did not start: {trainer.message.text()}", file=sys.stderr)
    scroll = trainer.form.parentWidget()
    while scroll is not None and not hasattr(scroll, "ensureWidgetVisible"):
        scroll = scroll.parentWidget()
    if scroll is not None:  # the left pane down to "What trains"
        scroll.ensureWidgetVisible(trainer.preview_label)
    wait(app, 0.5)
    save(trainer, "guide-training.png")
    trainer.shutdown()
    trainer.close()
    window.close()


def about(app) -> None:
    window = new_window(audio=True)
    wait(app, 20, lambda: "not loaded" not in window.soundfont_label.text()
         and (KEYBOARD in window.midi_label.text() or "JACK_DEFAULT_SERVER" not in os.environ))
    from deepcomposer_desktop.ui.help_dialogs import AboutDialog
    dialog = AboutDialog(window)
    dialog.adjustSize()
    dialog.resize(760, dialog.sizeHint().height())
    dialog.show()
    wait(app, 0.3)
    save(dialog, "guide-about.png")
    dialog.close()
    window.close()


def main(argv: list[str] | None = None) -> int:
    names = list(argv if argv is not None else sys.argv[1:]) or list(NAMES)
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        print(f"unknown picture(s): {', '.join(unknown)}; choose from {', '.join(NAMES)}",
              file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    home = prepare_environment()
    from PySide6.QtCore import QStandardPaths
    QStandardPaths.setTestModeEnabled(True)  # leave the user's settings alone
    from deepcomposer_desktop.ui.app import create_app
    app = create_app()
    jack = Jack()
    try:
        if {"keyboard", "recording", "about"} & set(names):
            jack.start()
        if jack.keyboard is not None and {"keyboard", "recording"} & set(names):
            keyboard_and_recording(app, jack, names)
        if "modes" in names:
            modes(app)
        if "training" in names:
            training(app)
        if "about" in names:
            about(app)
    finally:
        jack.stop()
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
