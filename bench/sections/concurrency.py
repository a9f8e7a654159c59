"""Concurrent distinct misses: do N connections keep N cores busy, and at what memory?

`serve --workers <cores>` with its default host pool (one render process per
core), 2 and 4 connections, every request a size nobody asked for before.
The baseline is the in-process engine (one process, sequential: read the
file, render), measured in the same run, rounds alternating with the loads;
the target is `cores x` its rate.

A load of fast misses is wrk for SECONDS (little CPU per request). A fixed time
window undercounts misses that take hundreds of ms, though: up to one request
per connection is cut off at the end. Those loads are a fixed number of
distinct requests from Python threads instead (about SECONDS of work, at
least MIN_REQUESTS), and their rate is requests / time to the last answer.
After every load the render processes are left to finish what a cut-off
client abandoned before anything else is measured.

Beside each load, the peak of the summed PSS of the whole serve tree (master,
gunicorn workers, pool supervisor, render processes), sampled every 100 ms.
"""

import itertools
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from restthumbnails.core.spec import make_spec
from restthumbnails.core.urlbuilding import signed_thumbnail
from restthumbnails.render.engine import render
from restthumbnails.render.options import EngineOptions

from ..loadgen import fetch
from ..proctree import PeakPss, tree_pss_mb
from ..results import SectionResult, Table, Target, mb, median, ms, percentile, ratio
from ..servers import Server, start_ours
from ..wrkload import Load, run_python, run_wrk, wrk_binary

KEY = "bench-secret-key-not-for-production"
CONNECTIONS = (2, 4)
ROUNDS = 3
SECONDS = 5.0
# Paths written into wrk's list per second of load: far above any miss rate here.
PATHS_PER_SECOND = 200
# wrk's window is used when each connection completes this many requests in it,
# so cutting one off costs at most 2%.
WRK_MIN_PER_CONNECTION = 50
MIN_REQUESTS = 60  # the last few, when fewer than `cores` are left, leave a core idle
LOAD_CAP_SECONDS = 600.0
GOAL = 0.95


@dataclass(frozen=True)
class Case:
    label: str
    source: str
    method: str
    box: tuple[int, int]  # sizes vary from here up, one new size per request
    ext: str

    def sizes(self) -> Iterator[str]:
        width, height = self.box
        for index in itertools.count():
            yield f"{width + index % 100}x{height + index // 100}"


CASES = (
    Case("JPEG 12 MP -> 200x200 crop", "jpeg12.jpg", "crop", (200, 200), "jpg"),
    Case("JPEG 24 MP -> 200x200 crop", "jpeg24.jpg", "crop", (200, 200), "jpg"),
    Case("JPEG 12 MP -> 800x600 fit", "jpeg12.jpg", "scale", (800, 600), "jpg"),
    Case("PNG RGBA 12 MP -> 200x200 crop (PNG out)", "png12.png", "crop", (200, 200), "png"),
)


def _paths(case: Case, sizes: Iterator[str], count: int) -> list[str]:
    return [
        signed_thumbnail(
            make_spec(case.source, size, case.method, case.ext), key=KEY, base_url="/"
        ).url
        for size in itertools.islice(sizes, count)
    ]


def _in_process(media: Path, case: Case, sizes: Iterator[str], seconds: float) -> list[float]:
    """One process, one render after another: read the file, render; ms each."""
    options = EngineOptions()
    times = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        spec = make_spec(case.source, next(sizes), case.method, case.ext)
        render((media / case.source).read_bytes(), spec, options)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _load(
    server: Server,
    case: Case,
    sizes: Iterator[str],
    connections: int,
    per_render_ms: float,
    work: Path,
) -> Load:
    cores = os.cpu_count() or 1
    binary = wrk_binary()
    per_connection = SECONDS * 1000 / (per_render_ms * max(1, connections / cores))
    if binary and per_connection >= WRK_MIN_PER_CONNECTION:
        paths = _paths(case, sizes, int(SECONDS * PATHS_PER_SECOND) + 100)
        load = run_wrk(
            binary, server.base, paths, seconds=SECONDS, connections=connections, work=work
        )
    else:
        count = max(MIN_REQUESTS, round(SECONDS * cores * 1000 / per_render_ms))
        urls = [server.base + path for path in _paths(case, sizes, count)]
        load = run_python(iter(urls), seconds=LOAD_CAP_SECONDS, connections=connections)
    _wait_until_idle(server)
    return load


