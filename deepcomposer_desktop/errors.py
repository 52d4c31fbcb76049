"""The few typed errors the app raises for things a user handed us.

Each carries the CLI exit status of the contract in docs/ARCHITECTURE.md, so the
CLI and the window can report any of them with one clear line and no traceback.
"""


class DeepComposerError(Exception):
    """Base class: a problem the user can understand and act on."""

    exit_status = 1


class InvalidInputError(DeepComposerError):
    """Input that cannot be read: a corrupt, truncated, huge or absurd file (exit 3)."""

    exit_status = 3


class InvalidMidiError(InvalidInputError):
    """A MIDI file we refuse to import, with the reason in the message."""


class UnwritableOutputError(InvalidInputError, OSError):
    """An output that cannot be written: a read-only or full disk, a folder, a device,
    the input itself (exit 3). Also an OSError, for callers that catch those."""


class MissingResourceError(DeepComposerError):
    """A model or SoundFont is missing or damaged (exit 4)."""

    exit_status = 4
