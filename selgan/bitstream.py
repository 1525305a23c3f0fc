"""The .sgc container: the only place byte layouts live.

Layout (all integers little-endian or LEB128 varints):
    magic        4 bytes  b"\\x89SGC"
    version      u8       FORMAT_VERSION
    model id     u8 length + ASCII
    weights hash 4 bytes  first bytes of the weights file's sha256
    width        varint
    height       varint
    mode         u8       0 global, 1 selective
    seed         varint   seeds the generator's noise (synthesised texture)
    classes      u8 count + u8 ids (the preserve set, in selective mode)
    streams      u8 count, then (u8 id, varint length) each; then the payloads in that order
    crc32        4 bytes  over everything before it
"""

from __future__ import annotations

import dataclasses
import enum
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from selgan.errors import BitstreamError

MAGIC = b"\x89SGC"
# Version 2 added the "colours" stream (per-region mean colours of synthesised regions), version 3 the
# "metadata" stream (the photo's EXIF, XMP and ICC profile; selgan/metadata.py). A file is written with the
# lowest version that can hold its streams, so a file without them keeps the older version.
FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
MAX_SIDE = 1 << 15
MAX_PIXELS = 1 << 26  # 8192×8192: beyond this the untiled generator needs more memory than a desktop has

STREAM_IDS = {"labels": 1, "mask": 2, "latent": 3, "colours": 4, "metadata": 5}
_STREAMS_SINCE = {"colours": 2, "metadata": 3}  # streams older versions cannot hold
_STREAM_NAMES = {v: k for k, v in STREAM_IDS.items()}


class Mode(enum.IntEnum):
    GLOBAL = 0
    SELECTIVE = 1


@dataclass(frozen=True)
class CodedImage:
    """What a network codes an image into, without the container's identity fields or byte layout."""

    width: int
    height: int
    mode: Mode
    seed: int = 0
    preserved_classes: tuple[int, ...] = ()
    streams: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Bitstream(CodedImage):
    """A compressed image: the coded image plus which model (id and weights hash) decodes it."""

    model_id: str = ""
    weights_hash: bytes = b""

    @classmethod
    def of(cls, coded: CodedImage, model_id: str, weights_hash: bytes) -> Bitstream:
        """A network's coded image with the identity of the weights that made it."""
        return cls(
            **{f.name: getattr(coded, f.name) for f in fields(CodedImage)}, model_id=model_id, weights_hash=weights_hash
        )

    def with_stream(self, name: str, payload: bytes) -> Bitstream:
        """This file with one more stream (or that stream replaced), written after the others."""
        streams = {k: v for k, v in self.streams.items() if k != name}
        return dataclasses.replace(self, streams={**streams, name: payload})

    def to_bytes(self) -> bytes:
        """Serialise to the .sgc byte layout."""
        self._validate()
        model = self.model_id.encode("ascii")
        out = bytearray(MAGIC)
        out += bytes([self.version, len(model)]) + model + self.weights_hash
        out += varint(self.width) + varint(self.height) + bytes([int(self.mode)]) + varint(self.seed)
        out += bytes([len(self.preserved_classes), *self.preserved_classes])
        out += bytes([len(self.streams)])
        for name, payload in self.streams.items():
            out += bytes([STREAM_IDS[name]]) + varint(len(payload))
        for payload in self.streams.values():
            out += payload
        out += struct.pack("<I", zlib.crc32(out))
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> Bitstream:
        """Parse .sgc bytes; anything malformed raises BitstreamError."""
        return _parse(bytes(data))

    @property
    def version(self) -> int:
        """The lowest format version that holds this file's streams."""
        return max([1] + [_STREAMS_SINCE.get(name, 1) for name in self.streams])

    @property
    def num_bytes(self) -> int:
        """Size of the whole file."""
        return len(self.to_bytes())

    @property
    def bpp(self) -> float:
        """Bits per pixel of the whole file (the only bitrate we report)."""
        return self.num_bytes * 8 / (self.width * self.height)

    def stream_sizes(self) -> dict[str, int]:
        """Bytes per part: 'header' (container overhead incl. checksum) and each stream."""
        sizes = {name: len(payload) for name, payload in self.streams.items()}
        return {"header": self.num_bytes - sum(sizes.values()), **sizes}

    def _validate(self) -> None:
        if not (0 < len(self.model_id) < 256 and self.model_id.isascii()):
            raise ValueError("model_id must be 1–255 ASCII characters")
        if len(self.weights_hash) != 4:
            raise ValueError("weights_hash must be 4 bytes")
        if not (0 < self.width <= MAX_SIDE and 0 < self.height <= MAX_SIDE):
            raise ValueError(f"image sides must be 1–{MAX_SIDE}")
        if len(self.preserved_classes) > 255 or any(not 0 <= c < 256 for c in self.preserved_classes):
            raise ValueError("at most 255 preserved class ids in 0–255")
        unknown = set(self.streams) - set(STREAM_IDS)
        if unknown:
            raise ValueError(f"unknown stream names {sorted(unknown)}")


