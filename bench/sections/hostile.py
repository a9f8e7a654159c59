"""Hostile sources: CPU seconds per request before the limits and the render pool, and after.

Before: the old engine's work on the file (sections/scripts/hostile_before.py) in a
process of its own, stopped at BEFORE_TIMEOUT seconds of CPU (only for the sources the old
engine was measured on). After: `serve --workers 2` with its default
GENERATION_TIMEOUT (8 s), or the one option a case is about, for each request: the
answer (status and the one line of its body, or what the image is), the CPU of the
whole serve tree (every process's utime + stime + cutime + cstime) across the
request, the peak resident memory of the render process that handled it (VmHWM,
reset before the request, sampled while it runs) and the wall time; requests are sent
one at a time except where a case sends several at once. Then the refused sources
again at another size, answered from the failure memory. TIFF and BMP are opt-in
formats and `serve` has no option for them, so for those the opted-in engine is also
measured through a render pool of its own.
"""

import contextlib
import io
import json
import os
import resource
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from fixtures.hostile import (
    apng_frame_bomb,
    gif_frame_bomb,
    jpeg_scan_bomb,
    large_jpeg,
    long_gif,
    png_pixel_bomb,
    tiff_ifd_chain,
    truncated_jpeg,
    webp_frame_bomb,
)
from restthumbnails.core.spec import make_spec
from restthumbnails.core.urlbuilding import signed_thumbnail
from restthumbnails.exceptions import ThumbnailError
from restthumbnails.render.options import DEFAULT_SOURCE_FORMATS, EngineOptions
from restthumbnails.render.pool.client import PoolProcess, PoolRenderer

from ..loadgen import fetch
from ..proctree import tree_cpu_seconds
from ..results import SectionResult, Table, Target
from ..servers import Server, start_ours

KEY = "bench-secret-key-not-for-production"
WORKERS = 2
COPIES = 2  # distinct files per source: each first request is a real first request
BEFORE_TIMEOUT = 90.0
GIF_FRAMES = 3_000_000  # 48 MB: just under MAX_SOURCE_BYTES, so the frame count decides
BIG_SCAN_BOMB = True  # 7000x7000 with 2,000 scans: about a minute of CPU before
GENERATION_TIMEOUT = 8.0  # serve's default, passed explicitly so the table states a fact
MAX_SOURCE_SCANS = 100  # serve's default
APNG_FRAMES = WEBP_FRAMES = 100_000  # far over MAX_SOURCE_FRAMES (500), a few MB each
LONG_FRAMES = 500  # MAX_SOURCE_FRAMES itself: the longest animation serve takes
SLOW_TIMEOUT = 1.0  # the deadline of the case that is killed at it
SMALL_MEMORY = 200 * 1024**2  # RENDER_MEMORY_LIMIT of the case that must be refused
SAMPLE_SECONDS = 0.02  # how often the render processes' VmHWM is read


@dataclass(frozen=True)
class Hostile:
    name: str
    label: str
    make: Callable[[], bytes]
    opt_in: bool = False  # a format outside the default SOURCE_FORMATS
    before: bool = True  # the old engine was measured on it (bench/hostile_before.py)
    size: str = "200x200"
    ext: str = "jpg"
    copies: int | None = None  # None: COPIES
    at_once: bool = False  # every copy asked at the same time, not one after another
    serve: tuple[str, ...] = ()  # serve options the case is about, beyond the defaults
    fifo: bool = False  # the source is a named pipe made after serve started

    @property
    def asked(self) -> str:
        return f"{self.size} crop .{self.ext}"


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
    return found + _new_hostiles()


def _heif_hostiles() -> list[Hostile]:
    """HEIC cases, when the `heif` extra (pi-heif) and the encoder (pillow-heif) are here."""
    try:
        import pi_heif  # noqa: F401
        import pillow_heif  # noqa: F401
    except ImportError:
        return []
    from tests.support.heifs import grid, heic, with_coded_size

    return [
        Hostile(
            "hidden.heic",
            "HEIC 600x400 whose crop hides a 9000x9000 coded image",
            lambda: with_coded_size(heic(), 9000, 9000),
            before=False,
        ),
        Hostile(
            "overhang.heic",
            "HEIC grid 64x64 drawn from 30x30 tiles of 256x256 (59 MP decoded)",
            lambda: grid(30, 30, (64, 64), tile=(256, 256)),
            before=False,
        ),
    ]


