"""Hostile uploads against `serve --workers 2`: every request's CPU is bounded.

Each hostile source costs seconds of CPU if decoded; here it is refused from its
header (422) or killed at GENERATION_TIMEOUT (503) and then remembered, while a
normal thumbnail is still served and nothing is left on disk.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fixtures.hostile import gif_frame_bomb, jpeg_scan_bomb
from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec

from .conftest import files_under
from .support.images import decode, jpeg
from .support.serving import start_serve

# serve answers thumbnail paths with its lean route and with Django's (--no-lean-route).
pytestmark = pytest.mark.both_routes

KEY = "hostile-test-key-0123456789abcdef"
TIMEOUT = 1.0
TICKS = os.sysconf("SC_CLK_TCK")


def url(source: str, size: str = "200x200", method: str = "crop", ext: str = "jpg") -> str:
    spec = make_spec(source, size, method, ext)
    return "/" + spec.name(sign(spec, key=KEY))


def tree_cpu_seconds(root: int) -> float:
    """CPU used by `root` and all its descendants, dead ones included once reaped."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / TICKS


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory, serve_route: str) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "media"
    folder.mkdir()
    # 103 KB, 300 scans: 2.7 s of CPU to decode, even at 1/8 scale.
    (folder / "scans.jpg").write_bytes(jpeg_scan_bomb(4000, 4000, scans=300))
    # 6 MB of 500,000 one-pixel frames: counting them all is the cost.
    (folder / "frames.gif").write_bytes(gif_frame_bomb(500_000))
    # Under the scan limit (99) but 49 MP: about 3 s of CPU per decode.
    for name in ("slow-1.jpg", "slow-2.jpg"):
        (folder / name).write_bytes(jpeg_scan_bomb(7000, 7000, scans=99))
    (folder / "normal.jpg").write_bytes(jpeg(1600, 1200))
    return folder


def test_hostile_sources_cost_at_most_the_deadline_and_normal_work_goes_on(
    media: Path,
) -> None:
    thumbs = media.parent / "thumbs"
    options = ("--generation-timeout", str(TIMEOUT))
    with start_serve(media, thumbs, key=KEY, options=options) as server:
        assert server.get(url("normal.jpg", "50x50"))[0] == 200  # everything is loaded
        cpu_before = tree_cpu_seconds(server.process.pid)

        # Input: each slow source asked for three times, at three sizes, all at once,
        # with a normal miss among them. Answer: the first render of each slow source is
        # killed at the deadline (503), the others are 503 too (killed, remembered, or
        # not given a render process in time); the normal thumbnail is 200.
        requests = [
            url(f"slow-{n}.jpg", size) for size in ("200x200", "300x", "x90") for n in (1, 2)
        ]
        with ThreadPoolExecutor(len(requests) + 1) as pool:
            slow = [pool.submit(server.get, path) for path in requests]
            threading.Event().wait(0.2)
            normal = pool.submit(server.get, url("normal.jpg", "300x200"))
            answers = [future.result() for future in slow]
            normal_answer = normal.result()
        assert [status for status, _, _ in answers] == [503] * len(requests)
        # 10: killed at the deadline or remembered; 2: no render process came free in time.
        retry_after = {headers["Retry-After"] for _, headers, _ in answers}
        assert "10" in retry_after and retry_after <= {"10", "2"}
        assert normal_answer[0] == 200
        assert decode(normal_answer[2]).size == (300, 200)

        # Input: the scan bomb and the frame bomb. Answer: 422 from the header, twice.
        for _ in range(2):
            status, _, body = server.get(url("scans.jpg"))
            assert (status, body.startswith(b"source has over 100 JPEG scans")) == (422, True)
            status, _, body = server.get(url("frames.gif", ext="png"))
            assert (status, body.startswith(b"source has over 500 frames")) == (422, True)

        threading.Event().wait(0.5)  # the supervisor reaps the killed processes
        spent = tree_cpu_seconds(server.process.pid) - cpu_before
        # Unbounded, the six slow requests alone cost 6 x 3 s and the bombs 2 x 2.7 s.
        # Bounded: at most two renders of TIMEOUT (one per slow source; the rest are
        # remembered or killed as soon as they start), plus the normal work.
        assert spent < 2 * (TIMEOUT + 1) + 2, f"{spent:.1f} s of CPU"

    names = files_under(thumbs)
    assert not any(name.startswith(("slow", "scans", "frames")) for name in names)
    assert not any(".tmp" in name for name in names)
    log = (thumbs.parent / next(p.name for p in thumbs.parent.glob("serve-*.log"))).read_text()
    assert "generation took longer than 1 s" in log