def _wait_until_idle(server: Server, timeout: float = 30.0) -> None:
    """Until the render processes use no CPU for 100 ms."""
    deadline = time.monotonic() + timeout
    before = _cpu_ticks(server.render_pids())
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = _cpu_ticks(server.render_pids())
        if now == before:
            return
        before = now


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def run(media: Path, work: Path, log: Callable[[str], None]) -> SectionResult:
    cores = os.cpu_count() or 1
    result = SectionResult()
    table = Table(
        f"Concurrent distinct misses: serve --workers {cores} (host pool of {cores} render "
        f"processes), {ROUNDS} alternating rounds of {SECONDS:.0f} s",
        [
            "case",
            "load",
            "req/s",
            f"vs {cores} x in-process",
            "p50 ms",
            "p99 ms",
            "errors",
            "peak PSS MB (whole tree)",
        ],
    )
    work.mkdir(parents=True, exist_ok=True)
    server = start_ours(media, work / "thumbnails", work, key=KEY, workers=cores, backend="django")
    worst: dict[int, tuple[float, str]] = {}
    try:
        idle = tree_pss_mb(server.process.pid)
        for case in CASES:
            http_sizes, local_sizes = case.sizes(), case.sizes()
            for path in _paths(case, http_sizes, 2 * cores):  # every render process warm
                status, _ = fetch(server.base + path)
                if status != 200:
                    raise RuntimeError(f"warm-up request answered {status}: {case.label}")
            per_render_ms = median(_in_process(media, case, local_sizes, 0.5))
            loads: dict[int, list[Load]] = {n: [] for n in CONNECTIONS}
            peaks: dict[int, float] = dict.fromkeys(CONNECTIONS, 0.0)
            local: list[float] = []
            for _ in range(ROUNDS):
                for connections in CONNECTIONS:
                    with PeakPss(server.process.pid) as peak:
                        loads[connections].append(
                            _load(server, case, http_sizes, connections, per_render_ms, work)
                        )
                    peaks[connections] = max(peaks[connections], peak.mb)
                local += _in_process(media, case, local_sizes, SECONDS / 2)
            local_rate = 1000 / median(local)
            for connections in CONNECTIONS:
                runs = loads[connections]
                rate = median([load.rate for load in runs])
                share = rate / (cores * local_rate)
                if connections not in worst or share < worst[connections][0]:
                    worst[connections] = (share, case.label)
                table.rows.append(
                    [
                        case.label,
                        f"{connections} connections",
                        f"{rate:.1f}",
                        ratio(rate, cores * local_rate),
                        ms(median([load.p50_ms for load in runs])),
                        ms(median([load.p99_ms for load in runs])),
                        str(sum(load.errors for load in runs)),
                        mb(peaks[connections]),
                    ]
                )
                log(
                    f"  concurrency {case.label}, {connections} connections: {rate:.1f} req/s "
                    f"= {share:.2f} x {cores} x in-process, peak PSS {peaks[connections]:.0f} MB"
                )
            table.rows.append(
                [
                    case.label,
                    "in-process engine, 1 process, sequential",
                    f"{local_rate:.1f}",
                    ratio(local_rate, cores * local_rate),
                    ms(median(local)),
                    ms(percentile(local, 0.99)),
                    "",
                    "",
                ]
            )
    finally:
        server.stop()
    for connections, (share, label) in worst.items():
        result.targets.append(
            Target(
                f"concurrent distinct misses vs cores x in-process engine ({connections} "
                "connections, worst case)",
                f">= {GOAL}x",
                f"{share:.2f}x ({label})",
                share >= GOAL,
            )
        )
    table.notes += [
        f"req/s: thumbnails answered 200 per second, median of the rounds; p50/p99: medians "
        f"of the rounds' percentiles. Load generator, on the same {cores} cores as the "
        f"server: wrk -t1 for {SECONDS:.0f} s when each connection completes at least "
        f"{WRK_MIN_PER_CONNECTION} requests in that window; otherwise (misses of hundreds "
        f"of ms, where cutting one off at the end would undercount) a fixed number of "
        f"distinct requests from Python threads (bench/loadgen.py, about 1 ms of CPU per "
        f"request), about {SECONDS:.0f} s of rendering and at least {MIN_REQUESTS}, rated "
        "as requests / time to the last answer. After each load the render processes "
        "finish what a cut-off client abandoned before the next measurement.",
        "Every request asks for a size no request asked for before: all are misses, each "
        "written to the thumbnail folder (django response backend: the bytes are sent too).",
        f"in-process: this benchmark's own process reads the file and renders, one after "
        f"another, the same sizes; the ratio column divides by {cores} x its rate.",
        f"Peak PSS: the largest sum over the whole serve tree (master, {cores} gunicorn "
        f"workers, the pool supervisor, {cores} render processes) of /proc/<pid>/smaps_rollup "
        f"Pss, sampled every 100 ms during each load; the idle tree before any request: "
        f"{idle:.0f} MB.",
    ]
    result.tables.append(table)
    return result
