"""What a photo says about itself (EXIF, XMP, ICC profile): read from the input, coded as the .sgc "metadata"
stream, written back into the decoded image.

Three policies: "keep" stores the EXIF (orientation reset: the pixels are already upright), XMP and ICC profile,
zlib-compressed; "essential" stores only capture time, GPS position and camera make and model as a compact tag
record (a few dozen bytes, exact values), the default because a whole EXIF block is often larger than a
0.01 bpp image; "strip" stores nothing.

Payload layout (integers are LEB128 varints):
    kind   u8   1 essential, 2 keep
    essential: which of ESSENTIAL_TAGS are present (a bit mask, in their order), then each one's value:
           u8 type, then 0 text (length + UTF-8), 1 bytes (length + bytes), 2 integer, 3 rational (numerator,
           denominator), 4 rationals (count + numerator, denominator each), 5 EXIF date-time
           "YYYY:MM:DD HH:MM:SS" (seconds since 1900-01-01), 6 the same value as an earlier tag (its index)
    keep:  zlib of (u8 part id 1 EXIF / 2 XMP / 3 ICC, length, bytes) per part
"""

from __future__ import annotations

import datetime
import io
import os
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, PngImagePlugin, TiffImagePlugin, UnidentifiedImageError

from selgan.bitstream import read_varint, varint
from selgan.errors import BitstreamError, ImageError

POLICIES = ("essential", "keep", "strip")
DEFAULT_POLICY = "essential"

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_ORIENTATION = 0x0112
# The facts fleets keep: camera make, model and clock time (main IFD); capture time and its UTC offset (Exif
# IFD); position, altitude and the satellite clock (GPS IFD).
# (IFD, tag): IFD 0 is the main one, 1 the Exif IFD, 2 the GPS IFD. The order is the format's: never reorder.
ESSENTIAL_TAGS = (
    (0, 0x010F),  # Make
    (0, 0x0110),  # Model
    (0, 0x0132),  # DateTime
    (1, 0x9003),  # DateTimeOriginal
    (1, 0x9011),  # OffsetTimeOriginal
    (2, 1),  # GPSLatitudeRef
    (2, 2),  # GPSLatitude
    (2, 3),  # GPSLongitudeRef
    (2, 4),  # GPSLongitude
    (2, 5),  # GPSAltitudeRef
    (2, 6),  # GPSAltitude
    (2, 7),  # GPSTimeStamp
    (2, 29),  # GPSDateStamp
)
_IFD_POINTERS = {1: _EXIF_IFD, 2: _GPS_IFD}
_EPOCH = datetime.datetime(1900, 1, 1)
_DATE_TIME = re.compile(r"\d{4}:\d\d:\d\d \d\d:\d\d:\d\d")
_KIND_ESSENTIAL, _KIND_KEEP = 1, 2
_PARTS = {1: "exif", 2: "xmp", 3: "icc"}
_MAX_EXPANDED = 1 << 26  # a zlib bomb stops here (a real ICC profile or XMP packet is far smaller)


@dataclass(frozen=True)
class PhotoMetadata:
    """A photo's metadata blocks: EXIF as TIFF bytes (no 'Exif\\0\\0' prefix), XMP packet, ICC profile."""

    exif: bytes = b""
    xmp: bytes = b""
    icc: bytes = b""

    def __bool__(self) -> bool:
        return bool(self.exif or self.xmp or self.icc)

    def image_info(self) -> dict:
        """The entries of a PIL image's `info` that hold these blocks (read back by read_metadata)."""
        info = {"exif": self.exif, "icc_profile": self.icc, "xmp": self.xmp}
        return {key: value for key, value in info.items() if value}

    def save_options(self, image_format: str) -> dict:
        """Keyword arguments for PIL's Image.save that write these blocks in that format (PNG: eXIf, iCCP and
        an XMP iTXt chunk; JPEG and WebP: their own segments)."""
        options: dict = {}
        if self.exif:
            options["exif"] = self.exif
        if self.icc:
            options["icc_profile"] = self.icc
        if self.xmp and image_format == "PNG":
            info = PngImagePlugin.PngInfo()
            info.add_itxt("XML:com.adobe.xmp", self.xmp.decode("utf-8", "replace"))
            options["pnginfo"] = info
        elif self.xmp:
            options["xmp"] = self.xmp
        return options


