"""What an animated thumbnail costs to encode, per output format: the figures behind
formats.AVIF_SPEED, OutputFormat.animation_cost and MAX_ANIMATION_PIXELS.

    PYTHONPATH=src:. python -m bench.encode_cost

Two GIF sources built in code, rendered by the Pillow engine at their own size
(316x316 crop, so every source pixel is an output pixel), with the default
settings; CPU of this process (all its threads) per render:
- moving: 500 frames of 316x316 (50 MP, the default source limit), one photo-like
  background with a disc moving across it, as GIFs made from a screen are;
- photos: 100 frames of 316x316, each a different photo-like picture, as GIFs made
  from video are: every frame differs everywhere, the encoders' worst case.
Then the encoders alone on the photo frames, CPU per output megapixel: their ratio
to WebP's is the animation_cost of each format (rounded up); and one large still.

Run it against an older checkout (its src first on PYTHONPATH) for the figures before.
"""

import io
import resource
from collections.abc import Callable

from PIL import Image, ImageDraw

from restthumbnails.core.spec import make_spec
from restthumbnails.render import animation, engine

from .images import photo

SIDE = 316


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measured(work: Callable[[], bytes]) -> tuple[float, bytes]:
    started = _cpu()
    result = work()
    return _cpu() - started, result


def moving_frames(count: int = 500) -> list[Image.Image]:
    background = photo((SIDE, SIDE), seed=3)
    frames = []
    for index in range(count):
        frame = background.copy()
        x = (index * 7) % SIDE
        ImageDraw.Draw(frame).ellipse(
            [x, SIDE // 3, x + SIDE // 4, SIDE // 3 + SIDE // 4], fill=(220, 40, 40)
        )
        frames.append(frame)
    return frames


def photo_frames(count: int = 100) -> list[Image.Image]:
    return [photo((SIDE, SIDE), seed=seed) for seed in range(count)]


def as_gif(frames: list[Image.Image]) -> bytes:
    palette = frames[0].quantize(255)
    indexed = [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in frames]
    buffer = io.BytesIO()
    indexed[0].save(buffer, "GIF", save_all=True, append_images=indexed[1:], duration=40, loop=0)
    return buffer.getvalue()


def _frames_in(data: bytes) -> int:
    return int(getattr(Image.open(io.BytesIO(data)), "n_frames", 1))


def main() -> None:
    extensions = [ext for ext in ("gif", "webp", "avif") if ext in animation.ANIMATED_EXTENSIONS]
    print("render through the engine, default settings, 316x316 crop:")
    print(f"{'source':<24}{'output':<8}{'frames':>7}{'CPU s':>8}{'bytes':>10}")
    sources = {"moving, 500 frames": moving_frames(), "photos, 100 frames": photo_frames()}
    for label, frames in sources.items():
        data = as_gif(frames)
        for ext in extensions:
            spec = make_spec("a.gif", f"{SIDE}x{SIDE}", "crop", ext)
            cpu, out = _measured(
                lambda spec=spec, data=data: engine.render(data, spec, engine.EngineOptions())
            )
            print(f"{label:<24}{ext:<8}{_frames_in(out):>7}{cpu:>8.2f}{len(out):>10}")
    print("\nencoders alone on the photo frames (animation.encode), CPU per output MP:")
    frames = sources["photos, 100 frames"]
    megapixels = len(frames) * SIDE * SIDE / 1e6
    timings = [animation.FrameTiming(duration=40, disposal=None)] * len(frames)
    per_mp = {}
    for ext in extensions:
        cpu, _ = _measured(
            lambda ext=ext: animation.encode(frames, timings, 0, ext=ext, quality=85)
        )
        per_mp[ext] = cpu / megapixels
    for ext, cost in per_mp.items():
        print(f"{ext:<8}{cost:.3f} s/MP  ({cost / per_mp['webp']:.1f} x WebP)")
    print("\na still 2048x1366 photo-like picture, engine.encode:")
    still = photo((2048, 1366), seed=1)
    for ext in ("jpg", "webp", *(("avif",) if "avif" in extensions else ())):
        cpu, out = _measured(lambda ext=ext: engine.encode(still, ext, engine.EngineOptions()))
        print(f"{ext:<8}{cpu:>6.2f} s CPU{len(out):>10} bytes")


if __name__ == "__main__":
    main()
