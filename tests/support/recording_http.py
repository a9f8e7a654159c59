"""Loopback HTTP servers that write down every request a proxy sends them.

`RecordingServer` keeps each request exactly as it arrived (method, request
target with any query string, every header, the body) and answers it with a
function: `s3_objects` answers like an S3 bucket holding a few objects,
`forwarded_to` passes the request on unchanged to a real server (a `serve`
backend, moto's S3 server) and returns that server's answer. Tests then say
what a proxy configuration let through from the client.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http.client
import http.server
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

LOOPBACK = "127.0.0.1"
# Connection-level headers: never relayed as they are (RFC 9110, section 7.6.1).
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"}
)


@dataclass(frozen=True)
class Recorded:
    """One request as it reached the recording server."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]

    @property
    def header_names(self) -> set[str]:
        return {name.lower() for name, _ in self.headers}

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def __str__(self) -> str:
        lines = [f"{self.method} {self.target}", *(f"{k}: {v}" for k, v in self.headers)]
        return "\n".join(lines) + (f"\n\n{self.body!r}" if self.body else "")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


Answerer = Callable[[Recorded], Answer]


class RecordingServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 and a free port; keep-alive works."""

    def __init__(self, answer: Answerer) -> None:
        self.answer = answer
        self._lock = threading.Lock()
        self._requests: list[Recorded] = []
        self._server = http.server.ThreadingHTTPServer((LOOPBACK, 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    def record(self, request: Recorded) -> None:
        with self._lock:
            self._requests.append(request)

    def start(self) -> RecordingServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@contextlib.contextmanager
def recording(answer: Answerer) -> Iterator[RecordingServer]:
    server = RecordingServer(answer).start()
    try:
        yield server
    finally:
        server.stop()


def _handler_for(owner: RecordingServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            request = Recorded(
                method=self.command,
                target=self.path,
                headers=tuple(self.headers.items()),
                body=self._body(),
            )
            owner.record(request)
            answer = owner.answer(request)
            self.send_response(answer.status)
            for name, value in answer.headers:
                if name.lower() not in HOP_BY_HOP | {"content-length"}:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass  # the test reads `requests`, not stderr

    return Handler


def forwarded_to(port: int) -> Answerer:
    """Pass each request on to 127.0.0.1:`port` as it came, and return its answer."""

    def answer(request: Recorded) -> Answer:
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=120)
        try:
            connection.putrequest(
                request.method, request.target, skip_host=True, skip_accept_encoding=True
            )
            for name, value in request.headers:
                if name.lower() not in HOP_BY_HOP | {"content-length"}:
                    connection.putheader(name, value)
            if request.body or request.method in ("POST", "PUT"):
                connection.putheader("Content-Length", str(len(request.body)))
            connection.endheaders(request.body or None)
            response = connection.getresponse()
            body = response.read()
            return Answer(response.status, tuple(response.getheaders()), body)
        finally:
            connection.close()

    return answer


# What an S3 bucket says about a key it does not have (or will not say it has).
_ERRORS = {
    403: b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
    404: b"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
    b"</Error>",
}
_ACL = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<AccessControlPolicy><Owner><ID>owner-id</ID>'
    b"</Owner><AccessControlList/></AccessControlPolicy>"
)
LAST_MODIFIED = email.utils.formatdate(1_700_000_000, usegmt=True)


def s3_objects(
    objects: Mapping[str, bytes], *, content_type: str = "image/jpeg", missing: int = 404
) -> Answerer:
    """Answer like a bucket holding `objects` (path-style keys: "/BUCKET/KEY").

    As S3 does, the query string changes the answer: `?acl` returns the object's
    ACL instead of its bytes, `response-content-type=...` (and the other
    `response-*` parameters) override the headers sent with the object. A key it
    does not hold is `missing` (404, or 403 as for a reader that may not list).
    Writes are refused (403): the proxy only ever reads.
    """
    etags = {
        key: f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
        for key, body in objects.items()
    }

    def answer(request: Recorded) -> Answer:
        key = urllib.parse.unquote(request.path)
        if request.method not in ("GET", "HEAD"):
            return Answer(403, (("Content-Type", "application/xml"),), _ERRORS[403])
        if key not in objects:
            return Answer(missing, (("Content-Type", "application/xml"),), _ERRORS[missing])
        query = dict(urllib.parse.parse_qsl(request.query, keep_blank_values=True))
        if "acl" in query:
            return Answer(200, (("Content-Type", "application/xml"),), _ACL)
        if request.header("If-None-Match") == etags[key]:
            return Answer(304, (("ETag", etags[key]),))
        headers = {
            "Content-Type": content_type,
            "Cache-Control": "public, max-age=31536000, immutable",
            "ETag": etags[key],
            "Last-Modified": LAST_MODIFIED,
            "Accept-Ranges": "bytes",
            "x-amz-request-id": "recording-s3",
        }
        for name, value in query.items():
            if name.startswith("response-"):
                headers[name.removeprefix("response-").title()] = value
        return Answer(200, tuple(headers.items()), objects[key])

    return answer
