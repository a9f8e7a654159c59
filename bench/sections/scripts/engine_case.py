"""One engine case in a fresh process: `python engine_case.py IMPL PATH SIZE METHOD REPS`.

Run with the tools venv (Pillow, pyvips) and src/ on PYTHONPATH. Prints one
JSON line: the times of each repetition (ms) after one warm-up, and the peak
RSS above the RSS the process had before the first render (MB), so the
interpreter and the libraries' own footprint do not count.
"""

import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

OUTPUT_EXT = "jpg"
QUALITY = 85


def _box(size: str) -> tuple[int | None, int | None]:
    width, _, height = size.partition("x")
    return (int(width) if width else None, int(height) if height else None)


def ours(data: bytes, size: str, method: str) -> bytes:
    from restthumbnails.core.spec import make_spec
    from restthumbnails.render.engine import render
    from restthumbnails.render.options import EngineOptions

    return render(data, make_spec("source", size, method, OUTPUT_EXT), EngineOptions())


def ours_vips(data: bytes, size: str, method: str) -> bytes:
    from restthumbnails.core.spec import make_spec
    from restthumbnails.render.vips_engine import EngineOptions, render

    return render(data, make_spec("source", size, method, OUTPUT_EXT), EngineOptions())


def naive(data: bytes, size: str, method: str) -> bytes:
    """What most code does: decode everything, then one LANCZOS resize."""
    from PIL import Image, ImageOps

    from restthumbnails.render.engine import jpeg_settings
    from restthumbnails.render.smart import entropy_anchor

    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    if image.mode != "RGB":
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    width, height = _box(size)
    if method == "scale" or width is None or height is None:
        factor = min((width or 10**9) / image.width, (height or 10**9) / image.height, 1.0)
        thumb = image.resize(
            (round(image.width * factor), round(image.height * factor)),
            Image.Resampling.LANCZOS,
        )
    else:
        centring = (0.5, 0.5)
        if method == "smart":
            region_w = min(image.width, image.height * width / height)
            region_h = min(image.height, image.width * height / width)
            centring = entropy_anchor(image, region_w, region_h)
        thumb = ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS, centering=centring)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=QUALITY, **jpeg_settings(*thumb.size))
    return out.getvalue()


def vips(data: bytes, size: str, method: str) -> bytes:
    """libvips' own fastest call: thumbnail_buffer shrinks on load and resizes once."""
    import pyvips

    width, height = _box(size)
    crop = {"crop": "centre", "smart": "entropy"}.get(method, "none")
    if width is None or height is None:
        crop = "none"
    image = pyvips.Image.thumbnail_buffer(
        data,
        width or 10_000_000,
        height=height or 10_000_000,
        crop=crop,
        size="down",
    )
    if image.hasalpha():
        image = image.flatten(background=[255, 255, 255])
    # The same encoder settings as ours for this output size (render/engine.py).
    from restthumbnails.render.engine import jpeg_settings

    chosen = jpeg_settings(image.width, image.height)
    options = [f"Q={QUALITY}", "keep=none"]
    options += ["interlace"] * chosen["progressive"] + ["optimize_coding"] * chosen["optimize"]
    return image.write_to_buffer(f".jpg[{','.join(options)}]")


IMPLS: dict[str, Callable[[bytes, str, str], bytes]] = {
    "ours": ours,
    "ours-vips": ours_vips,
    "naive": naive,
    "pyvips": vips,
}


def _preload(impl: str) -> None:
    """Import the libraries before the baseline, so their code is not counted as work."""
    import PIL.Image  # noqa: F401

    import restthumbnails.render.engine  # noqa: F401

    if impl in ("pyvips", "ours-vips"):
        import pyvips  # noqa: F401


def _rss_mb() -> float:
    """VmHWM, the peak of this process's own memory (ru_maxrss can carry the
    parent's peak over fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    impl, path, size, method, reps = sys.argv[1:6]
    function = IMPLS[impl]
    if impl in ("pyvips", "ours-vips"):
        import pyvips

        # Every repetition must do the work again, not hit libvips' operation cache.
        pyvips.cache_set_max(0)
    _preload(impl)
    data = Path(path).read_bytes()
    baseline = _rss_mb()
    times = []
    output = b""
    for _ in range(int(reps) + 1):  # the first is the warm-up
        started = time.perf_counter()
        output = function(data, size, method)
        times.append((time.perf_counter() - started) * 1000)
    print(
        json.dumps(
            {
                "times_ms": times[1:],
                "warmup_ms": times[0],
                "extra_peak_mb": _rss_mb() - baseline,
                "peak_mb": _rss_mb(),
                "bytes": len(output),
            }
        )
    )


if __name__ == "__main__":
    main()
