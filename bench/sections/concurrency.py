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
gunicorn workers, pool supervisor, render processes), sampled every 100 ms, and
the CPU each side of the tree and the load generator spent per thumbnail written:
what the cores had to do for each miss, against the in-process engine's own CPU.
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
from ..proctree import PeakPss, tree_cpu_seconds, tree_pss_mb
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


def _in_process(
    media: Path,
    case: Case,
    sizes: Iterator[str],
    seconds: float,
    cpu_ms: list[float] | None = None,
) -> list[float]:
    """One process, one render after another: read the file, render; ms each (and the
    CPU ms of each appended to `cpu_ms`)."""
    options = EngineOptions()
    times = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started, cpu_started = time.perf_counter(), time.thread_time()
        spec = make_spec(case.source, next(sizes), case.method, case.ext)
        render((media / case.source).read_bytes(), spec, options)
        times.append((time.perf_counter() - started) * 1000)
        if cpu_ms is not None:
            cpu_ms.append((time.thread_time() - cpu_started) * 1000)
    return times


@dataclass
class StageCpu:
    """CPU seconds each stage spent over some loads, and the thumbnails those loads
    wrote (those a cut-off client abandoned included: their CPU is in the sums too)."""

    render: float = 0.0  # the render pool: supervisor and render processes
    http: float = 0.0  # serve's master and its gunicorn workers
    generator: float = 0.0  # this process (load threads, PSS sampler) and wrk
    written: int = 0

    def add(self, before: "StageCpu", after: "StageCpu") -> None:
        self.render += after.render - before.render
        self.http += after.http - before.http
        self.generator += after.generator - before.generator
        self.written += after.written - before.written

    def per_miss_ms(self, seconds: float) -> float:
        return seconds * 1000 / self.written if self.written else 0.0


def _stage_cpu(server: Server, thumbnails: Path) -> StageCpu:
    """The CPU seconds each stage has spent so far; thumbnails in `thumbnails` so far.

    A render process that was replaced and reaped is in its supervisor's cutime.
    """
    render = sum(tree_cpu_seconds(pid) for pid in server.render_pool_pids())
    own = os.times()
    return StageCpu(
        render=render,
        http=tree_cpu_seconds(server.process.pid) - render,
        generator=own.user + own.system + own.children_user + own.children_system,
        written=_thumbnail_count(thumbnails),
    )


def _thumbnail_count(folder: Path) -> int:
    """Thumbnails under `folder`: the lock folder and temp files are hidden names."""
    count = 0
    for _, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        count += sum(not name.startswith(".") for name in files)
    return count


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


def _stage_row(
    label: str,
    connections: int,
    stage: StageCpu,
    *,
    engine_cpu_ms: float,
    rate: float,
    best_rate: float,
) -> list[str]:
    """CPU ms per thumbnail by stage; the rate those costs allow on fully busy cores,
    against `best_rate` (cores x in-process); how busy the cores were at `rate`."""
    cores = os.cpu_count() or 1
    render_ms = stage.per_miss_ms(stage.render)
    http_ms = stage.per_miss_ms(stage.http)
    generator_ms = stage.per_miss_ms(stage.generator)
    total = render_ms + http_ms + generator_ms
    ceiling = cores * 1000 / total if total else 0.0
    return [
        label,
        f"{connections} connections",
        ms(render_ms),
        ms(engine_cpu_ms),
        ms(http_ms),
        ms(generator_ms),
        ms(total),
        ratio(ceiling, best_rate),
        f"{rate / ceiling:.0%}" if ceiling else "",
    ]


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
    stages_table = Table(
        "CPU per miss by stage, over the same loads: what the cores did for each thumbnail "
        "written",
        [
            "case",
            "load",
            "render pool ms",
            "in-process engine ms",
            "serve master + workers ms",
            "load generator ms",
            "all ms",
            f"CPU-bound ceiling vs {cores} x in-process",
            "cores busy",
        ],
    )
    work.mkdir(parents=True, exist_ok=True)
    thumbnails = work / "thumbnails"
    server = start_ours(media, thumbnails, work, key=KEY, workers=cores, backend="django")
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
            stages = {n: StageCpu() for n in CONNECTIONS}
            local: list[float] = []
            local_cpu: list[float] = []
            for _ in range(ROUNDS):
                for connections in CONNECTIONS:
                    before = _stage_cpu(server, thumbnails / case.source)
                    with PeakPss(server.process.pid) as peak:
                        loads[connections].append(
                            _load(server, case, http_sizes, connections, per_render_ms, work)
                        )
                    stages[connections].add(before, _stage_cpu(server, thumbnails / case.source))
                    peaks[connections] = max(peaks[connections], peak.mb)
                local += _in_process(media, case, local_sizes, SECONDS / 2, local_cpu)
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
                stages_table.rows.append(
                    _stage_row(
                        case.label,
                        connections,
                        stages[connections],
                        engine_cpu_ms=median(local_cpu),
                        rate=rate,
                        best_rate=cores * local_rate,
                    )
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
    stages_table.notes += [
        "Per thumbnail written during the loads (each load's render processes are left to "
        "finish what a cut-off client abandoned, so every render counted is paid for): "
        "CPU seconds from /proc/<pid>/stat (utime + stime, and the cutime of a render "
        "process replaced after MAX_JOBS) of the render pool (supervisor and render "
        "processes) and of serve's master and gunicorn workers; the load generator is "
        "this benchmark's own process (its load threads or wrk, and the PSS sampler), on "
        "the same cores.",
        "in-process engine ms: CPU (thread time) of one render in this process, quiet "
        "cores, the same sizes; the baseline of the ratio in the table above.",
        f"CPU-bound ceiling: the rate these costs allow with all {cores} cores busy, "
        f"{cores} x 1000 / all ms, against {cores} x the in-process rate; cores busy: the "
        "measured rate against that ceiling. A ceiling under the target means the CPU "
        "each miss costs, not idle cores, holds the rate back.",
    ]
    result.tables.append(stages_table)
    return result
