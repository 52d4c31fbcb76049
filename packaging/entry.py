"""The bundle's executable: `deepcomposer` exactly as the installed command, plus one
flag for checking a bundle without a screen:

    deepcomposer --screenshot OUT.png [screenshot options]

opens the studio window offscreen, draws it into OUT.png and exits
(deepcomposer_desktop/ui/screenshot.py; `--screenshot --help` lists its options).
"""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["--screenshot"]:
        from deepcomposer_desktop.ui.screenshot import main as screenshot

        raise SystemExit(screenshot(sys.argv[2:]))
    from deepcomposer_desktop.cli import main

    raise SystemExit(main())
