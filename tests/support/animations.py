"""Animated test sources built in code, and what a viewer would read from a thumbnail."""

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw

# Distinct per frame, so every output frame can be told apart (and no encoder may
# merge two frames into one).
COLOURS = [(200, 30, 30), (30, 160, 40), (40, 60, 200), (220, 200, 40), (150, 40, 160)]
DURATIONS = [100, 200, 300, 400, 500]


def frames(size: tuple[int, int] = (300, 200), count: int = 5) -> list[Image.Image]:
    """A flat frame colour with a dark square at a fixed place (25%, 50% of the frame)."""
    width, height = size
    result = []
    for index in range(count):
        image = Image.new("RGB", size, COLOURS[index % len(COLOURS)])
        draw = ImageDraw.Draw(image)
        side = height // 5
        left, top = width // 4 - side // 2, height // 2 - side // 2
        draw.rectangle([left, top, left + side, top + side], fill=(10, 10, 10))
        result.append(image)
    return result


def gif(count: int = 5, *, loop: int | None = 2, disposal: int = 2, **options: object) -> bytes:
    images = frames(count=count, **options)
    extra: dict[str, object] = {} if loop is None else {"loop": loop}
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=images[1:],
        duration=DURATIONS[:count],
        disposal=disposal,
        **extra,
    )
    return buffer.getvalue()


def animated_webp(count: int = 5, *, loop: int = 0) -> bytes:
    images = frames(count=count)
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        "WEBP",
        save_all=True,
        append_images=images[1:],
        duration=DURATIONS[:count],
        loop=loop,
        lossless=True,
    )
    return buffer.getvalue()


@dataclass(frozen=True)
class Seen:
    format: str
    sizes: list[tuple[int, int]]
    durations: list[int]
    loop: int | None
    disposals: list[int | None]
    frames: list[Image.Image]


def seen(data: bytes) -> Seen:
    """Every frame of an encoded image, decoded, with its timing."""
    image = Image.open(io.BytesIO(data))
    sizes, durations, disposals, decoded = [], [], [], []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        image.load()
        sizes.append(image.size)
        durations.append(image.info.get("duration"))
        disposals.append(getattr(image, "disposal_method", None))
        decoded.append(image.convert("RGB"))
    return Seen(image.format, sizes, durations, image.info.get("loop"), disposals, decoded)


def close(colour: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=False))
