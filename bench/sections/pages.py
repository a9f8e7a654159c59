"""Page render: a template with 100 thumbnails of 100 distinct sources, per library.

Each library runs in its own venv (ours in this one) via scripts/page_driver.py;
the runs alternate between libraries, and each run renders cold once and
warm several times.
"""

import sys
from collections.abc import Callable
from pathlib import Path

from ..peers import Peer
from ..results import SectionResult, Table, Target, median, ms, ratio, run_json_script

DRIVER = Path(__file__).resolve().parent / "scripts" / "page_driver.py"
ROUNDS = 2
WARM_REPS = 20
LABELS = {
    "floor": "template loop alone (no thumbnail tag)",
    "ours": "restthumbnails",
    "sorl": "sorl-thumbnail 13.4",
    "easy": "easy-thumbnails 2.10",
}


def _drive(python: str, lib: str, sources: Path, work: Path) -> dict:
    return run_json_script(
        [python, str(DRIVER), lib, str(sources), str(work), str(WARM_REPS)],
        what=f"page render with {lib}",
        timeout=600,
    )


def run(
    peers: dict[str, Peer], sources: Path, work: Path, log: Callable[[str], None]
) -> SectionResult:
    result = SectionResult()
    pythons = {
        "floor": sys.executable,
        "ours": sys.executable,
        "sorl": str(peers["sorl"].python),
        "easy": str(peers["easy"].python),
    }
    runs: dict[str, list[dict]] = {lib: [] for lib in pythons}
    for _ in range(ROUNDS):
        for lib, python in pythons.items():
            runs[lib].append(_drive(python, lib, sources, work / "pages"))
    summary = {}
    for lib, samples in runs.items():
        summary[lib] = {
            phase: {
                "ms": median([s[phase]["ms"] for s in samples]),
                **{
                    k: max(s[phase][k] for s in samples) for k in ("queries", "storage", "decodes")
                },
            }
            for phase in ("cold", "warm")
        }
        log(
            f"  page {lib}: cold {summary[lib]['cold']['ms']:.0f} ms, "
            f"warm {summary[lib]['warm']['ms']:.1f} ms"
        )
    table = Table(
        f"Page render: 100 thumbnails of 100 distinct 1024x768 JPEGs, one template "
        f"(cold: median of {ROUNDS} fresh runs; warm: median of {WARM_REPS} renders per run)",
        [
            "library",
            "phase",
            "ms per page",
            "vs ours",
            "DB queries",
            "storage calls",
            "images decoded",
        ],
    )
    for phase in ("cold", "warm"):
        for lib in pythons:
            values = summary[lib][phase]
            table.rows.append(
                [
                    LABELS[lib],
                    phase,
                    ms(values["ms"]),
                    ratio(values["ms"], summary["ours"][phase]["ms"]),
                    f"{values['queries']:.0f}",
                    f"{values['storage']:.0f}",
                    f"{values['decodes']:.0f}",
                ]
            )
    table.notes += [
        "Sources are given to every tag as storage names (strings); the default storage is "
        "a FileSystemStorage that counts the calls made on it (open, save, exists, url, ...).",
        "sorl-thumbnail: default cached_db key-value store on the local-memory cache "
        "(its most favourable cache); easy-thumbnails: its default database records.",
        "Database: SQLite in memory; queries counted with connection.execute_wrapper.",
    ]
    result.tables.append(table)
    warm = summary["ours"]["warm"]
    speedup = summary["sorl"]["warm"]["ms"] / warm["ms"]
    result.targets.append(
        Target(
            "warm 100-thumbnail page vs sorl-thumbnail",
            ">= 10x faster, 0 queries, 0 storage calls",
            f"{speedup:.1f}x faster, {warm['queries']:.0f} queries, "
            f"{warm['storage']:.0f} storage calls",
            speedup >= 10 and warm["queries"] == 0 and warm["storage"] == 0,
        )
    )
    cold = summary["ours"]["cold"]
    result.targets.append(
        Target(
            "cold page does no image work",
            "0 decodes, 0 storage calls",
            f"{cold['decodes']:.0f} decodes, {cold['storage']:.0f} storage calls, "
            f"{cold['queries']:.0f} queries",
            cold["decodes"] == 0 and cold["storage"] == 0 and cold["queries"] == 0,
        )
    )
    return result
