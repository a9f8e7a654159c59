"""`restthumbnails nginx-config`: the printed site is what examples/nginx.conf ships, and it
works as printed in front of several `serve` instances.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from restthumbnails.server.cli import main

from .proxies import EXAMPLES
from .stack import Stack, thumbnail_url
from .support import LOOPBACK, fetch, free_port, generated_count, python_command

# serve answers thumbnail paths with its lean route and with Django's (--no-lean-route).
pytestmark = pytest.mark.both_routes


def nginx_config(*options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*python_command(), "nginx-config", *options],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_shipped_example_is_the_default_output() -> None:
    done = nginx_config()
    assert done.returncode == 0, done.stderr
    assert done.stdout == (EXAMPLES / "nginx.conf").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--thumbnails-dir", "/srv/a$b"),
        ("--thumbnails-dir", '/srv/a"b'),
        ("--backend", "127.0.0.1"),
        ("--backend", "127.0.0.1:99999"),
        ("--listen", "80; include /etc/passwd"),
        ("--server-name", "a;b"),
    ],
)
def test_values_that_would_break_the_config_are_refused(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["nginx-config", option, value]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert option in captured.err


def test_printed_config_serves_through_two_backends_and_then_alone(
    stack: Stack, sample_media: Path, thumbnails_dir: Path
) -> None:
    backends = [
        stack.serve(sample_media, thumbnails_dir, name=f"serve-{n}", response_backend="nginx")
        for n in ("a", "b")
    ]
    port = free_port()
    done = nginx_config(
        "--thumbnails-dir",
        str(thumbnails_dir),
        *(f"--backend={LOOPBACK}:{b.port}" for b in backends),
        "--listen",
        f"{LOOPBACK}:{port}",
        "--server-name",
        "localhost thumbs.test",
    )
    assert done.returncode == 0, done.stderr
    assert f'root "{thumbnails_dir}";' in done.stdout
    _, proxy_url = stack.proxy("nginx", thumbnails_dir, backends[0], site=done.stdout, port=port)

    widths = range(40, 160, 20)
    urls = [thumbnail_url(proxy_url, "portrait.jpg", f"{w}x", "scale", "jpg") for w in widths]
    first = [fetch(url) for url in urls]
    for width, response in zip(widths, first, strict=True):
        assert response.status == 200
        with Image.open(io.BytesIO(response.body)) as image:
            assert image.size == (width, width * 3 // 2)
    # Both backends took part (nginx balances round-robin), each thumbnail made once.
    counts = [generated_count(b.process) for b in backends]
    assert sum(counts) == len(urls) and all(counts), counts

    for backend in backends:
        backend.process.stop()
    assert [fetch(url).body for url in urls] == [r.body for r in first]
