"""Progress as the tools people know show it.

On a terminal: one line redrawn in place (`\\r`), with a bar, the rate and the
time left when the total is known. Anywhere else (a log file, a CI job, cron
mail): a plain line every `interval` seconds, never a carriage return. Lines
printed meanwhile (a refused thumbnail) go above the bar.
"""

import threading
import time
from collections.abc import Callable
from typing import Protocol, TextIO

BAR_WIDTH = 24
REDRAW_SECONDS = 0.1  # at most ten redraws a second: a fast loop must not spend its time here
LOG_INTERVAL = 10.0


class Stream(Protocol):
    def write(self, text: str, /) -> object: ...
    def flush(self) -> None: ...
    def isatty(self) -> bool: ...


def duration(seconds: float) -> str:
    """0:07, 12:05, 3:02:45."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def rate(count: float, seconds: float) -> str:
    per_second = count / seconds if seconds > 0 else 0.0
    return f"{per_second:.1f}/s" if per_second < 1000 else f"{per_second / 1000:.1f}k/s"


class Progress:
    """Thread-safe: worker threads call `advance` and `note`."""

    def __init__(
        self,
        stream: Stream | TextIO,
        *,
        label: str,
        total: int | None = None,
        enabled: bool = True,
        interval: float | None = None,
        detail: Callable[[], str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._label = label
        self.total = total
        self._enabled = enabled
        self._tty = enabled and stream.isatty()
        self._interval = LOG_INTERVAL if interval is None else interval
        self._detail = detail
        self._clock = clock
        self._lock = threading.Lock()
        self.done = 0
        self._started = clock()
        self._last_draw = float("-inf")
        self._last_log = self._started
        self._drawn = False

    @property
    def elapsed(self) -> float:
        return self._clock() - self._started

    def advance(self, count: int = 1) -> None:
        with self._lock:
            self.done += count
            now = self._clock()
            if self._tty and now - self._last_draw >= REDRAW_SECONDS:
                self._draw(now)
            elif self._enabled and not self._tty and now - self._last_log >= self._interval:
                self._last_log = now
                self._stream.write(f"{self._label}: {self._status(now)}\n")
                self._stream.flush()

    def note(self, line: str, stream: Stream | TextIO | None = None) -> None:
        """A line of its own (on `stream`, by default the progress's), above the bar."""
        with self._lock:
            if self._drawn:
                self._stream.write("\r\x1b[K")
                self._stream.flush()
            target = stream or self._stream
            target.write(line + "\n")
            target.flush()
            if self._drawn:
                self._draw(self._clock())

    def close(self) -> None:
        """Draw the final state once and end the bar's line."""
        with self._lock:
            if self._tty:
                self._draw(self._clock())
                self._stream.write("\n")
                self._stream.flush()
                self._drawn = False

    def _draw(self, now: float) -> None:
        self._last_draw = now
        self._drawn = True
        self._stream.write(f"\r\x1b[K{self._label} {self._bar()}{self._status(now)}")
        self._stream.flush()

    def _bar(self) -> str:
        if not self.total:
            return ""
        filled = min(BAR_WIDTH, BAR_WIDTH * self.done // self.total)
        return "[" + "#" * filled + "-" * (BAR_WIDTH - filled) + "] "

    def _status(self, now: float) -> str:
        elapsed = now - self._started
        if self.total:
            percent = min(100, 100 * self.done // self.total)
            text = f"{self.done}/{self.total} ({percent}%), {rate(self.done, elapsed)}"
            if 0 < self.done < self.total and elapsed > 0:
                left = (self.total - self.done) * elapsed / self.done
                text += f", {duration(left)} left"
        else:
            text = f"{self.done}, {rate(self.done, elapsed)}"
        if self._detail is not None:
            text += f", {self._detail()}"
        return text
