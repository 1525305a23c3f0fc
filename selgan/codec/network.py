"""CodecNetwork: encoder, quantiser, generator and the entropy models, in the CompressAI shape.

forward() trains; compress() turns an image into a CodedImage (sizes, mode, streams) and decompress() turns
one back into pixels. Which model made a file, and the file's bytes, are the container's business
(selgan.bitstream, written by selgan.api.Codec): the network knows neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from selgan.bitstream import CodedImage, Mode
from selgan.codec.colours import apply_colours, encode_colours, synthesised_regions
from selgan.codec.encoder import Encoder
from selgan.codec.quantizer import Quantizer
from selgan.codec.refine import FAST, Effort, Progress, refine_symbols
from selgan.entropy import LabelMapModel, LatentContextModel, MaskModel
from selgan.errors import BitstreamError
from selgan.labels.cells import class_latent_mask, painted_latent_mask, random_latent_masks
from selgan.labels.resample import downsample_labels, downsample_labels_np, one_hot_labels, pad_to_shape
from selgan.labels.vocab import Vocabulary

LATENT_STRIDE = 16
# Large images are generated in tiles of TILE latent cells with HALO cells of context on each side,
# so memory stays bounded (a 3840×2160 frame decodes in well under 4 GB) without visible seams.
TILE = 48
HALO = 8
# Reflect padding in the convolutions needs a latent of at least a few cells.
MIN_PADDED_SIDE = 64


def padded_shape(height: int, width: int) -> tuple[int, int]:
    """Size the codec works at for an image: multiples of the latent stride, at least MIN_PADDED_SIDE."""

    def side(n: int) -> int:
        return max(n + (-n % LATENT_STRIDE), MIN_PADDED_SIDE)

    return side(height), side(width)


@dataclass(frozen=True)
class Analysis:
    """An image as the encoder and the label coder saw it, ready to be entropy-coded for any preserve set."""

    width: int
    height: int
    image: np.ndarray  # the uint8 H×W×3 input (for the mean colours of synthesised regions)
    stored_labels: np.ndarray  # the label map at its stored (1/label_downsample) size, padded
    symbols: np.ndarray  # C×h×w latent symbols
    label_stream: bytes | None  # the coded label map (None in global mode without labels)


class CodecNetwork(nn.Module):
    """Generative codec with global (GC) and selective (SC) modes (Agustsson et al. 2019)."""

    def __init__(
        self,
        vocab: Vocabulary,
        encoder: Encoder,
        quantizer: Quantizer,
        generator: nn.Module,
        latent_model: LatentContextModel,
        label_downsample: int = 8,
    ) -> None:
        super().__init__()
        if LATENT_STRIDE % label_downsample:
            raise ValueError("label_downsample must divide the latent stride 16")
        self.vocab = vocab
        self.label_downsample = label_downsample
        self.encoder = encoder
        self.quantizer = quantizer
        self.generator = generator  # Generator or SemanticGenerator: the same call and noise_shapes()
        self.latent_model = latent_model
        self.register_buffer("class_weights", torch.from_numpy(vocab.downsample_weights()), persistent=False)
        # Fitted from data by export, not by gradient descent (see entropy/labels.py, entropy/mask.py); their
        # tables, like the latent model's, are buffers that stay empty until then.
        self.label_model = LabelMapModel(vocab.num_classes)
        self.mask_model = MaskModel()

    def draw_noise(
        self, batch: int, latent_shape: tuple[int, int], device=None, generator: torch.Generator | None = None
    ) -> list[torch.Tensor]:
        """The generator's noise inputs for a latent grid of latent_shape, in its noise_shapes() order."""
        h, w = latent_shape
        return [
            torch.randn(batch, channels, h * factor, w * factor, generator=generator, device=device)
            for channels, factor in self.generator.noise_shapes()
        ]

    # ---- training -------------------------------------------------------------------------
    def forward(self, x: torch.Tensor, labels: torch.Tensor, latent_mask: torch.Tensor) -> dict:
        """x N,3,H,W in [0,1]; labels N,H/8,W/8 (stored resolution); latent_mask N,1,H/16,W/16 {0,1}."""
        one_hot = one_hot_labels(labels, self.vocab.num_classes)
        z = self.encoder(x * 2 - 1, one_hot)
        z_hat, symbols, soft = self.quantizer(z)
        classes = downsample_labels(labels, LATENT_STRIDE // self.label_downsample, self.class_weights)
        coded = latent_mask.bool()
        bits = self.latent_model.bits(symbols, soft, coded, classes)
        noises = self.draw_noise(x.shape[0], z.shape[-2:], x.device)
        x_hat = self.generator(z_hat, latent_mask.to(z_hat.dtype), one_hot, noises)
        return {"x_hat": (x_hat + 1) / 2, "bits": {"latent": bits}, "symbols": symbols}

    def stored_labels(self, labels: torch.Tensor) -> torch.Tensor:
        """Full-resolution labels (N,H,W) -> the resolution stored in files."""
        return downsample_labels(labels, self.label_downsample, self.class_weights)

    # ---- coding ---------------------------------------------------------------------------
    @torch.no_grad()
    def compress(
        self,
        image: np.ndarray,
        labels: np.ndarray | None,
        preserved_classes: tuple[int, ...] | None,
        painted_mask: np.ndarray | None,
        seed: int,
        effort: Effort = FAST,
        progress: Progress | None = None,
    ) -> CodedImage:
        """uint8 H×W×3 image, int labels H×W (or None in global mode) -> CodedImage.

        painted_mask is at latent resolution (H/16 × W/16 after padding), already validated; effort above
        fast fits the latent to the decoder first (refine).
        """
        analysis = self.refine(self.analyse(image, labels), preserved_classes, painted_mask, seed, effort, progress)
        return self.code(analysis, preserved_classes, painted_mask, seed)

    def refine(
        self,
        analysis: Analysis,
        preserved_classes: tuple[int, ...] | None,
        painted_mask: np.ndarray | None,
        seed: int,
        effort: Effort,
        progress: Progress | None = None,
    ) -> Analysis:
        """The analysis with the symbols of the cells this preserve set codes fitted to the frozen decoder for
        the file's seed (selgan.codec.refine); unchanged at effort fast or when no cell is coded."""
        coded = self._coded_cells(analysis, preserved_classes, painted_mask)
        if not effort.steps or not coded.any():
            return analysis
        padded = pad_to_shape(analysis.image, padded_shape(analysis.height, analysis.width))
        with torch.enable_grad():
            symbols = refine_symbols(self, padded, analysis.stored_labels, coded, seed, effort, progress)
        return replace(analysis, symbols=symbols)

    @torch.no_grad()
    def analyse(self, image: np.ndarray, labels: np.ndarray | None) -> Analysis:
        """The expensive half of compress: label map at its stored size and coded, and the encoder's latent symbols.

        Codes for several preserve sets (rate control) reuse one analysis.
        """
        height, width = image.shape[:2]
        padded = pad_to_shape(image, padded_shape(height, width))
        stored = self.file_labels(labels, padded.shape[:2])
        # A read-only array (an image already at the padded size) would make torch warn on every compress.
        x = torch.from_numpy(np.require(padded, requirements="W")).permute(2, 0, 1)[None].float() / 255
        one_hot = one_hot_labels(torch.from_numpy(stored)[None], self.vocab.num_classes)
        _, symbols, _ = self.quantizer(self.encoder(x * 2 - 1, one_hot))
        label_stream = self.label_model.encode(stored) if labels is not None else None
        return Analysis(width, height, image, stored, symbols[0].numpy(), label_stream)

    def code(
        self, analysis: Analysis, preserved_classes: tuple[int, ...] | None, painted_mask: np.ndarray | None, seed: int
    ) -> CodedImage:
        """Entropy-code an analysed image for one preserve set (classes, painted latent mask, both, or neither = GC)."""
        stored = analysis.stored_labels
        streams: dict[str, bytes] = {}
        if analysis.label_stream is not None:
            streams["labels"] = analysis.label_stream
        coded = self._coded_cells(analysis, preserved_classes, painted_mask)
        if painted_mask is not None:
            streams["mask"] = self.mask_model.encode(coded)
        streams["latent"] = self.latent_model.encode(analysis.symbols, coded, self.latent_classes(stored))
        selective = preserved_classes is not None or painted_mask is not None
        if selective and analysis.label_stream is not None and not coded.all():
            classes, synthesised = self._regions(stored, coded, analysis.height, analysis.width)
            streams["colours"] = encode_colours(analysis.image, classes, synthesised)
        return CodedImage(
            width=analysis.width,
            height=analysis.height,
            mode=Mode.SELECTIVE if selective else Mode.GLOBAL,
            seed=seed,
            preserved_classes=tuple(preserved_classes or ()),
            streams=streams,
        )

    def min_bytes(
        self, analysis: Analysis, preserved_classes: tuple[int, ...] | None, painted_mask: np.ndarray | None
    ) -> int:
        """A floor on the bytes of code(analysis, preserved_classes, painted_mask)'s streams, found without coding
        the latent: rate control skips candidates whose floor is over the budget."""
        coded = self._coded_cells(analysis, preserved_classes, painted_mask)
        latent = self.latent_model.min_bytes(analysis.symbols, coded, self.latent_classes(analysis.stored_labels))
        return len(analysis.label_stream or b"") + latent

    def _coded_cells(
        self, analysis: Analysis, preserved_classes: tuple[int, ...] | None, painted_mask: np.ndarray | None
    ) -> np.ndarray:
        """The latent cells a preserve set codes: painted ones and those of the classes (one mask), else all (GC)."""
        if painted_mask is None and preserved_classes is None:
            return np.ones(analysis.symbols.shape[-2:], dtype=bool)
        coded = painted_mask if painted_mask is not None else np.zeros(analysis.symbols.shape[-2:], dtype=bool)
        if preserved_classes:
            coded = coded | class_latent_mask(
                analysis.stored_labels, preserved_classes, LATENT_STRIDE // self.label_downsample
            )
        return coded

    def decode_symbols(self, coded_image: CodedImage) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What a file's streams decode to: the stored label map, the latent mask and the latent symbols
        (C×h×w, the number of centres where a cell is not coded). Exact integers, the same on every machine."""
        stored, coded = self.decode_side_info(coded_image)
        symbols = self.latent_model.decode(coded_image.streams.get("latent", b""), coded, self.latent_classes(stored))
        return stored, coded, symbols

    @torch.no_grad()
    def decompress(self, coded_image: CodedImage) -> np.ndarray:
        """CodedImage -> uint8 H×W×3 image. Raises BitstreamError on inconsistent streams."""
        stored, coded, symbols = self.decode_symbols(coded_image)
        absent = symbols == self.quantizer.centers.numel()
        z_hat = self.quantizer.dequantize(torch.from_numpy(np.where(absent, 0, symbols)))[None]
        noises = self.draw_noise(1, coded.shape, generator=torch.Generator().manual_seed(coded_image.seed))
        mask = torch.from_numpy(coded)[None, None].float()
        one_hot = one_hot_labels(torch.from_numpy(stored)[None], self.vocab.num_classes)
        image = self.generate_tiled(z_hat, mask, one_hot, noises)[: coded_image.height, : coded_image.width]
        if "colours" in coded_image.streams:
            classes, synthesised = self._regions(stored, coded, coded_image.height, coded_image.width)
            image = apply_colours(image, classes, synthesised, coded_image.streams["colours"])
        return image

    def _regions(self, stored: np.ndarray, coded: np.ndarray, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        return synthesised_regions(stored, coded, self.label_downsample, LATENT_STRIDE, height, width)

    def generate_tiled(self, z_hat, mask, one_hot, noises, tile: int = TILE, halo: int = HALO) -> np.ndarray:
        """Run the generator over latent tiles with overlapping context; uint8 H×W×3 of the padded size."""
        h, w = z_hat.shape[-2:]
        ratio = LATENT_STRIDE // self.label_downsample
        out = np.empty((h * LATENT_STRIDE, w * LATENT_STRIDE, 3), dtype=np.uint8)
        for y0 in range(0, h, tile):
            for x0 in range(0, w, tile):
                y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
                ya, xa, yb, xb = max(0, y0 - halo), max(0, x0 - halo), min(h, y1 + halo), min(w, x1 + halo)
                x_hat = self.generator(
                    z_hat[..., ya:yb, xa:xb],
                    mask[..., ya:yb, xa:xb],
                    one_hot[..., ya * ratio : yb * ratio, xa * ratio : xb * ratio],
                    [
                        noise[..., ya * f : yb * f, xa * f : xb * f]
                        for noise, (_, f) in zip(noises, self.generator.noise_shapes())
                    ],
                )
                crop = x_hat[
                    0,
                    :,
                    (y0 - ya) * LATENT_STRIDE : (y1 - ya) * LATENT_STRIDE,
                    (x0 - xa) * LATENT_STRIDE : (x1 - xa) * LATENT_STRIDE,
                ]
                pixels = ((crop.permute(1, 2, 0) + 1) * 127.5).round().clamp(0, 255).byte().numpy()
                out[y0 * LATENT_STRIDE : y1 * LATENT_STRIDE, x0 * LATENT_STRIDE : x1 * LATENT_STRIDE] = pixels
        return out

    @staticmethod
    def painted_cells(mask: np.ndarray | None, height: int, width: int) -> np.ndarray:
        """The latent cells of an image of height×width that a painted pixel mask (H×W, nonzero = keep)
        touches; None paints nothing (every cell synthesised)."""
        padded = padded_shape(height, width)
        if mask is None:
            return np.zeros((padded[0] // LATENT_STRIDE, padded[1] // LATENT_STRIDE), dtype=bool)
        return painted_latent_mask(mask, (width, height), padded, LATENT_STRIDE)

    @staticmethod
    def cells_to_pixels(coded: np.ndarray, height: int, width: int) -> np.ndarray:
        """A latent-cell mask as the height×width pixel mask it covers."""
        cells = np.repeat(np.repeat(coded, LATENT_STRIDE, axis=0), LATENT_STRIDE, axis=1)
        return cells[:height, :width]

    def decode_side_info(self, coded_image: CodedImage) -> tuple[np.ndarray, np.ndarray]:
        """Stored label map and latent mask, decoded from the file's own streams."""
        padded = padded_shape(coded_image.height, coded_image.width)
        label_shape = (padded[0] // self.label_downsample, padded[1] // self.label_downsample)
        latent_shape = (padded[0] // LATENT_STRIDE, padded[1] // LATENT_STRIDE)
        if "labels" in coded_image.streams:
            stored = self.label_model.decode(coded_image.streams["labels"], label_shape)
        else:
            stored = np.full(label_shape, self.vocab.ignore_id, dtype=np.int64)
        if "mask" in coded_image.streams:
            coded = self.mask_model.decode(coded_image.streams["mask"], latent_shape)
        elif coded_image.mode == Mode.SELECTIVE:
            if not coded_image.preserved_classes or "labels" not in coded_image.streams:
                raise BitstreamError("selective file names no preserve set (neither classes with labels nor a mask)")
            if max(coded_image.preserved_classes) >= self.vocab.num_classes:
                raise BitstreamError("the file preserves a class id this model does not know")
            coded = class_latent_mask(stored, coded_image.preserved_classes, LATENT_STRIDE // self.label_downsample)
        else:
            coded = np.ones(latent_shape, dtype=bool)
        return stored, coded

    def file_labels(self, labels: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
        """The label map as the file stores it: padded to `shape`, downsampled by label_downsample."""
        if labels is None:
            stored_shape = (shape[0] // self.label_downsample, shape[1] // self.label_downsample)
            return np.full(stored_shape, self.vocab.ignore_id, dtype=np.int64)
        padded = pad_to_shape(labels, shape)
        return downsample_labels_np(padded, self.label_downsample, self.vocab.downsample_weights())

    def latent_classes(self, stored: np.ndarray) -> np.ndarray:
        """One class per latent cell (the context the latent's entropy model is conditioned on)."""
        return downsample_labels_np(stored, LATENT_STRIDE // self.label_downsample, self.vocab.downsample_weights())

    def stored_label_maps(self, label_maps: Iterable[np.ndarray]) -> list[np.ndarray]:
        """Full-resolution label maps (this vocabulary) -> the maps a file would store (file_labels of each)."""
        return [
            self.file_labels(np.asarray(labels, dtype=np.int64), padded_shape(*labels.shape)) for labels in label_maps
        ]

    def fit_side_models(self, stored_maps: list[np.ndarray], seed: int = 0) -> None:
        """Fit the label-map coder on stored maps and the painted-mask coder on typical preserve masks.

        The count-based companions of latent_model.update(): export calls all three before saving.
        """
        self.label_model = LabelMapModel.fit(stored_maps, self.vocab.num_classes)
        ratio = LATENT_STRIDE // self.label_downsample
        generator = torch.Generator().manual_seed(seed)
        masks = []
        for stored in stored_maps:
            classes = torch.from_numpy(downsample_labels_np(stored, ratio, self.vocab.downsample_weights()))[None]
            masks.append(random_latent_masks(classes, self.vocab.ignore_id, 0.0, generator)[0, 0].numpy() > 0)
            masks.append(class_latent_mask(stored, self.vocab.thing_ids, ratio))  # objects: what people paint
        self.mask_model = MaskModel.fit(masks)
