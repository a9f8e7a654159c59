"""Generate the sample images in ``examples/media/``.

The project ships its own demo pictures so that ``restthumbnails serve
examples/media`` has something to show on a fresh machine, without
downloading third-party photos of uncertain licence. Everything here is
drawn with Pillow, uses fixed random seeds and needs no network or
external fonts, so re-running the script gives the same images.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

MEDIA_DIR = Path(__file__).resolve().parent / "media"

RGB = tuple[int, int, int]


def _lerp(a: RGB, b: RGB, t: float) -> RGB:
    """Linear interpolation between two RGB colours, ``t`` in [0, 1]."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _vertical_gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    """Return an RGB image fading from ``top`` to ``bottom``."""
    height = size[1]
    column = Image.new("RGB", (1, height))
    column.putdata([_lerp(top, bottom, y / max(height - 1, 1)) for y in range(height)])
    return column.resize(size, Image.Resampling.NEAREST)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's built-in default font, scaled when FreeType is available."""
    return ImageFont.load_default(size=size)


def _label(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int) -> None:
    """Draw ``text`` in white with a dark outline so it reads on any background."""
    draw.text(
        xy,
        text,
        fill=(255, 255, 255),
        font=_font(size),
        stroke_width=max(size // 16, 1),
        stroke_fill=(0, 0, 0),
    )


def make_landscape(path: Path) -> None:
    """Sky, sun and hills, with busy detail in the lower-right third."""
    width, height = 2400, 1600
    rng = random.Random(20260101)
    img = _vertical_gradient((width, height), (70, 130, 200), (200, 225, 245))
    draw = ImageDraw.Draw(img)

    # Sun with a soft halo.
    sx, sy = 520, 420
    for radius, colour in ((210, (250, 235, 180)), (170, (253, 225, 140)), (140, (255, 210, 90))):
        draw.ellipse((sx - radius, sy - radius, sx + radius, sy + radius), fill=colour)

    # Three ranges of hills, back to front.
    ranges: list[tuple[int, int, RGB]] = [
        (900, 140, (120, 160, 120)),
        (1050, 120, (80, 135, 80)),
        (1200, 100, (50, 105, 55)),
    ]
    for base, amplitude, colour in ranges:
        points = [(0, height)]
        for x in range(0, width + 200, 200):
            points.append((x, base + rng.randint(-amplitude, amplitude)))
        points.append((width, height))
        draw.polygon(points, fill=colour)

    # Trees and flowers, concentrated in the lower-right third.
    x0, y0 = width * 2 // 3, height * 2 // 3
    for _ in range(140):
        x = rng.randint(x0, width - 20)
        y = rng.randint(y0, height - 10)
        h = rng.randint(40, 130)
        draw.rectangle((x - 4, y - h // 3, x + 4, y), fill=(90, 60, 30))
        green = (rng.randint(20, 60), rng.randint(90, 160), rng.randint(20, 60))
        draw.polygon([(x, y - h), (x - h // 3, y - h // 3), (x + h // 3, y - h // 3)], fill=green)
    for _ in range(900):
        x = rng.randint(x0, width - 1)
        y = rng.randint(y0, height - 1)
        r = rng.randint(2, 6)
        colour = rng.choice([(230, 60, 60), (250, 220, 60), (245, 245, 245), (200, 90, 200)])
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)

    img.save(path, "JPEG", quality=85, optimize=True, progressive=False)


def make_portrait(path: Path) -> None:
    """Concentric shapes on a warm palette, with a size label."""
    width, height = 1200, 1800
    img = _vertical_gradient((width, height), (120, 40, 80), (250, 170, 90))
    draw = ImageDraw.Draw(img)
    cx, cy = width // 2, height // 2 - 100
    palette: list[RGB] = [
        (255, 240, 200),
        (240, 120, 90),
        (140, 40, 90),
        (250, 200, 110),
        (60, 20, 60),
    ]
    for i, radius in enumerate(range(520, 40, -60)):
        colour = palette[i % len(palette)]
        box = (cx - radius, cy - radius, cx + radius, cy + radius)
        if i % 2:
            draw.rounded_rectangle(box, radius=radius // 4, fill=colour)
        else:
            draw.ellipse(box, fill=colour)
    _label(draw, (80, height - 220), "portrait 1200x1800", 96)
    img.save(path, "JPEG", quality=85, optimize=True)


def make_square_alpha(path: Path) -> None:
    """Semi-transparent coloured circles on a fully transparent background."""
    size = 1000
    rng = random.Random(42)
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    for _ in range(12):
        layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
        r = rng.randint(90, 260)
        x = rng.randint(r, size - r)
        y = rng.randint(r, size - r)
        colour = (
            rng.randint(0, 255),
            rng.randint(0, 255),
            rng.randint(0, 255),
            rng.randint(90, 190),
        )
        ImageDraw.Draw(layer).ellipse((x - r, y - r, x + r, y + r), fill=colour)
        img = Image.alpha_composite(img, layer)
    img.save(path, "PNG", optimize=True)


def make_night(path: Path) -> None:
    """Dark sky gradient sprinkled with stars."""
    width, height = 1600, 900
    rng = random.Random(7)
    img = _vertical_gradient((width, height), (5, 8, 25), (30, 35, 80))
    draw = ImageDraw.Draw(img)
    for _ in range(700):
        x = rng.randint(0, width - 1)
        y = rng.randint(0, height - 1)
        level = rng.randint(150, 255)
        if rng.random() < 0.06:
            r = rng.randint(2, 3)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(level, level, 255))
        else:
            draw.point((x, y), fill=(level, level, level))
    draw.ellipse((1250, 120, 1400, 270), fill=(235, 235, 210))  # moon
    img.save(path, "WEBP", quality=80, method=6)


def make_badge(path: Path) -> None:
    """A simple flat badge saved as a single-frame palette GIF."""
    size = 400
    img = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.ellipse((20, 20, 380, 380), fill=(30, 90, 170), outline=(10, 40, 90), width=10)
    draw.regular_polygon((200, 200, 130), n_sides=5, rotation=0, fill=(250, 200, 40))
    draw.rectangle((120, 330, 280, 360), fill=(220, 60, 60))
    img = img.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    img.save(path, "GIF")


def make_oriented(path: Path) -> None:
    """A JPEG whose pixels are stored rotated, with EXIF orientation 6.

    Orientation 6 means "rotate 90 degrees clockwise to display", so the
    upright 1200x1600 picture is stored rotated 90 degrees counter-clockwise
    as 1600x1200 pixels.
    """
    width, height = 1200, 1600  # upright (displayed) size
    upright = _vertical_gradient((width, height), (40, 25, 15), (200, 160, 110))
    draw = ImageDraw.Draw(upright)
    # A cup seen from the side, so "up" is obvious at a glance.
    draw.ellipse((250, 1250, 950, 1400), fill=(235, 230, 220))  # saucer
    draw.rounded_rectangle((350, 800, 850, 1320), radius=60, fill=(250, 248, 240))  # cup
    draw.ellipse((820, 920, 1020, 1160), outline=(250, 248, 240), width=40)  # handle
    draw.ellipse((370, 770, 830, 860), fill=(120, 75, 40))  # coffee surface
    for i in range(3):  # steam
        x = 470 + i * 130
        draw.arc((x - 60, 450, x + 60, 720), start=90, end=270, fill=(255, 255, 255), width=14)
    _label(draw, (80, 80), "oriented 6", 120)

    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = stored.getexif()
    exif[0x0112] = 6  # Orientation
    stored.save(path, "JPEG", quality=85, optimize=True, exif=exif)


def main() -> None:
    """Write every sample image into ``MEDIA_DIR``."""
    MEDIA_DIR.mkdir(parents=True, exist_ok=True)
    photos = MEDIA_DIR / "photos 2026"
    photos.mkdir(exist_ok=True)
    make_landscape(MEDIA_DIR / "landscape.jpg")
    make_portrait(MEDIA_DIR / "portrait.jpg")
    make_square_alpha(MEDIA_DIR / "square-alpha.png")
    make_night(MEDIA_DIR / "night.webp")
    make_badge(MEDIA_DIR / "badge.gif")
    make_oriented(photos / "café crème.jpg")
    for path in sorted(MEDIA_DIR.rglob("*")):
        if path.is_file():
            print(f"{path.relative_to(MEDIA_DIR)}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
