"""Learned probability models and their integer tables, coded with constriction's rANS."""

from selgan.entropy.coder import decode_grid, encode_grid, quantize_pmf
from selgan.entropy.labels import LabelMapModel
from selgan.entropy.latent import LatentContextModel
from selgan.entropy.mask import MaskModel

__all__ = ["LabelMapModel", "LatentContextModel", "MaskModel", "decode_grid", "encode_grid", "quantize_pmf"]
