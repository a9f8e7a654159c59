"""SSIM of a thumbnail against a reference resize; run with the tools venv (numpy).

    python ssim.py JOBS.json   ->  one JSON line: {"<candidate path>": ssim, ...}

Each job names a source, a size and method, and candidate files. The
reference is the full-resolution source, decoded whole, with the same region
cut and resampled with LANCZOS in one step (float-free Pillow), so a smaller
file never hides a worse picture. SSIM: luma, 7x7 uniform window (the
scikit-image default), constants of Wang et al. 2004.
"""

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from restthumbnails.core.geometry import plan

WINDOW = 7


def reference(source: Path, size: str, method: str) -> Image.Image:
    image = Image.open(source)
    image.load()
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    image = image.convert("RGB")
    width, _, height = size.partition("x")
    layout = plan(
        image.width,
        image.height,
        int(width) if width else None,
        int(height) if height else None,
        method,
        upscale=False,
    )
    return image.resize(
        (layout.width, layout.height),
        Image.Resampling.LANCZOS,
        box=layout.box(image.width, image.height),
    )


def _mean_filter(values: np.ndarray) -> np.ndarray:
    """Mean over every WINDOW x WINDOW patch (valid positions only), by summed tables."""
    table = np.pad(values.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    w = WINDOW
    total = table[w:, w:] - table[:-w, w:] - table[w:, :-w] + table[:-w, :-w]
    return total / (w * w)


def ssim(a: Image.Image, b: Image.Image) -> float:
    x = np.asarray(a.convert("L"), dtype=np.float64)
    y = np.asarray(b.convert("L"), dtype=np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = _mean_filter(x), _mean_filter(y)
    n = WINDOW * WINDOW
    correction = n / (n - 1)  # sample (co)variances, as scikit-image does
    vx = (_mean_filter(x * x) - mx * mx) * correction
    vy = (_mean_filter(y * y) - my * my) * correction
    cov = (_mean_filter(x * y) - mx * my) * correction
    index = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(index.mean())


def main() -> None:
    jobs = json.loads(Path(sys.argv[1]).read_text())
    scores: dict[str, float | None] = {}
    for job in jobs:
        ref = reference(Path(job["source"]), job["size"], job["method"])
        for candidate in job["candidates"]:
            image = Image.open(candidate)
            image.load()
            scores[candidate] = ssim(ref, image) if image.size == ref.size else None
    print(json.dumps(scores))


if __name__ == "__main__":
    main()
