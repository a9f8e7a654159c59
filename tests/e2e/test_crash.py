"""Crash safety: a killed worker leaves no partial thumbnail and no lock forever; a
write that fails (disk full, permission) answers 503 + Retry-After and leaves nothing.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from PIL import Image

from restthumbnails.storage.filelocks import LOCK_FOLDER, FileLock

from .conftest import BIG_SOURCE
from .stack import Stack, thumbnail_url
from .support import Response, fetch, files_under, generated_count, missing, poll

LOCK_TIMEOUT = 5


def _name(url: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path).lstrip("/")


def _lock_expiry(cache_url: str) -> float | None:
    """When the thumbnail lock in the shared Redis lock service expires, if it is held."""
    client = redis.Redis.from_url(cache_url)
    try:
        for key in client.scan_iter(match="*restthumbnails:lock:*"):
            remaining = client.pttl(key)
            if remaining > 0:
                return time.time() + remaining / 1000
    finally:
        client.close()
    return None


def _held_lock_files(thumbnails_dir: Path) -> list[Path]:
    folder = thumbnails_dir / LOCK_FOLDER
    return [path for path in folder.glob("*.lock") if FileLock(str(path)).held_by_anyone()]


def _start_a_slow_miss(url: str) -> tuple[threading.Thread, list[Response | BaseException]]:
    outcome: list[Response | BaseException] = []

    def request() -> None:
        try:
            outcome.append(fetch(url))
        except Exception as exc:
            outcome.append(exc)

    client = threading.Thread(target=request)
    client.start()
    return client, outcome


def test_worker_killed_mid_generation_frees_the_embedded_lock_at_once(
    stack: Stack, big_media: Path, thumbnails_dir: Path
) -> None:
    """Embedded lock, local folder: the lock is a kernel file lock, which the kill
    itself releases. The next request renders at once although LOCK_TIMEOUT is long
    (with the SQLite lock it answered 404 until the timeout passed)."""
    server = stack.serve(big_media, thumbnails_dir, workers=1, lock_timeout=600)
    [worker] = poll(server.process.workers, timeout=30, what="the gunicorn worker")
    url = thumbnail_url(server.url, BIG_SOURCE, "1600x1200", "crop", "png")
    target = thumbnails_dir / _name(url)

    client, outcome = _start_a_slow_miss(url)
    poll(lambda: _held_lock_files(thumbnails_dir), timeout=30, interval=0.01, what="the lock")
    os.kill(worker, signal.SIGKILL)
    client.join(timeout=60)
    assert len(outcome) == 1 and not isinstance(outcome[0], Response), outcome
    assert not target.exists()
    # The kernel drops the lock while it closes the dead worker's files; the client may
    # see its connection reset a moment before the lock file's turn comes.
    poll(
        lambda: _held_lock_files(thumbnails_dir) == [],
        timeout=5,
        interval=0.01,
        what="the dead worker's lock to be released",
    )

    # The very next request renders: no 404 "being generated", no wait for an expiry.
    response = poll(lambda: fetch(url), timeout=60, what="an answer from the new worker")
    assert response.status == 200, response
    assert generated_count(server.process) == 1
    assert files_under(thumbnails_dir) == [_name(url)]
    # The dead worker's lock file was reused and deleted by the render that followed.
    assert list((thumbnails_dir / LOCK_FOLDER).iterdir()) == []
    with Image.open(io.BytesIO(response.body)) as image:
        assert (image.format, image.size) == ("PNG", (1600, 1200))


def test_worker_killed_mid_generation_leaves_no_file_and_the_shared_lock_expires(
    stack: Stack, big_media: Path, thumbnails_dir: Path
) -> None:
    cache_url = stack.redis()
    server = stack.serve(
        big_media, thumbnails_dir, workers=1, lock_timeout=LOCK_TIMEOUT, cache_url=cache_url
    )
    [worker] = poll(server.process.workers, timeout=30, what="the gunicorn worker")
    url = thumbnail_url(server.url, BIG_SOURCE, "1600x1200", "crop", "png")
    target = thumbnails_dir / _name(url)

    client, outcome = _start_a_slow_miss(url)
    expires = poll(lambda: _lock_expiry(cache_url), timeout=30, interval=0.01, what="the lock")
    os.kill(worker, signal.SIGKILL)
    client.join(timeout=60)

    # The request died with its worker, before anything was written.
    assert len(outcome) == 1 and not isinstance(outcome[0], Response), outcome
    assert generated_count(server.process) == 0
    assert not target.exists()
    assert files_under(thumbnails_dir) == []

    # The dead worker's lock still holds: the next request is told to come back.
    first = fetch(url)
    if time.time() < expires:
        assert first.status == 404, first
        assert first.header("cache-control") == "no-store"

    # Once LOCK_TIMEOUT has passed, a request takes the lock and regenerates.
    def regenerated() -> Response | None:
        response = fetch(url)
        return response if response.status == 200 else None

    response = poll(regenerated, timeout=LOCK_TIMEOUT + 60, interval=0.2, what="a 200")
    assert time.time() >= expires - 0.01
    print(f"lock expired {time.time() - expires:.2f} s before the regenerated 200")
    assert generated_count(server.process) == 1
    assert files_under(thumbnails_dir) == [_name(url)]
    assert response.body == target.read_bytes()
    with Image.open(io.BytesIO(response.body)) as image:
        assert (image.format, image.size) == ("PNG", (1600, 1200))


@pytest.fixture
def full_disk(workdir: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: any thumbnail larger than that hits ENOSPC half-way."""
    if os.geteuid() != 0:
        missing("mounting a small tmpfs for the disk-full test needs root")
    folder = workdir / "full"
    folder.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(folder)], check=True
    )
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _check_clean_503(response: Response) -> None:
    assert response.status == 503, response
    assert int(response.header("retry-after") or "0") > 0
    assert response.header("cache-control") == "no-store"
    assert (response.header("content-type") or "").startswith("text/plain")
    assert len(response.body) < 200


def test_disk_full_answers_503_and_leaves_nothing_behind(
    stack: Stack, sample_media: Path, full_disk: Path
) -> None:
    server = stack.serve(sample_media, full_disk)
    big = thumbnail_url(server.url, "landscape.jpg", "2000x", "scale", "png")

    _check_clean_503(fetch(big))
    assert files_under(full_disk) == []
    assert "cannot write" in server.process.output()

    # Nothing was left to fill the disk: a small thumbnail still fits.
    small = thumbnail_url(server.url, "landscape.jpg", "60x", "scale", "jpg")
    assert fetch(small).status == 200
    assert files_under(full_disk) == [_name(small)]


def test_permission_denied_answers_503_and_leaves_nothing_behind(
    stack: Stack, sample_media: Path, thumbnails_dir: Path
) -> None:
    # Root ignores file modes; drop the capabilities that let it (util-linux setpriv).
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    server = stack.serve(sample_media, thumbnails_dir, prefix=prefix)
    url = thumbnail_url(server.url, "night.webp", "200x", "scale", "webp")
    thumbnails_dir.chmod(0o555)
    try:
        _check_clean_503(fetch(url))
        assert files_under(thumbnails_dir) == []
        assert "cannot write" in server.process.output()
    finally:
        thumbnails_dir.chmod(0o755)

    # Fixed permissions: the same URL now works, with nothing left over from before.
    assert fetch(url).status == 200
    assert files_under(thumbnails_dir) == [_name(url)]