def _new_hostiles() -> list[Hostile]:
    """Cases without a 'before' column: the frame bombs of other formats, the encode
    side of animations, the deadline, memory, and sources that are not images."""
    memory = ("--render-memory-limit", str(SMALL_MEMORY))
    return [
        Hostile(
            "at-limit.jpg",
            f"JPEG 7000x7000, {MAX_SOURCE_SCANS} scans (exactly MAX_SOURCE_SCANS)",
            lambda: jpeg_scan_bomb(7000, 7000, scans=MAX_SOURCE_SCANS),
            before=False,
        ),
        Hostile(
            "frames.png",
            f"APNG frame bomb, {APNG_FRAMES:,} frames",
            lambda: apng_frame_bomb(APNG_FRAMES),
            before=False,
        ),
        Hostile(
            "frames.webp",
            f"animated WebP frame bomb, {WEBP_FRAMES:,} frames",
            lambda: webp_frame_bomb(WEBP_FRAMES),
            before=False,
        ),
        Hostile(
            "pixels.png",
            "PNG pixel bomb, header 40000x40000",
            lambda: png_pixel_bomb(40000, 40000),
            before=False,
        ),
        *_heif_hostiles(),
        Hostile(
            "long-avif.gif",
            f"GIF {LONG_FRAMES} frames 316x316, asked as AVIF",
            lambda: long_gif(LONG_FRAMES, (316, 316)),
            before=False,
            size="316x316",
            ext="avif",
            copies=1,
        ),
        Hostile(
            "long-webp.gif",
            f"GIF {LONG_FRAMES} frames 316x316, asked as WebP",
            lambda: long_gif(LONG_FRAMES, (316, 316)),
            before=False,
            size="316x316",
            ext="webp",
            copies=1,
        ),
        Hostile(
            "within.gif",
            "GIF 100 frames 316x316, asked as WebP (within budget)",
            lambda: long_gif(100, (316, 316)),
            before=False,
            size="316x316",
            ext="webp",
            copies=1,
        ),
        Hostile(
            "truncated.jpg",
            "JPEG 800x600 cut after half its bytes",
            truncated_jpeg,
            before=False,
        ),
        Hostile("pipe.jpg", "FIFO named like a JPEG", lambda: b"", before=False, fifo=True),
        Hostile(
            "huge.gif",
            "two GIFs of 30 frames 1000x1000 at once, asked 1000x1000 WebP",
            lambda: long_gif(30, (1000, 1000)),
            before=False,
            size="1000x1000",
            ext="webp",
            at_once=True,
        ),
        Hostile(
            "huge-small-limit.gif",
            "the same two at once, RENDER_MEMORY_LIMIT 200 MiB",
            lambda: long_gif(30, (1000, 1000)),
            before=False,
            size="1000x1000",
            ext="webp",
            at_once=True,
            serve=memory,
        ),
        Hostile(
            "slow.jpg",
            f"JPEG 6000x4000 (24 MP) asked 4000x2666 AVIF, --generation-timeout {SLOW_TIMEOUT:g}",
            lambda: large_jpeg(6000, 4000),
            before=False,
            size="4000x2666",
            ext="avif",
            copies=1,
            serve=("--generation-timeout", f"{SLOW_TIMEOUT:g}"),
        ),
    ]


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


