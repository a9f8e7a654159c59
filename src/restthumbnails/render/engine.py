"""The Pillow engine: bytes of a source in, bytes of a thumbnail out.

The order matters for speed and memory: read the header and refuse what is too
big before any pixel is decoded; let the JPEG decoder shrink by 1/2, 1/4 or 1/8
while decoding (DCT scaling) so a large photo is never held at full size; cut
and resample in one `resize(box=...)`; convert colours on the small result.
"""

import io
import logging
import warnings
from collections.abc import Callable
from typing import BinaryIO

from PIL import Image, ImageCms

from ..core.formats import AVIF_SPEED, OUTPUT_FORMATS
from ..core.geometry import Plan, draft_size, plan
from ..core.method import Method
from ..core.placement import anchor_on_faces, anchor_on_point
from ..core.spec import ThumbnailSpec
from ..exceptions import SourceRejected, SourceTooLarge
from . import animation, faces, heif, plugins
from .options import DEFAULT_SOURCE_FORMATS, HEIF_DECODES, EngineOptions
from .smart import entropy_anchor
from .sourcecost import (
    bmp_is_run_length_encoded,
    count_gif_frames,
    count_jpeg_scans,
    count_tiff_pages,
    count_webp_frames,
    heif_decoded_pixels,
    looks_like_webp,
)

logger = logging.getLogger(__name__)

# What Image.open() itself imports first (BMP, GIF, JPEG, PPM, PNG), then the rest of
# the default source formats (animation.py loaded the output formats' encoders): here,
# so that the render pool's processes share them.
Image.preinit()
plugins.load(DEFAULT_SOURCE_FORMATS)

# Box-reduce only down to this many times the output size; the LANCZOS pass does
# the rest. Pillow's documentation: 3.0 is indistinguishable from a full resample.
REDUCING_GAP = 3.0
# Modes Pillow reduces premultiplied, and the premultiplied mode: _reduce_in_bands.
_PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}
_BAND_PIXELS = 1 << 18  # 1 MB of RGBa per band: small beside the source, few paste calls

# We enforce our own pixel limit from the header; Pillow's warning would only
# add noise (its hard error above 2x its limit is still caught below).
warnings.simplefilter("ignore", Image.DecompressionBombWarning)

_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}
_SRGB = ImageCms.createProfile("sRGB")


def _no_deadline() -> None:
    pass


def render(
    data: bytes | BinaryIO,
    spec: ThumbnailSpec,
    options: EngineOptions,
    *,
    checkpoint: Callable[[], None] = _no_deadline,
) -> bytes:
    """Make the thumbnail `spec` describes from the encoded source (bytes or a binary file).

    `checkpoint` is called between the expensive steps; it raises to abandon
    the work (the generation deadline). Nothing has been written by then.
    """
    image, frames = open_counted(data, options)
    return render_opened(image, spec, options, checkpoint=checkpoint, frames=frames)


def render_opened(
    image: Image.Image,
    spec: ThumbnailSpec,
    options: EngineOptions,
    *,
    checkpoint: Callable[[], None] = _no_deadline,
    frames: int = 1,
) -> bytes:
    """`render` for a source open_counted() has already identified, checked and counted.

    An animation asked for in a format that animates stays animated, within the
    encode budget (output_frames); any other output takes the first frame.
    """
    if output_frames(image.size, frames, spec, options) > 1:
        return _render_animation(image, frames, spec, options, checkpoint)
    orientation = _orientation(image)
    upright = upright_size(image.size, orientation)
    layout = plan(*upright, spec.width, spec.height, spec.method, upscale=options.upscale)
    keep_side = detection_side(spec.method)
    image, decoded_scale = _decode(image, layout, upright, orientation, keep_side)
    checkpoint()
    image, decoded_scale = _reduce(_normalise_mode(image), layout, decoded_scale, keep_side)
    image = _apply_orientation(image, orientation)
    thumb = cut(image, layout, upright, (decoded_scale, decoded_scale), spec.method)
    checkpoint()
    thumb = _to_srgb(thumb, image.info.get("icc_profile"))
    return encode(thumb, spec.ext, options)


