"""Hostile sources: CPU seconds per request before the limits and the render pool, and after.

Before: the old engine's work on the file (sections/scripts/hostile_before.py)
in a process of its own, stopped at BEFORE_TIMEOUT seconds of CPU. After:
`serve --workers 2` with its default GENERATION_TIMEOUT (8 s), the CPU of the
whole serve tree (every process's utime + stime + cutime + cstime) across each
request, sent one at a time; then the same sources again at another size,
answered from the failure memory. TIFF and BMP are opt-in formats and `serve`
has no option for them, so for those the opted-in engine is also measured
through a render pool of its own.
"""

import json
import resource
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fixtures.hostile import gif_frame_bomb, jpeg_scan_bomb, tiff_ifd_chain
from restthumbnails.core.spec import make_spec
from restthumbnails.core.urlbuilding import signed_thumbnail
from restthumbnails.exceptions import ThumbnailError
from restthumbnails.render.engine import DEFAULT_SOURCE_FORMATS, EngineOptions
from restthumbnails.render.pool.client import PoolProcess, PoolRenderer

from ..loadgen import fetch
from ..proctree import tree_cpu_seconds
from ..results import SectionResult, Table, Target
from ..servers import start_ours

KEY = "bench-secret-key-not-for-production"
WORKERS = 2
COPIES = 2  # distinct files per source: each first request is a real first request
BEFORE_TIMEOUT = 90.0
GIF_FRAMES = 3_000_000  # 48 MB: just under MAX_SOURCE_BYTES, so the frame count decides
BIG_SCAN_BOMB = True  # 7000x7000 with 2,000 scans: about a minute of CPU before
GENERATION_TIMEOUT = 8.0  # serve's default, passed explicitly so the table states a fact


@dataclass(frozen=True)
class Hostile:
    name: str
    label: str
    make: Callable[[], bytes]
    opt_in: bool = False  # a format outside the default SOURCE_FORMATS


def bmp_rle8_padded(width: int, height: int) -> bytes:
    """An RLE8 BMP whose every row is one pixel and an end-of-line code: 4 bytes a row.

    Pillow's decoder (Python) pads the rest of each row one byte at a time, so the
    cost is width x height steps of Python for a file of 4 x height bytes.
    """
    palette = b"".join(struct.pack("<BBBB", i, i, i, 0) for i in range(256))
    rows = b"\x01\x07\x00\x00" * height + b"\x00\x01"
    offset = 14 + 40 + len(palette)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(rows), 2835, 2835, 256, 0)
    return b"BM" + struct.pack("<IHHI", offset + len(rows), 0, 0, offset) + info + palette + rows


def hostiles() -> list[Hostile]:
    found = [
        Hostile(
            "scans-4000.jpg",
            "JPEG scan bomb 4000x4000, 300 scans",
            lambda: jpeg_scan_bomb(4000, 4000, scans=300),
        ),
        Hostile(
            "scans-7000.jpg",
            "JPEG scan bomb 7000x7000, 300 scans",
            lambda: jpeg_scan_bomb(7000, 7000, scans=300),
        ),
    ]
    if BIG_SCAN_BOMB:
        found.append(
            Hostile(
                "scans-7000-2000.jpg",
                "JPEG scan bomb 7000x7000, 2,000 scans",
                lambda: jpeg_scan_bomb(7000, 7000, scans=2000),
            )
        )
    found += [
        Hostile(
            "under-limit.jpg",
            "JPEG 7000x7000, 99 scans (just under MAX_SOURCE_SCANS)",
            lambda: jpeg_scan_bomb(7000, 7000, scans=99),
        ),
        Hostile(
            "frames.gif",
            f"GIF frame bomb, {GIF_FRAMES:,} frames",
            lambda: gif_frame_bomb(GIF_FRAMES),
        ),
        Hostile("pages.tif", "TIFF chain of 20,000 IFDs", lambda: tiff_ifd_chain(20_000), True),
        Hostile(
            "rle.bmp",
            "BMP RLE8 7000x7000, each row 1 pixel + end-of-line",
            lambda: bmp_rle8_padded(7000, 7000),
            True,
        ),
    ]
    return found


