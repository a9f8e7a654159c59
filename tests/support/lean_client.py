"""In-process requests through serve's lean route, shaped like Django's test client's.

For tests that check serve's answers with `Client().get("/t/...")`: the same
paths (the `/t` prefix of the test URL conf dropped, serve mounts at the root),
answered by `LeanThumbnailRoute` in front of Django's WSGI handler.
"""

import io
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from django.core.handlers.wsgi import WSGIHandler

from restthumbnails.server.lean_route import LeanThumbnailRoute

# The URL conf `serve` mounts at the root; set it as ROOT_URLCONF with this client.
URLCONF = "restthumbnails.owned_urls"


def environ_for(method: str, path: str, extra: dict[str, str] | None = None) -> dict[str, Any]:
    """A WSGI environ for `path` (percent-encoded), as gunicorn would build it."""
    environ = {
        "REQUEST_METHOD": method,
        # WSGI carries the path's bytes as a latin-1 string.
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    environ.update(extra or {})
    return environ


def call(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status line, headers and body of one WSGI call."""
    started: list[Any] = []
    body = app(environ, lambda status, headers, *exc: started.extend((status, headers)))
    try:
        content = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    status, headers = started
    return status, headers, content


class LeanResponse:
    def __init__(self, status: str, headers: list[tuple[str, str]], content: bytes) -> None:
        self.status_code = int(status.split()[0])
        self.headers = {name.lower(): value for name, value in headers}
        self.content = content

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]

    def __iter__(self) -> Iterator[bytes]:
        # Like a streamed FileResponse: the body in one piece here.
        yield self.content

    def has_header(self, name: str) -> bool:
        return name.lower() in self.headers


class LeanClient:
    def __init__(self) -> None:
        self.route = LeanThumbnailRoute(WSGIHandler())

    def get(self, path: str) -> LeanResponse:
        return LeanResponse(*call(self.route, environ_for("GET", path.removeprefix("/t"))))

    def head(self, path: str) -> LeanResponse:
        return LeanResponse(*call(self.route, environ_for("HEAD", path.removeprefix("/t"))))
