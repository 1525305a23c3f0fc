"""Does the segmenter's confidence mean what it says? Expected calibration error, reliability tables, the
"unsure" flag's catch of wrong pixels, and the temperature that calibrates the scores.

A confidence of 0.9 should be right 9 times in 10. Networks trained with cross-entropy are overconfident
(Guo et al., "On Calibration of Modern Neural Networks", ICML 2017); dividing the scores by one fitted
temperature fixes most of it without moving any label (the argmax is unchanged)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from selgan.segment.segmap import UNSURE_BELOW

BINS = 15  # the usual ECE binning (Guo et al.): equal-width confidence bins on [0, 1]
# Candidate "unsure" thresholds, reported beside the one in use (always among them).
THRESHOLDS = tuple(sorted({0.5, 0.6, 0.7, 0.8, 0.9, UNSURE_BELOW}))


@dataclass
class Reliability:
    """Counts of (confidence, correct) pixels per confidence bin, and of wrong pixels under each threshold;
    add() frames one at a time, then read ece(), table() and unsure()."""

    count: np.ndarray = field(default_factory=lambda: np.zeros(BINS, np.int64))
    confidence_sum: np.ndarray = field(default_factory=lambda: np.zeros(BINS, np.float64))
    correct: np.ndarray = field(default_factory=lambda: np.zeros(BINS, np.int64))
    below: dict[float, list[int]] = field(default_factory=lambda: {t: [0, 0] for t in THRESHOLDS})

    def add(self, confidence: np.ndarray, right: np.ndarray) -> None:
        """Pixels' winning-class probability and whether that class was right (same shapes, scored pixels)."""
        confidence = np.asarray(confidence, np.float64).ravel()
        right = np.asarray(right, bool).ravel()
        bins = np.minimum((confidence * BINS).astype(np.int64), BINS - 1)
        self.count += np.bincount(bins, minlength=BINS)
        self.confidence_sum += np.bincount(bins, confidence, minlength=BINS)
        self.correct += np.bincount(bins, right, minlength=BINS).astype(np.int64)
        for threshold, counts in self.below.items():
            unsure = confidence < threshold
            counts[0] += int(unsure.sum())
            counts[1] += int((unsure & ~right).sum())

    def ece(self) -> float:
        """Expected calibration error: the pixel-weighted mean |accuracy − confidence| over the bins."""
        total = self.count.sum()
        filled = self.count > 0
        gap = np.abs(self.correct[filled] / self.count[filled] - self.confidence_sum[filled] / self.count[filled])
        return float((gap * self.count[filled]).sum() / total) if total else float("nan")

    def table(self) -> list[dict]:
        """Per bin: its range, share of pixels, mean confidence and accuracy (None where empty)."""
        total = max(int(self.count.sum()), 1)
        rows = []
        for i in range(BINS):
            n = int(self.count[i])
            rows.append(
                {
                    "low": i / BINS,
                    "high": (i + 1) / BINS,
                    "share": n / total,
                    "confidence": self.confidence_sum[i] / n if n else None,
                    "accuracy": self.correct[i] / n if n else None,
                }
            )
        return rows

    def unsure(self) -> dict[float, dict[str, float]]:
        """Per threshold: the share of all pixels flagged unsure and the share of wrong pixels it flags."""
        total = int(self.count.sum())
        wrong = total - int(self.correct.sum())
        return {
            t: {"flagged": below / total if total else float("nan"), "wrong_caught": caught / wrong if wrong else 1.0}
            for t, (below, caught) in self.below.items()
        }

    def summary(self) -> dict:
        """ece, accuracy, the reliability table and the unsure figures, JSON-ready."""
        total = int(self.count.sum())
        return {
            "ece": self.ece(),
            "accuracy": float(self.correct.sum() / total) if total else float("nan"),
            "bins": self.table(),
            "unsure": {f"{t:.2f}": v for t, v in self.unsure().items()},
        }


def fit_temperature(logits: torch.Tensor, targets: torch.Tensor, steps: int = 100) -> float:
    """The temperature T that minimises the cross-entropy of softmax(logits / T) on held-apart pixels
    (N×K scores, N ids); fitted in log T so it stays positive."""
    log_t = torch.zeros((), requires_grad=True)
    optimiser = torch.optim.LBFGS([log_t], lr=0.1, max_iter=steps, line_search_fn="strong_wolfe")
    logits, targets = logits.float(), targets.long()

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits / log_t.exp(), targets)
        loss.backward()
        return loss

    optimiser.step(closure)
    return float(log_t.detach().exp())
