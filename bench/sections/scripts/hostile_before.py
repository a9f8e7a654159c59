"""What the engine did with a source before the limits.

    python -m bench.sections.scripts.hostile_before FILE

The old `open_source` (before MAX_SOURCE_SCANS / MAX_SOURCE_FRAMES): Pillow's
`Image.open`, Pillow's own `n_frames` for an animated source (which walks every
frame or IFD), the pixel limit, then the usual render with the new header
checks out of the way. Prints one JSON line: the CPU seconds of that work in
this process (interpreter start-up and imports left out) and how it ended.
"""

import json
import resource
import sys
import time

from PIL import Image

from restthumbnails.core.spec import make_spec
from restthumbnails.render.engine import render_opened
from restthumbnails.render.options import EngineOptions

# Every format the engine knows, TIFF and BMP included: the old code tried them all.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP")
OPTIONS = EngineOptions(source_formats=FORMATS, max_source_scans=10**9, max_source_frames=10**9)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def old_render(path: str) -> str:
    with open(path, "rb") as source:
        image = Image.open(source, formats=list(FORMATS))
        width, height = image.size
        frames = image.n_frames if getattr(image, "is_animated", False) else 1
        if width * height * frames > OPTIONS.max_source_pixels:
            return f"refused after counting {frames} frames"
        thumbnail = render_opened(image, make_spec("x", "200x200", "crop", "jpg"), OPTIONS)
        return f"rendered ({len(thumbnail)} bytes, {frames} frames)"


def main() -> None:
    started, wall = cpu(), time.monotonic()
    try:
        outcome = old_render(sys.argv[1])
    except Exception as exc:  # the old code answered 422 for these, after the work
        outcome = f"failed: {type(exc).__name__}"
    print(
        json.dumps({"cpu": cpu() - started, "wall": time.monotonic() - wall, "outcome": outcome})
    )


if __name__ == "__main__":
    main()
