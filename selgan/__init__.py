"""selgan: selective, semantic-aware generative image compression."""
from selgan.bitstream import Bitstream, BitstreamError
from selgan.errors import ImageError, ModelNotFoundError, SelganError, UnknownClassError
from selgan.pipeline import Codec, decompress, load


def list_models() -> list[str]:
    """Names of the pretrained models this installation knows."""
    from selgan.zoo import specs

    return sorted(specs())


def compress(image, model: str, **kwargs) -> Bitstream:
    """Compress with a named pretrained model; keyword arguments as in Codec.compress."""
    return load(model).compress(image, **kwargs)


__all__ = [
    "Bitstream", "BitstreamError", "Codec", "ImageError", "ModelNotFoundError", "SelganError",
    "UnknownClassError", "compress", "decompress", "list_models", "load",
]
__version__ = "0.1.0"
