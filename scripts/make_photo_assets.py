"""Cut the bundled photos from the comma2k19 dashcam frame (MIT, ../shared/images/): run once, results committed.

- selgan/assets/dashcam.png: 960×512, the frame without the car's bonnet (the `make demo` input and an app example)
- tests/golden/input.png: 176×104 of its middle (cars, road, trees, sky), the golden files' input
Each folder gets the licence text beside the copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "images" / "comma2k19_dashcam.png"
LICENCE = SOURCE.parent / "comma2k19_LICENSE.txt"


def main() -> None:
    photo = Image.open(SOURCE).convert("RGB")  # 1164×874; the bonnet starts near row 620
    demo = photo.crop((0, 0, 1164, 621)).resize((960, 512), Image.LANCZOS)
    golden = photo.crop((520, 262, 872, 470)).resize((176, 104), Image.LANCZOS)
    for image, path in (
        (demo, ROOT / "selgan" / "assets" / "dashcam.png"),
        (golden, ROOT / "tests" / "golden" / "input.png"),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, optimize=True)
        shutil.copy(LICENCE, path.parent / "comma2k19_LICENSE.txt")
        print(path, image.size, path.stat().st_size)


if __name__ == "__main__":
    main()
