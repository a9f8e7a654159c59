"""Miss path over HTTP: our serve vs thumbor, one process each, distinct thumbnails.

Both read the same files from the same folder; thumbor has no result storage,
we write every thumbnail (that is our job). Rounds alternate between the two
servers and the same work done in-process, so all three share the machine's
good and bad moments.
"""

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from restthumbnails.core.spec import make_spec
from restthumbnails.core.urlbuilding import signed_thumbnail
from restthumbnails.render.engine import render
from restthumbnails.render.options import EngineOptions

from ..images import BIG_JPEG
from ..loadgen import LoadResult, fetch, run_load
from ..peers import Peer
from ..results import SectionResult, Table, Target, mb, median, ms, percentile, ratio
from ..servers import Server, peak_rss_mb, start_ours, start_thumbor

KEY = "bench-secret-key-not-for-production"
CASES = (("jpeg12.jpg", "crop"), ("jpeg12.jpg", "smart"))
ROUNDS = 3
SECONDS = 4.0
CONCURRENCY = 2
WORKERS = 1


def _sizes() -> Iterator[str]:
    """Distinct sizes near 200x200, so every request is a miss of the same cost."""
    for index in itertools.count():
        yield f"{200 + index % 100}x{200 + index // 100}"


def ours_urls(server: Server, name: str, method: str, sizes: Iterator[str]) -> Iterator[str]:
    for size in sizes:
        spec = make_spec(name, size, method, "jpg")
        yield signed_thumbnail(spec, key=KEY, base_url=server.base + "/").url


def thumbor_urls(server: Server, name: str, method: str, sizes: Iterator[str]) -> Iterator[str]:
    smart = "smart/" if method == "smart" else ""
    for size in sizes:
        yield f"{server.base}/unsafe/{size}/{smart}{name}"


def in_process(
    media: Path, name: str, method: str, sizes: Iterator[str], seconds: float
) -> list[float]:
    """The same work without HTTP: read the file, render, per distinct size."""
    options = EngineOptions()
    times = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        render((media / name).read_bytes(), make_spec(name, next(sizes), method, "jpg"), options)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _warm(urls: Iterator[str], count: int = 3) -> None:
    for _ in range(count):
        status, _ = fetch(next(urls))
        if status != 200:
            raise RuntimeError(f"warm-up request answered {status}")


