"""serve's lean thumbnail route answers exactly what Django's full cycle answers.

In process, through WSGI: the same sequence of requests goes once through
Django's own WSGI handler and once through `LeanThumbnailRoute` (each from an
empty thumbnail folder and lock cache), and every status line, header, body
and `restthumbnails` log line must match, for each response backend. The
HTTP tests of `serve` (tests/support/serving.py, tests/e2e/stack.py) run on
both routes too.
"""

import logging
import re
import shutil
import socket
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec
from restthumbnails.server.lean_route import LeanThumbnailRoute

from .support.images import jpeg, png
from .support.lean_client import call as wsgi_call
from .support.lean_client import environ_for
from .support.serving import start_serve

KEY = "lean-route-test-key"
Answer = tuple[str, list[tuple[str, str]], bytes]


def signed(source: str, size: str = "60x40", method: str = "crop", ext: str = "jpg") -> str:
    spec = make_spec(source, size, method, ext)
    return "/" + quote(spec.name(sign(spec, key=KEY)))


@pytest.fixture
def served(settings, media: Path, thumbs: Path) -> Path:
    """A serve-like configuration: its URL conf at the root, a few sources."""
    settings.ROOT_URLCONF = "restthumbnails.owned_urls"
    settings.SECRET_KEY = KEY
    settings.REST_THUMBNAILS_RENDER_POOL = "inline"
    settings.STORAGES = {
        **settings.STORAGES,
        "thumbnails": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(thumbs), "base_url": "http://thumbs.test/"},
        },
    }
    (media / "cat.jpg").write_bytes(jpeg(300, 200))
    (media / "café à.png").write_bytes(png(120, 90))
    (media / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a picture")
    (media.parent / "placeholder.png").write_bytes(png(20, 20))
    return thumbs


# (method, path, extra environ): misses, hits, refusals and paths that are not ours.
REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", signed("cat.jpg"), {}),
    ("GET", signed("cat.jpg"), {}),
    ("HEAD", signed("cat.jpg"), {}),
    ("GET", signed("cat.jpg"), {"HTTP_IF_NONE_MATCH": "*"}),
    ("GET", signed("cat.jpg"), {"HTTP_IF_MODIFIED_SINCE": "Mon, 01 Jan 2100 00:00:00 GMT"}),
    ("HEAD", signed("café à.png", "50x", "scale", "webp"), {}),
    ("GET", signed("café à.png", "50x", "scale", "webp"), {}),
    ("GET", signed("cat.jpg", "61x40"), {"SCRIPT_NAME": "/prefix"}),
    ("GET", signed("cat.jpg").replace("/crop/", "/CROP/"), {}),
    ("GET", signed("cat.jpg")[:-8] + "0000.jpg", {}),
    ("GET", signed("cat.jpg").replace("/60x40/", "/060x40/"), {}),
    ("GET", signed("nowhere.jpg"), {}),
    ("GET", signed("broken.jpg"), {}),
    ("GET", signed("broken.jpg"), {}),
    ("GET", "/../../etc/passwd/60x40/crop/" + "b" * 64 + ".jpg", {}),
    ("GET", "/" + quote("a\nb.jpg") + signed("x.jpg")[6:], {}),
    ("POST", signed("cat.jpg"), {}),
    ("PUT", signed("cat.jpg", "62x40"), {}),
    ("GET", "/not/a/thumbnail", {}),
    ("GET", "/", {}),
    ("GET", "/%ff%fe/60x40/crop/" + "a" * 64 + ".jpg", {}),
    ("GET", "/_health", {}),
    ("HEAD", "/_health", {}),
]


def call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> Answer:
    status, headers, content = wsgi_call(app, environ)
    return status, [(name, _stable(name, value)) for name, value in headers], content


def _stable(name: str, value: str) -> str:
    # Validators come from the file's mtime: each run writes its own file.
    return "<varies>" if name in ("ETag", "Last-Modified") else value


def run_all(app: Callable[..., Iterable[bytes]], thumbs: Path, caplog) -> list[Any]:
    """Every request from an empty thumbnail folder and lock cache: answers and log lines."""
    shutil.rmtree(thumbs)
    thumbs.mkdir()
    caches["default"].clear()
    caplog.clear()
    answers = [call(app, environ_for(*request)) for request in REQUESTS]
    lines = [
        re.sub(r"\(\d+ ms\)|in \d+ ms", "(N ms)", record.getMessage())
        for record in caplog.records
        if record.name == "restthumbnails"
    ]
    return [*answers, lines]


