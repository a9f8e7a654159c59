"""What a section hands back: tables for the report and targets checked against them."""

import json
import statistics
import subprocess
from dataclasses import dataclass, field


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [
            "| " + " | ".join(self.columns) + " |",
            "|" + "|".join("---" for _ in self.columns) + "|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


@dataclass
class Target:
    name: str
    goal: str
    measured: str
    met: bool | None  # None: could not be measured in this run
    why: str = ""


@dataclass
class SectionResult:
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    facts: dict[str, float] = field(default_factory=dict)  # read by later sections


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: a latency that some request really had."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def ms(value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def ratio(value: float, baseline: float) -> str:
    if not baseline or value != value or baseline != baseline:
        return "n/a"
    return f"{value / baseline:.2f}x"


def mb(value: float) -> str:
    return "n/a" if value != value else f"{value:.0f}"


def run_json_script(
    argv: list[str], *, what: str, timeout: float, env: dict[str, str] | None = None
) -> dict:
    """Run a measuring script in its own process; its last stdout line is a JSON result."""
    done = subprocess.run(
        argv, capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed: {done.stderr.strip()[-600:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
