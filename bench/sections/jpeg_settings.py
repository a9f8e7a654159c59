"""JPEG encoder settings per output size: bytes and CPU of baseline, optimised, progressive.

    python -m bench.sections.jpeg_settings      (or: python -m bench --only jpeg-settings)

Pillow at the engine's quality, on thumbnails of the suite's own photo-like
sources (bench/images.py) at several long sides. Every setting encodes the
same pixels; the settings take turns inside every repeat, so all share the
machine's good and bad moments. CPU is this process's CPU time
(time.process_time), so other processes on the machine do not count.
"""

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

from PIL import Image

from restthumbnails.render.options import EngineOptions

from ..images import photo
from ..results import SectionResult, Table, median, ratio

LONG_SIDES = (64, 200, 400, 800, 1600)
SOURCE_SIZE = (2400, 1800)
SEEDS = (1, 2, 3)
REPEATS = 7
BATCH_SECONDS = 0.05  # each timing covers at least this much CPU, so the clock's step is noise
# What a byte is worth in CPU: a costlier setting is picked over a cheaper one only
# when it saves at least this many bytes per extra ms of CPU. Every miss pays the
# CPU once, on the request path; every hit then serves the bytes. Change it and
# the picks follow; the table shows each setting's rate against baseline.
PICK_BYTES_PER_MS = 2048


@dataclass(frozen=True)
class Setting:
    label: str
    progressive: bool
    optimize: bool


SETTINGS = (
    Setting("baseline", False, False),
    Setting("baseline + optimize", False, True),
    Setting("progressive", True, False),
    Setting("progressive + optimize", True, True),
)


def thumbnails(long_side: int) -> list[Image.Image]:
    """One thumbnail per source, `long_side` wide, 4:3, resized as the engine would."""
    width, height = SOURCE_SIZE
    size = (long_side, max(1, round(long_side * height / width)))
    return [photo(SOURCE_SIZE, seed).resize(size, Image.Resampling.LANCZOS) for seed in SEEDS]


def encode(image: Image.Image, setting: Setting, quality: int) -> bytes:
    buffer = BytesIO()
    image.save(
        buffer,
        "JPEG",
        quality=quality,
        progressive=setting.progressive,
        optimize=setting.optimize,
    )
    return buffer.getvalue()


def cpu_ms(image: Image.Image, setting: Setting, quality: int, loops: int) -> float:
    started = time.process_time()
    for _ in range(loops):
        encode(image, setting, quality)
    return (time.process_time() - started) * 1000 / loops


def measure(long_side: int, quality: int) -> dict[Setting, tuple[float, float]]:
    """Per setting: (mean bytes over the sources, summed median CPU ms over the sources)."""
    images = thumbnails(long_side)
    totals = {setting: [0.0, 0.0] for setting in SETTINGS}
    for image in images:
        single = cpu_ms(image, SETTINGS[-1], quality, 3)
        loops = max(1, round(BATCH_SECONDS * 1000 / max(single, 0.01)))
        times: dict[Setting, list[float]] = {setting: [] for setting in SETTINGS}
        for _ in range(REPEATS):
            for setting in SETTINGS:
                times[setting].append(cpu_ms(image, setting, quality, loops))
        for setting in SETTINGS:
            totals[setting][0] += len(encode(image, setting, quality)) / len(images)
            totals[setting][1] += median(times[setting]) / len(images)
    return {setting: (size, ms) for setting, (size, ms) in totals.items()}


def pick(results: dict[Setting, tuple[float, float]]) -> Setting:
    """From the cheapest setting up in CPU, step to a costlier one only when it saves at
    least PICK_BYTES_PER_MS bytes per extra ms over the current pick."""
    ordered = sorted(results, key=lambda s: results[s][1])
    chosen = ordered[0]
    for setting in ordered[1:]:
        saved = results[chosen][0] - results[setting][0]
        extra = results[setting][1] - results[chosen][1]
        if saved > 0 and (extra <= 0 or saved / extra >= PICK_BYTES_PER_MS):
            chosen = setting
    return chosen


def bytes_per_ms(result: tuple[float, float], baseline: tuple[float, float]) -> str:
    saved, extra = baseline[0] - result[0], result[1] - baseline[1]
    if result == baseline or extra <= 0:
        return ""
    return f"{saved / extra:,.0f}"


def run(log: Callable[[str], None]) -> SectionResult:
    quality = EngineOptions().quality
    table = Table(
        f"JPEG encoder settings per output size (Pillow, quality {quality})",
        [
            "long side px",
            "setting",
            "bytes",
            "vs baseline bytes",
            "CPU ms per encode",
            "vs baseline CPU",
            "bytes saved per extra CPU ms",
            "pick",
        ],
    )
    picks = []
    for long_side in LONG_SIDES:
        results = measure(long_side, quality)
        chosen = pick(results)
        picks.append(f"{long_side} px: {chosen.label}")
        base_bytes, base_ms = results[SETTINGS[0]]
        for setting, (size, cpu) in results.items():
            table.rows.append(
                [
                    str(long_side),
                    setting.label,
                    f"{size:,.0f}",
                    ratio(size, base_bytes),
                    f"{cpu:.3f}" if cpu < 1 else f"{cpu:.2f}",
                    ratio(cpu, base_ms),
                    bytes_per_ms((size, cpu), (base_bytes, base_ms)),
                    "yes" if setting == chosen else "",
                ]
            )
        log(f"  jpeg settings {long_side} px: pick {chosen.label}")
    table.notes += [
        f"Thumbnails of {len(SEEDS)} photo-like sources ({SOURCE_SIZE[0]}x{SOURCE_SIZE[1]}, "
        "bench/images.py) resized with Lanczos to each long side, 4:3; bytes: mean over "
        "them; CPU: mean over them of the median of "
        f"{REPEATS} timings, each timing at least {BATCH_SECONDS * 1000:.0f} ms of encodes.",
        f"pick: from the cheapest setting up, a costlier one replaces the pick only when it "
        f"saves at least {PICK_BYTES_PER_MS:,} bytes per extra ms of CPU over it (the CPU "
        "is paid once per miss, the bytes on every hit); bytes saved per extra CPU ms is "
        f"against baseline. Picks: {'; '.join(picks)}.",
        "libjpeg(-turbo) always computes optimal Huffman tables for a progressive file, "
        "so progressive with and without optimize should write the same bytes.",
    ]
    return SectionResult(tables=[table])


if __name__ == "__main__":
    from ..report import render_text

    section = run(lambda line: print(line, file=sys.stderr, flush=True))
    print(render_text(section.tables))
    for note in section.tables[0].notes:
        print(f"- {note}")