class NeverCalled:
    """Stands for Django behind the lean route: records what it was handed."""

    def __init__(self, django_app: WSGIHandler) -> None:
        self.django_app, self.paths = django_app, []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.paths.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        return self.django_app(environ, start_response)


@pytest.mark.parametrize("backend", ["nginx", "sendfile", "django", "redirect", "fallback"])
def test_every_answer_and_log_line_is_the_same_on_both_routes(
    backend: str, settings, served: Path, media: Path, caplog
) -> None:
    """Misses, hits, HEAD, conditional requests, non-ASCII names, a script prefix,
    400/403/404/405/422 refusals, a remembered failure, paths that are not
    thumbnails: byte for byte the same status, headers, body and log lines."""
    caplog.set_level(logging.INFO, logger="restthumbnails")
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = "nginx" if backend == "fallback" else backend
    if backend == "fallback":
        settings.REST_THUMBNAILS_FALLBACK_IMAGE = str(media.parent / "placeholder.png")
    django_app = WSGIHandler()
    through_django = run_all(django_app, served, caplog)
    behind = NeverCalled(django_app)
    through_lean = run_all(LeanThumbnailRoute(behind), served, caplog)

    for request, by_django, by_lean in zip(
        [*REQUESTS, "log lines"], through_django, through_lean, strict=True
    ):
        assert by_lean == by_django, request
    statuses = [answer[0] for answer in through_lean[:-1]]
    assert statuses[:3] == ["200 OK"] * 3 or backend == "redirect"
    assert "404 Not Found" in statuses and "405 Method Not Allowed" in statuses
    # Only what the lean route leaves to Django reached it: other methods, other
    # paths, and (django backend) the conditional requests.
    other_methods = [method for method, path in behind.paths if method not in ("GET", "HEAD")]
    other_paths = [path for method, path in behind.paths if not path.endswith((".jpg", ".webp"))]
    thumbnails = [path for method, path in behind.paths if method == "GET" and path.count("/") > 3]
    assert other_methods == ["POST", "PUT"]
    # The health path is answered by the lean route too.
    assert other_paths == ["/not/a/thumbnail", "/"]
    assert len(thumbnails) == (2 if backend == "django" else 0), behind.paths


def raw_exchange(port: int, request: bytes) -> bytes:
    """One request on its own connection; everything the server sent until it closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def without_date(answer: bytes) -> bytes:
    """The answer without its Date, and validators that come from each file's mtime."""
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"date:")]
    head = re.sub(rb'ETag: "[0-9a-f]+-[0-9a-f]+"', b"ETag: <etag>", b"\r\n".join(lines))
    head = re.sub(rb"Last-Modified: [^\r]+", b"Last-Modified: <date>", head)
    return head + b"\r\n\r\n" + body


@pytest.mark.parametrize("backend", ["nginx", "django"])
def test_serve_sends_the_same_bytes_on_both_routes(
    backend: str, tmp_path: Path, media: Path
) -> None:
    """Through gunicorn, byte for byte but the Date header: a miss, a hit, HEAD, an
    HTTP/1.0 GET, a refusal, the health path; `serve` on the lean route, then with
    --no-lean-route."""
    (media / "cat.jpg").write_bytes(jpeg(300, 200))
    good, forged = signed("cat.jpg"), signed("cat.jpg")[:-8] + "0000.jpg"
    requests = [
        f"GET {good} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        f"GET {good} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        f"HEAD {good} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        f"GET {good} HTTP/1.0\r\n\r\n",
        f"GET {forged} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /_health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ]
    answers = {}
    for route, options in (("lean", ()), ("django", ("--no-lean-route",))):
        thumbs = tmp_path / f"thumbs-{route}"
        thumbs.mkdir()
        backend_options = ("--response-backend", backend, *options)
        with start_serve(media, thumbs, key=KEY, options=backend_options) as server:
            answers[route] = [
                without_date(raw_exchange(server.port, request.encode())) for request in requests
            ]
            log = server.log
        printed = log.read_bytes()
        assert b": miss (" in printed
        assert f"{backend} response backend, {route} thumbnail route.".encode() in printed.replace(
            b"Django thumbnail", b"django thumbnail"
        )
    assert answers["lean"] == answers["django"]
    assert [answer.split(b"\r\n")[0] for answer in answers["lean"]] == [
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 200 OK",
        b"HTTP/1.0 200 OK",
        b"HTTP/1.1 401 Unauthorized",
        b"HTTP/1.1 200 OK",
    ]