def output_frames(
    size: tuple[int, int], frames: int, spec: ThumbnailSpec, options: EngineOptions
) -> int:
    """Frames the thumbnail will have, known from the header before any decode: every
    frame of an animation asked for in a format that animates, while frames x output
    pixels x the encoder's cost stays within MAX_ANIMATION_PIXELS; else 1, the first.

    The output size is taken for the larger of both orientations: EXIF is not read
    here (to find it in a PNG, Pillow decodes the first frame).
    """
    if not animation.kept(frames, spec.ext):
        return 1
    frame_pixels = max(
        _area(plan(*size, spec.width, spec.height, spec.method, upscale=options.upscale)),
        _area(plan(*size[::-1], spec.width, spec.height, spec.method, upscale=options.upscale)),
    )
    if animation.encode_fits(frames, frame_pixels, spec.ext, options.max_animation_pixels):
        return frames
    logger.info(
        "%d frames of %d pixels as %s are over MAX_ANIMATION_PIXELS: first frame only",
        frames,
        frame_pixels,
        spec.ext,
    )
    return 1


def _area(layout: Plan) -> int:
    return layout.width * layout.height


def _render_animation(
    image: Image.Image,
    frames: int,
    spec: ThumbnailSpec,
    options: EngineOptions,
    checkpoint: Callable[[], None],
) -> bytes:
    """Every frame cut with one geometry (placed on the first frame), one at a time.

    The decoder hands over whole composited frames, one in memory at once; only
    the small thumbnails are kept for the encoder, which stores what changed.
    """
    orientation = _orientation(image)
    upright = upright_size(image.size, orientation)
    layout = plan(*upright, spec.width, spec.height, spec.method, upscale=options.upscale)
    if layout.width * layout.height * frames > options.max_source_pixels:
        # Only reachable with UPSCALE: the frames we would hold are over the source limit.
        raise SourceTooLarge(
            f"thumbnail would have {frames} frames of {layout.width}x{layout.height}"
        )
    icc_profile = image.info.get("icc_profile")
    loop = animation.source_loop(image)
    keep_side = detection_side(spec.method)
    thumbs: list[Image.Image] = []
    timings: list[animation.FrameTiming] = []
    anchor = None
    for index in range(frames):
        try:
            image.seek(index)
            image.load()
        except EOFError:
            break  # the container promised more frames than it holds
        except Exception as exc:
            raise SourceRejected(
                f"source frame cannot be decoded ({type(exc).__name__})"
            ) from None
        timings.append(animation.frame_timing(image))
        frame, scale = _reduce(_normalise_mode(image), layout, 1.0, keep_side)
        frame = _apply_orientation(frame, orientation)
        if anchor is None:
            anchor = choose_anchor(frame, layout, upright, (scale, scale), spec.method)
        thumb = cut_at(frame, layout, upright, (scale, scale), anchor)
        thumbs.append(_to_srgb(thumb, icc_profile))
        checkpoint()
    if not thumbs:
        raise SourceRejected("source has no frame we can decode")
    return animation.encode(thumbs, timings, loop, ext=spec.ext, quality=options.quality)


def detection_side(method: Method) -> int:
    """The long side a decoded source keeps at least, so `faces` sees faces whole."""
    return faces.DETECT_SIDE if method.finds_faces else 0


def choose_anchor(
    image: Image.Image,
    layout: Plan,
    upright: tuple[int, int],
    scale: tuple[float, float],
    method: Method,
) -> tuple[float, float]:
    """Where the plan's region goes: centred (`crop`), on the detail (`smart`), on the
    focal point (`focus-X-Y`), on the faces (`faces`, else as `smart`).

    `image` is the upright source scaled by `scale`.
    """
    region = (layout.region_width * scale[0], layout.region_height * scale[1])
    point = method.focal_point
    if point is not None:
        return anchor_on_point(point, image.size, region)
    if method.finds_faces:
        anchor = anchor_on_faces(faces.detect(image), image.size, region)
        if anchor is not None:
            return anchor
    if method.needs_detail:
        return entropy_anchor(image, *region)
    return (0.5, 0.5)


