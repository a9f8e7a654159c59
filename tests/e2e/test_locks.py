"""A stampede on one cold, slow thumbnail renders it once: across hosts, across workers.

"Hosts" are separate `serve` instances with their own config and cache folders
that share only what two machines would: the thumbnail folder and the lock
service (Redis or memcached, Django's own cache backends).
"""

from __future__ import annotations

import http.client
import io
import threading
import urllib.parse
from pathlib import Path

import pytest
from PIL import Image

from .conftest import BIG_SOURCE
from .stack import Backend, Stack, thumbnail_url
from .support import LOOPBACK, Response, fetch, files_under, generated_count, poll

# serve answers thumbnail paths with its lean route and with Django's (--no-lean-route).
pytestmark = pytest.mark.both_routes

REQUESTS = 40
SIZE, METHOD, EXT = "800x600", "crop", "jpg"


def stampede(urls: list[str], count: int = REQUESTS) -> list[Response]:
    """`count` requests sent at once (connected first, released by a barrier), round-robin."""
    barrier = threading.Barrier(count)
    results: list[Response | BaseException | None] = [None] * count

    def one(index: int) -> None:
        parts = urllib.parse.urlsplit(urls[index % len(urls)])
        connection = http.client.HTTPConnection(LOOPBACK, parts.port, timeout=120)
        try:
            connection.connect()
            barrier.wait(timeout=60)
            connection.request("GET", parts.path)
            answer = connection.getresponse()
            headers = {key.lower(): value for key, value in answer.getheaders()}
            results[index] = Response(answer.status, headers, answer.read())
        except BaseException as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    failures = [r for r in results if not isinstance(r, Response)]
    assert not failures, failures[:3]
    return [r for r in results if isinstance(r, Response)]


def check_one_generation(
    backends: list[Backend], thumbnails_dir: Path, responses: list[Response], *, all_ok: bool
) -> None:
    statuses = sorted({r.status for r in responses})
    assert generated_count(*(b.process for b in backends)) == 1, statuses
    name = f"{BIG_SOURCE}/{SIZE}/{METHOD}/"
    files = files_under(thumbnails_dir)
    assert len(files) == 1 and files[0].startswith(name), files
    on_disk = (thumbnails_dir / files[0]).read_bytes()
    with Image.open(io.BytesIO(on_disk)) as image:
        assert (image.format, image.size) == ("JPEG", (800, 600))

    ok = [r for r in responses if r.status == 200]
    busy = [r for r in responses if r.status == 404]
    assert len(ok) + len(busy) == len(responses), statuses
    print(f"{len(responses)} requests: {len(ok)} x 200, {len(busy)} x 404, 1 generation")
    assert all(r.body == on_disk for r in ok)
    assert all(r.header("cache-control") == "no-store" for r in busy)
    if all_ok:
        assert len(ok) == len(responses)
    else:
        # Some requests really met the lock held by another worker or host.
        assert ok and busy, statuses


@pytest.mark.parametrize("lock_service", ["redis", "memcached"])
def test_two_hosts_sharing_a_lock_service_generate_once(
    lock_service: str, stack: Stack, big_media: Path, thumbnails_dir: Path
) -> None:
    cache_url = stack.redis() if lock_service == "redis" else stack.memcached()
    hosts = [
        stack.serve(big_media, thumbnails_dir, name=f"host-{n}", cache_url=cache_url)
        for n in ("a", "b")
    ]
    urls = [thumbnail_url(host.url, BIG_SOURCE, SIZE, METHOD, EXT) for host in hosts]

    responses = stampede(urls)

    check_one_generation(hosts, thumbnails_dir, responses, all_ok=False)


def test_two_hosts_with_lock_wait_all_get_the_thumbnail(
    stack: Stack, big_media: Path, thumbnails_dir: Path
) -> None:
    cache_url = stack.redis()
    hosts = [
        stack.serve(big_media, thumbnails_dir, name=f"host-{n}", cache_url=cache_url, lock_wait=60)
        for n in ("a", "b")
    ]
    urls = [thumbnail_url(host.url, BIG_SOURCE, SIZE, METHOD, EXT) for host in hosts]

    responses = stampede(urls)

    check_one_generation(hosts, thumbnails_dir, responses, all_ok=True)


def test_four_workers_of_one_serve_share_the_embedded_lock(
    stack: Stack, big_media: Path, thumbnails_dir: Path
) -> None:
    server = stack.serve(big_media, thumbnails_dir, workers=4)
    poll(lambda: len(server.process.workers()) == 4, timeout=30, what="4 gunicorn workers")

    responses = stampede([thumbnail_url(server.url, BIG_SOURCE, SIZE, METHOD, EXT)])

    check_one_generation([server], thumbnails_dir, responses, all_ok=False)


def test_lock_service_down_existing_thumbnails_are_still_served(
    stack: Stack, sample_media: Path, thumbnails_dir: Path
) -> None:
    server = stack.serve(sample_media, thumbnails_dir, cache_url=stack.redis())
    url = thumbnail_url(server.url, "landscape.jpg", "100x", "scale", "jpg")
    made = fetch(url)
    assert made.status == 200
    redis = next(p for p in stack.processes if p.name == "redis")

    redis.stop()

    again = fetch(url)
    assert (again.status, again.body) == (200, made.body)


def test_lock_service_down_a_miss_answers_503_with_retry_after(
    stack: Stack, sample_media: Path, thumbnails_dir: Path
) -> None:
    server = stack.serve(sample_media, thumbnails_dir, cache_url=stack.redis())
    redis = next(p for p in stack.processes if p.name == "redis")
    redis.stop()

    response = fetch(thumbnail_url(server.url, "landscape.jpg", "100x", "scale", "jpg"))

    assert response.status == 503, response.status
    assert int(response.header("retry-after") or "0") > 0
    assert response.header("cache-control") == "no-store"
    assert files_under(thumbnails_dir) == []


def test_four_workers_with_lock_wait_all_get_the_thumbnail_from_one_file_lock(
    stack: Stack, big_media: Path, thumbnails_dir: Path
) -> None:
    """The embedded lock on a folder is a kernel file lock: LOCK_WAIT still waits
    for its holder, so all 40 get a 200 and one render, and no lock file remains."""
    server = stack.serve(big_media, thumbnails_dir, workers=4, lock_wait=60)
    poll(lambda: len(server.process.workers()) == 4, timeout=30, what="4 gunicorn workers")

    responses = stampede([thumbnail_url(server.url, BIG_SOURCE, SIZE, METHOD, EXT)])

    check_one_generation([server], thumbnails_dir, responses, all_ok=True)
    assert list((thumbnails_dir / ".locks").iterdir()) == []
