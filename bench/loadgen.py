"""A bounded HTTP load generator for slow (miss) requests: threads, one URL each time.

Bounded twice: it stops after `seconds` or after the URLs run out, whichever
comes first. Every URL is used at most once, so each request is a real miss.
"""

import http.client
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.elapsed if self.elapsed else 0.0


def fetch(url: str, timeout: float = 60.0) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def run_load(urls: Iterator[str], *, seconds: float, concurrency: int) -> LoadResult:
    result = LoadResult()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                url = next(urls, None)
            if url is None:
                return
            started = time.perf_counter()
            try:
                status, _ = fetch(url)
            except OSError:
                status = 0
            latency = (time.perf_counter() - started) * 1000
            with lock:
                if status == 200:
                    result.latencies_ms.append(latency)
                else:
                    result.errors += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.monotonic() - started
    return result
