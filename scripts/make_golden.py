"""Write the golden .sgc files that pin the bitstream format: run on purpose, never in tests.

Usage: python scripts/make_golden.py [MODEL...]   (default: every codec in pretrained/manifest.json)
       python scripts/make_golden.py --pixels-only [MODEL...]
For each model: tests/golden/MODEL/{global,classes,painted}.sgc made from tests/golden/input.png (its
label map input_labels.png, painted mask input_mask.png), expected.json with each file's header
fields and the SHA-256 of its decoded symbols (label map, latent mask, latent), and {case}.png, the
decoded pixels. tests/test_golden.py decodes them and compares (symbols exactly, pixels to 60 dB, which
leaves room for floating-point differences between machines and nothing else). Regenerate only when a
model's weights are replaced or the format version is raised on purpose; say why in the commit.
tests/golden/v1/ (version-1 files) is never rewritten; --pixels-only adds the decoded-pixel references
of existing files (current and v1) without touching the files themselves.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
CASES = {
    "global": {},
    "classes": {"preserve": ["car", "pedestrian", "signsymbol"]},
    "painted": {"mask": "input_mask.png"},
    # Format version 3: the same photo as a camera would save it (EXIF time, GPS, camera; XMP; ICC profile).
    "metadata": {"image": "input_camera.png", "preserve": ["car"], "metadata": "keep"},
}
V1_CASES = ("global", "classes", "painted")  # tests/golden/v1/ predates the other cases


def symbol_digests(model, bitstream) -> dict[str, str]:
    """SHA-256 of each decoded symbol array (int64, C order) of a file."""
    arrays = dict(zip(("labels", "mask", "latent"), model.decode_symbols(bitstream)))
    digests = {
        name: hashlib.sha256(np.ascontiguousarray(a, dtype=np.int64).tobytes()).hexdigest()
        for name, a in arrays.items()
    }
    for name in ("colours", "metadata"):  # stored as they are read (colours: 5-bit values, two bytes per region)
        if name in bitstream.streams:
            digests[name] = hashlib.sha256(bitstream.streams[name]).hexdigest()
    return digests


def header(bitstream) -> dict:
    """The header fields of a file, as plain data."""
    return {
        "model_id": bitstream.model_id,
        "weights_hash": bitstream.weights_hash.hex(),
        "width": bitstream.width,
        "height": bitstream.height,
        "mode": int(bitstream.mode),
        "seed": bitstream.seed,
        "preserved_classes": list(bitstream.preserved_classes),
        "streams": {name: len(data) for name, data in bitstream.streams.items()},
    }


def make(name: str) -> None:
    import selgan

    codec = selgan.load(name)
    folder = GOLDEN / name
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for case, options in CASES.items():
        kwargs = {k: (GOLDEN / v if k == "mask" else v) for k, v in options.items() if k != "image"}
        image = GOLDEN / options.get("image", "input.png")
        bitstream = codec.compress(image, labels=GOLDEN / "input_labels.png", seed=7, **kwargs)
        (folder / f"{case}.sgc").write_bytes(bitstream.to_bytes())
        write_pixels(codec, folder, case)
        expected[case] = {"header": header(bitstream), "symbols": symbol_digests(codec.model, bitstream)}
    (folder / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    sizes = ", ".join(f"{case} {(folder / (case + '.sgc')).stat().st_size} B" for case in CASES)
    print(f"{name}: {sizes}")


def write_pixels(codec, folder: Path, case: str) -> None:
    """folder/{case}.png: what folder/{case}.sgc decodes to with this codec (lossless)."""
    codec.decompress((folder / f"{case}.sgc").read_bytes()).save(folder / f"{case}.png", optimize=True)


if __name__ == "__main__":
    import selgan
    from selgan.zoo import specs

    pixels_only = "--pixels-only" in sys.argv
    for model in [a for a in sys.argv[1:] if not a.startswith("--")] or sorted(specs("codec")):
        if not pixels_only:
            make(model)
            continue
        for folder, cases in ((GOLDEN / model, CASES), (GOLDEN / "v1" / model, V1_CASES)):
            for case in cases:
                write_pixels(selgan.load(model), folder, case)