def cut(
    image: Image.Image,
    layout: Plan,
    upright: tuple[int, int],
    scale: tuple[float, float],
    method: Method,
) -> Image.Image:
    """Place the plan's region in the decoded image, which is the upright source scaled
    by `scale`, as `method` says, and resample it to the output size in one step."""
    return cut_at(
        image, layout, upright, scale, choose_anchor(image, layout, upright, scale, method)
    )


def cut_at(
    image: Image.Image,
    layout: Plan,
    upright: tuple[int, int],
    scale: tuple[float, float],
    anchor: tuple[float, float],
) -> Image.Image:
    """Cut the plan's region placed at `anchor` and resample it to the output size."""
    left, top, right, bottom = layout.box(*upright, anchor)
    box = _clamp(
        (left * scale[0], top * scale[1], right * scale[0], bottom * scale[1]), image.size
    )
    return image.resize(
        (layout.width, layout.height), Image.Resampling.LANCZOS, box=box, reducing_gap=REDUCING_GAP
    )


def open_counted(data: bytes | BinaryIO, options: EngineOptions) -> tuple[Image.Image, int]:
    """The source, identified from its header only, and its frame count.

    Everything refused here costs a bounded read, never a decode: the format,
    the pixels (all frames counted), the frames and the JPEG scans.
    """
    if isinstance(data, bytes | bytearray):
        data = io.BytesIO(data)
    prefix = data.read(32)
    if not prefix:
        raise SourceRejected("source is empty")
    data.seek(0)
    webp_frames = _webp_frames_before_open(prefix, data, options)
    plugins.load(options.source_formats)
    if "HEIF" in options.source_formats and heif.in_heif_container(prefix):
        heif.register()
    # Only formats a plugin is registered for: Pillow raises KeyError on any other name
    # (HEIF when the extra is missing in this process).
    formats = [name for name in options.source_formats if name in Image.OPEN]
    try:
        image = Image.open(data, formats=formats)
        width, height = image.size
    except Image.DecompressionBombError:
        raise SourceTooLarge("source has too many pixels") from None
    except Exception as exc:
        # The extra's decoder is registered with the first HEIF source it may open: a
        # HEIF refused with the extra installed is only a format this site does not allow.
        if heif.looks_like_heif(prefix) and "HEIF" not in Image.OPEN and not HEIF_DECODES:
            raise SourceRejected(
                f"source is HEIF (HEIC), which needs the heif extra: {heif.EXTRA_HINT}"
            ) from None
        raise SourceRejected(f"source is not a supported image ({type(exc).__name__})") from None
    if width < 1 or height < 1:
        raise SourceRejected("source has no pixels")
    frames = webp_frames or _frames(image, data, options.max_source_frames)
    if frames > options.max_source_frames:
        raise SourceTooLarge(f"source has over {options.max_source_frames} frames")
    if width * height * frames > options.max_source_pixels:
        raise SourceTooLarge(
            f"source has {width}x{height}x{frames} pixels, "
            f"over the limit of {options.max_source_pixels}"
        )
    if image.format == "HEIF":
        _refuse_large_heif_coding(data, options.max_source_pixels)
    if image.format == "JPEG":
        scans = count_jpeg_scans(data, limit=options.max_source_scans)
        if scans > options.max_source_scans:
            raise SourceTooLarge(f"source has over {options.max_source_scans} JPEG scans")
    if image.format == "BMP" and bmp_is_run_length_encoded(data):
        raise SourceRejected("source is a run-length encoded BMP, which we do not decode")
    return image, frames


def _webp_frames_before_open(prefix: bytes, data: BinaryIO, options: EngineOptions) -> int | None:
    """A WebP's frames, counted before Pillow opens it (its opener already runs libwebp's
    demuxer over every frame and allocates the canvas twice); None for other sources."""
    if not looks_like_webp(prefix) or "WEBP" not in options.source_formats:
        return None
    frames = max(1, count_webp_frames(data, limit=options.max_source_frames))
    if frames > options.max_source_frames:
        raise SourceTooLarge(f"source has over {options.max_source_frames} frames")
    return frames


