"""selgan: selective, semantic-aware generative image compression."""

from selgan.api import Codec, decompress, load
from selgan.bitstream import Bitstream, BitstreamError
from selgan.errors import ImageError, ModelNotFoundError, SelganError, UnknownClassError
from selgan.guard import GuardWarning, SceneWarning
from selgan.segment import SegMap, segment


def default_model() -> str:
    """The codec used when none is named (the manifest's default)."""
    from selgan.zoo import default_codec

    return default_codec()


def list_models() -> list[str]:
    """Names of the pretrained codecs this installation knows."""
    from selgan.zoo import specs

    return sorted(specs("codec"))


def compress(image, model: str, **kwargs) -> Bitstream:
    """Compress with a named pretrained model; keyword arguments as in Codec.compress."""
    return load(model).compress(image, **kwargs)


def compare(original, other, **regions) -> dict:
    """How close `other` (a .sgc file, its bytes, or a reconstructed image) comes to `original`: PSNR,
    low-frequency PSNR, MS-SSIM, LPIPS when available, bytes, bpp and ratio; inside preserved and synthesised
    regions for a .sgc file, or with labels=/segment=True and preserve= (selgan.eval.compare.compare)."""
    from selgan.eval.compare import compare as measure

    return measure(original, other, **regions)


__all__ = [
    "Bitstream",
    "BitstreamError",
    "Codec",
    "GuardWarning",
    "SceneWarning",
    "ImageError",
    "ModelNotFoundError",
    "SegMap",
    "SelganError",
    "UnknownClassError",
    "compare",
    "compress",
    "decompress",
    "default_model",
    "list_models",
    "load",
    "segment",
]
__version__ = "0.1.0"
