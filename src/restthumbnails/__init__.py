"""On-demand image thumbnails behind signed URLs."""

# Before any other module: which optional formats (AVIF) this Pillow encodes,
# told to the core's format table, which asks no library itself.
from .render import codecs as _codecs  # noqa: F401

__version__ = "0.1.0"
