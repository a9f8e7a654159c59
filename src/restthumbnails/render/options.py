"""What a render may do, and which optional decoders this install has, without Pillow.

The request side (settings, the URL grammar, the pool client, every web worker of
a site whose renders run in the render pool) reads these and never decodes a
pixel: importing Pillow and its format plugins there would cost each such
process about 4 MB for nothing. The engine imports Pillow; this module must not.
"""

import importlib.util
import sys
from dataclasses import dataclass


def _heif_decodes() -> bool:
    """Whether the engine will open HEIF: the `heif` extra (pi-heif) is installed, or
    the site registered pillow-heif with Pillow itself before this import."""
    if importlib.util.find_spec("pi_heif") is not None:
        return True
    pillow = sys.modules.get("PIL.Image")
    return pillow is not None and "HEIF" in pillow.OPEN


# HEIF (phone photos) where the `heif` extra is installed: installing it is the opt-in.
HEIF_DECODES = _heif_decodes()
# TIFF and BMP are opt-in: their decoders' cost is the hardest to bound from a header
# (IFD chains, Pillow's pure-Python RLE decoder); both are checked when allowed.
DEFAULT_SOURCE_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", *(("HEIF",) if HEIF_DECODES else ()))
KNOWN_SOURCE_FORMATS = frozenset({*DEFAULT_SOURCE_FORMATS, "TIFF", "BMP", "AVIF", "HEIF"})
# Encoders write about 10 scans (jpegtran's progressive script has 10); a few hundred
# is already an attack, and each scan costs a full pass over the coefficients.
DEFAULT_MAX_SOURCE_SCANS = 100
DEFAULT_MAX_SOURCE_FRAMES = 500
# Frames x output pixels x the encoder's relative cost (formats.OutputFormat): 50 MP of
# WebP frames is about 2.8 s of CPU on photographic frames (bench/encode_cost.py),
# well under the default 8 s deadline; AVIF's encoder, about 5 times costlier per
# pixel, gets a fifth: 10 MP, about 2.5 s.
DEFAULT_MAX_ANIMATION_PIXELS = 50_000_000


@dataclass(frozen=True)
class EngineOptions:
    upscale: bool = False
    quality: int = 85
    background: tuple[int, int, int] = (255, 255, 255)
    max_source_pixels: int = 50_000_000
    source_formats: tuple[str, ...] = DEFAULT_SOURCE_FORMATS
    max_source_scans: int = DEFAULT_MAX_SOURCE_SCANS
    max_source_frames: int = DEFAULT_MAX_SOURCE_FRAMES
    max_animation_pixels: int = DEFAULT_MAX_ANIMATION_PIXELS
