"""FIFOs, sockets and devices among the sources: never opened, never a hang.

Opening a FIFO blocks until a writer comes; a symlink to /dev/zero reads for
ever. `serve` used to open every name at start (the example URLs it prints),
so one FIFO in the media folder kept it from ever reaching its port.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec

from .support.images import decode, jpeg
from .support.serving import start_serve

# serve answers thumbnail paths with its lean route and with Django's (--no-lean-route).
pytestmark = pytest.mark.both_routes

KEY = "special-files-test-key-0123456789ab"
SPECIAL = {
    "pipe.jpg": "a FIFO",
    "sock.jpg": "a socket",
    "zero.jpg": "a symlink to a character device",
    "null.png": "a symlink to a character device",
}


def url(source: str, size: str = "120x90") -> str:
    spec = make_spec(source, size, "crop", "jpg")
    return "/" + spec.name(sign(spec, key=KEY))


def add_special_files(folder: Path) -> None:
    os.mkfifo(folder / "pipe.jpg")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(folder / "sock.jpg"))  # the file stays after close()
    listener.close()
    (folder / "zero.jpg").symlink_to("/dev/zero")
    (folder / "null.png").symlink_to("/dev/null")


@pytest.fixture
def special_media(media: Path) -> Path:
    # Sorted, the special names come before the one image: the listing meets them first.
    add_special_files(media)
    (media / "photo.jpg").write_bytes(jpeg(400, 300))
    return media


@pytest.mark.parametrize("demo", [False, True], ids=["serve", "serve --demo"])
def test_serve_starts_and_serves_beside_special_files(
    special_media: Path, thumbs: Path, demo: bool
) -> None:
    # Input: a FIFO, a socket, and symlinks to /dev/zero and /dev/null in the media folder.
    # Answer: serve reaches its port (it hung before); the printed examples name only
    # photo.jpg; photo.jpg's thumbnail is 200; a special file's thumbnail is 404.
    with start_serve(special_media, thumbs, key=KEY, options=("--demo",) * demo) as server:
        status, _, body = server.get(url("photo.jpg"))
        assert status == 200
        assert decode(body).size == (120, 90)
        for name in SPECIAL:
            status, _, body = server.get(url(name))
            assert status == 404, (name, body)
        if demo:
            status, _, page = server.get("/")
            assert status == 200
            assert b"<h2>photo.jpg</h2>" in page
            assert not any(name.encode() in page for name in SPECIAL)
    printed = server.log.read_text()
    examples = [line.strip() for line in printed.splitlines() if line.startswith("  http")]
    assert examples and all("/photo.jpg/" in example for example in examples)


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REST_THUMBNAILS_")}
    environment.update(XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"))
    return subprocess.run(
        [sys.executable, "-m", "restthumbnails", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_warm_and_stats_skip_special_files_with_a_line(
    special_media: Path, thumbs: Path, tmp_path: Path
) -> None:
    # Input: `warm` and `stats` over the same folder, plus a FIFO in the thumbnails folder.
    # Answer: both exit 0; each special file is named once on stderr as skipped;
    # the one image is rendered and counted.
    os.mkfifo(thumbs / "stray.jpg")
    warm = run(
        "warm",
        str(special_media),
        "--thumbnails-dir",
        str(thumbs),
        "--size",
        "64x64",
        "--secret-key",
        KEY,
        "--no-progress",
        home=tmp_path,
    )
    assert warm.returncode == 0, warm.stderr
    assert "warm: 1 thumbnails" in warm.stdout + warm.stderr
    for name, kind in SPECIAL.items():
        assert warm.stderr.count(f"skipped {name}: {kind}, not a regular file") == 1
    assert (thumbs / "photo.jpg" / "64x64" / "crop").is_dir()

    stats = run("stats", str(special_media), "--thumbnails-dir", str(thumbs), home=tmp_path)
    assert stats.returncode == 0, stats.stderr
    assert "skipped stray.jpg: a FIFO, not a regular file" in stats.stderr
    assert "64x64  crop    jpg              1" in stats.stdout
