"""Byte counts in the lifecycle commands: a listed file's size, and how a total is printed."""

from .listing import Entry


def size_or_zero(entry: Entry) -> int:
    """The listed file's size, or 0 when it vanished since it was listed (another
    process cleaned it) or its storage cannot tell: a count never stops a walk."""
    try:
        return entry.size
    except (OSError, NotImplementedError):
        return 0


def human_bytes(count: float) -> str:
    """512 B, 1.5 kB, 20.3 MB, 4.0 GB (powers of 1000, as `du --si` prints them)."""
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")