def _refuse_large_heif_coding(data: BinaryIO, limit: int) -> None:
    """A HEIF decodes its whole coded image (every grid tile, once per reference) before
    cropping it to the size Pillow reports: refuse on what the header says it codes."""
    pixels = heif_decoded_pixels(data)
    if pixels is None:
        raise SourceTooLarge("source's HEIF item header is too long or broken to check")
    if pixels > limit:
        raise SourceTooLarge(f"source codes {pixels} pixels (HEIF), over the limit of {limit}")


def _frames(image: Image.Image, data: BinaryIO, limit: int) -> int:
    """Frames (pages) in the source, counted no further than limit + 1.

    Our own counters walk the container; Pillow's n_frames would seek through
    every frame of a GIF or every IFD of a TIFF, at a cost the file chooses.
    (A WebP's are counted before it is opened: _webp_frames_before_open.)
    """
    if image.format == "GIF":
        return max(1, count_gif_frames(data, limit=limit))
    if image.format == "TIFF":
        return max(1, count_tiff_pages(data, limit=limit))
    if image.format == "PNG":  # APNG declares its frame count in acTL
        return int(getattr(image, "n_frames", 1))
    return 1


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:
        # A broken EXIF block must not cost the whole picture.
        return 1
    return value if value in _TRANSPOSE else 1


def upright_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    """The size after EXIF orientation: orientations 5 to 8 swap the sides."""
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


def decode_size(layout: Plan, upright: tuple[int, int], keep_side: int) -> tuple[int, int]:
    """`draft_size`, raised so the long side keeps at least `keep_side` (or the source's)."""
    wanted = draft_size(layout, *upright)
    floor = min(1.0, keep_side / max(upright))
    return (
        max(wanted[0], round(upright[0] * floor)),
        max(wanted[1], round(upright[1] * floor)),
    )


def _decode(
    image: Image.Image,
    layout: Plan,
    upright: tuple[int, int],
    orientation: int,
    keep_side: int = 0,
) -> tuple[Image.Image, float]:
    """Decode the pixels, shrunk by the decoder where it can; return the scale used."""
    scale = 1.0
    if image.format == "JPEG":
        stored_width = image.size[0]
        wanted = decode_size(layout, upright, keep_side)
        wanted = upright_size(wanted, orientation)  # back to stored orientation
        drafted = image.draft(image.mode, wanted)
        if drafted is not None:
            # draft() reports the region of the original that maps onto the
            # decoded image: (0, 0, width / scale, height / scale).
            scale = drafted[1][2] / stored_width
    try:
        image.load()
    except Exception as exc:
        raise SourceRejected(f"source cannot be decoded ({type(exc).__name__})") from None
    return image, scale