class _Reader:
    """Bounds-checked cursor: every read past the end is a BitstreamError, never an IndexError."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int, what: str) -> bytes:
        if n > len(self.data) - self.pos:
            raise BitstreamError(f"file is truncated (ends inside the {what})")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def u8(self, what: str) -> int:
        return self.take(1, what)[0]

    def varint(self, what: str) -> int:
        return read_varint(lambda: self.u8(what), what)


def _parse(data: bytes) -> Bitstream:
    if len(data) < len(MAGIC) or data[: len(MAGIC)] != MAGIC:
        raise BitstreamError("not a selgan .sgc file (wrong magic bytes)")
    if len(data) < len(MAGIC) + 1 + 4:
        raise BitstreamError("file is truncated (too short to hold a header)")
    version = data[len(MAGIC)]
    if version not in READABLE_VERSIONS:
        raise BitstreamError(
            f"file uses .sgc format version {version}; this selgan reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}"
        )
    body, (crc,) = data[:-4], struct.unpack("<I", data[-4:])
    if zlib.crc32(body) != crc:
        raise BitstreamError("file is corrupt or truncated (checksum mismatch)")
    reader = _Reader(body)
    reader.take(len(MAGIC) + 1, "header")
    model_id = reader.take(reader.u8("model id"), "model id")
    if not model_id.isascii() or not model_id:
        raise BitstreamError("the model id in the header is not valid")
    weights_hash = reader.take(4, "weights hash")
    width, height = reader.varint("width"), reader.varint("height")
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE and width * height <= MAX_PIXELS):
        raise BitstreamError(f"the header's image size {width}×{height} is not plausible")
    mode_byte = reader.u8("mode")
    if mode_byte not in {m.value for m in Mode}:
        raise BitstreamError(f"unknown compression mode {mode_byte}")
    seed = reader.varint("seed")
    classes = tuple(reader.take(reader.u8("class list"), "class list"))
    lengths = []
    for _ in range(reader.u8("stream table")):
        stream_id = reader.u8("stream table")
        if stream_id not in _STREAM_NAMES:
            raise BitstreamError(f"unknown stream id {stream_id}")
        name = _STREAM_NAMES[stream_id]
        if _STREAMS_SINCE.get(name, 1) > version:
            raise BitstreamError(f"a version-{version} file cannot hold a {name} stream")
        lengths.append((name, reader.varint("stream table")))
    if len({name for name, _ in lengths}) != len(lengths):
        raise BitstreamError("a stream appears twice")
    if sum(n for _, n in lengths) != len(body) - reader.pos:
        raise BitstreamError("stream lengths do not add up to the file size")
    streams = {name: reader.take(n, f"{name} stream") for name, n in lengths}
    return Bitstream(
        width=width,
        height=height,
        mode=Mode(mode_byte),
        seed=seed,
        preserved_classes=classes,
        streams=streams,
        model_id=model_id.decode("ascii"),
        weights_hash=weights_hash,
    )


def read_varint(next_byte: Callable[[], int], what: str) -> int:
    """A LEB128 varint of at most 5 bytes, one byte at a time from next_byte (which raises at the end)."""
    value = 0
    for shift in range(0, 35, 7):
        byte = next_byte()
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value
    raise BitstreamError(f"the {what} is not a valid number")


def varint(value: int) -> bytes:
    """LEB128 bytes of a number in 0 … 2**35-1."""
    if value < 0 or value >= 1 << 35:
        raise ValueError("varint out of range")
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)
