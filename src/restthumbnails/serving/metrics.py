"""Prometheus metrics. Under gunicorn each worker writes its own files in
$PROMETHEUS_MULTIPROC_DIR (set by `serve` before any worker starts) and the
metrics view merges them, so a scrape sees the whole server, not one worker.
"""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess

REQUESTS = Counter(
    "restthumbnails_requests_total", "Thumbnail requests answered, by HTTP status", ["status"]
)
GENERATIONS = Counter("restthumbnails_generations_total", "Thumbnails generated and stored")
GENERATION_SECONDS = Histogram(
    "restthumbnails_generation_seconds",
    "Time to read, render and store one thumbnail",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SOURCE_BYTES = Counter("restthumbnails_source_bytes_total", "Bytes of source images read")
LOCK_CONTENTION = Counter(
    "restthumbnails_lock_contention_total",
    "Requests that found another worker generating the same thumbnail",
)
REJECTIONS = Counter("restthumbnails_rejections_total", "Requests refused, by reason", ["reason"])
IN_FLIGHT = Gauge(
    "restthumbnails_generations_in_flight",
    "Generations running now",
    multiprocess_mode="livesum",
)


def exposition() -> tuple[bytes, str]:
    """The metrics text and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def worker_exited(pid: int) -> None:
    """Drop a dead worker's live gauges (gunicorn's child_exit hook)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _multiprocess.mark_process_dead(pid)
