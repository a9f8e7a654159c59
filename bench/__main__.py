"""`make bench`: build the peers, make the sources, run every section, write the report.

    .venv/bin/python -m bench [--quick] [--only engine,miss,isolation,...] [--no-write]

Sections run one after another, never two at once (2 cores): a heavy
measurement beside another would measure the contention.
"""

import argparse
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from .explain import MISSES
from .images import BIG_JPEG, write_engine_sources, write_page_sources, write_source
from .machine import describe
from .peers import ensure_all
from .report import DOC, render_text, targets_table, write_doc
from .results import SectionResult
from .sections import (
    animation,
    bucket,
    cleanup,
    concurrency,
    engine,
    faces,
    fidelity,
    hit,
    hostile,
    imgproxy,
    isolation,
    jpeg_settings,
    miss,
    pages,
    pictures,
    warm,
)

SECTIONS = (
    "engine",
    "miss",
    "isolation",
    "concurrency",
    "hostile",
    "hit",
    "bucket",
    "pages",
    "pictures",
    "fidelity",
    "animation",
    "faces",
    "warm",
    "cleanup",
    "imgproxy",
    "jpeg-settings",
)
# Sections that need none of the peers' venvs (built on first use, minutes each).
NO_PEERS = {"imgproxy", "jpeg-settings"}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def quicken() -> None:
    """One short round each: a smoke test of the suite, not numbers to publish."""
    engine.ROUNDS = miss.ROUNDS = hit.ROUNDS = 1
    pages.ROUNDS = 1
    miss.SECONDS = 2.0
    isolation.ROUNDS = 2
    isolation.PER_ROUND = 10
    concurrency.ROUNDS = 1
    concurrency.SECONDS = 2.0
    hostile.COPIES = 1
    hostile.BEFORE_TIMEOUT = 30.0
    hostile.GIF_FRAMES = 500_000
    hostile.BIG_SCAN_BOMB = False
    hit.SECONDS = 1
    pages.WARM_REPS = 3
    pictures.ROUNDS, pictures.WARM_REPS = 1, 3
    warm.ROUNDS = 1
    cleanup.ROUNDS = 1
    engine.BUDGET_MS = 100.0
    imgproxy.ROUNDS, imgproxy.SECONDS = 1, 2.0
    jpeg_settings.REPEATS = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one short round of everything")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {DOC}")
    args = parser.parse_args(argv)
    chosen = [name for name in args.only.split(",") if name]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    if args.quick:
        quicken()
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    started = time.monotonic()
    need_peers = not args.no_write or any(name not in NO_PEERS for name in chosen)
    peers = ensure_all(log) if need_peers else {}
    results: list[SectionResult] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="restthumbnails-bench-") as temp:
        work = Path(temp)
        media = work / "media"
        log("making source images")
        sources = write_engine_sources(media)
        write_source(BIG_JPEG, media)
        write_page_sources(media)
        runners: dict[str, Callable[[], SectionResult]] = {
            "engine": lambda: engine.run(peers["tools"], sources, log),
            "miss": lambda: miss.run(peers["thumbor"], media, work, log),
            "isolation": lambda: isolation.run(media, log),
            "concurrency": lambda: concurrency.run(media, work / "concurrency", log),
            "hostile": lambda: hostile.run(work / "hostile", log),
            "hit": lambda: hit.run(
                media, sorted(f"page/{p.name}" for p in (media / "page").glob("*.jpg")), work, log
            ),
            "bucket": lambda: bucket.run(
                media, sorted(f"page/{p.name}" for p in (media / "page").glob("*.jpg")), work, log
            ),
            "pages": lambda: pages.run(peers, media / "page", work, log),
            "pictures": lambda: pictures.run(peers, media / "page", work, log),
            "fidelity": lambda: fidelity.run(peers["tools"], peers["thumbor"], media, work, log),
            "animation": lambda: animation.run(peers["thumbor"], media, work, log),
            "faces": lambda: faces.run(log),
            "warm": lambda: warm.run(peers, work, log),
            "cleanup": lambda: cleanup.run(work, log),
            "imgproxy": lambda: imgproxy.run(media, work / "imgproxy", log),
            "jpeg-settings": lambda: jpeg_settings.run(log),
        }
        for name in chosen:
            log(f"section {name} ({(time.monotonic() - started) / 60:.1f} min so far)")
            try:
                results.append(runners[name]())
            except Exception as exc:  # one broken section must not lose the others
                traceback.print_exc()
                failures.append(f"{name}: {type(exc).__name__}: {exc}")
    seconds = time.monotonic() - started
    tables = [table for result in results for table in result.tables]
    targets = [target for result in results for target in result.targets]
    print(render_text([*tables, targets_table(targets)]))
    print(
        f"\n{len(chosen)} sections in {seconds / 60:.1f} minutes"
        + (f"; failed: {'; '.join(failures)}" if failures else "")
    )
    if not args.no_write:
        write_doc(
            machine=describe(peers),
            command="make bench" + (" (--quick)" if args.quick else ""),
            started=started_at,
            seconds=seconds,
            results=results,
            failures=failures,
            misses=MISSES,
        )
        log(f"wrote {DOC}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
