"""Stats: how many thumbnails, and how many bytes, per size, method and format."""

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..core.spec import parse_path
from ..exceptions import InvalidSpec
from .layout import SourceFilter
from .listing import Entry
from .progress import Progress
from .sizes import human_bytes, size_or_zero

Kind = tuple[str, str, str]  # size, method, ext


@dataclass
class Stats:
    count: Counter[Kind] = field(default_factory=Counter)
    bytes: Counter[Kind] = field(default_factory=Counter)
    other_files: int = 0
    other_bytes: int = 0
    not_sources: int = 0  # thumbnails of names that are not sources (thumbnails of thumbnails)
    seconds: float = 0.0

    def table(self) -> str:
        rows = [("size", "method", "format", "thumbnails", "bytes")]
        # Largest first: what an operator looks at when the disk fills up.
        for kind in sorted(self.count, key=lambda k: (-self.bytes[k], k)):
            rows.append((*kind, str(self.count[kind]), human_bytes(self.bytes[kind])))
        rows.append(("total", "", "", str(self.count.total()), human_bytes(self.bytes.total())))
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = []
        for row in rows:
            left = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
            right = "  ".join(cell.rjust(widths[i + 3]) for i, cell in enumerate(row[3:]))
            lines.append(f"{left}  {right}".rstrip())
        if self.other_files:
            lines.append(
                f"({self.other_files} other files, {human_bytes(self.other_bytes)}, "
                "are not thumbnails)"
            )
        if self.not_sources:
            lines.append(
                f"({self.not_sources} of the thumbnails are of thumbnails or excluded "
                "folders, not of sources: clean --orphans removes them)"
            )
        return "\n".join(lines)


def collect(
    entries: Iterable[Entry],
    *,
    max_dimension: int,
    progress: Progress,
    not_sources: SourceFilter | None = None,
) -> Stats:
    stats = Stats()
    started = time.monotonic()
    for entry in entries:
        progress.advance()
        try:
            spec, _ = parse_path(entry.name, max_dimension=max_dimension)
        except InvalidSpec:
            stats.other_files += 1
            stats.other_bytes += size_or_zero(entry)
            continue
        kind = (spec.size, str(spec.method), spec.ext)
        stats.count[kind] += 1
        stats.bytes[kind] += size_or_zero(entry)
        if not_sources is not None and not_sources.excludes_name(spec.source):
            stats.not_sources += 1
    stats.seconds = time.monotonic() - started
    return stats
