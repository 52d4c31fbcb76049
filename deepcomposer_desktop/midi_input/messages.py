"""What a keyboard sends, sorted into what we play and what we drop.

Keyboards send more than notes: MIDI clock (24 a beat while a sequencer runs),
active sensing (every 300 ms), SysEx dumps, transport and song-position
messages. None of them is a note, so none reaches the synth or a take. Data
tables, not code: change the sets to change the policy.
"""

from __future__ import annotations

import mido

SUSTAIN = 64
# Controllers that shape how notes sound and pass through to the synth at once.
# Volume (7) and pan (10) are left out: they belong to the track, not the hand.
THRU_CONTROLS = frozenset({
    1,        # modulation wheel
    2,        # breath controller
    4,        # foot controller
    11,       # expression pedal
    SUSTAIN,  # sustain (damper) pedal
    66,       # sostenuto pedal
    67,       # soft pedal
})
SWITCH_PEDALS = frozenset({SUSTAIN, 66, 67})  # on/off pedals a lost source must lift
PLAYED_TYPES = frozenset({"note_on", "note_off", "control_change", "pitchwheel"})


def is_played(msg: mido.Message) -> bool:
    """A message we act on: notes, the pedals and wheels in THRU_CONTROLS, pitch bend.

    Everything else (clock, active sensing, SysEx, program changes, aftertouch,
    start/stop, song position...) is a stray and is dropped."""
    if msg.type not in PLAYED_TYPES:
        return False
    return msg.type != "control_change" or msg.control in THRU_CONTROLS


def is_note_on(msg: mido.Message) -> bool:
    return msg.type == "note_on" and msg.velocity > 0


def is_note_off(msg: mido.Message) -> bool:
    """A note-off, including the running-status form: a note-on with velocity 0."""
    return msg.type == "note_off" or (msg.type == "note_on" and msg.velocity == 0)


def pedal_down(value: int) -> bool:
    """MIDI's convention for switch pedals: 64 and above is down."""
    return value >= 64


def note_on(pitch: int, velocity: int, channel: int = 0) -> mido.Message:
    """The message the on-screen piano and the computer keys send (mido validates ranges)."""
    return mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)


def note_off(pitch: int, channel: int = 0) -> mido.Message:
    return mido.Message("note_off", channel=channel, note=pitch, velocity=0)
