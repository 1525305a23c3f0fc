"""`selgan eval`'s report folder: per-image rows (CSV, JSON), the summary (JSON, Markdown) with the
periodic-artefact table."""

from __future__ import annotations

import csv
import json
from pathlib import Path

COLUMNS = (
    "codec", "fits", "bpp", "psnr", "psnr_lowfreq", "msssim", "psnr_preserved", "psnr_synthesised", "miou_gt",
    "miou_gt_synthesised", "miou_self", "periodic", "kid", "fid",
)  # fmt: skip


def write_report(out: Path, rows: list[dict], summary: list[dict], title: str) -> Path:
    """per_image.csv, per_image.json, summary.json and summary.md in out/."""
    out.mkdir(parents=True, exist_ok=True)
    keys = ["image", "codec"] + sorted({k for r in rows for k in r} - {"image", "codec"})
    with (out / "per_image.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=keys)
        writer.writeheader()
        # The per-class window sums are nested: one JSON cell.
        writer.writerows({k: json.dumps(v) if isinstance(v, dict) else v for k, v in row.items()} for row in rows)
    (out / "per_image.json").write_text(json.dumps(rows, indent=1))
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    lines = [f"# {title}", "", *_summary_table(summary), *_notes(summary), *_periodic_lines(summary),
             *_reference_lines(summary)]  # fmt: skip
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    return out / "summary.md"


def _with_lpips(summary: list[dict]) -> bool:
    return any(entry.get("lpips") is not None for entry in summary)


def _summary_table(summary: list[dict]) -> list[str]:
    columns = list(COLUMNS)
    if _with_lpips(summary):
        columns.insert(columns.index("kid"), "lpips")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(format_value(entry.get(c)) for c in columns) + " |" for entry in summary]


def _notes(summary: list[dict]) -> list[str]:
    lpips = (
        "LPIPS: the lpips package (AlexNet, v0.1), whole images."
        if _with_lpips(summary)
        else "LPIPS is not reported: its AlexNet backbone is not in torch's cache here (it is computed when it is)."
    )
    return [
        "",
        "Means over the images where a codec fitted the byte budget (selgan's own file size);",
        "a baseline that cannot produce a file that small is counted as not fitting, not dropped.",
        "KID/FID: Inception features of 128 px patches (256 px for large images) of the fitted images;",
        "FID over few patches is biased upwards, compare it between rows only. " + lpips,
    ]


def _reference_lines(summary: list[dict]) -> list[str]:
    """selgan's file against the global reference model's on the same images (when one was given)."""
    selgan = next((e for e in summary if e["codec"] == "selgan" and e.get("global_ref_bytes")), None)
    if selgan is None:
        return []
    line = (
        f"Against the global reference model on the same images: selgan's files are "
        f"{selgan['bytes'] / selgan['global_ref_bytes']:.2f}× its size ({selgan['bytes']:.0f} B vs "
        f"{selgan['global_ref_bytes']:.0f} B); PSNR inside the preserved regions "
        f"{selgan['psnr_preserved']:.2f} dB vs {selgan['global_ref_psnr_preserved']:.2f} dB."
    )
    if selgan.get("global_ref_miou_gt_synthesised") is not None:
        line += (
            f" Inside the synthesised regions the segmenter's mIoU against ground truth is "
            f"{selgan['miou_gt_synthesised']:.4f} on selgan's files and "
            f"{selgan['global_ref_miou_gt_synthesised']:.4f} on the reference's."
        )
    return ["", line]


def _periodic_lines(summary: list[dict]) -> list[str]:
    """The periodic-artefact ratio per class (reconstruction's mean window score over the original's)."""
    classes = sorted({name for e in summary for name in (e.get("periodic_by_class") or {})} - {"all"})
    if not classes:
        return []
    lines = [
        "",
        "Periodic-artefact ratio (`periodic`): 64×64 luminance windows wholly inside one class, in the synthesised",
        "region (the whole image for global files); each window's largest power-spectrum peak over the median of",
        "its frequency ring (selgan.metrics.periodic_peaks), geometric mean over windows, reconstruction over",
        "original:",
        "1 = as aperiodic as the photo. Per class (windows):",
        "",
        "| codec | " + " | ".join(classes) + " |",
        "|---|" + "---|" * len(classes),
    ]
    for entry in summary:
        by_class = entry.get("periodic_by_class") or {}
        if by_class:
            cells = [
                f"{by_class[c]['ratio']:.2f} ({by_class[c]['windows']})" if c in by_class else "—" for c in classes
            ]
            lines.append(f"| {entry['codec']} | " + " | ".join(cells) + " |")
    return lines


def format_value(value) -> str:
    """A table cell: '—' for none, 4 decimals below 1, else 2."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1 else f"{value:.2f}"
    return str(value)
