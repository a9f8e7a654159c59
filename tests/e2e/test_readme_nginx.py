"""The README's nginx site, taken from README.md (`<!-- snippet: nginx-site -->`), works.

Input: the block as written, with only what a host changes: the address it listens
on, the thumbnail folder and the backend's address. Answer: `nginx -t` accepts it; in
front of `restthumbnails serve --response-backend nginx`, a thumbnail URL answers 200
with the right picture, a second request is sent from the folder by nginx with the
immutable Cache-Control and never reaches the backend; `/_metrics` answers this host.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

from PIL import Image

from ..support.snippets import snippet
from .stack import Stack, thumbnail_url
from .support import LOOPBACK, fetch, free_port, generated_count, require_binary, substitute

# One log line per request that reached the backend: "<status> <name>: <outcome> (...)".
BACKEND_REQUEST = re.compile(r"\] \d{3} \S.*: .* \(\d+ ms\)$", re.MULTILINE)


def test_the_readme_nginx_site_parses_and_serves(
    stack: Stack, sample_media: Path, thumbnails_dir: Path
) -> None:
    nginx = require_binary("nginx", package="nginx")
    backend = stack.serve(sample_media, thumbnails_dir, response_backend="nginx")
    port = free_port()
    site = substitute(
        snippet("README.md", "nginx-site"),
        {
            "listen 80;": f"listen {LOOPBACK}:{port};",
            "root /var/www/thumbnails;": f'root "{thumbnails_dir}";',
            "http://127.0.0.1:8000": f"http://{LOOPBACK}:{backend.port}",
        },
        source="README.md nginx-site",
    )
    _, proxy_url = stack.proxy("nginx", thumbnails_dir, backend, site=site, port=port)
    folder = stack.workdir / "nginx"
    tested = subprocess.run(
        [
            nginx,
            "-t",
            "-p",
            f"{folder}/",
            "-e",
            f"{folder}/error.log",
            "-c",
            f"{folder}/nginx.conf",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert tested.returncode == 0 and "syntax is ok" in tested.stderr, tested.stderr

    url = thumbnail_url(proxy_url, "landscape.jpg", "200x150", "crop", "jpg")
    first = fetch(url)
    assert first.status == 200
    with Image.open(io.BytesIO(first.body)) as image:
        assert (image.format, image.size) == ("JPEG", (200, 150))
    again = fetch(url)
    assert (again.status, again.body) == (200, first.body)
    assert again.header("cache-control") == "public, max-age=31536000, immutable"
    assert generated_count(backend.process) == 1
    # One request line in the backend's log: the second one never reached Python.
    assert len(BACKEND_REQUEST.findall(backend.process.output())) == 1
    assert fetch(proxy_url + "_metrics").status == 200
