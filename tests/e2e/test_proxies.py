"""The shipped proxy configurations, each run for real in front of `restthumbnails serve`.

The promise: a thumbnail reaches Python once; after that the proxy sends it from
disk, even with the backend stopped.
"""

from __future__ import annotations

import io
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from .proxies import PROXIES, RESPONSE_BACKEND
from .stack import Stack, thumbnail_url, wrong_signature
from .support import fetch, files_under, generated_count

# serve answers thumbnail paths with its lean route and with Django's (--no-lean-route).
pytestmark = pytest.mark.both_routes

IMMUTABLE = "public, max-age=31536000, immutable"
# lighttpd's mod_expire is the only module that can tell an image from a backend
# error there, and it writes max-age alone (see examples/lighttpd.conf).
CACHE_CONTROL = {"lighttpd": "max-age=31536000"}


@dataclass(frozen=True)
class Case:
    source: str
    size: str
    method: str
    ext: str
    content_type: str
    pillow_format: str
    pixels: tuple[int, int]


CASES = (
    Case("landscape.jpg", "120x80", "crop", "jpg", "image/jpeg", "JPEG", (120, 80)),
    Case("square-alpha.png", "100x", "scale", "png", "image/png", "PNG", (100, 100)),
    Case("night.webp", "160x", "scale", "webp", "image/webp", "WEBP", (160, 90)),
    Case("badge.gif", "64x64", "crop", "gif", "image/gif", "GIF", (64, 64)),
)
# A space and accents: %-encoded in the URL, UTF-8 on disk.
ACCENTS = Case(
    "photos 2026/café crème.jpg", "x100", "smart", "webp", "image/webp", "WEBP", (75, 100)
)


def _check_image(case: Case, response_body: bytes) -> None:
    with Image.open(io.BytesIO(response_body)) as image:
        assert (image.format, image.size) == (case.pillow_format, case.pixels)


def _on_disk(thumbnails_dir: Path, url: str) -> bytes:
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path).lstrip("/")
    return (thumbnails_dir / name).read_bytes()


@pytest.mark.parametrize("kind", PROXIES)
def test_proxy_serves_thumbnails_and_keeps_serving_them_without_the_backend(
    kind: str, stack: Stack, sample_media: Path, thumbnails_dir: Path
) -> None:
    backend = stack.serve(sample_media, thumbnails_dir, response_backend=RESPONSE_BACKEND[kind])
    _, proxy_url = stack.proxy(kind, thumbnails_dir, backend)
    urls = [thumbnail_url(proxy_url, c.source, c.size, c.method, c.ext) for c in CASES]

    # First request: through the backend, which generates the file once.
    first = {}
    for case, url in zip(CASES, urls, strict=True):
        response = fetch(url)
        assert response.status == 200, (case, response)
        assert response.header("content-type") == case.content_type
        assert response.header("cache-control") == CACHE_CONTROL.get(kind, IMMUTABLE)
        assert "x-accel-redirect" not in response.headers
        assert "x-sendfile" not in response.headers
        _check_image(case, response.body)
        assert response.body == _on_disk(thumbnails_dir, url)
        first[url] = response.body
    assert generated_count(backend.process) == len(CASES)
    assert not [name for name in files_under(thumbnails_dir) if name.endswith(".tmp")]

    # Backend errors pass through unchanged: status, body and Cache-Control.
    bad_signature = wrong_signature(urls[0])
    malformed = urls[0].replace("/120x80/", "/120X80/")
    missing_source = thumbnail_url(proxy_url, "no-such-picture.jpg", "120x80", "crop", "jpg")
    for url, status in ((bad_signature, 401), (malformed, 400), (missing_source, 404)):
        through_proxy = fetch(url)
        direct = fetch(url.replace(proxy_url, backend.url))
        assert through_proxy.status == direct.status == status
        assert through_proxy.body == direct.body
        assert through_proxy.header("cache-control") == "no-store"

    # The backend stops: every thumbnail is still sent, byte for byte, by the proxy.
    backend.process.stop()
    assert not backend.process.running()
    for case, url in zip(CASES, urls, strict=True):
        response = fetch(url)
        assert response.status == 200, (case, response)
        assert response.body == first[url]
        assert response.header("content-type") == case.content_type
        assert response.header("cache-control") == CACHE_CONTROL.get(kind, IMMUTABLE)
    assert generated_count(backend.process) == len(CASES)


@pytest.mark.parametrize("kind", PROXIES)
def test_proxy_serves_a_source_name_with_a_space_and_accents(
    kind: str, stack: Stack, sample_media: Path, thumbnails_dir: Path
) -> None:
    backend = stack.serve(sample_media, thumbnails_dir, response_backend=RESPONSE_BACKEND[kind])
    _, proxy_url = stack.proxy(kind, thumbnails_dir, backend)
    case = ACCENTS
    url = thumbnail_url(proxy_url, case.source, case.size, case.method, case.ext)
    assert "/photos%202026/caf%C3%A9%20cr%C3%A8me.jpg/" in url

    response = fetch(url)
    assert response.status == 200, response
    assert response.header("content-type") == case.content_type
    _check_image(case, response.body)
    assert response.body == _on_disk(thumbnails_dir, url)

    backend.process.stop()
    again = fetch(url)
    assert (again.status, again.body) == (200, response.body)
    assert again.header("content-type") == case.content_type
    assert generated_count(backend.process) == 1
