"""The scripted take shared by the in-memory and the JACK tests.

90 bpm in 3/4, PPQ 480: a beat is 480 ticks (0.666667 s); recording starts at bar
2 (tick 1440) after a one-bar count-in. Beats below count from that start.
It holds a pick-up played during the count-in, the sustain pedal holding two
released notes and a key re-struck under it, a note-off sent as a note-on with
velocity 0, stray clock / active-sensing / SysEx messages, pitch bend and the mod
wheel (heard, not written), a note never released, and the keyboard unplugged.
"""

from __future__ import annotations

import mido

from deepcomposer_desktop.music.composition import Composition, Note, Tempo

START_TICK = 1440
COUNT_IN_BARS = 1
UNPLUG_BEAT = 6


def composition() -> Composition:
    return Composition(tempos=[Tempo.from_bpm(0, 90.0)], time_signature=(3, 4))


def _on(pitch, velocity):
    return mido.Message("note_on", note=pitch, velocity=velocity)


def _off(pitch):
    return mido.Message("note_off", note=pitch)


def _cc(control, value):
    return mido.Message("control_change", control=control, value=value)


SCRIPT = [  # (beat from the start of recording, message)
    (-0.5, _on(62, 70)),                    # a pick-up in the count-in
    (0.0, _on(64, 90)),
    (0.25, _off(62)),
    (0.5, mido.Message("clock")),           # stray
    (0.75, mido.Message("pitchwheel", pitch=2000)),
    (1.0, _off(64)),
    (1.0, _cc(64, 127)),                    # sustain pedal down
    (1.0, _on(67, 100)),
    (1.25, mido.Message("active_sensing")),  # stray
    (1.5, _off(67)),                        # held by the pedal...
    (1.5, _cc(1, 64)),                      # mod wheel
    (2.0, _on(67, 110)),                    # ...until struck again
    (2.0, _on(71, 60)),
    (2.25, _off(71)),                       # held by the pedal
    (2.5, _off(67)),                        # held by the pedal
    (3.0, _cc(64, 0)),                      # pedal up: both end here
    (3.0, mido.Message("pitchwheel", pitch=0)),
    (3.5, mido.Message("sysex", data=[0x7E, 0x7F, 0x06, 0x01])),  # stray
    (4.0, _on(72, 127)),                    # never released
    (4.0, _on(76, 50)),
    (5.0, mido.Message("note_on", note=76, velocity=0)),  # running-status note-off
]                                           # beat 6: the keyboard is unplugged

EXPECTED_NOTES = (
    Note(1200, 62, 360, 70),   # pick-up: half a beat before bar 2, at the count-in's tempo
    Note(1440, 64, 480, 90),
    Note(1920, 67, 480, 100),  # released at 1.5 under the pedal, ended by the re-strike at 2
    Note(2400, 67, 480, 110),  # released under the pedal, ends when it lifts at beat 3
    Note(2400, 71, 480, 60),
    Note(3360, 72, 960, 127),  # closed by the unplug at beat 6
    Note(3360, 76, 480, 50),
)
EXPECTED_END_TICK = START_TICK + UNPLUG_BEAT * 480

# What thru sends to the synth, in order (strays send nothing); then, on the unplug,
# the note-off for the key still held.
EXPECTED_SYNTH_CALLS = [
    ("note_on", 0, 62, 70), ("note_on", 0, 64, 90), ("note_off", 0, 62), ("bend", 0, 2000),
    ("note_off", 0, 64), ("cc", 0, 64, 127), ("note_on", 0, 67, 100), ("note_off", 0, 67),
    ("cc", 0, 1, 64), ("note_on", 0, 67, 110), ("note_on", 0, 71, 60), ("note_off", 0, 71),
    ("note_off", 0, 67), ("cc", 0, 64, 0), ("bend", 0, 0), ("note_on", 0, 72, 127),
    ("note_on", 0, 76, 50), ("note_off", 0, 76),
    ("note_off", 0, 72),
]


def play(send, clock, music_start: float, beat_seconds: float, arrived=None) -> None:
    """Send the script on the keyboard port at its times on `clock`; `arrived(msg)`
    waits until the app has received a message before the clock moves on."""
    for beat, msg in SCRIPT:
        clock.t = music_start + beat * beat_seconds
        send(msg)
        if arrived is not None:
            arrived(msg)