def _before(path: Path) -> tuple[str, str]:
    """CPU seconds of the old engine on `path` (or "> limit"), and how it ended.

    The process is stopped at BEFORE_TIMEOUT seconds of CPU (RLIMIT_CPU, so a busy
    machine does not cut it short), or at four times that of wall time.
    """
    spent = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.sections.scripts.hostile_before", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    limit = int(BEFORE_TIMEOUT)
    resource.prlimit(process.pid, resource.RLIMIT_CPU, (limit, limit + 5))
    try:
        out, err = process.communicate(timeout=4 * BEFORE_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (spent.ru_utime + spent.ru_stime)
        return f"> {cpu:.0f} (killed after {4 * BEFORE_TIMEOUT:.0f} s of wall time)", "unfinished"
    if process.returncode == -signal.SIGXCPU:
        return f"> {limit} (stopped at that CPU limit)", "unfinished"
    if process.returncode != 0:
        return "n/a", f"crashed: {err.strip()[-120:]}"
    result = json.loads(out.strip().splitlines()[-1])
    return f"{result['cpu']:.2f}", result["outcome"]


def _cost(root: int, url: str) -> tuple[int, float, float]:
    cpu = tree_cpu_seconds(root)
    started = time.perf_counter()
    status, _ = fetch(url, timeout=GENERATION_TIMEOUT + 30)
    wall = time.perf_counter() - started
    time.sleep(0.2)  # a killed render process is reaped and replaced: its CPU lands
    return status, wall, tree_cpu_seconds(root) - cpu


def _url(base: str, name: str, size: str) -> str:
    spec = make_spec(name, size, "crop", "jpg")
    return signed_thumbnail(spec, key=KEY, base_url=base + "/").url


def _opted_in(copies: list[Path]) -> tuple[str, float, float]:
    """The opted-in engine through a render pool of its own: outcome, CPU s, wall s."""
    options = EngineOptions(source_formats=(*DEFAULT_SOURCE_FORMATS, "TIFF", "BMP"))
    pool = PoolProcess.start(processes=1, queued=1, memory_limit=2 * 1024**3)
    try:
        renderer = PoolRenderer(
            socket_path=pool.socket_path,
            engine="restthumbnails.render.engine.render",
            options=options,
            queue_timeout=10.0,
            generation_timeout=GENERATION_TIMEOUT,
        )
        cpu, wall, outcome = 0.0, 0.0, ""
        for copy in copies:
            before = tree_cpu_seconds(pool.process.pid)
            started = time.perf_counter()
            try:
                with copy.open("rb") as source:
                    renderer.render(source, make_spec(copy.name, "200x200", "crop", "jpg"))
                outcome = "rendered"
            except ThumbnailError as error:
                outcome = f"{type(error).__name__}: {error}"
            wall += time.perf_counter() - started
            time.sleep(0.2)
            cpu += tree_cpu_seconds(pool.process.pid) - before
        return outcome, cpu / len(copies), wall / len(copies)
    finally:
        pool.stop()


def run(work: Path, log: Callable[[str], None]) -> SectionResult:
    result = SectionResult()
    media = work / "hostile-media"
    media.mkdir(parents=True, exist_ok=True)
    table = Table(
        f"Hostile sources: CPU seconds per request, before (old engine, stopped at "
        f"{BEFORE_TIMEOUT:.0f} CPU s) and after (serve --workers {WORKERS} --generation-timeout "
        f"{GENERATION_TIMEOUT:g})",
        [
            "source",
            "file KB",
            "before: CPU s",
            "before: outcome",
            "after: status",
            "after: CPU s/request",
            "after: wall ms",
            "again: status",
            "again: CPU s/request",
            "again: wall ms",
        ],
    )
    worst: tuple[float, str] = (0.0, "")
    files: dict[str, list[Path]] = {}
    for hostile in hostiles():
        data = hostile.make()
        stem, dot, ext = hostile.name.rpartition(".")
        files[hostile.name] = []
        for copy in range(COPIES):
            path = media / f"{stem}-{copy}{dot}{ext}"
            path.write_bytes(data)
            files[hostile.name].append(path)
    server = start_ours(
        media,
        work / "hostile-thumbnails",
        work,
        key=KEY,
        workers=WORKERS,
        backend="django",
        extra=("--generation-timeout", f"{GENERATION_TIMEOUT:g}"),
    )
    try:
        root = server.process.pid
        for hostile in hostiles():
            copies = files[hostile.name]
            before_cpu, before_outcome = _before(copies[0])
            first = [_cost(root, _url(server.base, p.name, "200x200")) for p in copies]
            again = [_cost(root, _url(server.base, p.name, "300x300")) for p in copies]
            row = [
                hostile.label,
                f"{copies[0].stat().st_size / 1024:,.0f}",
                before_cpu,
                before_outcome,
            ]
            for measured in (first, again):
                row += [
                    "/".join(sorted({str(status) for status, _, _ in measured})),
                    f"{sum(cpu for _, _, cpu in measured) / len(measured):.2f}",
                    f"{sum(wall for _, wall, _ in measured) / len(measured) * 1000:.0f}",
                ]
            table.rows.append(row)
            for _, _, cpu in first + again:
                worst = max(worst, (cpu, hostile.label))
            log(
                f"  hostile {hostile.label}: before {before_cpu} s ({before_outcome}); "
                f"after {row[4]} {row[5]} s, again {row[7]} {row[8]} s"
            )
            if hostile.opt_in:
                outcome, cpu, wall = _opted_in(copies)
                table.rows.append(
                    [
                        f"{hostile.label}, {copies[0].suffix[1:].upper()} opted in "
                        "(render pool, no HTTP)",
                        "",
                        "",
                        "",
                        outcome,
                        f"{cpu:.2f}",
                        f"{wall * 1000:.0f}",
                        "",
                        "",
                        "",
                    ]
                )
    finally:
        server.stop()
        shutil.rmtree(media, ignore_errors=True)
    table.notes += [
        "before: bench/sections/scripts/hostile_before.py in a process of its own: what the "
        "engine did before MAX_SOURCE_SCANS/MAX_SOURCE_FRAMES and the render pool "
        "(Pillow's Image.open, Pillow's n_frames for an animated source, then the render "
        "with every format allowed); its own CPU (getrusage), interpreter start-up left "
        "out; '> N': stopped by RLIMIT_CPU at N s of CPU, unfinished.",
        f"after: each source in {COPIES} copies under different names, each asked once "
        f"(200x200 crop), one request at a time; CPU = the change in the whole serve tree's "
        "CPU (master, workers, pool supervisor, render processes, reaped ones included) "
        "across the request, per request, 10 ms ticks. again: the same files at 300x300: "
        "a refused or timed-out source answers from the failure memory.",
        "serve has no option to allow TIFF or BMP (SOURCE_FORMATS is a Django setting), so "
        "through serve those are refused as unsupported formats; the 'opted in' rows give "
        "the engine with TIFF and BMP allowed, through a pool of one render process.",
        f"The GIF has {GIF_FRAMES:,} frames so that it stays under MAX_SOURCE_BYTES (50 MB) "
        "and the frame count is what refuses it.",
    ]
    result.targets.append(
        Target(
            "hostile source CPU per request, through serve",
            f"<= GENERATION_TIMEOUT ({GENERATION_TIMEOUT:g} s)",
            f"{worst[0]:.2f} s ({worst[1]})",
            worst[0] <= GENERATION_TIMEOUT,
        )
    )
    if not BIG_SCAN_BOMB:
        table.notes.append(
            "The 7000x7000 scan bomb with 2,000 scans (about a minute of CPU before) is "
            "left out of --quick runs."
        )
    result.tables.append(table)
    return result
