"""How far a failed render is remembered: per source when the file cannot be decoded,
per thumbnail when one render ran out of time or memory, never for overload.

Before, a timeout was remembered for the whole source: after a 4000x4000 AVIF of a
large photo was killed at its deadline, a 64x64 JPEG of the same photo answered
503 "(remembered)" for FAILURE_TTL.
"""

from pathlib import Path

import pytest
from django.test import Client
from PIL import features

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec

from .support.images import decode, jpeg
from .support.serving import start_serve
from .test_views import assert_plain_error

# serve answers thumbnail paths with its lean route and with Django's (--no-lean-route).
pytestmark = pytest.mark.both_routes

KEY = "failure-memory-test-key-0123456789"


def url(source: str, size: str, method: str = "crop", ext: str = "jpg") -> str:
    spec = make_spec(source, size, method, ext)
    return "/" + spec.name(sign(spec, key=KEY))


@pytest.mark.skipif(not features.check("avif"), reason="Pillow without AVIF")
def test_a_slow_large_render_does_not_block_a_small_one_of_the_same_source(
    media: Path, thumbs: Path
) -> None:

    # 24 MP: a 4000x4000 AVIF crop of it decodes every pixel and encodes 16 MP, over a
    # second here even at AVIF speed 8; a 64x64 JPEG (decoded at 1/8 scale) takes about
    # 25 ms. Both run in real render processes.
    (media / "big.jpg").write_bytes(jpeg(6000, 4000))
    options = ("--generation-timeout", "0.5")
    with start_serve(media, thumbs, key=KEY, options=options) as server:
        large = url("big.jpg", "4000x4000", "crop", "avif")
        # Input: the large AVIF. Answer: 503 Retry-After 10, its process killed at 0.5 s.
        status, headers, body = server.get(large)
        assert (status, headers.get("Retry-After")) == (503, "10"), body[:80]
        assert body == b"generation took longer than 0.5 s\n"
        # Input: the same thumbnail again. Answer: 503 from memory, no second render.
        status, _, body = server.get(large)
        assert (status, body) == (503, b"generation took longer than 0.5 s (remembered)\n")
        # Input: a 64x64 JPEG and a 300x200 WebP of the same source. Answer: 200 both.
        for size, ext, expected in (("64x64", "jpg", (64, 64)), ("300x200", "webp", (300, 200))):
            status, _, body = server.get(url("big.jpg", size, ext=ext))
            assert status == 200, body
            assert decode(body).size == expected
    log = next(thumbs.parent.glob("serve-*.log")).read_text()
    assert "503 big.jpg/4000x4000/crop/" in log
    assert not list(thumbs.rglob("*.avif"))


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=True)


def test_an_undecodable_source_is_remembered_for_every_thumbnail_of_it(
    client, media, signed_path
) -> None:
    # Input: text named .jpg, then another size of it. Answer: 422, then 422 "(remembered)".
    (media / "notes.jpg").write_bytes(b"not an image at all\n" * 10)
    first = client.get("/t/" + signed_path("notes.jpg", "100x100"))
    assert_plain_error(first, 422)
    assert b"(remembered)" not in first.content
    other = client.get("/t/" + signed_path("notes.jpg", "40x40", "scale", "png"))
    assert_plain_error(other, 422)
    assert other.content.endswith(b" (remembered)\n")


def test_a_render_over_the_memory_limit_is_remembered_for_that_thumbnail_only(
    client, media, signed_path, settings
) -> None:
    # Input: an engine that asks for 16 GiB under a 1 GiB RENDER_MEMORY_LIMIT.
    # Answer: 422 out of memory; the same thumbnail again is 422 "(remembered)";
    # another size is tried again (the engine runs, so no "(remembered)").
    settings.REST_THUMBNAILS_ENGINE = "tests.support.engines.hog_memory"
    settings.REST_THUMBNAILS_RENDER_MEMORY_LIMIT = 1024**3
    (media / "photo.jpg").write_bytes(jpeg(400, 300))
    path = signed_path("photo.jpg", "100x100")
    first = client.get("/t/" + path)
    assert_plain_error(first, 422)
    assert first.content == b"source needs more memory than renders may use\n"
    again = client.get("/t/" + path)
    assert again.content == b"source needs more memory than renders may use (remembered)\n"
    other = client.get("/t/" + signed_path("photo.jpg", "50x50"))
    assert_plain_error(other, 422)
    assert other.content == b"source needs more memory than renders may use\n"
