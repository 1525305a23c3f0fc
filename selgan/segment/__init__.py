"""Semantic segmentation front end: vocabularies and label maps."""
from selgan.segment.vocab import CAMVID, Vocabulary, get_vocabulary
from selgan.segment.labelfile import read_label_png

__all__ = ["CAMVID", "Vocabulary", "get_vocabulary", "read_label_png"]
