"""Print the tables and write docs/benchmarks.md, keeping the load-test block as it is.

The block between <!-- load:start --> and <!-- load:end --> belongs to the
nginx load run (python -m bench.load_nginx); it is copied over unchanged, or created
empty when the file has none.
"""

import re
from pathlib import Path

from .results import SectionResult, Table, Target

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
LOAD_START, LOAD_END = "<!-- load:start -->", "<!-- load:end -->"
EMPTY_LOAD_BLOCK = f"{LOAD_START}\n_No load run recorded yet._\n{LOAD_END}"


def targets_table(targets: list[Target]) -> Table:
    table = Table("Targets", ["target", "goal", "measured", "met"])
    for target in targets:
        met = {True: "yes", False: "**no**", None: "not measured"}[target.met]
        table.rows.append([target.name, target.goal, target.measured, met])
    return table


def render_text(tables: list[Table]) -> str:
    parts = []
    for table in tables:
        parts.append(f"{table.title}\n{table.markdown()}")
    return "\n\n".join(parts)


def _load_block(existing: str) -> str:
    match = re.search(re.escape(LOAD_START) + r".*?" + re.escape(LOAD_END), existing, re.DOTALL)
    return match.group(0) if match else EMPTY_LOAD_BLOCK


def write_doc(
    *,
    machine: list[tuple[str, str]],
    command: str,
    started: str,
    seconds: float,
    results: list[SectionResult],
    failures: list[str],
    misses: dict[str, str],
    path: Path = DOC,
) -> None:
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    targets = [target for result in results for target in result.targets]
    lines = [
        "# Benchmarks",
        "",
        "Written by the benchmark suite itself; do not edit by hand (except the load-test "
        "block at the end, which its own run writes).",
        "",
        f"Command: `{command}` (builds the peers' venvs under `bench/.venvs/` on first use). "
        f"Run started {started}, took {seconds / 60:.1f} minutes.",
        "",
        "Method: every comparison is measured in the same run, the contenders taking turns "
        "round after round, each after a warm-up; figures are medians, and every ratio is "
        "against the baseline measured beside it. Source images are built in code "
        "(bench/images.py), so every run uses the same pixels.",
        "",
        "## Machine and versions",
        "",
        "| what | value |",
        "|---|---|",
        *[f"| {what} | {value} |" for what, value in machine],
        "",
        "## Targets",
        "",
        targets_table(targets).markdown(),
        "",
    ]
    missed = [t for t in targets if t.met is False]
    if missed:
        lines += ["Missed targets, by how much and why:", ""]
        for target in missed:
            why = target.why or misses.get(_kind(target.name), "")
            lines.append(f"- **{target.name}**: {target.measured} against {target.goal}. {why}")
        lines.append("")
    if failures:
        lines += ["Sections that failed in this run:", ""]
        lines += [f"- {failure}" for failure in failures]
        lines.append("")
    for result in results:
        for table in result.tables:
            lines += [f"## {table.title}", "", table.markdown(), ""]
            lines += [f"- {note}" for note in table.notes]
            if table.notes:
                lines.append("")
    lines += ["## Load test (nginx in front, many clients)", "", _load_block(existing), ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def _kind(name: str) -> str:
    return name.split(",")[0].split("(")[0].strip()
