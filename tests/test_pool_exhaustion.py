"""`serve` with every render process busy on slow sources: how long a normal
thumbnail waits, how fast the 503 comes, and whether hits and `/_health` still answer.

A miss holds its request thread while it waits for a render process and while it
renders. Before, ten slow misses took every thread of both workers (2 x 4), so a
hit or `/_health` waited 3.6 to 5.6 s behind them and a normal miss 5.5 s before
its 503. Now each worker has a thread for every miss the pool can hold
(MAX_CONCURRENT + MAX_QUEUED + 1) on top of its `--threads`, which stay free.

Measured here (2 shared cores, `serve --workers 2`, 4 threads, MAX_CONCURRENT 2,
MAX_QUEUED 8, QUEUE_TIMEOUT 2 s), ten or twelve misses of 49 MP JPEGs costing
seconds each: hits 0.01-0.04 s, /_health 0.04-0.06 s; the normal miss refused in
0.03 s (the pool's queue full); with only two slow misses it waited for a render
process and was refused after 2.09 s, the queue timeout; with renders shorter than
QUEUE_TIMEOUT (deadline 1 s) it was served in 0.57 s.

Two 30-frame 1000x1000 GIFs rendered at full size at once: each render process
peaked at 303 MiB of address space (VmPeak; 282 MiB resident), both served in
1.7-1.8 s. Under a 200 MiB RENDER_MEMORY_LIMIT each stopped at 200 MiB (178 MiB
resident) with a MemoryError: 422 in 0.7-0.9 s, the process replaced.
"""

import io
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from fixtures.hostile import jpeg_scan_bomb
from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec

from .support.animations import gif, seen
from .support.images import decode, jpeg
from .support.processes import is_render_pool
from .support.serving import Server, start_serve

# serve answers thumbnail paths with its lean route and with Django's (--no-lean-route).
pytestmark = pytest.mark.both_routes

KEY = "pool-exhaustion-test-key-0123456789"
QUEUE_TIMEOUT = 2.0
SLOW = 10


def url(source: str, size: str = "200x200") -> str:
    spec = make_spec(source, size, "crop", "jpg")
    return "/" + spec.name(sign(spec, key=KEY))


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory, serve_route: str) -> Path:
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
            # for seconds, the pool's queue full, more misses than `--threads`.
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
    # A slow miss is rendered (200), killed at the deadline (503 Retry-After 10), or
    # not given a render process in time or refused by the full queue (Retry-After 2).
    for status, headers, body, _ in slow_answers:
        assert status in (200, 503), body
        if status == 503:
            assert headers["Retry-After"] in ("10", "2"), body


# Two large animations: 30 frames of 1000x1000 (30 MP, within MAX_SOURCE_PIXELS),
# asked for at full size. Their frames are kept until the encoder has them all: a
# render process peaks at about 300 MB of address space (VmPeak) for one of them.
HUGE_SIDE, HUGE_FRAMES = 1000, 30
MEBIBYTE = 1024 * 1024


def huge_animation() -> bytes:
    frames = []
    for index in range(HUGE_FRAMES):
        frame = Image.new("RGB", (HUGE_SIDE, HUGE_SIDE), (index * 37 % 256, 90, 160))
        ImageDraw.Draw(frame).rectangle([index * 30, 0, index * 30 + 60, 60], fill=(0, 0, 0))
        frames.append(frame)
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def animations(tmp_path_factory: pytest.TempPathFactory, serve_route: str) -> Path:
    folder = tmp_path_factory.mktemp("animations") / "media"
    folder.mkdir()
    data = huge_animation()
    for name in ("huge-1.gif", "huge-2.gif"):
        (folder / name).write_bytes(data)
    (folder / "small.gif").write_bytes(gif(5))  # 300x200, 5 frames
    return folder


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def render_supervisor(server: Server) -> int:
    return next(pid for pid in children(server.process.pid) if is_render_pool(pid))


@contextmanager
def peak_address_space(supervisor: int) -> Iterator[dict[int, int]]:
    """VmPeak of every render process seen while the block runs, sampled every 10 ms."""
    peaks: dict[int, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in children(supervisor):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except (FileNotFoundError, ProcessLookupError):
                    continue
                for line in status.splitlines():
                    if line.startswith("VmPeak:"):
                        peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]) * 1024)
            done.wait(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        yield peaks
    finally:
        done.set()
        sampler.join()


def animation_url(source: str, size: str) -> str:
    spec = make_spec(source, size, "scale", "gif")
    return "/" + spec.name(sign(spec, key=KEY))


def test_two_huge_animations_at_once_each_stay_within_the_memory_limit(
    animations: Path,
) -> None:
    # Input: both huge animations at full size at once, under the default
    # RENDER_MEMORY_LIMIT (2 GiB). Answer: both 200, 30 frames of 1000x1000, and no
    # render process's address space ever passed the limit (measured: ~300 MB each).
    thumbs = animations.parent / "thumbs-fit"
    size = f"{HUGE_SIDE}x{HUGE_SIDE}"
    with start_serve(animations, thumbs, key=KEY) as server:
        supervisor = render_supervisor(server)
        with peak_address_space(supervisor) as peaks, ThreadPoolExecutor(2) as pool:
            answers = list(
                pool.map(server.get, [animation_url(f"huge-{n}.gif", size) for n in (1, 2)])
            )
    for status, _, body in answers:
        assert status == 200, body
        shown = seen(body)
        assert len(shown.sizes) == HUGE_FRAMES
        assert set(shown.sizes) == {(HUGE_SIDE, HUGE_SIDE)}
    assert peaks and max(peaks.values()) <= 2 * 1024 * MEBIBYTE


def test_an_animation_over_the_memory_limit_is_killed_without_harming_the_other(
    animations: Path,
) -> None:
    # Input: RENDER_MEMORY_LIMIT 200 MiB, three render processes; both huge animations
    # at full size and a small one at once.
    limit = 200 * MEBIBYTE
    thumbs = animations.parent / "thumbs-over"
    options = ("--render-memory-limit", str(limit), "--max-concurrent", "3")
    size = f"{HUGE_SIDE}x{HUGE_SIDE}"
    with start_serve(animations, thumbs, key=KEY, options=options) as server:
        supervisor = render_supervisor(server)
        started = set(children(supervisor))
        paths = [animation_url(f"huge-{n}.gif", size) for n in (1, 2)]
        paths.append(animation_url("small.gif", "150x100"))
        with peak_address_space(supervisor) as peaks, ThreadPoolExecutor(3) as pool:
            huge_1, huge_2, small = pool.map(server.get, paths)
        # Answer: each huge one 422 from its MemoryError, the small one 200 animated.
        for status, _, body in (huge_1, huge_2):
            assert (status, body) == (422, b"source needs more memory than renders may use\n")
        assert small[0] == 200
        assert seen(small[2]).sizes == [(150, 100)] * 5
        # No render process ever held more than the limit; the two that ran out are
        # replaced (a fresh fork each), and the pool serves the next miss at once.
        assert peaks and max(peaks.values()) <= limit
        # The supervisor forks each replacement when it reaps the dead process: wait
        # for both to be gone and the pool to be whole again, not only for the first.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            now = set(children(supervisor))
            if len(started - now) >= 2 and len(now) == 3:
                break
            time.sleep(0.05)
        assert len(started - set(children(supervisor))) >= 2
        assert len(children(supervisor)) == 3
        status, _, body = server.get(animation_url("small.gif", "90x60"))
        assert status == 200
        assert seen(body).sizes == [(90, 60)] * 5
    assert not any(name.startswith("huge") for name in os.listdir(thumbs))
