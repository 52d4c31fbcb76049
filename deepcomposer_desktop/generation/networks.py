"""What a model's network must look like for its card's mode, and how to tell.

`read_signature(path)` reads the inputs and outputs of an ONNX file straight from
its protobuf (field numbers of onnx.proto; no onnx or onnxruntime needed), seeking
past the weights, so the registry can list a file that is not a model, or the
network of another mode or grid under a card, as refused before any session is
built. `signature_problem(card, inputs, outputs)` compares a signature (from the
file, or from an onnxruntime session: `session_signature`) with what the mode's
runner feeds and reads.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Iterator

from .cards import ModelCard
from .tokenizer import VOCAB_SIZE

# onnx.TensorProto.DataType numbers of the types the runners use.
ELEM_TYPES = {1: "float", 7: "int64", 6: "int32", 10: "float16", 11: "double", 9: "bool"}
MAX_VALUES = 256  # more inputs or outputs than any of ours: not a model we can run


class NotOnnx(ValueError):
    """The file is not an ONNX model (or is damaged)."""


@dataclass(frozen=True)
class Value:
    """An input or output: its element type and shape (ints; str or None: any size)."""
    name: str
    elem_type: str
    shape: tuple[int | str | None, ...] | None  # None: no shape recorded


Signature = dict[str, Value]


def _varint(fh) -> int:
    result = shift = 0
    while True:
        byte = fh.read(1)
        if not byte:
            raise NotOnnx("truncated")
        result |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return result
        shift += 7
        if shift > 63:
            raise NotOnnx("a damaged number")


def _fields(fh, end: int) -> Iterator[tuple[int, int, object]]:
    """(field number, wire type, value) of one message between fh.tell() and `end`; a
    length-delimited field's value is (start, length), past which it is skipped once
    the consumer (who may read it) is done."""
    while fh.tell() < end:
        key = _varint(fh)
        field, wire = key >> 3, key & 7
        if field == 0:
            raise NotOnnx("a field numbered 0")
        if wire == 0:
            yield field, wire, _varint(fh)
        elif wire in (1, 5):
            fh.seek(8 if wire == 1 else 4, os.SEEK_CUR)
            yield field, wire, None
        elif wire == 2:
            length = _varint(fh)
            start = fh.tell()
            if start + length > end:
                raise NotOnnx("truncated")
            yield field, wire, (start, length)
            fh.seek(start + length)
        else:
            raise NotOnnx(f"wire type {wire}")
    if fh.tell() != end:
        raise NotOnnx("truncated")


def _read(fh, span) -> bytes:
    start, length = span
    fh.seek(start)
    data = fh.read(length)
    if len(data) != length:
        raise NotOnnx("truncated")
    return data


def _dims(fh, end: int) -> tuple:
    dims = []
    for field, wire, value in _fields(fh, end):  # TensorShapeProto.dim
        if field == 1 and wire == 2:
            dim: int | str | None = None
            fh.seek(value[0])
            for f, w, v in _fields(fh, value[0] + value[1]):  # Dimension
                if f == 1 and w == 0:
                    dim = v if v < 2**63 else None
                elif f == 2 and w == 2:
                    dim = _read(fh, v).decode("utf-8", "replace") or None
            dims.append(dim)
    return tuple(dims)


def _value(data: bytes) -> Value:
    fh = io.BytesIO(data)
    name, elem, shape = "", "?", None
    for field, wire, value in _fields(fh, len(data)):  # ValueInfoProto
        if field == 1 and wire == 2:
            name = _read(fh, value).decode("utf-8", "replace")
        elif field == 2 and wire == 2:  # TypeProto
            fh.seek(value[0])
            for f, w, v in _fields(fh, value[0] + value[1]):
                if f == 1 and w == 2:  # tensor_type
                    fh.seek(v[0])
                    for tf, tw, tv in _fields(fh, v[0] + v[1]):
                        if tf == 1 and tw == 0:
                            elem = ELEM_TYPES.get(tv, f"type {tv}")
                        elif tf == 2 and tw == 2:
                            fh.seek(tv[0])
                            shape = _dims(fh, tv[0] + tv[1])
    return Value(name, elem, shape)


def read_signature(path: str | os.PathLike) -> tuple[Signature, Signature]:
    """(inputs, outputs) of the ONNX model at `path`, by name; NotOnnx when the file
    is not one, OSError when it cannot be read."""
    with open(path, "rb") as fh:
        end = fh.seek(0, os.SEEK_END)
        fh.seek(0)
        graph = None
        for field, wire, value in _fields(fh, end):  # ModelProto
            if field == 7 and wire == 2:
                graph = value
        if graph is None:
            raise NotOnnx("no graph")
        inputs: Signature = {}
        outputs: Signature = {}
        fh.seek(graph[0])
        for field, wire, value in _fields(fh, graph[0] + graph[1]):  # GraphProto
            if field in (11, 12) and wire == 2:
                if len(inputs) + len(outputs) >= MAX_VALUES or value[1] > 1 << 20:
                    raise NotOnnx("an absurd graph")
                v = _value(_read(fh, value))
                (inputs if field == 11 else outputs)[v.name] = v
    if not inputs or not outputs:
        raise NotOnnx("a graph without inputs or outputs")
    return inputs, outputs


def session_signature(session) -> tuple[Signature, Signature]:
    """The same from an onnxruntime session ('tensor(float)' -> 'float')."""
    def values(items) -> Signature:
        return {i.name: Value(i.name, str(i.type).removeprefix("tensor(").removesuffix(")"),
                              tuple(d if isinstance(d, int) else None for d in i.shape))
                for i in items}
    return values(session.get_inputs()), values(session.get_outputs())


STATIC = "static"  # a dimension the runner reads from the network: it must be a number


def expected(card: ModelCard) -> tuple[dict, dict]:
    """What `card`'s mode runner feeds and reads: name -> (element type, dims), a dim
    an int (that size), None (any) or STATIC (a fixed size of the network's own)."""
    if card.mode == "gan":
        g = card.grid
        return ({"melody": ("float", (None, 1, g.steps, g.pitches)),
                 "noise": ("float", (None, *card.gan.noise_shape))},
                {"accompaniment": ("float", (None, 3, g.steps, g.pitches))})
    if card.mode == "arcnn":
        g = card.grid
        return ({"roll": ("float", (None, 1, g.steps, g.pitches))},
                {"scores": ("float", (None, 1, g.steps, g.pitches))})
    return ({"tokens": ("int64", (None, None)),
             "past": ("float", (STATIC, 2, None, STATIC, None, STATIC))},
            {"logits": ("float", (None, None, VOCAB_SIZE)),
             "present": ("float", (None, 2, None, None, None, None))})


def _mismatch(kind: str, name: str, want: tuple, got: Value | None) -> str | None:
    elem, dims = want
    if got is None:
        return f"it has no {kind} {name!r}"
    if got.elem_type != elem:
        return f"its {kind} {name!r} holds {got.elem_type}, not {elem}"
    if got.shape is None:
        return None if STATIC not in dims else f"its {kind} {name!r} has no shape"
    if len(got.shape) != len(dims):
        return f"its {kind} {name!r} has {len(got.shape)} dimensions, not {len(dims)}"
    for i, (w, g) in enumerate(zip(dims, got.shape)):
        if w == STATIC and not isinstance(g, int):
            return f"its {kind} {name!r} has no fixed size in dimension {i}"
        if isinstance(w, int) and isinstance(g, int) and w != g:
            return (f"its {kind} {name!r} is {list(got.shape)} where the card says "
                    f"{[d if isinstance(d, int) else '*' for d in dims]}")
    return None


def signature_problem(card: ModelCard, inputs: Signature, outputs: Signature,
                      exact_inputs: bool = False) -> str | None:
    """Why the network does not fit `card`'s mode and grid, or None. With
    `exact_inputs` (a session's inputs, which leave out weights), an input the runner
    does not feed is a problem too."""
    want_in, want_out = expected(card)
    for kind, want, got in (("input", want_in, inputs), ("output", want_out, outputs)):
        for name, spec in want.items():
            problem = _mismatch(kind, name, spec, got.get(name))
            if problem:
                return f"the network does not fit a {card.mode} card: {problem}"
    extra = sorted(set(inputs) - set(want_in)) if exact_inputs else []
    if extra:
        return f"the network does not fit a {card.mode} card: it also needs {', '.join(extra)}"
    return None
