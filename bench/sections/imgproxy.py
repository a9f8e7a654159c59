"""Miss path against imgproxy: req/s, p99 and peak PSS of each side's whole process tree.

Ours: `serve` with one HTTP worker per four cores (at least one: its default behind
a proxy, which would send the hits) and its host pool (one render process per
core), every thumbnail written to the thumbnail folder and its bytes sent by the
django backend, as imgproxy sends them. imgproxy 3.x: one Go
process with IMGPROXY_WORKERS=<cores>, reading the same files through its
local-filesystem transport; it stores nothing. Both sides get 2 and 4
connections, every request a size no request asked for before, and the two
servers take turns round after round.

imgproxy is never built by this suite and none of its code lives here: the
section runs against a binary found through IMGPROXY_BIN, or at
bench/.peers/imgproxy/imgproxy (ignored by git), and is skipped with the
reason otherwise.
"""

import itertools
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image

from restthumbnails.core.spec import make_spec
from restthumbnails.core.urlbuilding import signed_thumbnail
from restthumbnails.render.options import EngineOptions
from restthumbnails.server.commands.serve import default_workers

from ..loadgen import fetch
from ..peers import imgproxy_binary
from ..proctree import PeakPss, tree_cpu_seconds, tree_pss_mb
from ..results import SectionResult, Table, Target, mb, median, ms, ratio
from ..servers import HOST, Server, free_port, spawn, start_ours
from ..wrkload import Load, run_python, run_wrk, wrk_binary

KEY = "bench-secret-key-not-for-production"
CONNECTIONS = (2, 4)
ROUNDS = 3
SECONDS = 4.0
PATHS_PER_SECOND = 200  # paths written into wrk's list per second: far above any miss rate
# wrk's fixed window only when each connection completes this many requests in
# it (cutting one off at the end then costs at most 2%); otherwise a fixed
# number of distinct requests, rated as requests / time to the last answer.
WRK_MIN_PER_CONNECTION = 50
MIN_REQUESTS = 16  # 4 waves of 4 connections: slow PNG misses keep a load near SECONDS
LOAD_CAP_SECONDS = 600.0
SPEED_GOAL = 1.0
SKIP_REASON = (
    "imgproxy not built here: set IMGPROXY_BIN to an imgproxy 3.x binary "
    "(or place one at bench/.peers/imgproxy/imgproxy)"
)


@dataclass(frozen=True)
class Case:
    label: str
    source: str
    method: str  # ours
    resize: str  # imgproxy's resizing type
    box: tuple[int, int]  # sizes vary from here up, one new size per request
    ext: str

    def sizes(self) -> Iterator[tuple[int, int]]:
        width, height = self.box
        for index in itertools.count():
            yield width + index % 100, height + index // 100


CASES = (
    Case("JPEG 12 MP -> 200x200 fill", "jpeg12.jpg", "crop", "fill", (200, 200), "jpg"),
    Case("JPEG 24 MP -> 200x200 fill", "jpeg24.jpg", "crop", "fill", (200, 200), "jpg"),
    Case("JPEG 12 MP -> 800x800 fit", "jpeg12.jpg", "scale", "fit", (800, 800), "jpg"),
    Case(
        "PNG RGBA 12 MP -> 200x200 fill (PNG out)", "png12.png", "crop", "fill", (200, 200), "png"
    ),
)
SIDES = ("ours", "imgproxy")


def ours_paths(case: Case, sizes: Iterator[tuple[int, int]], count: int) -> list[str]:
    return [
        signed_thumbnail(
            make_spec(case.source, f"{width}x{height}", case.method, case.ext),
            key=KEY,
            base_url="/",
        ).url
        for width, height in itertools.islice(sizes, count)
    ]


def imgproxy_paths(case: Case, sizes: Iterator[tuple[int, int]], count: int) -> list[str]:
    # "unsafe" in place of a signature: the server runs with no key, on loopback.
    return [
        f"/unsafe/rs:{case.resize}:{width}:{height}/plain/local:///{case.source}@{case.ext}"
        for width, height in itertools.islice(sizes, count)
    ]


