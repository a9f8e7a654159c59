"""`serve`'s master and HTTP workers never load Pillow: every pixel is decoded in a
render process, so Pillow, its format plugins and their codec libraries (about
10 MB of each process's memory) live only there."""

import time
from pathlib import Path

import pytest

from restthumbnails.core.spec import make_spec
from restthumbnails.core.urlbuilding import signed_thumbnail

from .support.images import decode, jpeg
from .support.processes import is_render_pool, process_tree
from .support.serving import start_serve

KEY = "request-side-test-key"
pytestmark = pytest.mark.both_routes


def thumbnail_path(source: str, size: str = "60x40") -> str:
    return signed_thumbnail(make_spec(source, size, "crop", "jpg"), key=KEY, base_url="/").url


def loads_pillow(pid: int) -> bool:
    """Pillow's C core (_imaging) is mapped into the process."""
    return "/PIL/_imaging." in Path(f"/proc/{pid}/maps").read_text()


def serve_processes(root: int, http_workers: int) -> list[int]:
    """The tree once the master has forked all its HTTP workers: it forks them one
    after another with a short random pause, so the port answers before the last one
    exists."""
    deadline = time.monotonic() + 10
    while True:
        tree = process_tree(root)
        request_side = [pid for pid in tree if not is_render_pool(pid)]
        if len(request_side) == 1 + http_workers or time.monotonic() > deadline:
            return tree
        time.sleep(0.05)


def test_only_the_render_processes_load_pillow(tmp_path: Path) -> None:
    media = tmp_path / "sources"
    media.mkdir()
    (media / "photo.jpg").write_bytes(jpeg(300, 200))
    (media / "broken.jpg").write_text("not an image")
    with start_serve(media, tmp_path / "thumbs", key=KEY) as server:
        # Answers that touch every path of a request: a miss rendered and sent, the
        # same thumbnail again (a hit), a broken source (422), a bad signature (401).
        status, _, body = server.get(thumbnail_path("photo.jpg"))
        assert (status, decode(body).size) == (200, (60, 40))
        assert server.get(thumbnail_path("photo.jpg"))[0] == 200
        assert server.get(thumbnail_path("broken.jpg"))[0] == 422
        assert server.get(thumbnail_path("photo.jpg").replace("/60x40/", "/61x40/"))[0] == 401
        tree = serve_processes(server.process.pid, http_workers=2)
        request_side = [pid for pid in tree if not is_render_pool(pid)]
        render_side = [pid for pid in tree if is_render_pool(pid)]
        # serve's master and its two workers (the tests start --workers 2).
        assert len(request_side) == 3 and render_side
        assert [pid for pid in request_side if loads_pillow(pid)] == []
        assert all(loads_pillow(pid) for pid in render_side)
