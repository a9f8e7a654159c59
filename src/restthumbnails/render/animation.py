"""Animated thumbnails: which outputs animate, the source's timing, the encoders.

Pillow's decoders hand over whole composited frames (disposal and blending
already applied), so every frame can be cut like a still picture. The
encoders then store only what changed from one frame to the next: Pillow's
GIF writer crops each frame to the changed rectangle, libwebp's animation
encoder picks sub-frames itself, and libavif encodes inter frames.

Loop counts are kept as the number of plays a browser shows: a GIF's NETSCAPE
count is the number of repeats after the first play (no block: once), where
WebP and APNG count plays (0: forever in all three).
"""

import io
from dataclasses import dataclass

from PIL import Image

from ..core.formats import AVIF_SPEED, OUTPUT_FORMATS
from . import plugins

plugins.load(output.pillow_name for output in OUTPUT_FORMATS.values())
# AVIF animates where this Pillow build can encode image sequences.
ANIMATED_EXTENSIONS = frozenset(
    ext
    for ext, output in OUTPUT_FORMATS.items()
    if output.pillow_name in ("GIF", "WEBP", "AVIF") and output.pillow_name in Image.SAVE_ALL
)
_MAX_LOOP = 0xFFFF  # both containers store the count in 16 bits
_DISPOSE_TO_BACKGROUND = 2
_DO_NOT_DISPOSE = 1


@dataclass(frozen=True)
class FrameTiming:
    duration: int  # milliseconds
    disposal: int | None  # GIF disposal method, None for sources that are not GIF


def kept(frames: int, ext: str) -> bool:
    """Whether a source of `frames` frames asked for as `ext` is rendered as an animation."""
    return frames > 1 and ext in ANIMATED_EXTENSIONS


def encode_fits(frames: int, frame_pixels: int, ext: str, budget: int) -> bool:
    """Whether `frames` thumbnails of `frame_pixels` each may be encoded as one `ext`
    animation within `budget` (MAX_ANIMATION_PIXELS)."""
    return frames * frame_pixels * OUTPUT_FORMATS[ext].animation_cost <= budget


def source_loop(image: Image.Image) -> int:
    """Plays the source asks for (0: forever)."""
    loop = image.info.get("loop")
    if image.format == "GIF":
        if loop is None:
            return 1
        return 0 if loop == 0 else min(int(loop) + 1, _MAX_LOOP)
    return int(loop or 0)


def frame_timing(image: Image.Image) -> FrameTiming:
    """The current frame's duration and, for a GIF, its disposal method."""
    duration = int(image.info.get("duration") or 0)
    disposal = getattr(image, "disposal_method", None) if image.format == "GIF" else None
    return FrameTiming(duration=max(0, duration), disposal=disposal)


def _gif_options(
    frames: list[Image.Image], timings: list[FrameTiming], plays: int
) -> dict[str, object]:
    options: dict[str, object] = {"optimize": True}
    if plays != 1:  # no NETSCAPE block: play once
        options["loop"] = 0 if plays == 0 else plays - 1
    if all(t.disposal is not None for t in timings):
        options["disposal"] = [t.disposal for t in timings]
    else:
        # Frames of a WebP or APNG come composited: a frame with transparent pixels
        # must clear what the one before drew there.
        has_alpha = any(frame.mode in ("RGBA", "LA") for frame in frames)
        options["disposal"] = _DISPOSE_TO_BACKGROUND if has_alpha else _DO_NOT_DISPOSE
    return options


def _one_palette(frames: list[Image.Image]) -> list[Image.Image]:
    """Map every frame to one palette, without dithering, so that a pixel that did not
    change keeps its index and the GIF writer stores only the changed rectangle.

    (Quantised one by one, each frame gets its own palette and dither noise, and
    every frame differs everywhere.) The palette comes from a small copy of each frame.
    """
    side = max(1, 64 // max(1, round(len(frames) ** 0.5)))
    samples = [frame.resize((side, side), Image.Resampling.BOX) for frame in frames]
    mosaic = Image.new("RGB", (side * len(samples), side))
    for index, sample in enumerate(samples):
        mosaic.paste(sample, (index * side, 0))
    palette = mosaic.quantize(256, method=Image.Quantize.MEDIANCUT)
    return [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in frames]


def encode(
    frames: list[Image.Image],
    timings: list[FrameTiming],
    plays: int,
    *,
    ext: str,
    quality: int,
) -> bytes:
    """Encode the thumbnails as one animation in the format `ext` names, no metadata."""
    pillow_name = OUTPUT_FORMATS[ext].pillow_name
    if any(frame.mode in ("RGBA", "LA") for frame in frames):
        frames = [frame.convert("RGBA") for frame in frames]
    else:
        frames = [frame.convert("RGB") for frame in frames]
    for frame in frames:
        frame.info = {}
    options: dict[str, object] = {"duration": [t.duration for t in timings]}
    if pillow_name == "GIF":
        options.update(_gif_options(frames, timings, plays))
        if frames[0].mode == "RGB":
            frames = _one_palette(frames)
    elif pillow_name == "WEBP":
        # Pillow's default for lossy animations is a whole key frame every 5 frames;
        # one every 64 still bounds a decoder's work when it jumps, and costs far less.
        options.update(loop=plays, quality=quality, kmin=33, kmax=64)
    else:  # AVIF: Pillow's encoder takes no loop count; sequences repeat forever
        options.update(quality=quality, speed=AVIF_SPEED)
    buffer = io.BytesIO()
    frames[0].save(buffer, pillow_name, save_all=True, append_images=frames[1:], **options)
    return buffer.getvalue()