def _reduce(
    image: Image.Image, layout: Plan, scale: float, keep_side: int = 0
) -> tuple[Image.Image, float]:
    """Box-reduce a large decoded image by a whole factor, keeping REDUCING_GAP times
    the output's pixels, before anything else touches it.

    This is what resize(reducing_gap=...) would do inside the final resample, done
    once up front so that orientation, the smart cut and the premultiplied-alpha
    conversions all work on the small image. Formats that cannot be decoded
    shrunk (PNG, WebP, GIF) gain most; a drafted JPEG is usually already there.
    """
    factor = int(
        min(
            layout.region_width * scale / (layout.width * REDUCING_GAP),
            layout.region_height * scale / (layout.height * REDUCING_GAP),
        )
    )
    if keep_side:
        factor = min(factor, max(image.size) // keep_side)
    if factor < 2:
        return image, scale
    if image.mode in _PREMULTIPLIED:
        return _reduce_in_bands(image, factor), scale / factor
    return image.reduce(factor), scale / factor


def _reduce_in_bands(image: Image.Image, factor: int) -> Image.Image:
    """image.reduce(factor), pixel for pixel, for a mode with alpha, without a
    second full-size image.

    Pillow reduces alpha premultiplied, and for that converts the whole source
    first: a decoded 12 MP RGBA PNG (48 MB) would briefly be held twice. Done a
    band of rows at a time, the premultiplied copy is one band; bands are whole
    multiples of the factor, so each output row sees the same source rows.
    """
    width, height = image.size
    rows = max(1, _BAND_PIXELS // (width * factor)) * factor
    premultiplied = _PREMULTIPLIED[image.mode]
    reduced = Image.new(premultiplied, (-(-width // factor), -(-height // factor)))
    reduced.info = image.info.copy()  # as reduce() keeps it: the ICC profile is read after
    for top in range(0, height, rows):
        band = image.crop((0, top, width, min(height, top + rows))).convert(premultiplied)
        reduced.paste(band.reduce(factor), (0, top // factor))
    return reduced.convert(image.mode)


def _apply_orientation(image: Image.Image, orientation: int) -> Image.Image:
    for step in _TRANSPOSE.get(orientation, ()):
        image = image.transpose(step)
    return image


def _normalise_mode(image: Image.Image) -> Image.Image:
    """Bring any source mode to one that resamples well (never palette or 1-bit)."""
    mode = image.mode
    if mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return image
    if mode == "P":
        palette = image.palette
        has_alpha = "transparency" in image.info or (
            palette is not None and palette.mode == "RGBA"
        )
        return image.convert("RGBA" if has_alpha else "RGB")
    if mode == "PA":
        return image.convert("RGBA")
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I;16") or mode in ("I", "F"):
        # 16-bit and float sources: scale into 8 bits rather than clip.
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    return image.convert("RGBA" if "A" in mode else "RGB")


def _clamp(
    box: tuple[float, float, float, float], size: tuple[int, int]
) -> tuple[float, float, float, float]:
    left, top, right, bottom = box
    return (max(0.0, left), max(0.0, top), min(float(size[0]), right), min(float(size[1]), bottom))


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert to sRGB on the small image: CMYK always, others when they carry a profile."""
    if icc_profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            out_mode = "RGB" if image.mode == "CMYK" else image.mode
            converted = ImageCms.profileToProfile(
                image, source_profile, _SRGB, outputMode=out_mode
            )
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError) as exc:
            logger.debug("ignoring unusable ICC profile: %s", exc)
    if image.mode == "CMYK":
        return image.convert("RGB")
    return image


def encode(image: Image.Image, ext: str, options: EngineOptions) -> bytes:
    """Encode in the format the extension names, with no metadata carried over."""
    output = OUTPUT_FORMATS[ext]
    if not output.keeps_alpha and image.mode in ("RGBA", "LA"):
        image = _flatten(image, options.background)
    image.info = {}
    buffer = io.BytesIO()
    if output.pillow_name == "JPEG":
        image.save(buffer, "JPEG", quality=options.quality, **jpeg_settings(*image.size))
    elif output.pillow_name == "AVIF":
        image.save(buffer, "AVIF", quality=options.quality, speed=AVIF_SPEED)
    elif output.pillow_name == "WEBP":
        image.save(buffer, "WEBP", quality=options.quality)
    else:
        image.save(buffer, output.pillow_name)
    return buffer.getvalue()


# Baseline JPEG, with optimised Huffman tables up to this many pixels (about 550x550)
# and the standard tables above. The rule: a costlier setting must save at least 2 KB
# per extra ms of encode CPU (`python -m bench.jpeg_settings`). Optimising saves
# 4-15% up to 400 px at 2,600-33,000 B/ms; from 800 px it saves 4% at about 2,000
# B/ms, within noise of the bar, and the cheaper setting keeps the miss's latency.
# Progressive saves 3-4% more than optimising for twice its CPU (about 1,000 B/ms),
# and at 64 px it is larger. See docs/spec.md.
JPEG_OPTIMIZE_MAX_PIXELS = 300_000


def jpeg_settings(width: int, height: int) -> dict[str, bool]:
    """Pillow's JPEG save options for an output of this size (quality aside)."""
    return {"progressive": False, "optimize": width * height <= JPEG_OPTIMIZE_MAX_PIXELS}


def _flatten(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    rgba = image.convert("RGBA")
    canvas = Image.new("RGB", rgba.size, background)
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas
