"""WAV files from float samples, 16-bit PCM (byte for byte what the standard
library's `wave` writes) or 32-bit IEEE float (which `wave` cannot write), written
whole (`wav_bytes`) or block by block (`WavWriter`, for renders of any length)."""

from __future__ import annotations

import io
import struct
from typing import BinaryIO

import numpy as np

SAMPLE_FORMATS = ("int16", "float32")
_PCM, _IEEE_FLOAT = 1, 3


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float samples (full scale +-1) to 16-bit, rounded and clipped: no wrap-around."""
    return np.clip(np.rint(samples * 32767.0), -32768, 32767).astype("<i2")


MAX_DATA_BYTES = 0xFFFFFFFF - 64  # RIFF sizes are 32 bits


def wav_header(frames: int, channels: int, samplerate: int, sample_format: str = "int16") -> bytes:
    """The header of a WAV file holding `frames` frames: 16-bit PCM (the 44 bytes the
    standard library's `wave` writes) or 32-bit IEEE float (an 18-byte fmt chunk, cbSize
    0, and the 'fact' chunk a non-PCM format needs)."""
    if sample_format not in SAMPLE_FORMATS:
        raise ValueError(f"sample format {sample_format!r} is not one of {SAMPLE_FORMATS}")
    width = 2 if sample_format == "int16" else 4
    block = width * channels
    size = frames * block
    if sample_format == "int16":
        fmt = struct.pack("<HHIIHH", _PCM, channels, samplerate, samplerate * block, block, 16)
        chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    else:
        fmt = struct.pack("<HHIIHHH", _IEEE_FLOAT, channels, samplerate, samplerate * block,
                          block, 32, 0)
        chunks = (b"fmt " + struct.pack("<I", len(fmt)) + fmt
                  + b"fact" + struct.pack("<II", 4, frames))
    chunks += b"data" + struct.pack("<I", size)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks) + size) + b"WAVE" + chunks


class WavWriter:
    """Writes a WAV file block by block into a seekable binary file: a header for
    no frames first, the samples as they come, then `finish()` writes the real sizes.
    Memory stays that of one block however long the audio."""

    def __init__(self, fh: BinaryIO, samplerate: int, channels: int = 2,
                 sample_format: str = "int16") -> None:
        self.fh, self.samplerate, self.channels = fh, samplerate, channels
        self.sample_format = sample_format
        self.frames = 0
        self._start = fh.tell()
        fh.write(wav_header(0, channels, samplerate, sample_format))

    def write(self, samples: np.ndarray) -> None:
        """Float samples shaped (frames, channels), full scale +-1."""
        samples = np.asarray(samples, np.float32)
        if samples.ndim != 2 or samples.shape[1] != self.channels:
            raise ValueError(f"expected samples shaped (frames, {self.channels})")
        data = (to_int16(samples) if self.sample_format == "int16" else samples.astype("<f4"))
        width = 2 if self.sample_format == "int16" else 4
        if (self.frames + len(samples)) * width * self.channels > MAX_DATA_BYTES:
            raise ValueError("the audio is too long for a WAV file (4 GB)")
        self.fh.write(data.tobytes())
        self.frames += len(samples)

    def finish(self) -> None:
        end = self.fh.tell()
        self.fh.seek(self._start)
        self.fh.write(wav_header(self.frames, self.channels, self.samplerate, self.sample_format))
        self.fh.seek(end)


def wav_bytes(samples: np.ndarray, samplerate: int, sample_format: str = "int16") -> bytes:
    """A whole WAV file for `samples` shaped (frames, channels), float full scale +-1."""
    if sample_format not in SAMPLE_FORMATS:
        raise ValueError(f"sample format {sample_format!r} is not one of {SAMPLE_FORMATS}")
    samples = np.asarray(samples, np.float32)
    out = io.BytesIO()
    writer = WavWriter(out, samplerate, samples.shape[1], sample_format)
    writer.write(samples)
    writer.finish()
    return out.getvalue()


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """(float32 samples shaped (frames, channels), sample rate) from a 16-bit PCM or
    32-bit float WAV; enough to check what wav_bytes wrote."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV file")
    pos, fmt, payload = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif cid == b"data":
            payload = body
        pos += 8 + size + (size & 1)
    if fmt is None or payload is None:
        raise ValueError("WAV file without fmt or data chunk")
    tag, channels, rate, _, _, bits = fmt
    if (tag, bits) == (_PCM, 16):
        samples = np.frombuffer(payload, "<i2").astype(np.float32) / 32767.0
    elif (tag, bits) == (_IEEE_FLOAT, 32):
        samples = np.frombuffer(payload, "<f4").astype(np.float32)
    else:
        raise ValueError(f"unsupported WAV format {tag} with {bits} bits")
    return samples.reshape(-1, channels), rate
