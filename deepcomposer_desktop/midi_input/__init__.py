"""Playing and recording: USB MIDI keyboards, the on-screen piano, the computer keys.

No Qt here: the widgets in ui/ use these modules.

    hub.InputHub              one way in for every source; thru to the synth, then the recorder
    thru.LiveThru, NoteSink   notes, pedals, wheels and bends to the synth, at once
    recorder.Recorder, Take   timed messages -> Notes in ticks (count-in, quantize, replace/overdub,
                              cycle passes round a loop as takes)
    backend, devices          the MIDI system, port lists, hot-plug polling (DeviceManager)
    virtual_out               "DeepComposer Playback", a port a DAW can listen to
    computer_keys             Musical Typing on the top row (no key a shortcut of the window)
    piano_layout              on-screen piano geometry, velocity from where a key is hit, glissando

python-rtmidi is loaded only when a MIDI system is opened (backend.open_backend).
"""

from .hub import COMPUTER_KEYS, ON_SCREEN_PIANO, InputHub
from .recorder import RecordMode, Recorder, RecorderState, Take
from .thru import LiveThru, NoteSink

__all__ = ["COMPUTER_KEYS", "ON_SCREEN_PIANO", "InputHub", "LiveThru", "NoteSink", "RecordMode",
           "Recorder", "RecorderState", "Take"]
