"""The render pool through the Django view: killed at the deadline, queue bounds,
crashes contained, failures remembered, hostile headers refused (422)."""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import Client

from fixtures.hostile import bmp_rle8, gif_frame_bomb, jpeg_scan_bomb, tiff_ifd_chain
from restthumbnails.core.spec import make_spec
from restthumbnails.render.options import EngineOptions
from restthumbnails.render.pool.client import PoolProcess
from restthumbnails.render.pool.wire import READY, Job, receive_exactly

from .conftest import files_under
from .support.images import decode, jpeg
from .support.processes import render_pool_holds
from .test_views import assert_plain_error, assert_unavailable_and_clean, lock_for


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=True)


@pytest.fixture
def pid_source(media: Path, tmp_path: Path) -> tuple[str, Path]:
    """A source that makes the test engines write their PID to `pid_file`."""
    pid_file = tmp_path / "render.pid"
    (media / "note.jpg").write_bytes(f"pid:{pid_file}".encode())
    return "note.jpg", pid_file


def process_ended(pid: int) -> bool:
    """Gone, or a zombie its supervisor has not reaped yet: either way it uses no CPU."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):  # reaped while we read
        return True
    return state in ("Z", "X")


def wait_until_ended(pid: int) -> bool:
    for _ in range(200):
        if process_ended(pid):
            return True
        threading.Event().wait(0.05)
    return False


def test_a_render_past_its_deadline_is_killed_and_answered_503(
    client, pid_source, signed_path, settings, thumbs, logs
) -> None:
    # Input: an engine stuck in a loop, GENERATION_TIMEOUT 0.5 s.
    # Answer: 503 Retry-After 10, and the render process no longer exists.
    settings.REST_THUMBNAILS_ENGINE = "tests.support.engines.spin"
    settings.REST_THUMBNAILS_GENERATION_TIMEOUT = 0.5
    source, pid_file = pid_source
    path = signed_path(source, "100x100")
    response = client.get("/t/" + path)
    assert_unavailable_and_clean(response, "10", path, thumbs)
    assert b"generation took longer than 0.5 s" in response.content
    assert wait_until_ended(int(pid_file.read_text()))
    assert "503 note.jpg/100x100/crop/" in logs.text


def test_a_write_stalled_in_the_disk_is_503_then_its_temp_file_goes_and_nothing_is_remembered(
    client, photo_source, signed_path, settings, thumbs, logs
) -> None:
    # Input: an engine whose render process then spends 3 s in the fsync of the
    # thumbnail's temp file (written, not yet renamed); GENERATION_TIMEOUT 1 s.
    # Answer: 503 Retry-After 5 (the storage's fault) at the deadline, without
    # killing the render process (by then it renders other jobs); the temp file is
    # still there when it comes, so it did not wait for the disk. When the fsync
    # ends it finds the request gone and removes its temp file: the final name
    # never appears, and the next request renders the thumbnail (nothing remembered).
    settings.REST_THUMBNAILS_ENGINE = "tests.support.engines.stall_before_rename"
    settings.REST_THUMBNAILS_GENERATION_TIMEOUT = 1.0
    path = signed_path(photo_source, "100x100")
    response = client.get("/t/" + path)
    assert_plain_error(response, 503)
    assert response["Retry-After"] == "5"
    assert b"too slow to write" in response.content
    assert "503 photo.jpg/100x100/crop/" in logs.text
    assert not lock_for(path).held_by_anyone()
    assert [name for name in files_under(thumbs) if name.endswith(".tmp")], "no temp file"
    deadline = time.monotonic() + 10
    while files_under(thumbs) and time.monotonic() < deadline:
        threading.Event().wait(0.05)
    assert files_under(thumbs) == []
    settings.REST_THUMBNAILS_ENGINE = "restthumbnails.render.engine.render"
    assert client.get("/t/" + path).status_code == 200
    assert decode((thumbs / path).read_bytes()).size == (100, 100)


def test_a_render_process_killed_between_its_write_and_rename_leaves_no_file(
    client, photo_source, signed_path, settings, thumbs
) -> None:
    # Input: an engine whose render process is killed in the fsync of the
    # thumbnail's temp file (written, not yet renamed), as another job's deadline
    # or its CPU limit would kill it.
    # Answer: 503 Retry-After 5, nothing in the thumbnail folder (the request side
    # removes the temp name it chose), and the source is not blamed: the next
    # request renders it.
    settings.REST_THUMBNAILS_ENGINE = "tests.support.engines.die_before_rename"
    path = signed_path(photo_source, "100x100")
    response = client.get("/t/" + path)
    assert_unavailable_and_clean(response, "5", path, thumbs)
    assert b"ended before the thumbnail was on the disk" in response.content
    settings.REST_THUMBNAILS_ENGINE = "restthumbnails.render.engine.render"
    assert client.get("/t/" + path).status_code == 200


def test_a_render_process_killed_after_its_rename_still_serves_the_thumbnail(
    client, photo_source, signed_path, settings, thumbs, logs
) -> None:
    # Input: an engine whose render process is killed right after it renamed the
    # thumbnail into place, before it sent the size.
    # Answer: 200 with the thumbnail (it is whole on the disk), no temp file, no
    # lock left, and the pool renders the next thumbnail in a fresh process.
    settings.REST_THUMBNAILS_ENGINE = "tests.support.engines.die_after_rename"
    path = signed_path(photo_source, "100x100")
    response = client.get("/t/" + path)
    assert response.status_code == 200
    assert decode((thumbs / path).read_bytes()).size == (100, 100)
    assert [name for name in files_under(thumbs) if name.endswith(".tmp")] == []
    assert not lock_for(path).held_by_anyone()
    settings.REST_THUMBNAILS_ENGINE = "restthumbnails.render.engine.render"
    other = signed_path(photo_source, "50x50")
    assert client.get("/t/" + other).status_code == 200
    assert decode((thumbs / other).read_bytes()).size == (50, 50)


def test_a_timeout_is_remembered_for_that_thumbnail_until_the_source_is_replaced(
    client, pid_source, signed_path, settings, media
) -> None:
    settings.REST_THUMBNAILS_ENGINE = "tests.support.engines.spin"
    settings.REST_THUMBNAILS_GENERATION_TIMEOUT = 0.3
    source, pid_file = pid_source
    first = client.get("/t/" + signed_path(source, "100x100"))
    assert first.status_code == 503
    pid_file.unlink()
    # The same thumbnail again: answered from memory, the engine never runs.
    again = client.get("/t/" + signed_path(source, "100x100"))
    assert_plain_error(again, 503)
    assert again["Retry-After"] == "10"
    assert b"(remembered)" in again.content
    assert not pid_file.exists()
    # Another size of the same source is more or less work: tried (tests/test_failure_memory.py).
    other = client.get("/t/" + signed_path(source, "50x50"))
    assert other.status_code == 503
    assert b"(remembered)" not in other.content
    assert pid_file.exists()
    pid_file.unlink()
    # A new upload under the same name is a new source: tried again.
    (media / source).write_bytes(f"pid:{pid_file}\n".encode())
    retried = client.get("/t/" + signed_path(source, "100x100"))
    assert retried.status_code == 503
    assert b"(remembered)" not in retried.content
    assert pid_file.exists()


def test_failure_memory_can_be_turned_off(client, media, signed_path, settings) -> None:
    settings.REST_THUMBNAILS_FAILURE_TTL = 0
    (media / "bomb.jpg").write_bytes(jpeg_scan_bomb(256, 256, scans=150))
    for _ in range(2):
        response = client.get("/t/" + signed_path("bomb.jpg", "100x100"))
        assert_plain_error(response, 422)
        assert b"(remembered)" not in response.content


def start_miss_holding_the_render_process(
    source: Path, signed_path, answers: list[int]
) -> threading.Thread:
    """A 9x9 miss of `source` on a thread (its status goes to `answers`), returned once
    a render process has taken its job: with the slow test engine, that process is
    then busy for about 1 s."""
    thread = threading.Thread(
        target=lambda: answers.append(
            Client().get("/t/" + signed_path(source.name, "9x9")).status_code
        )
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not render_pool_holds(os.getpid(), source):
        assert time.monotonic() < deadline, "the miss never reached a render process"
        threading.Event().wait(0.01)
    return thread


def test_a_full_queue_is_503_and_is_not_remembered(media, signed_path, settings, thumbs) -> None:
    # One render process, no queue: a second miss while the first renders is 503
    # Retry-After 2; asked again once the process is free, it is rendered.
    settings.REST_THUMBNAILS_ENGINE = "tests.support.engines.slow_then_fine"
    settings.REST_THUMBNAILS_MAX_CONCURRENT = 1
    settings.REST_THUMBNAILS_MAX_QUEUED = 0
    for name in ("a.jpg", "b.jpg"):
        (media / name).write_bytes(jpeg(400, 300))
    answers: list[int] = []
    first = start_miss_holding_the_render_process(media / "a.jpg", signed_path, answers)
    second = signed_path("b.jpg", "100x100")
    refused = Client().get("/t/" + second)
    assert_plain_error(refused, 503)
    assert refused["Retry-After"] == "2"
    first.join(30)
    assert answers == [200]
    assert not lock_for(second).held_by_anyone()
    assert Client().get("/t/" + second).status_code == 200
    assert (thumbs / second).is_file()


def test_a_crashing_decoder_is_422_and_its_process_is_replaced(
    client, pid_source, media, signed_path, settings, thumbs
) -> None:
    settings.REST_THUMBNAILS_ENGINE = "tests.support.engines.crash"
    source, pid_file = pid_source
    path = signed_path(source, "100x100")
    response = client.get("/t/" + path)
    assert_plain_error(response, 422)
    assert response.content == b"the render process died on this source\n"
    assert wait_until_ended(int(pid_file.read_text()))
    assert files_under(thumbs) == []
    assert not lock_for(path).held_by_anyone()
    settings.REST_THUMBNAILS_ENGINE = "pillow"
    (media / "fine.jpg").write_bytes(jpeg(300, 200))
    fine = client.get("/t/" + signed_path("fine.jpg", "30x20"))
    assert fine.status_code == 200


def test_an_engine_bug_is_422_never_500(client, photo_source, signed_path, settings, logs) -> None:
    settings.REST_THUMBNAILS_ENGINE = "tests.support.engines.explode"
    response = client.get("/t/" + signed_path(photo_source, "100x100"))
    assert_plain_error(response, 422)
    assert response.content == b"source could not be rendered (RuntimeError)\n"
    assert "422 photo.jpg/100x100/crop/" in logs.text


def test_a_render_over_the_memory_limit_is_422(
    client, photo_source, signed_path, settings
) -> None:
    settings.REST_THUMBNAILS_ENGINE = "tests.support.engines.hog_memory"
    settings.REST_THUMBNAILS_RENDER_MEMORY_LIMIT = 1024**3
    response = client.get("/t/" + signed_path(photo_source, "100x100"))
    assert_plain_error(response, 422)
    assert response.content == b"source needs more memory than renders may use\n"


@pytest.fixture
def photo_source(media: Path) -> str:
    (media / "photo.jpg").write_bytes(jpeg(800, 600))
    return "photo.jpg"


# One engine: both call the same header checks (engine.open_counted) before decoding.
@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("scans.jpg", lambda: jpeg_scan_bomb(1024, 1024, scans=400), b"over 100 JPEG scans"),
        ("frames.gif", lambda: gif_frame_bomb(100_000), b"over 500 frames"),
        ("pages.tif", lambda: tiff_ifd_chain(20_000), b"over 500 frames"),
        ("rle.bmp", lambda: bmp_rle8(2000, 2000), b"run-length encoded BMP"),
    ],
)
def test_hostile_headers_are_refused_with_422_before_decoding(
    client, media, signed_path, settings, thumbs, logs, name, content, reason
) -> None:
    settings.REST_THUMBNAILS_SOURCE_FORMATS = ["JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP"]
    (media / name).write_bytes(content())
    response = client.get("/t/" + signed_path(name, "100x100"))
    assert_plain_error(response, 422)
    assert reason in response.content
    assert files_under(thumbs) == []
    assert reason.decode() in logs.text


def test_scan_and_frame_limits_are_settings(client, media, signed_path, settings) -> None:
    (media / "scans.jpg").write_bytes(jpeg_scan_bomb(256, 256, scans=40))
    assert client.get("/t/" + signed_path("scans.jpg", "50x50")).status_code == 200
    settings.REST_THUMBNAILS_MAX_SOURCE_SCANS = 20
    refused = client.get("/t/" + signed_path("scans.jpg", "60x60"))
    assert (refused.status_code, refused.content) == (422, b"source has over 20 JPEG scans\n")
    (media / "frames.gif").write_bytes(gif_frame_bomb(30))
    settings.REST_THUMBNAILS_MAX_SOURCE_FRAMES = 10
    refused = client.get("/t/" + signed_path("frames.gif", "60x60"))
    assert (refused.status_code, refused.content) == (422, b"source has over 10 frames\n")


def test_a_source_without_a_local_path_travels_as_bytes(
    client, signed_path, settings, thumbs
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "sources": {"BACKEND": "tests.support.remote_storage.PathlessStorage"},
    }
    storages["sources"].save("remote/photo.jpg", ContentFile(jpeg(600, 400)))
    storages["sources"].save("remote/empty.jpg", ContentFile(b""))
    response = client.get("/t/" + signed_path("remote/photo.jpg", "60x40"))
    assert response.status_code == 200
    assert decode(b"".join(response.streaming_content)).size == (60, 40)
    empty = client.get("/t/" + signed_path("remote/empty.jpg", "60x40"))
    assert (empty.status_code, empty.content) == (422, b"source is empty\n")


def test_a_miss_that_gave_up_in_the_queue_is_never_rendered_into_place(
    media, signed_path, settings, thumbs
) -> None:
    # The job travels with the connection, before a render process accepts it. One
    # render process, busy for 1 s with a.jpg; the miss of b.jpg waits 0.3 s in the
    # queue, is answered 503, and its job is still in the socket when the process
    # comes free. That job must be dropped, not rendered: the next miss (c.jpg) is
    # taken at once (within its own 0.3 s), and b.jpg has no file until asked again.
    settings.REST_THUMBNAILS_ENGINE = "tests.support.engines.slow_then_fine"
    settings.REST_THUMBNAILS_MAX_CONCURRENT = 1
    settings.REST_THUMBNAILS_MAX_QUEUED = 1
    settings.REST_THUMBNAILS_QUEUE_TIMEOUT = 0.3
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (media / name).write_bytes(jpeg(400, 300))
    answers: list[int] = []
    first = start_miss_holding_the_render_process(media / "a.jpg", signed_path, answers)
    abandoned = signed_path("b.jpg", "100x100")
    assert_plain_error(Client().get("/t/" + abandoned), 503)
    first.join(30)
    assert answers == [200]
    assert Client().get("/t/" + signed_path("c.jpg", "50x50")).status_code == 200
    assert not (thumbs / abandoned).exists()
    assert [name for name in files_under(thumbs) if name.endswith(".tmp")] == []
    assert Client().get("/t/" + abandoned).status_code == 200
    assert decode((thumbs / abandoned).read_bytes()).size == (100, 100)


def test_the_cpu_limit_stops_a_render_nobody_is_waiting_for(tmp_path: Path) -> None:
    """The second fence: a render process whose request went away still stops, by
    RLIMIT_CPU, about one second of CPU after its budget."""
    pool = PoolProcess.start(processes=1, queued=1, memory_limit=0)
    try:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(pool.socket_path)
        (pid,) = READY.unpack(receive_exactly(connection, READY.size))
        job = Job(
            engine="tests.support.engines.spin",
            spec=make_spec("x.jpg", "10x10", "crop", "jpg"),
            options=EngineOptions(),
            cpu_seconds=1.0,
            payload_bytes=4,
        )
        connection.sendall(job.encode() + b"spin")
        connection.settimeout(60)
        assert connection.recv(1) == b""  # ended without an answer: killed by SIGXCPU
        connection.close()
        assert wait_until_ended(pid)
    finally:
        pool.stop()
    assert not os.path.exists(pool.socket_path)


@pytest.fixture
def shared_pool(tmp_path: Path):
    """`restthumbnails render-pool SOCKET` as a site would run it (a service of its own)."""
    socket_path = tmp_path / "pool" / "render.sock"
    socket_path.parent.mkdir()

    command = [sys.executable, "-m", "restthumbnails", "render-pool", str(socket_path)]

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen([*command, "--processes", "1"], stdout=subprocess.PIPE)
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        return process

    started: list[subprocess.Popen[bytes]] = []
    yield socket_path, lambda: started.append(start()) or started[-1]
    for process in started:
        process.kill()
        process.wait()


def test_a_site_shares_one_render_pool_through_its_socket(
    client, photo_source, signed_path, settings, shared_pool
) -> None:
    socket_path, start = shared_pool
    settings.REST_THUMBNAILS_RENDER_POOL = str(socket_path)
    pool = start()
    assert client.get("/t/" + signed_path(photo_source, "80x60")).status_code == 200
    # The pool stopped: 503 Retry-After 5, nothing rendered in the request thread.
    pool.kill()
    pool.wait()
    stopped = client.get("/t/" + signed_path(photo_source, "40x30"))
    assert_plain_error(stopped, 503)
    assert stopped["Retry-After"] == "5"
    # "is not running", or "closed the connection" while its processes were ending
    assert stopped.content.startswith(b"the render pool ")
    # Restarted on the socket the killed one left behind: served again.
    assert socket_path.exists()
    start()
    assert client.get("/t/" + signed_path(photo_source, "40x30")).status_code == 200


def test_a_render_process_takes_the_next_job_while_the_last_write_is_on_the_disk(
    tmp_path: Path,
) -> None:
    # Input: one render process; a thumbnail whose fsync takes 3 s, then a second job.
    # Answer: the second job is accepted (READY) while the first thumbnail's temp file
    # is written and not yet renamed: the disk's wait is no longer the CPU's. The
    # first thumbnail then lands whole under its name, with its size answered.
    from restthumbnails.render.pool.client import PoolRenderer

    source = tmp_path / "photo.jpg"
    source.write_bytes(jpeg(400, 300))
    folder = tmp_path / "written"
    folder.mkdir()
    final = folder / "photo.jpg.100x100.jpg"
    pool = PoolProcess.start(processes=1, queued=1, memory_limit=0)
    try:
        renderer = PoolRenderer(
            socket_path=pool.socket_path,
            engine="tests.support.engines.stall_before_rename",
            options=EngineOptions(),
            queue_timeout=5.0,
            generation_timeout=30.0,
        )
        sizes: list[int] = []

        def first() -> None:
            with source.open("rb") as handle:
                sizes.append(
                    renderer.render_into(
                        handle, make_spec("photo.jpg", "100x100", "crop", "jpg"), str(final)
                    )
                )

        writing = threading.Thread(target=first)
        writing.start()
        deadline = time.monotonic() + 30
        while not list(folder.glob(".*.tmp")) and time.monotonic() < deadline:
            threading.Event().wait(0.01)
        assert list(folder.glob(".*.tmp")), "the first thumbnail's temp file never appeared"
        second = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        second.settimeout(30)  # against a hang; the file's absence below is the proof
        second.connect(pool.socket_path)
        (pid,) = READY.unpack(receive_exactly(second, READY.size))
        assert pid > 0 and not final.exists()  # accepted before the first write was done
        second.close()
        writing.join(30)
        assert sizes == [final.stat().st_size]
        assert decode(final.read_bytes()).size == (100, 100)
        assert list(folder.glob(".*.tmp")) == []
    finally:
        pool.stop()
