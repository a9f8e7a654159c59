"""What the shipped proxy configurations refuse, each run for real in front of `serve`.

- `/_metrics` only from this host: a client at 127.0.0.2 (loopback, but not the
  127.0.0.1 / ::1 the configurations allow) gets 403.
- `/_health` is always the backend's answer, never a file from the thumbnail folder.
- Only a path of a thumbnail's shape is sent from disk: a key file, lock files,
  `.health/` or a temp file lying in the thumbnail folder never is.
"""

from __future__ import annotations

import io
import json
import re
import urllib.parse
from pathlib import Path

import pytest
from PIL import Image

from restthumbnails.server.proxyconfig import THUMBNAIL_PATH

from .proxies import EXAMPLES, PROXIES, RESPONSE_BACKEND
from .stack import Stack, public_folder, thumbnail_url
from .support import fetch, generated_count

OTHER_CLIENT = "127.0.0.2"
SIGNATURE = "0123456789abcdef" * 4
README = EXAMPLES.parent / "README.md"
EXAMPLE_FILES = ("nginx.conf", "apache.conf", "lighttpd.conf", "Caddyfile")


@pytest.mark.parametrize("path", [*(EXAMPLES / name for name in EXAMPLE_FILES), README])
def test_every_example_limits_files_from_disk_to_the_thumbnail_shape(path: Path) -> None:
    # One regex, written into each example and the README's; a hand edit that
    # drifts fails here.
    assert THUMBNAIL_PATH in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("path", "shaped"),
    [
        (f"/a.jpg/200x200/crop/{SIGNATURE}.jpg", True),
        (f"/photos 2026/café?.jpg/200x/scale/{SIGNATURE}.webp", True),
        (f"/a.jpg/x90/smart/{SIGNATURE}.avif", True),
        (f"/a.jpg/64x64/faces/{SIGNATURE}.png", True),
        (f"/a.jpg/64x64/focus-30-70/{SIGNATURE}.gif", True),
        (f"/a.jpg/64x64/crop/{SIGNATURE}.jpeg", True),
        ("/secret-key", False),
        ("/locks-0123456789abcdef.sqlite3", False),
        (f"/.locks/{SIGNATURE}.lock", False),
        ("/.health/123-abcd", False),
        (f"/a.jpg/64x64/crop/.{SIGNATURE}.jpg.tmp", False),
        ("/a.jpg/64x64/crop/.tmpab12cd.tmp", False),
        (f"/a.jpg/64x64/crop/{SIGNATURE}.txt", False),
        (f"/a.jpg/64x64/crop/{SIGNATURE.upper()}.jpg", False),
        (f"/a.jpg/64x64/crop/{SIGNATURE[:-1]}.jpg", False),
        (f"/a.jpg/064x64/crop/{SIGNATURE}.jpg", False),
        (f"/a.jpg/64X64/crop/{SIGNATURE}.jpg", False),
        (f"/64x64/crop/{SIGNATURE}.jpg", False),
        ("/_health", False),
        ("/_metrics", False),
    ],
)
def test_the_thumbnail_shape(path: str, shaped: bool) -> None:
    assert bool(re.search(THUMBNAIL_PATH, path)) is shaped


@pytest.mark.parametrize("kind", PROXIES)
def test_metrics_answer_only_this_host(
    kind: str, stack: Stack, sample_media: Path, thumbnails_dir: Path
) -> None:
    backend = stack.serve(sample_media, thumbnails_dir, response_backend=RESPONSE_BACKEND[kind])
    _, proxy_url = stack.proxy(kind, thumbnails_dir, backend)

    # From 127.0.0.1: the backend's Prometheus text.
    local = fetch(proxy_url + "_metrics")
    assert local.status == 200, local
    assert b"restthumbnails_generations_in_flight" in local.body
    # From 127.0.0.2, also with the path %-encoded: 403 and no metrics.
    for path in ("_metrics", "%5Fmetrics"):
        remote = fetch(proxy_url + path, source_address=OTHER_CLIENT)
        assert remote.status == 403, (path, remote)
        assert b"restthumbnails_" not in remote.body
    # The rest of the site is open to that client.
    url = thumbnail_url(proxy_url, "landscape.jpg", "60x40", "crop", "jpg")
    assert fetch(url, source_address=OTHER_CLIENT).status == 200


@pytest.mark.parametrize("kind", PROXIES)
def test_health_is_always_asked_of_the_backend(
    kind: str, stack: Stack, sample_media: Path, thumbnails_dir: Path
) -> None:
    backend = stack.serve(sample_media, thumbnails_dir, response_backend=RESPONSE_BACKEND[kind])
    _, proxy_url = stack.proxy(kind, thumbnails_dir, backend)
    # A stale answer lying where a static location would find it.
    stale = thumbnails_dir / "_health"
    stale.write_text('{"status": "stale"}')
    stale.chmod(0o644)

    response = fetch(proxy_url + "_health")
    assert response.status == 200, response
    assert json.loads(response.body)["status"] == "ok"
    assert response.header("cache-control") == "no-store"

    # With the backend gone the proxy has no answer of its own: not a 200.
    backend.process.stop()
    assert fetch(proxy_url + "_health").status >= 500


