"""`serve` with every render process busy on slow sources: how long a normal
thumbnail waits, how fast the 503 comes, and whether hits and `/_health` still answer.

A miss holds its request thread while it waits for a render process and while it
renders. Before, ten slow misses took every thread of both workers (2 x 4), so a
hit or `/_health` waited 3.6 to 5.6 s behind them and a normal miss 5.5 s before
its 503. Now each worker keeps a thread that misses may not take: a miss beyond
that is refused at once (503 Retry-After 2).

Measured here (2 shared cores, `serve --workers 2`, 4 threads, MAX_CONCURRENT 2,
QUEUE_TIMEOUT 2 s), ten misses of 49 MP JPEGs costing seconds each:
hits and /_health 0.04-0.06 s; the normal miss refused in 0.04 s, or (with only two
slow misses, so a thread is free to wait) refused after 2.09 s, the queue timeout;
with renders shorter than QUEUE_TIMEOUT (deadline 1 s) it was served in 0.57 s.
"""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from restthumbnails.signing import sign
from restthumbnails.spec import make_spec

from .hostile import jpeg_scan_bomb
from .images import decode, jpeg
from .serving import Server, start_serve

KEY = "pool-exhaustion-test-key-0123456789"
QUEUE_TIMEOUT = 2.0
SLOW = 10


def url(source: str, size: str = "200x200") -> str:
    spec = make_spec(source, size, "crop", "jpg")
    return "/" + spec.name(sign(spec, key=KEY))


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exhaustion") / "media"
    folder.mkdir()
    # Under the scan limit (99) but 49 MP: about 3 s of CPU per decode, more under load.
    slow = jpeg_scan_bomb(7000, 7000, scans=99)
    for index in range(SLOW):
        (folder / f"slow-{index}.jpg").write_bytes(slow)
    (folder / "normal.jpg").write_bytes(jpeg(1600, 1200))
    return folder


def timed(server: Server, path: str) -> tuple[int, dict[str, str], bytes, float]:
    started = time.monotonic()
    status, headers, body = server.get(path)
    return status, headers, body, time.monotonic() - started


def test_with_every_render_process_busy_hits_and_health_answer_and_a_miss_is_quick(
    media: Path,
) -> None:
    thumbs = media.parent / "thumbs"
    options = ("--generation-timeout", "6", "--queue-timeout", str(QUEUE_TIMEOUT))
    with start_serve(media, thumbs, key=KEY, options=options) as server:
        hit = url("normal.jpg", "50x50")
        assert server.get(hit)[0] == 200  # rendered once: a hit from now on
        with ThreadPoolExecutor(SLOW + 10) as pool:
            # Input: ten misses of slow sources at once: both render processes busy
            # for seconds, more misses than the workers have threads.
            slow = [pool.submit(timed, server, url(f"slow-{n}.jpg")) for n in range(SLOW)]
            threading.Event().wait(0.5)
            # Then a normal miss, five hits and three health checks.
            normal = pool.submit(timed, server, url("normal.jpg", "300x200"))
            hits = [pool.submit(timed, server, hit) for _ in range(5)]
            health = [pool.submit(timed, server, "/_health") for _ in range(3)]
            hit_answers = [future.result() for future in hits]
            health_answers = [future.result() for future in health]
            normal_answer = normal.result()
            slow_answers = [future.result() for future in slow]

    # Answer: hits and /_health are 200, each well within QUEUE_TIMEOUT (they waited
    # 3.6 s and more behind the misses before), while the slow renders still run.
    for status, _, body, seconds in hit_answers:
        assert (status, decode(body).size) == (200, (50, 50))
        assert seconds < QUEUE_TIMEOUT, f"hit took {seconds:.2f} s"
    for status, _, body, seconds in health_answers:
        assert status == 200, body
        assert seconds < QUEUE_TIMEOUT, f"/_health took {seconds:.2f} s"
    # The normal miss: served, or refused with Retry-After 2, within QUEUE_TIMEOUT
    # (plus a second of slack for a loaded machine; it took 5.5 s before).
    status, headers, body, seconds = normal_answer
    assert seconds < QUEUE_TIMEOUT + 1.0, f"normal miss took {seconds:.2f} s"
    if status == 200:
        assert decode(body).size == (300, 200)
    else:
        assert (status, headers["Retry-After"]) == (503, "2"), body
    # Every slow miss is 503: killed at the deadline (10), or not given a render
    # process / a thread (2). Some of them were refused at once.
    assert {status for status, _, _, _ in slow_answers} == {503}
    assert {headers["Retry-After"] for _, headers, _, _ in slow_answers} <= {"10", "2"}
    refused_at_once = [
        body
        for _, _, body, seconds in slow_answers
        if body == b"every thread of this worker is waiting on a render; retry shortly\n"
    ]
    assert refused_at_once
    assert not any(name.startswith("slow") for name in os.listdir(thumbs))
