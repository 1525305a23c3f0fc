"""Other cameras: each rate point of the learned baseline (full and 1/2 size) against AVIF at 1/4 size with
the same bytes, on the Cityscapes sample at 1024×512 and the dashcam photo: PSNR, low-frequency PSNR, and the
largest shift of the image's mean colour (0–255). Also writes /tmp/hp_ood_crop.png (original | hyperprior | AVIF).

Usage: python benchmarks/hyperprior_other_cameras.py   (from the repository root, ../shared beside it)
"""

import numpy as np
from PIL import Image

from selgan.baselines import BASELINES, code_at_budget, get_baseline, resize
from selgan.datasets import cityscapes_pairs, data_root
from selgan.metrics import psnr, psnr_lowfreq

hp = get_baseline("hyperprior")
frames = [
    ("cityscapes", np.asarray(Image.open(p).convert("RGB").resize((1024, 512), Image.BICUBIC)))
    for p, _ in cityscapes_pairs(data_root() / "cityscapes_sample", "train")
]
frames.append(
    (
        "dashcam",
        np.asarray(Image.open(sorted(__import__("glob").glob("../shared/images/*.[pj][np]g"))[0]).convert("RGB")),
    )
)
for scale in (1, 2):
    for point in (0, 1):
        rows = {}
        for name, img in frames:
            data = hp.encode(resize(img, scale, down=True), point)
            rec = resize(hp.decode(data), scale, down=False, size=img.shape[1::-1])
            avif = code_at_budget(BASELINES["avif"], img, len(data), 4)
            r = rows.setdefault(name, [])
            r.append(
                (
                    len(data) * 8 / img.shape[0] / img.shape[1],
                    psnr(img, rec),
                    psnr_lowfreq(img, rec),
                    *(
                        (psnr(img, avif.reconstruction), psnr_lowfreq(img, avif.reconstruction))
                        if avif.reconstruction is not None
                        else (np.nan, np.nan)
                    ),
                    np.abs(rec.reshape(-1, 3).mean(0) - img.reshape(-1, 3).mean(0)).max(),
                )
            )
            if name == "cityscapes" and len(r) == 1 and scale == 1 and point == 0:
                Image.fromarray(
                    np.concatenate([img[200:456, 0:512], rec[200:456, 0:512], avif.reconstruction[200:456, 0:512]], 1)
                ).save("/tmp/hp_ood_crop.png")
        for name, r in rows.items():
            m = np.nanmean(np.array(r), 0)
            print(
                f"scale 1/{scale} point {point} {name} n={len(r)} bpp {m[0]:.4f} hp PSNR {m[1]:.2f} lowfreq {m[2]:.2f}"
                f" | avif@1/4 PSNR {m[3]:.2f} lowfreq {m[4]:.2f} | max mean-colour shift {m[5]:.1f}"
            )