@pytest.mark.parametrize("kind", PROXIES)
def test_only_paths_of_a_thumbnails_shape_are_sent_from_disk(
    kind: str, stack: Stack, sample_media: Path, thumbnails_dir: Path
) -> None:
    backend = stack.serve(sample_media, thumbnails_dir, response_backend=RESPONSE_BACKEND[kind])
    _, proxy_url = stack.proxy(kind, thumbnails_dir, backend)
    real = thumbnail_url(proxy_url, "landscape.jpg", "120x80", "crop", "jpg")
    first = fetch(real)
    assert first.status == 200, first
    thumbnail_folder = "landscape.jpg/120x80/crop"

    # Files nobody signed, each with a content that must never reach a client.
    planted = {
        "secret.txt": b"planted secret text",
        "secret-key": b"planted signing key",
        "locks-0123456789abcdef.sqlite3": b"planted lock database",
        f".locks/{SIGNATURE}.lock": b"planted lock file",
        ".health/123-abcd": b"planted health probe",
        f"{thumbnail_folder}/.a1b2c3.tmp": b"planted half-written thumbnail",
        f"{thumbnail_folder}/{SIGNATURE}.txt": b"planted text beside a thumbnail",
        f"{thumbnail_folder}/{SIGNATURE.upper()}.jpg": b"planted upper-case name",
    }
    for name, content in planted.items():
        path = thumbnails_dir / name
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        path.write_bytes(content)
        path.chmod(0o644)
    for name, content in planted.items():
        response = fetch(proxy_url + name.replace(" ", "%20"))
        # The backend's refusal (400 malformed, 404) or the proxy's 403.
        assert response.status in (400, 403, 404), (name, response)
        assert content not in response.body, name

    # A real thumbnail: the second request comes from disk, rendered only once.
    again = fetch(real)
    assert (again.status, again.body) == (200, first.body)
    assert generated_count(backend.process) == 1
    # A method the backend does not know yet has the shape too: a file there is
    # sent from disk (the backend alone would answer 400), so methods added later
    # need no change to the proxy configuration.
    future = f"landscape.jpg/64x64/focus-30-70/{SIGNATURE}.jpg"
    (thumbnails_dir / future).parent.mkdir(parents=True, mode=0o755)
    (thumbnails_dir / future).write_bytes(first.body)
    (thumbnails_dir / future).chmod(0o644)
    from_disk = fetch(proxy_url + future)
    assert (from_disk.status, from_disk.body) == (200, first.body)


# Reserved characters in names: "?" once cut the path into a query on Apache
# (AH10508, 403); "#", "%", "+" and spaces must also reach the backend as one path.
ODD_NAMES = ("what?.jpg", "50% off #1.jpg", "a+b=c&d.jpg", "über uns/Ünï ?%3F.jpg")


@pytest.fixture(scope="module")
def odd_media(e2e_root: Path) -> Path:
    folder = public_folder(e2e_root, "odd-media")
    for index, name in enumerate(ODD_NAMES):
        path = folder / name
        if not path.parent.is_dir():
            path.parent.mkdir(mode=0o755)
        Image.new("RGB", (90 + index, 60), (200, 40 * index, 90)).save(path, "JPEG")
        path.chmod(0o644)
    return folder


@pytest.mark.parametrize("kind", PROXIES)
def test_names_with_reserved_characters_are_served(
    kind: str, stack: Stack, odd_media: Path, thumbnails_dir: Path
) -> None:
    # lighttpd %-decodes X-Sendfile, so names holding "%" need the escaped header.
    extra = ("--sendfile-escape",) if kind == "lighttpd" else ()
    backend = stack.serve(
        odd_media, thumbnails_dir, response_backend=RESPONSE_BACKEND[kind], extra_args=extra
    )
    _, proxy_url = stack.proxy(kind, thumbnails_dir, backend)
    for name in ODD_NAMES:
        url = thumbnail_url(proxy_url, name, "30x20", "crop", "png")
        response = fetch(url)
        assert response.status == 200, (name, url, response)
        with Image.open(io.BytesIO(response.body)) as image:
            assert (image.format, image.size) == ("PNG", (30, 20)), name
        # The file is where the proxy looks for it next time.
        on_disk = thumbnails_dir / urllib.parse.unquote(urllib.parse.urlsplit(url).path[1:])
        assert on_disk.read_bytes() == response.body, name
    assert generated_count(backend.process) == len(ODD_NAMES)
    # Sent from disk now, without the backend.
    backend.process.stop()
    for name in ODD_NAMES:
        assert fetch(thumbnail_url(proxy_url, name, "30x20", "crop", "png")).status == 200, name
