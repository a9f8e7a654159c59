"""A thumbnail folder that is full or read-only, and a bucket that refuses the PUT.

The answer is 503 Retry-After 5 with a log line; no partial file stays visible
(not even the temporary one), the lock is released, the failure is not
remembered (it says nothing about the source), and the next request once the
storage takes writes again is rendered and served.

A real filesystem is filled where the machine allows it: a tmpfs of 1 MiB
mounted over the test's thumbnail folder (root only), remounted read-only for
the second case. Without that permission those two skip, and the kernel's own
limit stands in: RLIMIT_FSIZE (the write fails with EFBIG) and a thumbnail folder
whose parent is a file (ENOTDIR); these two run everywhere.
"""

import contextlib
import io
import os
import resource
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image

from restthumbnails.render.pool.client import stop_own_pools

from .conftest import files_under
from .support import lean_client
from .support.images import decode, jpeg
from .test_s3 import Bucket, bucket, s3_server  # noqa: F401 (fixtures)
from .test_views import assert_plain_error, lock_for

TMPFS_BYTES = 1024 * 1024
UNAVAILABLE = b"thumbnail storage cannot be written\n"


@pytest.fixture(params=["lean", "django"])
def client(request: pytest.FixtureRequest, settings) -> Client | lean_client.LeanClient:
    """serve's answers through its lean route, and through Django's full cycle."""
    if request.param == "lean":
        settings.ROOT_URLCONF = lean_client.URLCONF
        return lean_client.LeanClient()
    return Client(raise_request_exception=True)


