"""The cost of the isolation itself: one miss through the render pool vs in this process.

No HTTP, no lock, no file written: a pool of one render process, and
`PoolRenderer.render(open(file, "rb"), spec)` (the source's descriptor handed
over, the thumbnail's bytes handed back) against `engine.render` on the same
open file, the same distinct sizes, rounds alternating. Once for a 12 MP JPEG and
once for a 2 MP one, where the hop weighs most against a short render.
"""

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from restthumbnails.core.spec import ThumbnailSpec, make_spec
from restthumbnails.render.engine import render
from restthumbnails.render.options import EngineOptions
from restthumbnails.render.pool.client import PoolProcess, PoolRenderer

from ..images import ENGINE_SOURCES, SMALL_JPEG, Source, write_source
from ..results import SectionResult, Table, Target, median, ms, percentile, ratio

SOURCES = (next(source for source in ENGINE_SOURCES if source.key == "jpeg12"), SMALL_JPEG)
ROUNDS = 5
PER_ROUND = 40
MEMORY_LIMIT = 2 * 1024**3
SMALL_GOAL = 1.1  # a single miss of a small JPEG, through the pool vs in-process


def _specs(source: Source) -> Iterator[list[ThumbnailSpec]]:
    """A list of new 200x200-ish crops for each round, used by both sides."""
    counter = itertools.count()
    while True:
        yield [
            make_spec(source.name, f"{200 + i % 100}x{200 + i // 100}", "crop", "jpg")
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


def _measure(renderer: PoolRenderer, path: Path, source: Source) -> dict[str, list[float]]:
    options = renderer.options

    def pooled(spec: ThumbnailSpec) -> bytes:
        with path.open("rb") as handle:
            return renderer.render(handle, spec)

    def inline(spec: ThumbnailSpec) -> bytes:
        with path.open("rb") as handle:
            return render(handle, spec, options)

    specs = _specs(source)
    warm = next(specs)[:5]
    _timed(pooled, warm)
    _timed(inline, warm)
    times: dict[str, list[float]] = {"pool": [], "inline": []}
    for _ in range(ROUNDS):
        sizes = next(specs)
        times["pool"] += _timed(pooled, sizes)
        times["inline"] += _timed(inline, sizes)
    return times


def run(media: Path, log: Callable[[str], None]) -> SectionResult:
    result = SectionResult()
    write_source(SMALL_JPEG, media)
    pool = PoolProcess.start(processes=1, queued=1, memory_limit=MEMORY_LIMIT)
    try:
        renderer = PoolRenderer(
            socket_path=pool.socket_path,
            engine="restthumbnails.render.engine.render",
            options=EngineOptions(),
            queue_timeout=10.0,
            generation_timeout=30.0,
        )
        measured = {source: _measure(renderer, media / source.name, source) for source in SOURCES}
    finally:
        pool.stop()
    table = Table(
        "Cost of the isolation: one miss (200x200 crop) through a render process vs in "
        f"this process, {ROUNDS} alternating rounds of {PER_ROUND}",
        ["source", "path", "median ms", "p90 ms", "vs in-process", "added ms"],
    )
    for source, times in measured.items():
        pool_ms, inline_ms = median(times["pool"]), median(times["inline"])
        table.rows += [
            [
                source.label,
                "engine.render in-process",
                ms(inline_ms),
                ms(percentile(times["inline"], 0.9)),
                "1.00x",
                "",
            ],
            [
                source.label,
                "PoolRenderer.render, pool of 1 render process",
                ms(pool_ms),
                ms(percentile(times["pool"], 0.9)),
                ratio(pool_ms, inline_ms),
                f"{pool_ms - inline_ms:+.2f}",
            ],
        ]
        log(f"  isolation {source.key}: pool {pool_ms:.1f} ms, in-process {inline_ms:.1f} ms")
        if source is SMALL_JPEG:
            result.targets.append(
                Target(
                    f"single miss of a small JPEG through the render pool vs in-process "
                    f"({source.label})",
                    f"<= {SMALL_GOAL}x",
                    ratio(pool_ms, inline_ms),
                    pool_ms <= SMALL_GOAL * inline_ms,
                )
            )
    table.notes += [
        "Both open the same file for each render; the pool side connects to the pool's Unix "
        "socket, waits for a free render process, hands it the descriptor, and reads the "
        "thumbnail back (what every miss under serve pays). No HTTP, lock or file writing: "
        "the miss-path table has those, the same on either side of the hop.",
        "added ms: difference of the medians; on a busy machine it can come out negative.",
    ]
    result.tables.append(table)
    return result
