"""The chord lane's picture for docs/ (`screenshot.py --chords`): the bar ruler, the
chord lane and the piano roll, once for the song as it is and once for each version
not kept, stacked, each under a caption naming its model and seed. When no version is
kept yet, the first one is (so its chords become the song's chord track, as Keep does
for a song without one)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

CAPTION_H = 30
GAP = 6


def _caption(version, kept: bool) -> str:
    if version is None:
        return "The song"
    what = "kept: its chords became the song's chord track" if kept else "a version, shown over the song"
    return f"{version.model_title or version.model_id} ({version.model_id}), seed {version.seed}: {what}"


def _grab_roll(window) -> QImage:
    """The editor from the bar ruler down to the roll's bottom, the keyboard ruler included."""
    editor = window.editor
    top = editor.ruler.mapTo(editor, QPoint(0, 0)).y()
    bottom = editor.roll.mapTo(editor, QPoint(0, editor.roll.height())).y()
    right = editor.roll.mapTo(editor, QPoint(editor.roll.width(), 0)).x()
    return editor.grab(QRect(0, top, right, bottom - top)).toImage()


def chord_lane_picture(window, app, output: str) -> bool:
    from .versions import SONG
    for dock in (window.generate_dock, window.versions_dock):
        if dock is not None:
            dock.hide()
    window.split.setSizes([0, 10_000])  # the roll as wide as the window
    versions = window.versions
    if versions.versions and not versions.in_song():
        versions.keep(versions.versions[0].number)
    kept = versions.in_song()
    kept_version = next((v for v in versions.versions if v.number in kept), None)
    shows = [(SONG, _caption(kept_version, True))]
    shows += [(v.number, _caption(v, False)) for v in versions.versions if v.number not in kept]
    panels = []
    for number, caption in shows:
        versions.show(number)
        window.doc.set_current_track(0)
        for _ in range(3):
            app.processEvents()
        window.editor.fit()
        for _ in range(3):
            app.processEvents()
        panels.append((caption, _grab_roll(window)))
    width = max(image.width() for _, image in panels)
    height = sum(CAPTION_H + image.height() + GAP for _, image in panels) - GAP
    out = QImage(width, height, QImage.Format.Format_RGB32)
    out.fill(QColor("#17181b"))
    p = QPainter(out)
    font = QFont(window.font())
    font.setBold(True)
    font.setPointSizeF(max(10.0, font.pointSizeF() * 1.1))
    p.setFont(font)
    y = 0
    for caption, image in panels:
        p.setPen(QColor("#e8eaed"))
        p.drawText(QRectF(10, y, width - 20, CAPTION_H), Qt.AlignmentFlag.AlignVCenter, caption)
        p.drawImage(0, y + CAPTION_H, image)
        y += CAPTION_H + image.height() + GAP
    p.end()
    return out.save(output)