def _vm_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RenderPeaks:
    """The peak resident memory (VmHWM) of each render process of `server` during a request.

    reset() writes 5 to each render process's /proc/PID/clear_refs, which sets its
    VmHWM back to its current RSS; a thread then reads every render process's VmHWM
    every SAMPLE_SECONDS, so a process killed at its deadline or memory limit is
    counted up to its last sample.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self.kb: dict[int, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        for pid in self.server.render_pids():
            peak = _vm_kb(pid, "VmHWM")
            with self._lock:
                self.kb[pid] = max(self.kb.get(pid, 0), peak)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self._sample()

    def reset(self) -> None:
        for pid in self.server.render_pids():
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")
        with self._lock:
            self.kb = {}
        self._sample()

    def largest_mb(self, count: int) -> list[float]:
        """The `count` largest peaks, MiB: the processes that did the work."""
        self._sample()
        with self._lock:
            return sorted((kb / 1024 for kb in self.kb.values()), reverse=True)[:count]

    def idle_mb(self) -> float:
        pids = self.server.render_pids()
        return max((_vm_kb(pid, "VmRSS") / 1024 for pid in pids), default=0.0)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Answer:
    status: int
    what: str  # the one-line reason, or what the image is
    wall: float


def _describe(status: int, body: bytes) -> str:
    if status != 200:
        return body.decode("utf-8", "replace").strip().splitlines()[0] if body.strip() else ""
    try:
        image = Image.open(io.BytesIO(body))
        frames = getattr(image, "n_frames", 1)
        return f"{image.format} {image.width}x{image.height}" + (
            f", {frames} frames" if frames > 1 else ""
        )
    except Exception:  # an image Pillow cannot read still says how big it is
        return f"{len(body):,} bytes"


def _ask(url: str, timeout: float) -> Answer:
    started = time.perf_counter()
    try:
        status, body = fetch(url, timeout=timeout)
    except OSError as error:
        return Answer(0, f"{type(error).__name__}: {error}", time.perf_counter() - started)
    return Answer(status, _describe(status, body), time.perf_counter() - started)


@dataclass
class Measured:
    answers: list[Answer]
    cpu: float  # per request
    peaks_mb: list[float]


def _cost(server: Server, peaks: RenderPeaks, urls: list[str], *, at_once: bool) -> Measured:
    """Every URL asked (one after another, or all at once), with what the tree spent."""
    root = server.process.pid
    timeout = GENERATION_TIMEOUT + 30
    answers: list[Answer] = []
    peak_mb: list[float] = []
    cpu = 0.0
    if at_once:
        peaks.reset()
        before = tree_cpu_seconds(root)
        slots: list[Answer | None] = [None] * len(urls)

        def ask(index: int) -> None:
            slots[index] = _ask(urls[index], timeout)

        threads = [threading.Thread(target=ask, args=(index,)) for index in range(len(urls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(0.2)  # a killed render process is reaped and replaced: its CPU lands
        cpu = tree_cpu_seconds(root) - before
        answers = [answer for answer in slots if answer is not None]
        peak_mb = peaks.largest_mb(len(urls))
    else:
        for url in urls:
            peaks.reset()
            before = tree_cpu_seconds(root)
            answers.append(_ask(url, timeout))
            time.sleep(0.2)  # a killed render process is reaped and replaced: its CPU lands
            cpu += tree_cpu_seconds(root) - before
            peak_mb.append(max(peaks.largest_mb(1), default=0.0))
        peak_mb = [max(peak_mb, default=0.0)]
    return Measured(answers, cpu / len(urls), peak_mb)


def _url(base: str, name: str, size: str, ext: str = "jpg") -> str:
    spec = make_spec(name, size, "crop", ext)
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


def _kb(size: int) -> str:
    return f"{size / 1024:,.0f}" if size >= 10 * 1024 else f"{size / 1024:.1f}"


def _summary(measured: Measured) -> tuple[str, str]:
    """The statuses (e.g. "422" or "200/422") and the distinct answers, in order."""
    statuses = "/".join(sorted({str(answer.status) for answer in measured.answers}))
    whats = list(dict.fromkeys(answer.what for answer in measured.answers))
    return statuses, " | ".join(whats)


def _start(media: Path, work: Path, options: tuple[str, ...], index: int) -> Server:
    return start_ours(
        media,
        work / f"hostile-thumbnails-{index}",
        work,
        key=KEY,
        workers=WORKERS,
        backend="django",
        extra=("--generation-timeout", f"{GENERATION_TIMEOUT:g}", *options),
    )


def run(work: Path, log: Callable[[str], None]) -> SectionResult:
    result = SectionResult()
    media = work / "hostile-media"
    media.mkdir(parents=True, exist_ok=True)
    table = Table(
        f"Hostile sources through serve: answer, CPU seconds and peak memory per request, "
        f"before (old engine, stopped at {BEFORE_TIMEOUT:.0f} CPU s) and after (serve "
        f"--workers {WORKERS} --generation-timeout {GENERATION_TIMEOUT:g}, other options "
        "default unless the source says)",
        [
            "source",
            "file KB",
            "asked",
            "before: CPU s",
            "before: outcome",
            "after: status",
            "after: answer",
            "after: CPU s/request",
            "after: render peak RSS MiB",
            "after: wall ms",
            "again: status",
            "again: CPU s/request",
            "again: wall ms",
        ],
    )
    worst: tuple[float, str] = (0.0, "")
    files: dict[str, list[Path]] = {}
    cases = hostiles()
    for hostile in cases:
        stem, dot, ext = hostile.name.rpartition(".")
        files[hostile.name] = [
            media / f"{stem}-{copy}{dot}{ext}" for copy in range(hostile.copies or COPIES)
        ]
        if hostile.fifo:
            continue  # made once serve runs: serve's start-up listing is not what is measured
        data = hostile.make()
        for path in files[hostile.name]:
            path.write_bytes(data)
    groups: dict[tuple[str, ...], list[Hostile]] = {}
    for hostile in cases:
        groups.setdefault(hostile.serve, []).append(hostile)
    idle: list[float] = []
    try:
        for index, (options, group) in enumerate(groups.items()):
            server = _start(media, work, options, index)
            peaks = RenderPeaks(server)
            try:
                idle.append(peaks.idle_mb())
                for hostile in group:
                    worst = max(
                        worst, _measure(hostile, files[hostile.name], server, peaks, table, log)
                    )
            finally:
                peaks.stop()
                server.stop()
    finally:
        shutil.rmtree(media, ignore_errors=True)
    table.notes += [
        "before: bench/sections/scripts/hostile_before.py in a process of its own: what the "
        "engine did before MAX_SOURCE_SCANS/MAX_SOURCE_FRAMES and the render pool "
        "(Pillow's Image.open, Pillow's n_frames for an animated source, then the render "
        "with every format allowed); its own CPU (getrusage), interpreter start-up left "
        "out; '> N': stopped by RLIMIT_CPU at N s of CPU, unfinished; 'not measured': a "
        "source added after the old engine was gone from the bench.",
        f"after: each source in {COPIES} copies under different names (1 for the long "
        "animations and the deadline case), each asked once, one request at a time, at the "
        "size and format in 'asked'; CPU = the change in the whole serve tree's CPU (master, "
        "workers, pool supervisor, render processes, reaped ones included) across the "
        "request, per request, 10 ms ticks. 'two ... at once': both copies asked at the same "
        "time, CPU = the tree's total / 2.",
        "answer: the status, then the one line of the error body, or for a 200 what Pillow "
        "reads from the thumbnail (format, size, frames).",
        "render peak RSS: VmHWM of the render processes (/proc/PID/status), each reset "
        "through /proc/PID/clear_refs before the request and read every "
        f"{SAMPLE_SECONDS * 1000:.0f} ms while it runs; the largest one (the process that "
        "did the work), or both for two at once. A process killed at its deadline or limit "
        "is counted up to its last sample. An idle render process holds "
        f"{max(idle, default=0.0):.0f} MiB (Python, Pillow, shared pages included). "
        "RENDER_MEMORY_LIMIT bounds address space (RLIMIT_AS), which is larger than RSS.",
        "again: the same files at 300x300 (same format), only for sources that were not "
        "served: a refused source answers from the failure memory; a timed-out render is "
        "remembered per thumbnail, so another size is rendered.",
        "serve has no option to allow TIFF or BMP (SOURCE_FORMATS is a Django setting), so "
        "through serve those are refused as unsupported formats; the 'opted in' rows give "
        "the engine with TIFF and BMP allowed, through a pool of one render process.",
        f"The GIF has {GIF_FRAMES:,} frames so that it stays under MAX_SOURCE_BYTES (50 MB) "
        "and the frame count is what refuses it.",
        "The FIFO is made in the media folder after serve started; the start-up listing "
        "is not measured here.",
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


def _measure(
    hostile: Hostile,
    copies: list[Path],
    server: Server,
    peaks: RenderPeaks,
    table: Table,
    log: Callable[[str], None],
) -> tuple[float, str]:
    """One row (two for an opted-in format); the worst CPU per request it cost."""
    if hostile.fifo:
        for path in copies:
            os.mkfifo(path)
    if hostile.before:
        before_cpu, before_outcome = _before(copies[0])
    else:
        before_cpu, before_outcome = "not measured", ""
    urls = [_url(server.base, p.name, hostile.size, hostile.ext) for p in copies]
    first = _cost(server, peaks, urls, at_once=hostile.at_once)
    status, what = _summary(first)
    row = [
        hostile.label,
        "fifo" if hostile.fifo else _kb(copies[0].stat().st_size),
        hostile.asked,
        before_cpu,
        before_outcome,
        status,
        what,
        f"{first.cpu:.2f}",
        " / ".join(f"{mb:.0f}" for mb in first.peaks_mb),
        f"{max(answer.wall for answer in first.answers) * 1000:.0f}",
    ]
    worst = (first.cpu, hostile.label)
    if all(answer.status == 200 for answer in first.answers):
        row += ["", "", ""]
    else:
        again_urls = [_url(server.base, p.name, "300x300", hostile.ext) for p in copies]
        again = _cost(server, peaks, again_urls, at_once=False)
        row += [
            _summary(again)[0],
            f"{again.cpu:.2f}",
            f"{max(answer.wall for answer in again.answers) * 1000:.0f}",
        ]
        worst = max(worst, (again.cpu, hostile.label))
    table.rows.append(row)
    log(
        f"  hostile {hostile.label}: before {before_cpu} s ({before_outcome}); "
        f"after {row[5]} {row[6]!r} {row[7]} s {row[8]} MiB {row[9]} ms, "
        f"again {row[10]} {row[11]} s"
    )
    if hostile.opt_in:
        outcome, cpu, wall = _opted_in(copies)
        table.rows.append(
            [
                f"{hostile.label}, {copies[0].suffix[1:].upper()} opted in (render pool, no HTTP)",
                "",
                "200x200 crop .jpg",
                "",
                "",
                "",
                outcome,
                f"{cpu:.2f}",
                "",
                f"{wall * 1000:.0f}",
                "",
                "",
                "",
            ]
        )
    return worst
