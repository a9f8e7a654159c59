"""Bounding the work of one worker process: generation slots and a deadline.

A thumbnail host is public and a render is expensive. Each process runs at most
MAX_CONCURRENT renders; up to MAX_QUEUED more may wait (at most QUEUE_TIMEOUT
seconds) for a slot; anything beyond is refused at once with 503, which costs
nothing. Requests for existing thumbnails never take a slot.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ..exceptions import GenerationTimeout, Overloaded


class GenerationSlots:
    def __init__(self, *, max_concurrent: int, max_queued: int) -> None:
        self.max_queued = max_queued
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._guard = threading.Lock()
        self._queued = 0

    @contextmanager
    def slot(self, *, wait: float) -> Iterator[None]:
        if not self._slots.acquire(blocking=False):
            with self._guard:
                if self._queued >= self.max_queued:
                    raise Overloaded("too many thumbnails are being generated; retry shortly")
                self._queued += 1
            try:
                acquired = self._slots.acquire(timeout=wait)
            finally:
                with self._guard:
                    self._queued -= 1
            if not acquired:
                raise Overloaded("no generation slot came free in time; retry shortly")
        try:
            yield
        finally:
            self._slots.release()


_slots_by_limits: dict[tuple[int, int], GenerationSlots] = {}
_registry_guard = threading.Lock()


def slots_for(max_concurrent: int, max_queued: int) -> GenerationSlots:
    """The process-wide slots for these limits (one set per process, shared by threads)."""
    key = (max_concurrent, max_queued)
    with _registry_guard:
        if key not in _slots_by_limits:
            _slots_by_limits[key] = GenerationSlots(
                max_concurrent=max_concurrent, max_queued=max_queued
            )
        return _slots_by_limits[key]


class Deadline:
    """Raises GenerationTimeout when called after `seconds` have passed since creation.

    Python cannot stop a thread inside a C decoder, so the engine calls this
    between its steps; each step is bounded by the pixel limits, so a render
    overruns its deadline by at most one step.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def __call__(self) -> None:
        if time.monotonic() > self._end:
            raise GenerationTimeout(f"generation took longer than {self.seconds:g} s")