PATHS = {"ours": ours_paths, "imgproxy": imgproxy_paths}


def imgproxy_version(binary: Path) -> str:
    done = subprocess.run(
        [str(binary), "version"], capture_output=True, text=True, timeout=30, check=False
    )
    return done.stdout.strip() or "unknown"


def start_imgproxy(binary: Path, media: Path, work: Path, *, workers: int) -> Server:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "IMGPROXY_BIND": f"{HOST}:{port}",
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(media),
        "IMGPROXY_WORKERS": str(workers),
        # Our default quality, so both sides encode the same JPEG quality.
        "IMGPROXY_QUALITY": str(EngineOptions().quality),
        "IMGPROXY_LOG_LEVEL": "error",
        # Its default refuses sources over 16.8 MP; ours takes the 24 MP case.
        "IMGPROXY_MAX_SRC_RESOLUTION": "60",
    }
    return spawn("imgproxy", [str(binary)], work / "imgproxy.log", port, env)


def _wait_until_idle(server: Server, timeout: float = 30.0) -> None:
    """Until the server's tree uses no CPU for 100 ms: work a cut-off client left is done."""
    deadline = time.monotonic() + timeout
    before = tree_cpu_seconds(server.process.pid)
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = tree_cpu_seconds(server.process.pid)
        if now == before:
            return
        before = now


@dataclass(frozen=True)
class Measured:
    load: Load
    cpu_seconds: float  # the whole tree's, from the load's start until it is idle again


def _load(
    side: str,
    server: Server,
    case: Case,
    sizes: Iterator[tuple[int, int]],
    connections: int,
    use_wrk: bool,
    count: int,
    work: Path,
) -> Measured:
    binary = wrk_binary()
    cpu_before = tree_cpu_seconds(server.process.pid)
    if use_wrk and binary:
        paths = PATHS[side](case, sizes, int(SECONDS * PATHS_PER_SECOND) + 100)
        load = run_wrk(
            binary, server.base, paths, seconds=SECONDS, connections=connections, work=work
        )
    else:
        urls = [server.base + path for path in PATHS[side](case, sizes, count)]
        load = run_python(iter(urls), seconds=LOAD_CAP_SECONDS, connections=connections)
    _wait_until_idle(server)
    return Measured(load, tree_cpu_seconds(server.process.pid) - cpu_before)


def _cpu_ms_per_answer(runs: list[Measured]) -> float:
    answered = sum(run.load.answered for run in runs)
    return sum(run.cpu_seconds for run in runs) * 1000 / answered if answered else float("nan")


def _warm(side: str, server: Server, case: Case, sizes: Iterator[tuple[int, int]]) -> tuple:
    """A few requests, one at a time: (median ms, bytes and pixel size of the first)."""
    times, first = [], None
    for path in PATHS[side](case, sizes, 4):
        started = time.perf_counter()
        status, body = fetch(server.base + path)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{side} answered {status} to {path} ({case.label})")
        if first is None:
            with Image.open(BytesIO(body)) as image:
                first = (len(body), image.size, image.format)
    return median(times[1:]), first


def skipped(reason: str) -> SectionResult:
    table = Table("Miss path against imgproxy: skipped", ["reason"], [[reason]])
    targets = [
        Target(name, goal, "n/a", None, reason)
        for name, goal in (
            ("miss req/s vs imgproxy (2 connections, worst case)", f">= {SPEED_GOAL}x"),
            ("miss req/s vs imgproxy (4 connections, worst case)", f">= {SPEED_GOAL}x"),
            ("peak PSS vs imgproxy (worst case)", "<= 1.0x"),
        )
    ]
    return SectionResult(tables=[table], targets=targets)


