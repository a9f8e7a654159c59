"""Picture page: 100 {% picture %}s (3 formats x 4 widths) vs sorl-thumbnail's 100 <img>s.

Both pages are rendered by scripts/page_driver.py's measuring code in their own venvs,
taking turns round after round; the ratio is of warm medians from the same run.
"""

import sys
from collections.abc import Callable
from pathlib import Path

from ..peers import Peer
from ..results import SectionResult, Table, Target, median, ms, ratio, run_json_script
from .pages import DRIVER

PICTURE_DRIVER = Path(__file__).resolve().parent / "scripts" / "picture_driver.py"
ROUNDS = 3
WARM_REPS = 20
LABELS = {
    "picture": "restthumbnails, 100 <picture>s: 1,200 candidate URLs + 100 <img> src",
    "sorl": "sorl-thumbnail 13.4, 100 single <img> thumbnails",
}


def _drive(python: str, driver: Path, lib: str, sources: Path, work: Path) -> dict:
    return run_json_script(
        [python, str(driver), lib, str(sources), str(work), str(WARM_REPS)],
        what=f"page render with {lib}",
        timeout=600,
    )


def run(
    peers: dict[str, Peer], sources: Path, work: Path, log: Callable[[str], None]
) -> SectionResult:
    sorl = str(peers["sorl"].python)
    runs: dict[str, list[dict]] = {"picture": [], "sorl": []}
    for _ in range(ROUNDS):
        runs["picture"].append(
            _drive(sys.executable, PICTURE_DRIVER, "picture", sources, work / "pictures")
        )
        runs["sorl"].append(_drive(sorl, DRIVER, "sorl", sources, work / "pictures"))
    summary = {
        lib: {
            "ms": median([s["warm"]["ms"] for s in samples]),
            **{k: max(s["warm"][k] for s in samples) for k in ("queries", "storage", "decodes")},
        }
        for lib, samples in runs.items()
    }
    for lib, values in summary.items():
        log(f"  warm page {lib}: {values['ms']:.1f} ms")
    table = Table(
        f"Warm page render: 100 <picture>s against 100 single thumbnails "
        f"(median of {ROUNDS} runs of {WARM_REPS} renders each)",
        ["page", "ms per page", "vs pictures", "DB queries", "storage calls", "images decoded"],
    )
    for lib, values in summary.items():
        table.rows.append(
            [
                LABELS[lib],
                ms(values["ms"]),
                ratio(values["ms"], summary["picture"]["ms"]),
                f"{values['queries']:.0f}",
                f"{values['storage']:.0f}",
                f"{values['decodes']:.0f}",
            ]
        )
    table.notes += [
        'Ours: {% picture name "400x300" "crop" "jpg" widths="320 640 960 1280" '
        'formats="avif webp" sizes=... %}, sources given as storage names (no source size).',
        "sorl-thumbnail: the page section's template, one 200x200 crop per source, on its "
        "default cached_db key-value store over the local-memory cache.",
    ]
    picture = summary["picture"]
    speedup = summary["sorl"]["ms"] / picture["ms"]
    return SectionResult(
        tables=[table],
        targets=[
            Target(
                "warm page of 100 pictures (1,200 URLs) vs sorl's 100 thumbnails",
                "faster, 0 queries, 0 storage calls",
                f"{speedup:.1f}x faster, {picture['queries']:.0f} queries, "
                f"{picture['storage']:.0f} storage calls",
                speedup > 1 and picture["queries"] == 0 and picture["storage"] == 0,
            )
        ],
    )
