"""The cost of the isolation itself: one miss through the render pool vs in this process.

No HTTP, no lock, no file written: a pool of one render process, and
`PoolRenderer.render(open(file, "rb"), spec)` (the source's descriptor handed
over, the thumbnail's bytes handed back) against `engine.render` on the same
open file, the same distinct sizes, rounds alternating.
"""

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from restthumbnails.core.spec import ThumbnailSpec, make_spec
from restthumbnails.render.engine import render
from restthumbnails.render.options import EngineOptions
from restthumbnails.render.pool.client import PoolProcess, PoolRenderer

from ..images import ENGINE_SOURCES
from ..results import SectionResult, Table, median, ms, percentile, ratio

SOURCE = next(source for source in ENGINE_SOURCES if source.key == "jpeg12")
ROUNDS = 5
PER_ROUND = 40
MEMORY_LIMIT = 2 * 1024**3


def _specs() -> Iterator[list[ThumbnailSpec]]:
    """A list of new 200x200-ish crops for each round, used by both sides."""
    counter = itertools.count()
    while True:
        yield [
            make_spec(SOURCE.name, f"{200 + i % 100}x{200 + i // 100}", "crop", "jpg")
            for i in itertools.islice(counter, PER_ROUND)
        ]


def _timed(
    render_one: Callable[[ThumbnailSpec], bytes], specs: list[ThumbnailSpec]
) -> list[float]:
    times = []
    for spec in specs:
        started = time.perf_counter()
        if not render_one(spec):
            raise RuntimeError(f"empty thumbnail for {spec}")
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(media: Path, log: Callable[[str], None]) -> SectionResult:
    result = SectionResult()
    path = media / SOURCE.name
    options = EngineOptions()
    pool = PoolProcess.start(processes=1, queued=1, memory_limit=MEMORY_LIMIT)
    try:
        renderer = PoolRenderer(
            socket_path=pool.socket_path,
            engine="restthumbnails.render.engine.render",
            options=options,
            queue_timeout=10.0,
            generation_timeout=30.0,
        )

        def pooled(spec: ThumbnailSpec) -> bytes:
            with path.open("rb") as source:
                return renderer.render(source, spec)

        def inline(spec: ThumbnailSpec) -> bytes:
            with path.open("rb") as source:
                return render(source, spec, options)

        specs = _specs()
        warm = next(specs)[:5]
        _timed(pooled, warm)
        _timed(inline, warm)
        times: dict[str, list[float]] = {"pool": [], "inline": []}
        for _ in range(ROUNDS):
            sizes = next(specs)
            times["pool"] += _timed(pooled, sizes)
            times["inline"] += _timed(inline, sizes)
    finally:
        pool.stop()
    pool_ms, inline_ms = median(times["pool"]), median(times["inline"])
    table = Table(
        f"Cost of the isolation: one {SOURCE.label} miss (200x200 crop) through a render "
        f"process vs in this process, {ROUNDS} alternating rounds of {PER_ROUND}",
        ["path", "median ms", "p90 ms", "vs in-process", "added ms"],
    )
    table.rows += [
        [
            "engine.render in-process",
            ms(inline_ms),
            ms(percentile(times["inline"], 0.9)),
            "1.00x",
            "",
        ],
        [
            "PoolRenderer.render, pool of 1 render process",
            ms(pool_ms),
            ms(percentile(times["pool"], 0.9)),
            ratio(pool_ms, inline_ms),
            f"{pool_ms - inline_ms:+.2f}",
        ],
    ]
    table.notes += [
        "Both open the same file for each render; the pool side connects to the pool's Unix "
        "socket, waits for a free render process, hands it the descriptor, and reads the "
        "thumbnail back (what every miss under serve pays). No HTTP, lock or file writing: "
        "the miss-path table has those.",
        "added ms: difference of the medians; on a busy machine it can come out negative.",
    ]
    log(f"  isolation: pool {pool_ms:.1f} ms, in-process {inline_ms:.1f} ms per miss")
    result.tables.append(table)
    return result
