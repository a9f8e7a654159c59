"""Output formats: the URL extension decides the encoder and the Content-Type."""

from dataclasses import dataclass

from PIL import features


@dataclass(frozen=True)
class OutputFormat:
    pillow_name: str
    content_type: str
    keeps_alpha: bool


_FORMATS = {
    "jpg": OutputFormat("JPEG", "image/jpeg", keeps_alpha=False),
    "jpeg": OutputFormat("JPEG", "image/jpeg", keeps_alpha=False),
    "png": OutputFormat("PNG", "image/png", keeps_alpha=True),
    "webp": OutputFormat("WEBP", "image/webp", keeps_alpha=True),
    "gif": OutputFormat("GIF", "image/gif", keeps_alpha=True),
}
# AVIF only where this Pillow build can encode it, so a URL never promises a
# format the server cannot write.
if features.check("avif"):
    _FORMATS["avif"] = OutputFormat("AVIF", "image/avif", keeps_alpha=True)

OUTPUT_FORMATS: dict[str, OutputFormat] = _FORMATS
EXTENSIONS: frozenset[str] = frozenset(_FORMATS)