def run(thumbor: Peer, media: Path, work: Path, log: Callable[[str], None]) -> SectionResult:
    result = SectionResult()
    table = Table(
        f"Miss path over HTTP: {WORKERS} process each, {CONCURRENCY} connections, "
        f"{ROUNDS} alternating rounds of {SECONDS:.0f} s",
        [
            "case",
            "server",
            "req/s",
            "vs thumbor",
            "ms per request",
            "p50 ms",
            "p99 ms",
            "errors",
            "peak RSS/process MB",
        ],
    )
    ours = start_ours(
        media,
        work / "miss-thumbnails",
        work / "ours-miss",
        key=KEY,
        workers=WORKERS,
        backend="django",
        # One render process, as thumbor has one process: serve's host pool
        # otherwise starts one render process per core.
        extra=("--max-concurrent", str(WORKERS)),
    )
    other = start_thumbor(thumbor, media, work, processes=WORKERS)
    try:
        sizes = {"ours": _sizes(), "thumbor": _sizes(), "in-process": _sizes()}
        for name, method in CASES:
            urls = {
                "ours": ours_urls(ours, name, method, sizes["ours"]),
                "thumbor": thumbor_urls(other, name, method, sizes["thumbor"]),
            }
            for stream in urls.values():
                _warm(stream)
            in_process(media, name, method, sizes["in-process"], 0.5)  # warm-up
            loads: dict[str, list[LoadResult]] = {"ours": [], "thumbor": []}
            local: list[float] = []
            for _ in range(ROUNDS):
                for server in ("ours", "thumbor"):
                    loads[server].append(
                        run_load(urls[server], seconds=SECONDS, concurrency=CONCURRENCY)
                    )
                local += in_process(media, name, method, sizes["in-process"], SECONDS / 2)
            rates = {
                server: median([load.rate for load in runs]) for server, runs in loads.items()
            }
            rss = {
                "ours": max(peak_rss_mb(pid) for pid in _ours_pids(ours)),
                "thumbor": max(peak_rss_mb(pid) for pid in other.worker_pids()),
            }
            for server, runs in loads.items():
                latencies = [value for load in runs for value in load.latencies_ms]
                table.rows.append(
                    [
                        f"JPEG 12 MP 200x200 {method}",
                        "restthumbnails" if server == "ours" else "thumbor 7.8",
                        f"{rates[server]:.1f}",
                        ratio(rates[server], rates["thumbor"]),
                        ms(1000 / rates[server] if rates[server] else float("nan")),
                        ms(percentile(latencies, 0.5)),
                        ms(percentile(latencies, 0.99)),
                        str(sum(load.errors for load in runs)),
                        mb(rss[server]),
                    ]
                )
            local_ms = median(local)
            table.rows.append(
                [
                    f"JPEG 12 MP 200x200 {method}",
                    "in-process engine (no HTTP)",
                    f"{1000 / local_ms:.1f}",
                    ratio(1000 / local_ms, rates["thumbor"]),
                    ms(local_ms),
                    "",
                    "",
                    "",
                    "",
                ]
            )
            log(
                f"  miss {method}: ours {rates['ours']:.1f} req/s, thumbor "
                f"{rates['thumbor']:.1f} req/s, in-process {local_ms:.1f} ms"
            )
            speedup = rates["ours"] / rates["thumbor"] if rates["thumbor"] else float("nan")
            result.targets.append(
                Target(
                    f"miss path req/s vs thumbor ({method})",
                    ">= 5x",
                    f"{speedup:.2f}x",
                    speedup >= 5,
                )
            )
            overhead = (1000 / rates["ours"]) / local_ms if rates["ours"] else float("nan")
            result.targets.append(
                Target(
                    f"miss path time vs in-process engine ({method})",
                    "<= 1.3x",
                    f"{overhead:.2f}x",
                    overhead <= 1.3,
                )
            )
        result.tables.append(table)
        result.tables.append(_big_source(ours, other, result))
    finally:
        ours.stop()
        other.stop()
    table.notes += [
        "ms per request = 1 / req/s: the worker's time per thumbnail, HTTP and file "
        "writing included; in-process = read the file + render, same sizes.",
        "Every request asks for a size no request asked for before (200..299 x 200..): "
        "all are misses. thumbor: file loader, no storage, no result storage, PIL engine.",
        f"Ours: serve --workers {WORKERS} --max-concurrent {WORKERS}, i.e. {WORKERS} gunicorn "
        f"worker handing each miss to {WORKERS} render process (the host pool); thumbor: "
        f"--processes {WORKERS}. Peak RSS/process: the largest VmHWM among our worker and "
        "render process, thumbor's one process. Our worker's HTTP work and file writing for "
        "one request can overlap the render of the other connection's request in the render "
        "process, so ours can beat 1 / in-process ms.",
    ]
    return result


def _ours_pids(server: Server) -> list[int]:
    """Where our memory goes: the gunicorn worker and the render process it hands work to."""
    return server.worker_pids() + server.render_pids()


def _big_source(ours: Server, other: Server, result: SectionResult) -> Table:
    """One 50 MP JPEG through each server, then each worker's peak resident memory."""
    table = Table(
        f"Peak RSS per process after a {BIG_JPEG.label} source (200x200 crop)",
        ["server", "status", "ms", "peak RSS/process MB"],
    )
    for server, base_url in (
        (ours, next(ours_urls(ours, BIG_JPEG.name, "crop", iter(["200x200"])))),
        (other, next(thumbor_urls(other, BIG_JPEG.name, "crop", iter(["200x200"])))),
    ):
        started = time.perf_counter()
        status, _ = fetch(base_url)
        elapsed = (time.perf_counter() - started) * 1000
        pids = _ours_pids(ours) if server is ours else server.worker_pids()
        peak = max(peak_rss_mb(pid) for pid in pids)
        label = "restthumbnails" if server is ours else "thumbor 7.8"
        table.rows.append([label, str(status), ms(elapsed), mb(peak)])
        if server is ours:
            result.targets.append(
                Target(
                    "peak RSS per process, 50 MP JPEG source",
                    "<= 64 MB",
                    f"{peak:.0f} MB",
                    peak <= 64 and status == 200,
                )
            )
    return table
