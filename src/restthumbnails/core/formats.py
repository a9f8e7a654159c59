"""Output formats: the URL extension decides the encoder and the Content-Type."""

from dataclasses import dataclass

# libaom's speed for every AVIF we write (0 slowest .. 10 fastest; Pillow's default
# is 6). Measured by bench/encode_cost.py: 8 costs a quarter of 6's CPU on a large
# still and a seventh on photographic animation frames, for files within a few
# percent of the size; it is what makes an AVIF animation affordable at all.
AVIF_SPEED = 8


@dataclass(frozen=True)
class OutputFormat:
    pillow_name: str
    content_type: str
    keeps_alpha: bool
    # CPU the encoder spends per pixel of an animation, relative to WebP's, on
    # photographic frames, rounded up (bench/encode_cost.py: AVIF 4.6, GIF 0.5): an
    # animation's frames x pixels x this must stay within MAX_ANIMATION_PIXELS.
    animation_cost: float = 0.0


_FORMATS = {
    "jpg": OutputFormat("JPEG", "image/jpeg", keeps_alpha=False),
    "jpeg": OutputFormat("JPEG", "image/jpeg", keeps_alpha=False),
    "png": OutputFormat("PNG", "image/png", keeps_alpha=True),
    "webp": OutputFormat("WEBP", "image/webp", keeps_alpha=True, animation_cost=1.0),
    "gif": OutputFormat("GIF", "image/gif", keeps_alpha=True, animation_cost=1.0),
}
# Formats only some Pillow builds encode. The core asks no library: render/codecs.py
# asks this install's Pillow and enables the ones it writes when the package is
# imported, before any module reads the table, so a URL never promises a format
# the server cannot write.
OPTIONAL_FORMATS: dict[str, OutputFormat] = {
    "avif": OutputFormat("AVIF", "image/avif", keeps_alpha=True, animation_cost=5.0),
}

OUTPUT_FORMATS: dict[str, OutputFormat] = _FORMATS
EXTENSIONS: frozenset[str] = frozenset(_FORMATS)


def enable(ext: str) -> None:
    """Offer one of OPTIONAL_FORMATS in URLs: for render/codecs.py, where Pillow encodes it."""
    global EXTENSIONS
    OUTPUT_FORMATS[ext] = OPTIONAL_FORMATS[ext]
    EXTENSIONS = frozenset(OUTPUT_FORMATS)


def content_type(name: str) -> str:
    """The Content-Type of a thumbnail named `name` (by its extension)."""
    output = OUTPUT_FORMATS.get(name.rsplit(".", 1)[-1])
    return output.content_type if output else "application/octet-stream"


# Thumbnails are served forever under a name that changes with their content.
IMMUTABLE = "public, max-age=31536000, immutable"
# Names that look like images, when a folder or bucket is listed.
IMAGE_SUFFIXES = (
    ".jpg",
    ".jpeg",
    ".png",
    ".webp",
    ".gif",
    ".tif",
    ".tiff",
    ".bmp",
    ".heic",
    ".heif",
    ".hif",
)
