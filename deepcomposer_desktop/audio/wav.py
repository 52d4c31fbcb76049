"""WAV files from float samples: 16-bit PCM through the standard library's `wave`,
32-bit IEEE float written by hand (`wave` reads and writes PCM only)."""

from __future__ import annotations

import io
import struct
import wave

import numpy as np

SAMPLE_FORMATS = ("int16", "float32")
_PCM, _IEEE_FLOAT = 1, 3


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float samples (full scale +-1) to 16-bit, rounded and clipped: no wrap-around."""
    return np.clip(np.rint(samples * 32767.0), -32768, 32767).astype("<i2")


def wav_bytes(samples: np.ndarray, samplerate: int, sample_format: str = "int16") -> bytes:
    """A whole WAV file for `samples` shaped (frames, channels), float full scale +-1."""
    if sample_format not in SAMPLE_FORMATS:
        raise ValueError(f"sample format {sample_format!r} is not one of {SAMPLE_FORMATS}")
    samples = np.asarray(samples, np.float32)
    frames, channels = samples.shape
    if sample_format == "int16":
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(samplerate)
            w.writeframes(to_int16(samples).tobytes())
        return out.getvalue()
    data = samples.astype("<f4").tobytes()
    block = 4 * channels
    # A non-PCM format needs the 18-byte fmt chunk (cbSize 0) and a 'fact' chunk.
    fmt = struct.pack("<HHIIHHH", _IEEE_FLOAT, channels, samplerate, samplerate * block,
                      block, 32, 0)
    chunks = (b"fmt " + struct.pack("<I", len(fmt)) + fmt
              + b"fact" + struct.pack("<II", 4, frames)
              + b"data" + struct.pack("<I", len(data)) + data)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


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
