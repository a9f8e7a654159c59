"""Animated GIF thumbnails over HTTP: ours (GIF and animated WebP) against thumbor.

One server process each, the same 480x270 GIF of 48 frames (built in code:
a photo-like background with a moving shape), distinct sizes near 200x113 so
every request is a miss. Reported: median time per request, bytes and frames
of the answer. thumbor runs its PIL engine (gifsicle is not installed here, so
thumbor answers a still of the first frame: its frame count says so).
"""

import io
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from PIL import Image, ImageDraw

from restthumbnails.core.spec import make_spec
from restthumbnails.core.urlbuilding import signed_thumbnail

from ..images import photo
from ..peers import Peer
from ..results import SectionResult, Table, median, ms
from ..servers import Server, start_ours, start_thumbor

ROUNDS = 12
KEY = "bench-animation-key"
NAME = "anim48.gif"


def write_animation(media: Path) -> Path:
    # One palette for all frames, as GIF editors write them: only the shape moves.
    background = photo((480, 270), seed=5)
    red = Image.new("RGB", (16, 16), (220, 40, 40))
    sample = Image.new("RGB", (496, 270))
    sample.paste(background)
    sample.paste(red, (480, 0))
    palette = sample.quantize(256)
    frames = []
    for index in range(48):
        frame = background.copy()
        x = 20 + index * 9
        ImageDraw.Draw(frame).ellipse([x, 90, x + 80, 170], fill=(220, 40, 40))
        frames.append(frame.quantize(palette=palette, dither=Image.Dither.NONE))
    path = media / NAME
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0)
    return path


def _sizes() -> Iterator[str]:
    for index in range(1000):
        yield f"{200 + index}x113"


def _fetch(url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (loopback)
        body = response.read()
    return (time.perf_counter() - started) * 1000, body


def _frames(body: bytes) -> int:
    return getattr(Image.open(io.BytesIO(body)), "n_frames", 1)


def run(thumbor: Peer, media: Path, work: Path, log: Callable[[str], None]) -> SectionResult:
    source = write_animation(media)
    ours = start_ours(media, work / "anim-thumbs", work, key=KEY, workers=1, backend="django")
    other = start_thumbor(thumbor, media, work, processes=1)
    table = Table(
        f"Animated GIF to ~200x113 over HTTP ({source.stat().st_size // 1024} KB, 480x270, "
        "48 frames): median of misses",
        ["server", "output", "ms", "bytes", "frames"],
        notes=["thumbor 7.8, PIL engine, no result storage; ours: serve --workers 1."],
    )
    servers: list[Server] = [ours, other]
    try:
        cases: list[tuple[str, str, Callable[[str], str]]] = [
            ("restthumbnails", "gif", lambda size: _ours_url(ours, size, "gif")),
            ("restthumbnails", "webp", lambda size: _ours_url(ours, size, "webp")),
            ("thumbor 7.8", "gif", lambda size: f"{other.base}/unsafe/{size}/{NAME}"),
            (
                "thumbor 7.8",
                "webp",
                lambda size: f"{other.base}/unsafe/{size}/filters:format(webp)/{NAME}",
            ),
        ]
        for server, ext, url_for in cases:
            sizes = _sizes()
            _fetch(url_for(next(sizes)))  # warm up: imports, first render process
            runs, body = [], b""
            for _ in range(ROUNDS):
                elapsed, body = _fetch(url_for(next(sizes)))
                runs.append(elapsed)
            log(f"  {server} {ext}: {median(runs):.1f} ms, {len(body)} bytes")
            table.rows.append([server, ext, ms(median(runs)), str(len(body)), str(_frames(body))])
    finally:
        for server in servers:
            server.stop()
    return SectionResult(tables=[table])


def _ours_url(server: Server, size: str, ext: str) -> str:
    spec = make_spec(NAME, size, "crop", ext)
    return signed_thumbnail(spec, key=KEY, base_url=server.base + "/").url
