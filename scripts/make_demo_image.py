"""Render the bundled demo street scene and its exact CamVid-id label map (our own work, CC0).

The frame is procedural so that it can ship with the code under a clear licence; it is
drawn with CamVid's 480×360 geometry and classes. Run: python scripts/make_demo_image.py
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

W, H = 480, 360
HORIZON = 150
SKY, BUILDING, POLE, ROAD, PAVEMENT, TREE, SIGN, FENCE, CAR, PEDESTRIAN = range(10)
OUT = Path(__file__).resolve().parent.parent / "selgan" / "assets"


class Scene:
    """Draws every shape twice: colour into the photo, class id into the label map."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.photo = Image.new("RGB", (W, H))
        self.labels = Image.new("L", (W, H))
        self.draw_photo, self.draw_labels = ImageDraw.Draw(self.photo), ImageDraw.Draw(self.labels)

    def polygon(self, points, color, label) -> None:
        self.draw_photo.polygon(points, fill=color)
        self.draw_labels.polygon(points, fill=label)

    def rect(self, box, color, label) -> None:
        self.draw_photo.rectangle(box, fill=color)
        self.draw_labels.rectangle(box, fill=label)

    def ellipse(self, box, color, label) -> None:
        self.draw_photo.ellipse(box, fill=color)
        self.draw_labels.ellipse(box, fill=label)

    def jitter(self, base, spread=12):
        return tuple(int(np.clip(c + self.rng.integers(-spread, spread + 1), 0, 255)) for c in base)


def sky(scene: Scene) -> None:
    arr = np.zeros((H, W, 3), np.uint8)
    t = np.linspace(0, 1, H)[:, None]
    for c, (top, bottom) in enumerate(zip((150, 175, 205), (215, 220, 225))):
        arr[..., c] = (top + (bottom - top) * t).astype(np.uint8)
    scene.photo.paste(Image.fromarray(arr))


def buildings(scene: Scene) -> None:
    x = 0
    while x < W:
        width = int(scene.rng.integers(50, 110))
        top = int(scene.rng.integers(20, HORIZON - 20)) if not 150 < x < 300 else int(scene.rng.integers(90, 130))
        color = scene.jitter((150, 120, 100), 30)
        scene.rect((x, top, x + width, HORIZON + 40), color, BUILDING)
        for wy in range(top + 10, HORIZON + 25, 18):
            for wx in range(x + 6, x + width - 10, 16):
                scene.draw_photo.rectangle((wx, wy, wx + 8, wy + 10), fill=scene.jitter((60, 70, 85), 15))
        x += width


def ground(scene: Scene) -> None:
    scene.polygon([(0, HORIZON + 40), (W, HORIZON + 40), (W, H), (0, H)], (120, 118, 125), PAVEMENT)
    scene.polygon([(205, HORIZON + 40), (275, HORIZON + 40), (W + 160, H), (-160, H)], (85, 85, 90), ROAD)
    for y in range(HORIZON + 60, H, 34):
        f = (y - HORIZON - 40) / (H - HORIZON - 40)
        scene.draw_photo.polygon([(238 - 2 * f, y), (242 + 2 * f, y), (243 + 4 * f, y + 14), (237 - 4 * f, y + 14)], fill=(230, 230, 220))


def trees(scene: Scene) -> None:
    for cx in (40, 120, 400, 455):
        cy = int(scene.rng.integers(110, 140))
        for _ in range(14):
            dx, dy, r = scene.rng.integers(-28, 29), scene.rng.integers(-30, 20), scene.rng.integers(14, 26)
            scene.ellipse((cx + dx - r, cy + dy - r, cx + dx + r, cy + dy + r), scene.jitter((70, 100, 45), 20), TREE)
        scene.rect((cx - 4, cy + 15, cx + 4, HORIZON + 50), (80, 60, 45), TREE)


def street_furniture(scene: Scene) -> None:
    scene.rect((330, 80, 335, HORIZON + 75), (110, 110, 105), POLE)
    scene.ellipse((318, 70, 348, 100), (200, 30, 30), SIGN)
    scene.draw_photo.ellipse((324, 76, 342, 94), fill=(235, 235, 235))
    scene.rect((0, HORIZON + 55, 90, HORIZON + 70), (140, 130, 110), FENCE)


def car(scene: Scene, x: int, y: int, scale: float, color) -> None:
    w, h = int(120 * scale), int(55 * scale)
    scene.polygon([(x, y + h * 0.45), (x + w * 0.2, y + h * 0.05), (x + w * 0.75, y + h * 0.05),
                   (x + w, y + h * 0.45), (x + w, y + h * 0.85), (x, y + h * 0.85)], color, CAR)
    scene.draw_photo.polygon([(x + w * 0.25, y + h * 0.12), (x + w * 0.7, y + h * 0.12),
                              (x + w * 0.85, y + h * 0.42), (x + w * 0.12, y + h * 0.42)], fill=(90, 110, 130))
    for wx in (x + w * 0.2, x + w * 0.8):
        r = h * 0.2
        scene.ellipse((wx - r, y + h * 0.85 - r, wx + r, y + h * 0.85 + r), (25, 25, 25), CAR)


def pedestrian(scene: Scene, x: int, y: int, scale: float, shirt) -> None:
    s = scale
    scene.ellipse((x - 5 * s, y, x + 5 * s, y + 10 * s), (200, 160, 130), PEDESTRIAN)
    scene.rect((x - 7 * s, y + 10 * s, x + 7 * s, y + 32 * s), shirt, PEDESTRIAN)
    scene.rect((x - 6 * s, y + 32 * s, x - 1 * s, y + 52 * s), (40, 40, 60), PEDESTRIAN)
    scene.rect((x + 1 * s, y + 32 * s, x + 6 * s, y + 52 * s), (40, 40, 60), PEDESTRIAN)


def texture(scene: Scene) -> Image.Image:
    arr = np.asarray(scene.photo.filter(ImageFilter.GaussianBlur(0.7)), dtype=np.float64)
    arr += scene.rng.normal(0, 5, arr.shape)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def render(seed: int, cars, pedestrians) -> Scene:
    scene = Scene(np.random.default_rng(seed))
    sky(scene)
    buildings(scene)
    trees(scene)
    ground(scene)
    street_furniture(scene)
    for args in cars:
        car(scene, *args)
    for args in pedestrians:
        pedestrian(scene, *args)
    return scene


def main() -> None:
    scene = render(
        2026,
        [(250, 200, 0.9, (30, 60, 140)), (120, 235, 1.3, (170, 30, 35)), (215, 180, 0.55, (200, 200, 205))],
        [(60, 215, 1.6, (200, 120, 40)), (420, 205, 1.9, (40, 120, 70)), (370, 195, 1.2, (60, 60, 160))],
    )
    OUT.mkdir(parents=True, exist_ok=True)
    texture(scene).save(OUT / "demo_street.png", optimize=True)
    scene.labels.save(OUT / "demo_street_labels.png", optimize=True)
    # A second scene for the app's examples (apps/examples/).
    scene = render(
        7,
        [(300, 215, 1.1, (230, 190, 40)), (150, 190, 0.7, (40, 40, 45))],
        [(90, 200, 1.8, (150, 30, 120)), (200, 200, 1.4, (220, 220, 220)), (440, 215, 1.5, (30, 90, 170))],
    )
    examples = OUT.parent.parent / "apps" / "examples"
    examples.mkdir(parents=True, exist_ok=True)
    texture(scene).save(examples / "crossing.png", optimize=True)


if __name__ == "__main__":
    main()