@pytest.fixture
def noise(media: Path) -> str:
    """A source whose 400x400 PNG thumbnail is about 480 KB: noise does not compress."""
    image = Image.frombytes("RGB", (400, 400), os.urandom(400 * 400 * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    (media / "noise.png").write_bytes(buffer.getvalue())
    return "noise.png"


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def tmpfs_thumbs(thumbs: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs mounted over the thumbnail folder, or a skip saying why not."""
    mounted = _mount("-t", "tmpfs", "-o", f"size={TMPFS_BYTES},mode=0755", "tmpfs", str(thumbs))
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or 'mount failed'}")
    try:
        yield thumbs
    finally:
        subprocess.run(["umount", "-l", str(thumbs)], check=False)


def fill(folder: Path, leave: int) -> Path:
    """Fill the filesystem of `folder` until `leave` bytes are free."""
    info = os.statvfs(folder)
    filler = folder / "filler"
    filler.write_bytes(b"\0" * (info.f_bavail * info.f_frsize - leave))
    return filler


def messages(logs: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in logs.records]


def write_failures(logs: pytest.LogCaptureFixture, source: str, cause: str) -> int:
    """Log lines "cannot write <source>/...: <cause>" (the signature is shortened there)."""
    return sum(
        message.startswith(f"cannot write {source}/") and message.endswith(f": {cause}")
        for message in messages(logs)
    )


def assert_refused_and_clean(response, path: str, thumbs: Path, left: list[str]) -> None:
    """503 Retry-After 5, not from memory; only `left` in the folder; the lock free."""
    assert_plain_error(response, 503)
    assert response["Retry-After"] == "5"
    assert response.content == UNAVAILABLE  # not "(remembered)"
    assert files_under(thumbs) == left
    assert not lock_for(path).held_by_anyone()


def assert_served(client: Client, path: str, thumbs: Path) -> None:
    response = client.get("/t/" + path)
    assert response.status_code == 200
    assert decode(b"".join(response)).size == (400, 400)
    assert decode((thumbs / path).read_bytes()).size == (400, 400)


def test_a_full_filesystem_is_503_leaves_nothing_and_recovers(
    client, noise, signed_path, tmpfs_thumbs, logs
) -> None:
    # Input: a miss whose PNG is ~480 KB on a tmpfs with 64 KiB free.
    path = signed_path(noise, "400x400", "scale", "png")
    filler = fill(tmpfs_thumbs, leave=64 * 1024)
    for attempt in (1, 2):
        response = client.get("/t/" + path)
        # Answer: 503, no temp file left, the lock free; asked again, rendered again
        # (the log line repeats: the failure was not remembered).
        assert_refused_and_clean(response, path, tmpfs_thumbs, ["filler"])
        assert write_failures(logs, noise, "No space left on device") == attempt
    # Space returns: the same URL is rendered and served whole.
    filler.unlink()
    assert_served(client, path, tmpfs_thumbs)


def test_a_read_only_filesystem_is_503_and_recovers_when_writable(
    client, noise, signed_path, tmpfs_thumbs, logs
) -> None:
    # Input: the thumbnail folder's filesystem remounted read-only.
    remounted = _mount("-o", "remount,ro", str(tmpfs_thumbs))
    if remounted.returncode != 0:
        pytest.skip(f"cannot remount read-only here: {remounted.stderr.strip()}")
    path = signed_path(noise, "400x400", "scale", "png")
    response = client.get("/t/" + path)
    # Answer: 503 and a log line naming the cause; nothing written, the lock free.
    assert_refused_and_clean(response, path, tmpfs_thumbs, [])
    assert write_failures(logs, noise, "Read-only file system") == 1
    assert _mount("-o", "remount,rw", str(tmpfs_thumbs)).returncode == 0
    assert_served(client, path, tmpfs_thumbs)


@contextlib.contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """RLIMIT_FSIZE on this process: a write past `limit` bytes fails with EFBIG
    (Python ignores SIGXFSZ, whose default action would end the process)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def test_a_write_over_the_kernels_file_size_limit_is_503_and_recovers(
    client, noise, signed_path, thumbs, logs
) -> None:
    # The render process writes the thumbnail, so the limit must be its own: a pool
    # started under it inherits it (rlimits pass through fork and exec).
    path = signed_path(noise, "400x400", "scale", "png")
    stop_own_pools()
    try:
        with file_size_limit(64 * 1024):
            assert client.get("/t/" + signed_path(noise, "20x20")).status_code == 200
            before = files_under(thumbs)
            response = client.get("/t/" + path)
    finally:
        stop_own_pools()  # the next pool starts without the limit
    # Input: a ~480 KB thumbnail under a 64 KiB RLIMIT_FSIZE. Answer: 503, no file left.
    assert_refused_and_clean(response, path, thumbs, before)
    assert write_failures(logs, noise, "File too large") == 1
    assert_served(client, path, thumbs)


def test_a_thumbnail_folder_under_a_file_is_503(
    client, noise, signed_path, settings, tmp_path, logs
) -> None:
    # Input: THUMBNAIL location whose parent is a regular file (a typo, a mount gone).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "thumbnails": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "thumbs")},
        },
    }
    path = signed_path(noise, "100x100")
    for _ in range(2):
        response = client.get("/t/" + path)
        # Answer: 503, each time (not remembered); the file is untouched.
        assert_plain_error(response, 503)
        assert response.content == UNAVAILABLE
        assert not lock_for(path).held_by_anyone()
    assert blocker.read_text() == ""
    assert write_failures(logs, noise, "Not a directory") == 2


def test_a_refused_put_is_not_remembered_and_the_next_one_after_the_policy_is_stored(
    client,
    bucket: Bucket,  # noqa: F811 (the fixture imported above)
    signed_path: Callable[..., str],
    logs,
) -> None:
    # Input: a bucket policy denying PutObject under thumbs/ (moto enforces it).
    bucket.server.public_policy(bucket.name, "thumbs/", deny_put=True)
    bucket.put_source("photo.jpg", jpeg(300, 300))
    path = signed_path("photo.jpg", "100x100")
    for _ in range(2):
        response = client.get("/t/" + path)
        # Answer: 503 Retry-After 5 each time, one refused PUT each time, no object.
        assert_plain_error(response, 503)
        assert (response["Retry-After"], response.content) == ("5", UNAVAILABLE)
        assert bucket.thumbnail_requests.take()[-1] == "PUT"
        assert bucket.thumbnails() == []
        assert not lock_for(path).held_by_anyone()
    refused = [m for m in messages(logs) if "S3 PutObject refused: 403" in m]
    assert len(refused) == 2
    # The policy lifted: the next request stores the object and is served.
    bucket.server.public_policy(bucket.name, "thumbs/")
    assert client.get("/t/" + path).status_code == 200
    assert bucket.thumbnails() == [f"thumbs/{path}"]