def read_metadata(image) -> PhotoMetadata:
    """The metadata of an image path or PIL image (arrays have none); orientation reset to upright."""
    if isinstance(image, (str, os.PathLike)):
        try:
            with Image.open(Path(image)) as opened:
                return _of_image(opened)
        except (OSError, UnidentifiedImageError, ValueError):
            return PhotoMetadata()  # load_rgb reports unreadable images; metadata never fails a compression
    if isinstance(image, Image.Image):
        return _of_image(image)
    return PhotoMetadata()


def _of_image(img: Image.Image) -> PhotoMetadata:
    try:
        exif = img.getexif()
    except Exception:  # noqa: BLE001 - a corrupt EXIF block in the input loses the EXIF, not the file
        warnings.warn("the image's EXIF block is damaged and is not kept", stacklevel=3)
        exif = Image.Exif()
    if _ORIENTATION in exif:
        exif[_ORIENTATION] = 1
    xmp = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp") or b""
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8")
    return PhotoMetadata(exif.tobytes() if len(exif) else b"", xmp, img.info.get("icc_profile") or b"")


def encode(metadata: PhotoMetadata, policy: str) -> bytes:
    """The stream payload for a policy; b"" when there is nothing to store (no stream is written)."""
    if policy not in POLICIES:
        raise ImageError(f"metadata must be one of {', '.join(POLICIES)}, not {policy!r}")
    if policy == "strip" or not metadata:
        return b""
    if policy == "keep":
        parts = bytearray()
        for part_id, name in _PARTS.items():
            block = getattr(metadata, name)
            if block:
                parts += bytes([part_id]) + varint(len(block)) + block
        return bytes([_KIND_KEEP]) + zlib.compress(bytes(parts), 9)
    values = _essential_values(metadata.exif)
    if not values:
        return b""
    present = sum(1 << i for i in values)
    out = bytearray([_KIND_ESSENTIAL]) + varint(present)
    earlier: list[object] = []
    for value in values.values():
        # Texts only: a camera writes one time into several tags; other equal values may differ in form (1/2, 2/4).
        repeat = next((k for k, e in enumerate(earlier) if isinstance(value, str) and e == value), None)
        out += _encode_value(value) if repeat is None else b"\x06" + varint(repeat)
        earlier.append(value)
    return bytes(out)


def decode(payload: bytes) -> PhotoMetadata:
    """Inverse of encode; anything malformed raises BitstreamError."""
    if not payload:
        raise BitstreamError("the metadata stream is empty")
    kind, body = payload[0], payload[1:]
    if kind == _KIND_KEEP:
        return _decode_keep(body)
    if kind == _KIND_ESSENTIAL:
        return _decode_essential(body)
    raise BitstreamError(f"unknown metadata kind {kind}")


def _essential_values(exif_bytes: bytes) -> dict[int, object]:
    """Index in ESSENTIAL_TAGS -> value, for the essential tags an EXIF block holds (in a form we can store)."""
    if not exif_bytes:
        return {}
    exif = Image.Exif()
    try:
        exif.load(exif_bytes)
        ifds = {0: exif, 1: exif.get_ifd(_EXIF_IFD), 2: exif.get_ifd(_GPS_IFD)}
    except Exception:  # noqa: BLE001 - see _of_image
        return {}
    return {
        i: ifds[ifd][tag]
        for i, (ifd, tag) in enumerate(ESSENTIAL_TAGS)
        if tag in ifds[ifd] and _encodable(ifds[ifd][tag])
    }


def _encodable(value: object) -> bool:
    if isinstance(value, tuple):
        return 0 < len(value) < 64 and all(isinstance(v, TiffImagePlugin.IFDRational) and _encodable(v) for v in value)
    if isinstance(value, TiffImagePlugin.IFDRational):
        return value.denominator > 0 and value.numerator >= 0
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    return isinstance(value, (str, bytes)) and len(value) < 256


def _rational(value: TiffImagePlugin.IFDRational) -> bytes:
    return varint(int(value.numerator)) + varint(int(value.denominator))


def _encode_value(value: object) -> bytes:
    if isinstance(value, str):
        seconds = _date_time_seconds(value)
        if seconds is not None:
            return b"\x05" + varint(seconds)
        text = value.encode("utf-8")
        return b"\x00" + varint(len(text)) + text
    if isinstance(value, bytes):
        return b"\x01" + varint(len(value)) + value
    if isinstance(value, TiffImagePlugin.IFDRational):
        return b"\x03" + _rational(value)
    if isinstance(value, tuple):
        return b"\x04" + varint(len(value)) + b"".join(_rational(v) for v in value)
    return b"\x02" + varint(int(value))


