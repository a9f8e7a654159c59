"""Engine: our engine vs naive Pillow vs pyvips thumbnail, each case in a fresh process.

Interleaved: for every case the implementations take turns, round after
round, so a slow moment of the machine hits all of them alike.
"""

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

from ..images import ENGINE_SOURCES
from ..peers import Peer
from ..results import SectionResult, Table, Target, mb, median, ms, ratio, run_json_script

CASES = (("200x200", "crop"), ("200x200", "scale"), ("200x200", "smart"), ("800x", "scale"))
ROUNDS = 2
BUDGET_MS = 700.0  # time per process, so slow formats get fewer repetitions
SRC = Path(__file__).resolve().parents[2] / "src"
CASE_SCRIPT = Path(__file__).resolve().parent / "scripts" / "engine_case.py"
TARGET_RATIO = 1.1


def implementations() -> list[str]:
    impls = ["ours", "naive", "pyvips"]
    if importlib.util.find_spec("restthumbnails.render.vips_engine") is not None:
        impls.insert(1, "ours-vips")
    return impls


def run_case(tools: Peer, impl: str, path: Path, size: str, method: str, reps: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return run_json_script(
        [str(tools.python), str(CASE_SCRIPT), impl, str(path), size, method, str(reps)],
        what=f"{impl} {path.name} {size} {method}",
        timeout=300,
        env=env,
    )


def run(tools: Peer, sources: dict[str, Path], log: Callable[[str], None]) -> SectionResult:
    impls = implementations()
    result = SectionResult()
    table = Table(
        "Engine: one thumbnail in-process (median ms; extra peak RSS in MB)",
        [
            "source",
            "case",
            *[f"{impl} ms" for impl in impls],
            "ours / naive",
            "ours / pyvips",
            *[f"{impl} MB" for impl in impls],
        ],
    )
    worst: dict[str, float] = {}
    for source in ENGINE_SOURCES:
        for size, method in CASES:
            times: dict[str, list[float]] = {impl: [] for impl in impls}
            peaks: dict[str, list[float]] = {impl: [] for impl in impls}
            for _ in range(ROUNDS):
                for impl in impls:
                    guess = median(times[impl]) if times[impl] else 150.0
                    reps = max(3, min(9, round(BUDGET_MS / guess)))
                    out = run_case(tools, impl, sources[source.key], size, method, reps)
                    times[impl] += out["times_ms"]
                    peaks[impl].append(out["extra_peak_mb"])
            med = {impl: median(times[impl]) for impl in impls}
            log(
                f"  engine {source.key} {size} {method}: "
                + ", ".join(f"{impl} {ms(med[impl])} ms" for impl in impls)
            )
            fastest_library = min(med["naive"], med["pyvips"])
            ours_best = min(med[impl] for impl in impls if impl.startswith("ours"))
            worst[source.label] = max(worst.get(source.label, 0.0), ours_best / fastest_library)
            result.facts[f"engine:{source.key}:{size}:{method}"] = med["ours"]
            table.rows.append(
                [
                    source.label,
                    f"{size} {method}",
                    *[ms(med[impl]) for impl in impls],
                    ratio(med["ours"], med["naive"]),
                    ratio(med["ours"], med["pyvips"]),
                    *[mb(median(peaks[impl])) for impl in impls],
                ]
            )
    table.notes += [
        "Output is a JPEG at quality 85 for every case and implementation, with the "
        "encoder settings ours picks for its size (render/engine.py: baseline, Huffman "
        "tables optimised up to 0.3 MP).",
        "naive: Image.open + full decode + exif_transpose + ImageOps.fit / resize (LANCZOS); "
        "its smart crop runs our entropy search on the full-size image.",
        "pyvips: Image.thumbnail_buffer (shrink-on-load, crop centre/entropy), operation "
        "cache off so each repetition does the work; libvips uses a thread per core.",
        "MB: peak RSS above the process's RSS just before the first render.",
    ]
    result.tables.append(table)
    for label, value in worst.items():
        best_impl = "best of ours / ours-vips" if "ours-vips" in impls else "ours"
        result.targets.append(
            Target(
                f"engine, {label}",
                f"<= {TARGET_RATIO}x the fastest library call",
                f"{value:.2f}x (worst case; {best_impl})",
                value <= TARGET_RATIO,
            )
        )
    return result
