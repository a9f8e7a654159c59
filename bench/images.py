"""Source images built in code: deterministic, photo-like, written to a temp folder.

Random noise would make JPEGs huge and slow, flat colour would make them
trivial; a photo has smooth areas plus detail. So: smooth colour fields
(small random images blown up), a fine grain tile, and a busy region of
shapes off-centre (so `smart` has a real choice to make).
"""

import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw


@dataclass(frozen=True)
class Source:
    key: str  # short name used in tables
    label: str  # what a reader sees
    name: str  # file name inside the media folder
    size: tuple[int, int]


ENGINE_SOURCES = (
    Source("jpeg12", "JPEG 12 MP", "jpeg12.jpg", (4000, 3000)),
    Source("jpeg24", "JPEG 24 MP", "jpeg24.jpg", (6000, 4000)),
    Source("prog12", "progressive JPEG 12 MP", "prog12.jpg", (4000, 3000)),
    Source("png12", "PNG RGBA 12 MP", "png12.png", (4000, 3000)),
    Source("webp12", "WebP 12 MP", "webp12.webp", (4000, 3000)),
    Source("gif3", "GIF 3 MP", "gif3.gif", (2000, 1500)),
)
BIG_JPEG = Source("jpeg50", "JPEG 50 MP", "jpeg50.jpg", (8640, 5760))
SMALL_JPEG = Source("jpeg2", "JPEG 2 MP", "jpeg2.jpg", (1632, 1224))
PAGE_SOURCE_SIZE = (1024, 768)
PAGE_SOURCES = 100


def photo(size: tuple[int, int], seed: int, *, alpha: bool = False) -> Image.Image:
    rng = random.Random(seed)
    width, height = size
    small = (max(2, width // 64), max(2, height // 64))
    image = Image.frombytes("RGB", small, rng.randbytes(small[0] * small[1] * 3))
    image = image.resize(size, Image.Resampling.BICUBIC)
    grain = Image.frombytes("RGB", (256, 256), rng.randbytes(256 * 256 * 3))
    texture = Image.new("RGB", size)
    for x in range(0, width, 256):
        for y in range(0, height, 256):
            texture.paste(grain, (x, y))
    image = Image.blend(image, texture, 0.12)
    draw = ImageDraw.Draw(image)
    # Busy region in the left third: what `smart` should keep.
    for _ in range(400):
        x = rng.randrange(0, max(1, width // 3))
        y = rng.randrange(0, height)
        r = rng.randrange(max(2, width // 200), max(3, width // 40))
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.line((x - r, y, x + r, y + r), fill=colour, width=max(1, r // 6))
    if alpha:
        mask = Image.linear_gradient("L").resize(size).point(lambda v: 64 + v * 3 // 4)
        image.putalpha(mask)
    return image


def write_source(source: Source, folder: Path, seed: int = 1) -> Path:
    path = folder / source.name
    if path.exists():
        return path
    image = photo(source.size, seed, alpha=source.key.startswith("png"))
    if source.key == "prog12":
        image.save(path, "JPEG", quality=90, progressive=True)
    elif source.name.endswith(".jpg"):
        image.save(path, "JPEG", quality=90)
    elif source.name.endswith(".png"):
        image.save(path, "PNG", compress_level=3)
    elif source.name.endswith(".webp"):
        image.save(path, "WEBP", quality=85, method=2)
    else:
        image.quantize(256, dither=Image.Dither.NONE).save(path, "GIF")
    return path


def write_engine_sources(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {source.key: write_source(source, folder) for source in ENGINE_SOURCES}


def write_page_sources(folder: Path) -> list[str]:
    """100 distinct JPEGs for the page-render benchmark; returns their storage names."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for index in range(PAGE_SOURCES):
        name = f"page/{index:03d}.jpg"
        path = folder / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            photo(PAGE_SOURCE_SIZE, 1000 + index).save(path, "JPEG", quality=90)
        names.append(name)
    return names
