"""`faces` against `crop` on the miss path's render: a 12 MP JPEG with a face, in process.

The source is scikit-image's astronaut enlarged to 4000x3000 and saved as a JPEG
(quality 90), so the detector has a face to find; both methods decode it the
same way (DCT scaling), `faces` adds the detector on the reduced image.
"""

import io
import time
from collections.abc import Callable

from PIL import Image

from restthumbnails.core.spec import make_spec
from restthumbnails.render.engine import render
from restthumbnails.render.faces import DETECT_SIDE
from restthumbnails.render.options import EngineOptions

from ..results import SectionResult, Table, Target, median, ms, ratio

ROUNDS = 15
GOAL = 1.5


def _source() -> bytes:
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).resize((4000, 3000), Image.Resampling.BICUBIC).save(
        buffer, "JPEG", quality=90
    )
    return buffer.getvalue()


def run(log: Callable[[str], None]) -> SectionResult:
    source = _source()
    options = EngineOptions()
    timings: dict[str, list[float]] = {"crop": [], "faces": []}
    for size in ("200x200", "400x100"):
        for method in timings:
            render(source, make_spec("a.jpg", size, method, "jpg"), options)  # warm up
    for _ in range(ROUNDS):
        for method, runs in timings.items():
            started = time.perf_counter()
            render(source, make_spec("a.jpg", "200x200", method, "jpg"), options)
            runs.append((time.perf_counter() - started) * 1000)
    crop_ms, faces_ms = median(timings["crop"]), median(timings["faces"])
    log(f"  faces {faces_ms:.1f} ms, crop {crop_ms:.1f} ms")
    table = Table(
        "faces vs crop: 12 MP JPEG to 200x200, render only (median ms)",
        ["method", "ms", "vs crop"],
        [
            ["crop", ms(crop_ms), "1.00x"],
            ["faces", ms(faces_ms), ratio(faces_ms, crop_ms)],
        ],
        notes=[
            f"{ROUNDS} rounds, in process, Pillow engine, OpenCV Haar cascade on {DETECT_SIDE} px."
        ],
    )
    return SectionResult(
        tables=[table],
        targets=[
            Target(
                "faces miss within 1.5x of crop (12 MP JPEG)",
                f"<= {GOAL}x",
                ratio(faces_ms, crop_ms),
                faces_ms <= GOAL * crop_ms,
            )
        ],
    )
