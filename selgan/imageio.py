"""Turning what users pass (paths, PIL images, numpy arrays) into uint8 RGB arrays, and writing files safely."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from selgan.errors import ImageError

ImageLike = str | os.PathLike | Image.Image | np.ndarray


def load_rgb(image: ImageLike) -> np.ndarray:
    """Any supported image input -> H×W×3 uint8. Alpha is composited over white (it is not stored)."""
    if isinstance(image, (str, os.PathLike)):
        return _pil_to_rgb(_open(Path(image)))
    if isinstance(image, Image.Image):
        return _pil_to_rgb(image)
    if isinstance(image, np.ndarray):
        return _array_to_rgb(image)
    raise ImageError(f"expected an image path, PIL image or numpy array, got {type(image).__name__}")


def load_mask(mask: ImageLike) -> np.ndarray:
    """A painted mask -> H×W bool (nonzero = preserve). With an alpha channel, the alpha is the paint."""
    if isinstance(mask, np.ndarray):
        arr = mask
        if arr.ndim == 3:
            arr = arr[..., 3] if arr.shape[2] == 4 else arr.max(axis=2)
        if arr.ndim != 2:
            raise ImageError(f"a mask array must be H×W, got shape {mask.shape}")
        return arr > 0
    img = _open(Path(mask)) if isinstance(mask, (str, os.PathLike)) else mask
    if not isinstance(img, Image.Image):
        raise ImageError(f"expected a mask path, PIL image or numpy array, got {type(mask).__name__}")
    if "A" in img.getbands():
        return np.asarray(img.getchannel("A")) > 0
    return np.asarray(img.convert("L")) > 0


def _open(path: Path) -> Image.Image:
    try:
        with Image.open(path) as img:
            img = ImageOps.exif_transpose(img)
            img.load()
            return img
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImageError(f"{path}: is a folder, not an image file") from None
    except PermissionError:
        raise ImageError(f"{path}: cannot be read (permission denied)") from None
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not a readable image (not in an image format selgan can read)") from None
    except (OSError, ValueError):
        raise ImageError(f"{path}: not a readable image (the file is damaged or incomplete)") from None


def _pil_to_rgb(img: Image.Image) -> np.ndarray:
    if img.mode in ("I;16", "I;16B", "I"):
        arr = np.asarray(img, dtype=np.float64)
        return _array_to_rgb(arr / max(arr.max(), 1.0))
    if "A" in img.getbands() or img.mode == "P" and "transparency" in img.info:
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return _check_size(np.array(img.convert("RGB"), dtype=np.uint8))


def _array_to_rgb(arr: np.ndarray) -> np.ndarray:
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=-1)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ImageError(f"an image array must be H×W, H×W×3 or H×W×4, got shape {arr.shape}")
    if arr.dtype != np.uint8:
        if not np.issubdtype(arr.dtype, np.floating):
            raise ImageError(f"integer image arrays must be uint8, got {arr.dtype}")
        arr = (np.clip(arr, 0.0, 1.0) * 255).round().astype(np.uint8)
    if arr.shape[2] == 4:
        alpha = arr[..., 3:4].astype(np.float64) / 255
        arr = (arr[..., :3] * alpha + 255 * (1 - alpha)).round().astype(np.uint8)
    return _check_size(np.ascontiguousarray(arr))


def _check_size(arr: np.ndarray) -> np.ndarray:
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ImageError("the image is empty")
    return arr


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write bytes via a temp file and rename, so a failure never leaves a half-written file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# What each output format is written with: lossless where the format has it, else high quality.
_SAVE_OPTIONS = {"WEBP": {"lossless": True}, "JPEG": {"quality": 95}}
_WRITABLE = ("PNG", "JPEG", "WEBP", "TIFF", "BMP")


def image_format(path: str | Path) -> str:
    """The format an output path asks for by its extension (PNG when it has none); ImageError for others."""
    suffix = Path(path).suffix.lower()
    fmt = Image.registered_extensions().get(suffix, "PNG") if suffix else "PNG"
    if fmt not in _WRITABLE:
        raise ImageError(f"{path}: selgan writes PNG, JPEG, WebP, TIFF or BMP, not {suffix}")
    return fmt


def save_image_atomic(path: str | Path, image: Image.Image, **options) -> None:
    """Save an image (format from the suffix, PNG if none; options for PIL's save, e.g. metadata) without
    leaving partial files."""
    import io

    buffer = io.BytesIO()
    fmt = image_format(path)
    image.save(buffer, format=fmt, **{**_SAVE_OPTIONS.get(fmt, {}), **options})
    write_atomic(path, buffer.getvalue())