def _date_time_seconds(text: str) -> int | None:
    """Seconds since 1900 of an EXIF date-time that formats back to exactly `text`, else None."""
    if not _DATE_TIME.fullmatch(text):
        return None
    try:
        moment = datetime.datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    seconds = int((moment - _EPOCH).total_seconds())
    return seconds if seconds >= 0 and _format_date_time(seconds) == text else None


def _format_date_time(seconds: int) -> str:
    return (_EPOCH + datetime.timedelta(seconds=seconds)).strftime("%Y:%m:%d %H:%M:%S")


def _decode_essential(body: bytes) -> PhotoMetadata:
    reader = _Cursor(body)
    present = reader.number()
    if present >> len(ESSENTIAL_TAGS):
        raise BitstreamError("the metadata stream names tags this selgan does not know")
    entries: dict[int, dict[int, object]] = {0: {}, 1: {}, 2: {}}
    earlier: list[object] = []
    for i, (ifd, tag) in enumerate(ESSENTIAL_TAGS):
        if present >> i & 1:
            value = _decode_value(reader, earlier)
            entries[ifd][tag] = value
            earlier.append(value)
    reader.end()
    exif = Image.Exif()
    exif.update(entries[0])
    for ifd, pointer in _IFD_POINTERS.items():
        if entries[ifd]:  # only a sub-IFD with tags is written (an empty one would be an empty directory)
            exif.get_ifd(pointer).update(entries[ifd])
    return PhotoMetadata(exif=exif.tobytes())


def _decode_value(reader: _Cursor, earlier: list[object]) -> object:
    kind = reader.byte()
    if kind == 0:
        try:
            return reader.take(reader.number()).decode("utf-8")
        except UnicodeDecodeError:
            raise BitstreamError("the metadata stream holds text that is not UTF-8") from None
    if kind == 1:
        return reader.take(reader.number())
    if kind == 2:
        return reader.number()
    if kind == 3:
        return _read_rational(reader)
    if kind == 4:
        count = reader.number()
        if not 0 < count < 64:
            raise BitstreamError("the metadata stream holds a list of implausible length")
        return tuple(_read_rational(reader) for _ in range(count))
    if kind == 5:
        try:
            return _format_date_time(reader.number())
        except OverflowError:
            raise BitstreamError("the metadata stream holds an impossible date") from None
    if kind == 6:
        index = reader.number()
        if index >= len(earlier):
            raise BitstreamError("the metadata stream refers to a value it has not stored")
        return earlier[index]
    raise BitstreamError(f"the metadata stream holds an unknown value type {kind}")


def _read_rational(reader: _Cursor) -> TiffImagePlugin.IFDRational:
    numerator, denominator = reader.number(), reader.number()
    if denominator == 0:
        raise BitstreamError("the metadata stream holds a fraction with denominator 0")
    return TiffImagePlugin.IFDRational(numerator, denominator)


def _decode_keep(body: bytes) -> PhotoMetadata:
    inflater = zlib.decompressobj()
    try:
        expanded = inflater.decompress(body, _MAX_EXPANDED)
    except zlib.error:
        raise BitstreamError("the metadata stream is not valid compressed data") from None
    if inflater.unconsumed_tail or not inflater.eof:
        raise BitstreamError("the metadata stream is truncated or expands beyond 64 MiB")
    reader = _Cursor(expanded)
    parts: dict[str, bytes] = {}
    while not reader.done():
        part_id = reader.byte()
        if part_id not in _PARTS or _PARTS[part_id] in parts:
            raise BitstreamError(f"the metadata stream holds an unknown or repeated part {part_id}")
        parts[_PARTS[part_id]] = reader.take(reader.number())
    return PhotoMetadata(**parts)


class _Cursor:
    """Bounds-checked reading of a metadata payload: every overrun is a BitstreamError."""

    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)
        self.size = len(data)

    def take(self, n: int) -> bytes:
        chunk = self.stream.read(n)
        if len(chunk) != n:
            raise BitstreamError("the metadata stream is truncated")
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def number(self) -> int:
        return read_varint(self.byte, "metadata stream")

    def done(self) -> bool:
        return self.stream.tell() == self.size

    def end(self) -> None:
        if not self.done():
            raise BitstreamError("the metadata stream has bytes after its last tag")
