"""PyInstaller runtime hook: make pyfluidsynth load the bundle's libfluidsynth.

pyfluidsynth finds the library with ctypes.util.find_library, which on Linux asks
ldconfig's cache and never looks in the bundle. This runs before the app's code:
a name FluidSynth is known by resolves to the copy in the bundle's folder
(sys._MEIPASS) when there is one, else the search goes on as usual.
"""

import ctypes.util
import glob
import os
import sys

_find_library = ctypes.util.find_library
_NAMES = {"fluidsynth", "fluidsynth-3", "libfluidsynth", "libfluidsynth-3"}
_PATTERNS = ("libfluidsynth.so.*", "libfluidsynth*.dylib", "libfluidsynth*.dll", "fluidsynth*.dll")


def _bundled(name):
    if name in _NAMES:
        base = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))
        for pattern in _PATTERNS:
            found = sorted(glob.glob(os.path.join(base, pattern)))
            if found:
                return found[0]
    return _find_library(name)


ctypes.util.find_library = _bundled