def run(media: Path, work: Path, log: Callable[[str], None]) -> SectionResult:
    binary = imgproxy_binary()
    if binary is None:
        log(f"  {SKIP_REASON}")
        return skipped(SKIP_REASON)
    version = imgproxy_version(binary)
    cores = os.cpu_count() or 1
    result = SectionResult()
    table = Table(
        f"Miss path against imgproxy {version}: {cores} render processes or workers each, "
        f"distinct sizes, "
        f"{ROUNDS} alternating rounds of about {SECONDS:.0f} s",
        [
            "case",
            "load",
            "server",
            "req/s",
            "vs imgproxy",
            "p99 ms",
            "errors",
            "CPU ms per answer (whole tree)",
            "CPU vs imgproxy",
            "peak PSS MB (whole tree)",
            "PSS vs imgproxy",
            "bytes (first size)",
        ],
    )
    work.mkdir(parents=True, exist_ok=True)
    # Misses only: the worker count serve gives them behind a proxy.
    http_workers = default_workers("nginx")
    load_before = os.getloadavg()[0]
    servers = {
        "ours": start_ours(
            media, work / "thumbnails", work, key=KEY, workers=http_workers, backend="django"
        ),
        "imgproxy": start_imgproxy(binary, media, work, workers=cores),
    }
    worst_speed: dict[int, tuple[float, str]] = {}
    worst_memory: tuple[float, str] = (0.0, "")
    try:
        idle = {side: tree_pss_mb(server.process.pid) for side, server in servers.items()}
        for case in CASES:
            sizes = {side: case.sizes() for side in SIDES}
            warm = {side: _warm(side, servers[side], case, sizes[side]) for side in SIDES}
            # The same load for both sides, sized on the faster one's sequential time.
            per_request_ms = min(value[0] for value in warm.values())
            loads: dict[tuple[str, int], list[Measured]] = {
                (side, n): [] for side in SIDES for n in CONNECTIONS
            }
            peaks: dict[tuple[str, int], float] = dict.fromkeys(loads, 0.0)
            plans = {}
            for connections in CONNECTIONS:
                per_connection = SECONDS * 1000 / (per_request_ms * max(1, connections / cores))
                count = max(MIN_REQUESTS, round(SECONDS * cores * 1000 / per_request_ms))
                plans[connections] = (per_connection >= WRK_MIN_PER_CONNECTION, count)
            for round_index in range(ROUNDS):
                # Alternate who goes first, so neither always follows the other's load.
                order = SIDES if round_index % 2 == 0 else SIDES[::-1]
                for connections in CONNECTIONS:
                    for side in order:
                        use_wrk, count = plans[connections]
                        with PeakPss(servers[side].process.pid) as peak:
                            loads[side, connections].append(
                                _load(
                                    side,
                                    servers[side],
                                    case,
                                    sizes[side],
                                    connections,
                                    use_wrk,
                                    count,
                                    work,
                                )
                            )
                        peaks[side, connections] = max(peaks[side, connections], peak.mb)
            for connections in CONNECTIONS:
                rates = {s: median([x.load.rate for x in loads[s, connections]]) for s in SIDES}
                cpu = {s: _cpu_ms_per_answer(loads[s, connections]) for s in SIDES}
                # Each round's two loads ran back to back: their ratio sees the same
                # background load, so the median of those ratios is steadier than the
                # ratio of the medians on a shared machine.
                speed = median(
                    [
                        mine.load.rate / theirs.load.rate if theirs.load.rate else float("nan")
                        for mine, theirs in zip(
                            loads["ours", connections], loads["imgproxy", connections], strict=True
                        )
                    ]
                )
                memory = peaks["ours", connections] / peaks["imgproxy", connections]
                if connections not in worst_speed or speed < worst_speed[connections][0]:
                    worst_speed[connections] = (speed, case.label)
                if memory > worst_memory[0]:
                    worst_memory = (memory, f"{case.label}, {connections} connections")
                for side in SIDES:
                    runs = loads[side, connections]
                    size, pixels, fmt = warm[side][1]
                    table.rows.append(
                        [
                            case.label,
                            f"{connections} connections",
                            "restthumbnails" if side == "ours" else f"imgproxy {version}",
                            f"{rates[side]:.1f}",
                            f"{speed:.2f}x" if side == "ours" else "1.00x",
                            ms(median([run.load.p99_ms for run in runs])),
                            str(sum(run.load.errors for run in runs)),
                            ms(cpu[side]),
                            ratio(cpu[side], cpu["imgproxy"]),
                            mb(peaks[side, connections]),
                            ratio(peaks[side, connections], peaks["imgproxy", connections]),
                            f"{size:,} ({fmt} {pixels[0]}x{pixels[1]})",
                        ]
                    )
                log(
                    f"  imgproxy {case.label}, {connections} connections: ours "
                    f"{rates['ours']:.1f} req/s, imgproxy {rates['imgproxy']:.1f} "
                    f"({speed:.2f}x); peak PSS {peaks['ours', connections]:.0f} MB vs "
                    f"{peaks['imgproxy', connections]:.0f} MB ({memory:.2f}x)"
                )
    finally:
        for server in servers.values():
            server.stop()
    load_after = os.getloadavg()[0]
    for connections, (speed, label) in sorted(worst_speed.items()):
        result.targets.append(
            Target(
                f"miss req/s vs imgproxy ({connections} connections, worst case)",
                f">= {SPEED_GOAL}x",
                f"{speed:.2f}x ({label})",
                speed >= SPEED_GOAL,
            )
        )
    result.targets.append(
        Target(
            "peak PSS vs imgproxy (worst case)",
            "<= 1.0x",
            f"{worst_memory[0]:.2f}x ({worst_memory[1]})",
            worst_memory[0] <= 1.0,
        )
    )
    table.notes += [
        f"Ours: serve --workers {http_workers} (its default behind a proxy, which would "
        f"send the hits; here every request is a miss), django response backend, its "
        f"host pool of {cores} "
        f"render processes; every miss is written to the thumbnail folder and sent. imgproxy: "
        f"one process, IMGPROXY_WORKERS={cores}, local filesystem transport, no cache or "
        f"storage of any kind, IMGPROXY_QUALITY={EngineOptions().quality} (ours), "
        "IMGPROXY_MAX_SRC_RESOLUTION=60 (its default, 16.8 MP, refuses the 24 MP case), URLs "
        "unsigned (no key configured; loopback only), e.g. "
        "/unsafe/rs:fill:200:200/plain/local:///jpeg12.jpg@jpg. Ours: signed URLs, "
        "crop for fill and scale for fit.",
        "Every request asks for a size no request asked for before (from the case's box "
        "up: width + i % 100, height + i // 100): all are misses on both sides.",
        f"req/s: answered 200 per second, median of the rounds; vs imgproxy: median over "
        f"the rounds of ours / imgproxy, the two loads of a round run back to back; p99: "
        f"median of the rounds' p99. Load generator on the same {cores} cores: wrk -t1 for "
        f"{SECONDS:.0f} s when "
        f"each connection completes at least {WRK_MIN_PER_CONNECTION} requests in that "
        f"window, otherwise a fixed number of distinct requests (about {SECONDS:.0f} s of "
        f"work, at least {MIN_REQUESTS}) from Python threads, rated as requests / time to "
        "the last answer; both sides always get the same kind and size of load. After each "
        "load the server is left to go idle before the next measurement. The servers take "
        "turns, who goes first alternating by round.",
        f"Peak PSS: the largest sum of /proc/<pid>/smaps_rollup Pss over each side's whole "
        f"process tree (ours: master, gunicorn workers, pool supervisor, render processes; "
        f"imgproxy: its one process), sampled every 100 ms during each load. Idle trees "
        f"before any request: ours {idle['ours']:.0f} MB, imgproxy {idle['imgproxy']:.0f} MB.",
        "CPU ms per answer: the CPU seconds (/proc/<pid>/stat utime + stime, children "
        "reaped included) of each side's whole tree from the start of each load until it "
        "is idle again, over all rounds, divided by the requests answered 200. A request "
        "a cut-off client abandoned at the end of a load is in the CPU, not in the "
        "answers (at most one per connection and load); ours finishes and stores it.",
        "bytes (first size): the answer to the first request of the case (200x200, or "
        "800x800 for fit), as sent.",
        f"imgproxy binary: {binary}. Load average (1 min) before the section "
        f"{load_before:.1f}, after {load_after:.1f}: with other work on the {cores} cores "
        "both sides slow down, the rates far more than the ratios.",
    ]
    result.tables.append(table)
    return result
