"""Warm: render a set of thumbnails ahead of traffic, through the same use case as requests.

Every thumbnail goes through `ThumbnailService.ensure`, so warm takes the same
lock as a request, skips a thumbnail that exists (a rerun resumes where the
last one stopped) and writes atomically. The CPU work happens in the render
pool's `workers` processes, and on a local folder so does the write (each render
process encodes, fsyncs and renames the whole thumbnail; only its size comes
back). Threads call `ensure`, more of them than there are processes, because
each spends part of every thumbnail outside the pool (the lock and the existence
check; on a bucket, network round trips and the PUT) and a process must not sit
idle meanwhile.
"""

import dataclasses
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..conf import Settings, source_storage, thumbnail_storage
from ..core.logsafe import redact
from ..core.policy import Preset, check_allowed
from ..core.signing import sign
from ..core.spec import ThumbnailSpec, make_spec
from ..exceptions import InvalidSpec, LockUnavailable, Overloaded, ThumbnailError

if TYPE_CHECKING:  # the service imports the metrics, which `serve` sets up first
    from ..serving.service import ThumbnailService
from ..storage.access import local_path
from .progress import Progress, rate
from .sizes import human_bytes

# Warm is not a visitor waiting for an answer: it may queue for a render
# process much longer than a request would, and wait out another's lock.
WARM_QUEUE_SECONDS = 60.0
OVERLOAD_RETRIES = 5  # with 0.5 s, 1 s, ... between tries: 7.5 s in all
# Threads per render process. On disk a thread is outside the pool a fifth of
# the time; on a bucket, a HEAD, GET and PUT take longer than the render.
LOCAL_THREADS_PER_PROCESS = 2
REMOTE_THREADS_PER_PROCESS = 8


@dataclass(frozen=True)
class Job:
    spec: ThumbnailSpec
    signature: str

    @property
    def name(self) -> str:
        return self.spec.name(self.signature)


@dataclass(frozen=True)
class Refusal:
    """A thumbnail that cannot even be described (a source name no URL can carry)."""

    what: str
    error: ThumbnailError


def jobs(
    sources: Iterable[str], kinds: Sequence[Preset], *, key: str, max_dimension: int
) -> Iterator[Job | Refusal]:
    """Each source in each kind, signed with `key`, lazily."""
    for source in sources:
        for kind in kinds:
            try:
                spec = make_spec(
                    source, kind.size, kind.method, kind.ext, max_dimension=max_dimension
                )
            except InvalidSpec as exc:
                yield Refusal(f"{source} {kind.size}/{kind.method}/{kind.ext}", exc)
                continue
            yield Job(spec, sign(spec, key=key))


def warm_threads(settings: Settings, *, workers: int) -> int:
    """How many threads keep `workers` render processes busy."""
    remote = any(
        local_path(storage, "") is None
        for storage in (source_storage(settings), thumbnail_storage(settings))
    )
    return workers * (REMOTE_THREADS_PER_PROCESS if remote else LOCAL_THREADS_PER_PROCESS)


def warm_settings(settings: Settings, *, workers: int, threads: int) -> Settings:
    """The site's settings with a render pool of `workers` processes, a queue for
    `threads` callers and patient waits."""
    return dataclasses.replace(
        settings,
        max_concurrent=workers,
        max_queued=max(settings.max_queued, threads),
        queue_timeout=max(settings.queue_timeout, WARM_QUEUE_SECONDS),
        # Traffic is rendering this one right now: wait for its file instead of
        # counting it as a failure (and never render it a second time).
        lock_wait=max(settings.lock_wait, settings.lock_timeout),
    )


@dataclass
class WarmSummary:
    rendered: int = 0
    skipped: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    bytes: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.rendered + self.skipped + sum(self.refused.values())

    @property
    def failed(self) -> bool:
        return bool(self.refused) or bool(self.errors) or self.interrupted

    def line(self) -> str:
        text = (
            f"warm: {self.total} thumbnails in {self.seconds:.1f} s "
            f"({rate(self.total, self.seconds)}): {self.rendered} rendered "
            f"({human_bytes(self.bytes)}), {self.skipped} skipped (already there), "
            f"{sum(self.refused.values())} refused"
        )
        if self.refused:
            text += " (" + ", ".join(f"{n} {why}" for why, n in sorted(self.refused.items())) + ")"
        if self.interrupted:
            text += "; interrupted"
        return text


@dataclass(frozen=True)
class _Result:
    generated: bool = False
    bytes: int = 0
    error: ThumbnailError | None = None
    what: str = ""


def warm(
    service: "ThumbnailService",
    work: Iterable[Job | Refusal],
    *,
    threads: int,
    progress: Progress,
    allowed: frozenset[str] | None = None,
    stop: threading.Event | None = None,
) -> WarmSummary:
    """Run `work` on `threads` threads; refusals are noted on `progress` as they come."""
    summary = WarmSummary()
    guard = threading.Lock()
    items = iter(work)
    stop = stop or threading.Event()
    started = time.monotonic()

    def take() -> Job | Refusal | None:
        with guard:
            if stop.is_set():
                return None
            try:
                return next(items, None)
            except Exception as exc:  # the listing failed: nothing more to take
                summary.errors.append(f"listing sources failed: {type(exc).__name__}: {exc}")
                stop.set()
                return None

    def run() -> None:
        while (item := take()) is not None:
            result = _warm_one(service, item, allowed)
            with guard:
                if result.error is not None:
                    summary.refused[result.error.category] += 1
                elif result.generated:
                    summary.rendered += 1
                    summary.bytes += result.bytes
                else:
                    summary.skipped += 1
            if result.error is not None:
                progress.note(f"refused {result.what}: {result.error.reason}")
            progress.advance()

    running = [threading.Thread(target=run, name=f"warm-{n}", daemon=True) for n in range(threads)]
    for thread in running:
        thread.start()
    try:
        for thread in running:
            while thread.is_alive():
                thread.join(0.2)  # short joins: Ctrl-C reaches the main thread
    except KeyboardInterrupt:
        stop.set()
        summary.interrupted = True
        for thread in running:
            thread.join()
    summary.seconds = time.monotonic() - started
    return summary


def _warm_one(
    service: "ThumbnailService", item: Job | Refusal, allowed: frozenset[str] | None
) -> _Result:
    if isinstance(item, Refusal):
        return _Result(error=item.error, what=item.what)
    for attempt in range(OVERLOAD_RETRIES + 1):
        try:
            check_allowed(item.spec, allowed)
            outcome = service.ensure(item.spec, item.signature)
        except (Overloaded, LockUnavailable) as exc:
            # A render pool shared with traffic is full, or the lock store is busy
            # (SQLite under load): passing states, not this source's fault.
            if attempt == OVERLOAD_RETRIES:
                return _Result(error=exc, what=redact(item.name))
            time.sleep(0.5 * (attempt + 1))
            continue
        except ThumbnailError as exc:
            return _Result(error=exc, what=redact(item.name))
        except Exception as exc:  # a storage's own error: one thumbnail, not the run
            return _Result(
                error=ThumbnailError(f"{type(exc).__name__}: {exc}"), what=redact(item.name)
            )
        if not outcome.generated:
            return _Result()
        return _Result(generated=True, bytes=outcome.bytes)
    raise AssertionError("unreachable")


def count(items: Iterable[object]) -> int:
    """How many items an iterable yields, without keeping them."""
    return sum(1 for _ in items)
