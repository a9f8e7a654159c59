"""The optional libvips engine (`pip install restthumbnails[vips]`): same contract as `engine`.

libvips decodes PNG, WebP and GIF faster than Pillow, and shrinks WebP while
decoding; for those formats it does the decode and the big reduction here.
Everything around it is the Pillow engine's, so both engines make the same
thumbnail: the header check (allowed formats, pixel limit) runs before any
pixel is decoded, the geometry and the smart cut are ours, and the last
resample to the exact box and the encoder are Pillow's. JPEG stays on the
Pillow path, whose DCT-scaled decode is as fast as libvips' and uses less memory.
"""

import io
from collections.abc import Callable
from typing import BinaryIO

import pyvips
from PIL import Image

from ..core.geometry import plan
from ..core.spec import ThumbnailSpec
from ..exceptions import SourceRejected
from . import animation
from .engine import (
    _no_deadline,
    cut,
    decode_size,
    detection_side,
    encode,
    open_counted,
    output_frames,
    render_opened,
    upright_size,
)
from .options import EngineOptions

__all__ = ["VIPS_FORMATS", "EngineOptions", "render"]

# Measured by `make bench`: formats where libvips' path is clearly the faster one.
VIPS_FORMATS = frozenset({"PNG", "WEBP", "GIF"})

# Never let libvips pick a loader of its own for request input (ImageMagick, PDF, SVG...):
# only the formats Pillow identified and SOURCE_FORMATS allows reach libvips at all.
pyvips.block_untrusted_set(True)
# Each thumbnail is made once and stored; caching decoded sources would only hold memory.
pyvips.cache_set_max(0)

_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
# A source the decoder finds broken or cut short is refused, never rendered.
_LOAD_OPTIONS = "fail_on=error"


def render(
    source: bytes | BinaryIO,
    spec: ThumbnailSpec,
    options: EngineOptions,
    *,
    checkpoint: Callable[[], None] = _no_deadline,
) -> bytes:
    """Make the thumbnail `spec` describes from the encoded source (bytes or a binary file).

    `checkpoint` is called between the expensive steps, as in the Pillow engine.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    header, frames = open_counted(stream, options)
    # An animation over its encode budget is rendered as its first frame.
    frames = output_frames(header.size, frames, spec, options)
    if not decodes_with_vips(header.format, frames, spec.ext):
        # JPEG, HEIF and the rest, and animations kept as animations (frame by frame, so
        # memory holds one source frame): the Pillow engine goes on from the same stream.
        return render_opened(header, spec, options, checkpoint=checkpoint, frames=frames)
    # libvips decodes from one buffer: only PNG, WebP and GIF sources are read whole.
    stream.seek(0)
    data = stream.read()
    upright, has_profile = _read_header(data)
    layout = plan(*upright, spec.width, spec.height, spec.method, upscale=options.upscale)
    size = decode_size(layout, upright, detection_side(spec.method))
    image = _decode_shrunk(data, size, to_srgb=has_profile)
    checkpoint()
    scale = (image.width / upright[0], image.height / upright[1])
    thumb = cut(image, layout, upright, scale, spec.method)
    checkpoint()
    return encode(thumb, spec.ext, options)


def decodes_with_vips(source_format: str | None, frames: int, ext: str) -> bool:
    """libvips decodes PNG, WebP and GIF stills, and the first frame of an animation
    asked for as a still; Pillow decodes the rest."""
    return source_format in VIPS_FORMATS and not animation.kept(frames, ext)


def _read_header(data: bytes) -> tuple[tuple[int, int], bool]:
    """Size after EXIF orientation and whether an ICC profile is embedded (libvips header).

    Not from Pillow: its PNG plugin decodes every pixel to find an eXIf chunk.
    """
    try:
        header = pyvips.Image.new_from_buffer(data, "", access="sequential")
        orientation = header.get("orientation") if header.get_typeof("orientation") != 0 else 1
        has_profile = header.get_typeof("icc-profile-data") != 0
    except pyvips.Error:
        raise SourceRejected("source cannot be decoded (libvips)") from None
    return upright_size((header.width, header.height), orientation), has_profile


def _decode_shrunk(data: bytes, size: tuple[int, int], *, to_srgb: bool) -> Image.Image:
    """Decode, orient (EXIF), shrink to `size` and, with a profile, convert to sRGB: one call."""
    # Only a source with its own profile is converted, as in the Pillow engine;
    # asking for sRGB without one would transform sRGB into itself.
    profile = {"output_profile": "srgb"} if to_srgb else {}
    try:
        image = pyvips.Image.thumbnail_buffer(
            data,
            size[0],
            height=size[1],
            size="force",
            # Through the loader's option string: thumbnail's own fail_on
            # argument does not reach the loader (libvips 8.18), and a truncated
            # PNG or GIF came out with a black band or garbage instead of an
            # error. "error" (truncation included) refuses what Pillow refuses.
            option_string=_LOAD_OPTIONS,
            **profile,
        )
        if image.format != "uchar":
            # 16-bit and float sources: let libvips scale into 8 bits rather than clip.
            image = image.colourspace("srgb" if image.bands >= 3 else "b-w")
            if image.format != "uchar":
                image = image.cast("uchar")
        if image.bands not in _MODES:
            image = image.colourspace("srgb")
        pixels = image.write_to_memory()
    except pyvips.Error:
        raise SourceRejected("source cannot be decoded (libvips)") from None
    return Image.frombuffer(_MODES[image.bands], (image.width, image.height), pixels)
