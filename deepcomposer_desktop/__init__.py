"""DeepComposer Desktop: compose with AI accompaniment, offline, on the CPU."""

__version__ = "0.1.0"
