"""Evaluation on real files: baseline codecs at matched size, metrics, reports."""
