"""Nothing of the client's but the thumbnail's path reaches the bucket or the backend.

A client can add a query string, headers and a body to any thumbnail URL. S3
acts on many of them (`?acl` returns the ACL instead of the object,
`?versionId=` another version, `?response-content-type=text/html` the object
served as a web page, `x-amz-request-payer`, `Authorization`...), and a backend
that read them could write something other than the URL's thumbnail to disk,
where the proxy then sends it to everyone for a year. So every configuration we
generate or ship passes on only the path: each test sends such a request to a
real proxy in front of a server that records every request it gets, and reads
what arrived.

- the nginx bucket site (`nginx-config --bucket-url`): in front of a recording
  bucket, and end to end in front of moto's S3 server and `serve s3://...`;
- the nginx folder site and the Apache, lighttpd and Caddy examples: what their
  backend (`serve`, behind a recording relay) receives for a miss;
- the `redirect` backend: the client's query is not carried into the 302.
"""

from __future__ import annotations

import dataclasses
import http.client
import io
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image

from restthumbnails.server.proxyconfig import nginx_site, render_nginx
from restthumbnails.serving.responses import IMMUTABLE

from ..support.recording_http import (
    Answer,
    Recorded,
    RecordingServer,
    forwarded_to,
    recording,
    s3_objects,
)
from ..support.s3server import S3Server, running_s3_server
from .proxies import PROXIES, RESPONSE_BACKEND, start_proxy
from .stack import Stack, thumbnail_url
from .support import LOOPBACK, Response, free_port, generated_count

MARKER = "client-marker"
# Query parameters S3 acts on for a GET of an object.
HOSTILE_QUERY = (
    f"versionId={MARKER}&acl&response-content-type=text/html"
    "&response-content-disposition=attachment&partNumber=1&x-id=GetObjectAcl"
)
# Headers S3 acts on (credentials, payer, encryption keys, preconditions), and
# ones an application could: none may reach the bucket, or the backend from nginx.
HOSTILE_HEADERS = (
    ("Authorization", f"AWS4-HMAC-SHA256 Credential={MARKER}/20261207/us-east-1/s3"),
    ("Cookie", f"session={MARKER}"),
    ("x-amz-request-payer", "requester"),
    ("x-amz-security-token", MARKER),
    ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
    ("x-amz-server-side-encryption-customer-key", MARKER),
    ("x-amz-expected-bucket-owner", "111122223333"),
    ("x-amz-checksum-mode", "ENABLED"),
    ("If-Match", f'"{MARKER}"'),
    ("If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"),
    ("Accept", f"text/html, {MARKER}/avif"),
    ("User-Agent", MARKER),
    ("X-Client-Marker", MARKER),
)
# A proxy sending a file from disk answers these preconditions itself (412, as it
# should); they reach nothing.
PRECONDITIONS = {"If-Match", "If-Unmodified-Since"}
WITHOUT_PRECONDITIONS = tuple(h for h in HOSTILE_HEADERS if h[0] not in PRECONDITIONS)
HOSTILE_BODY = f"body of {MARKER}".encode()
# What the bucket site sends a bucket: nginx's own headers, and the two that make
# a conditional GET answer 304 (they cannot change the object).
BUCKET_HEADERS = {"host", "connection", "if-none-match", "if-modified-since"}
# What the generated nginx sites send the backend for a thumbnail they lack.
BACKEND_HEADERS = {"host", "connection", "x-forwarded-for", "x-forwarded-proto"}

BUCKET = "photos"
PREFIX = "thumbs"
PICTURE = Image.new("RGB", (40, 30), (10, 120, 200))


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    PICTURE.save(out, "JPEG")
    return out.getvalue()


def send(
    url: str,
    *,
    method: str = "GET",
    headers: tuple[tuple[str, str], ...] = HOSTILE_HEADERS,
    body: bytes = b"",
) -> Response:
    """One request with the given headers (and body, even on a GET)."""
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname == LOOPBACK, url
    connection = http.client.HTTPConnection(LOOPBACK, parts.port, timeout=60)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.putrequest(method, target)
        for name, value in headers:
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        answer = connection.getresponse()
        return Response(
            answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
        )
    finally:
        connection.close()


def hostile(url: str) -> str:
    return f"{url}?{HOSTILE_QUERY}"


def assert_only_the_path(
    requests: list[Recorded], paths: list[str], *, allowed_headers: set[str] | None
) -> None:
    """Each request is a GET or HEAD of one of `paths` (escaped), with no query; with
    `allowed_headers`, no body, no header beyond those, and no client value anywhere."""
    report = "\n\n".join(map(str, requests))
    assert requests, "nothing reached the recording server"
    for request in requests:
        assert request.method in ("GET", "HEAD"), report
        assert "?" not in request.target, report
        # Apache escapes with lower-case hex digits: compare the decoded paths.
        assert unquote(request.target) in {unquote(path) for path in paths}, report
        if allowed_headers is not None:
            assert request.body == b"", report
            assert request.header_names <= allowed_headers, report
            assert not any(MARKER in value for _, value in request.headers), report


def path_of(url: str) -> str:
    return urllib.parse.urlsplit(url).path


def bucket_path(url: str, bucket: str = BUCKET) -> str:
    """The path nginx asks the bucket for: the URL's path below /BUCKET/PREFIX, encoded."""
    return f"/{bucket}/{PREFIX}{path_of(url)}"


# --- nginx in front of a bucket ----------------------------------------------


@pytest.fixture
def stand_in_backend() -> Iterator[RecordingServer]:
    """Stands where `serve` would be: records what reaches it, answers 503."""
    with recording(lambda request: Answer(503, body=b"backend reached\n")) as server:
        yield server


def bucket_site(bucket_url: str, backend_port: int, port: int) -> str:
    return render_nginx(
        nginx_site(
            bucket_url=bucket_url,
            backends=[f"{LOOPBACK}:{backend_port}"],
            listen=f"{LOOPBACK}:{port}",
        )
    )


def start_bucket_site(
    stack: Stack, workdir: Path, bucket_url: str, backend: RecordingServer
) -> str:
    port = free_port()
    site = bucket_site(bucket_url, backend.port, port)
    # The site names its backend itself; the stack stops nginx after the test.
    start_proxy(
        "nginx",
        workdir=workdir,
        port=port,
        thumbnails_dir=workdir,
        backend_port=backend.port,
        site=site,
        started=stack.processes.append,
    )
    proxy_url = f"http://{LOOPBACK}:{port}/"
    return proxy_url


def test_the_bucket_site_asks_the_bucket_for_the_path_alone(
    stack: Stack, workdir: Path, stand_in_backend: RecordingServer
) -> None:
    body = jpeg_bytes()
    urls = {
        "plain": thumbnail_url("http://x/", "a.jpg", "64x64", "crop", "jpg"),
        # "?" in a name is part of the key, %-encoded, never a query.
        "question": thumbnail_url("http://x/", "what?.jpg", "64x64", "crop", "jpg"),
    }
    keys = {
        f"/{BUCKET}/{PREFIX}/" + urllib.parse.unquote(path_of(u))[1:]: body for u in urls.values()
    }
    with recording(s3_objects(keys)) as bucket:
        proxy_url = start_bucket_site(
            stack, workdir, f"{bucket.url}/{BUCKET}/{PREFIX}", stand_in_backend
        )
        plain, question = (u.replace("http://x/", proxy_url) for u in urls.values())

        # A GET with S3's query parameters, S3's headers and a body: the object, as an image.
        got = send(hostile(plain), body=HOSTILE_BODY)
        assert got.status == 200, got
        assert got.body == body
        assert got.header("content-type") == "image/jpeg"
        assert got.header("content-disposition") is None
        assert got.header("cache-control") == IMMUTABLE
        # The same as HEAD, and for a name holding "?".
        head = send(hostile(plain), method="HEAD")
        assert (head.status, head.header("content-type")) == (200, "image/jpeg")
        assert send(hostile(question)).body == body
        # A Range is answered by nginx from the whole object; the bucket never sees it.
        ranged = send(hostile(plain), headers=(*HOSTILE_HEADERS, ("Range", "bytes=0-9")))
        assert (ranged.status, ranged.body) == (206, body[:10])
        assert_only_the_path(
            bucket.requests,
            [bucket_path(plain), bucket_path(question)],
            allowed_headers=BUCKET_HEADERS,
        )
        assert "%3F.jpg/" in bucket.requests[-2].target  # the name's "?", encoded

        # A conditional GET still works: If-None-Match is the one header passed on.
        etag = got.header("etag")
        assert etag
        before = len(bucket.requests)
        revalidated = send(hostile(plain), headers=(*HOSTILE_HEADERS, ("If-None-Match", etag)))
        assert revalidated.status == 304, revalidated
        [conditional] = bucket.requests[before:]
        assert conditional.header("If-None-Match") == etag
    assert stand_in_backend.requests == []


# 403: what S3 answers for a missing key to a reader that may not list the bucket.
@pytest.mark.parametrize("missing_status", [404, 403])
def test_a_miss_reaches_the_backend_with_the_path_alone(
    missing_status: int, stack: Stack, workdir: Path, stand_in_backend: RecordingServer
) -> None:
    missing = thumbnail_url("http://x/", "new.jpg", "64x64", "crop", "jpg")
    with recording(s3_objects({}, missing=missing_status)) as bucket:
        proxy_url = start_bucket_site(
            stack, workdir, f"{bucket.url}/{BUCKET}/{PREFIX}", stand_in_backend
        )
        url = missing.replace("http://x/", proxy_url)

        got = send(hostile(url), body=HOSTILE_BODY)

        # The bucket's refusal, then the backend's answer (a 503 that says it was reached).
        assert (got.status, got.body) == (503, b"backend reached\n")
        assert_only_the_path(bucket.requests, [bucket_path(url)], allowed_headers=BUCKET_HEADERS)
    assert_only_the_path(
        stand_in_backend.requests, [path_of(url)], allowed_headers=BACKEND_HEADERS
    )


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


def test_a_bucket_site_end_to_end_sends_moto_and_serve_the_path_alone(
    stack: Stack,
    workdir: Path,
    sample_media: Path,
    s3: S3Server,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """nginx -> recording relay -> moto, and nginx -> recording relay -> `serve s3://`."""
    for name, value in s3.environment.items():
        monkeypatch.setenv(name, value)
    bucket = s3.new_bucket()
    s3.public_policy(bucket, f"{PREFIX}/")
    source = (sample_media / "landscape.jpg").read_bytes()
    s3.client().put_object(Bucket=bucket, Key="media/landscape.jpg", Body=source)
    serve = stack.serve(
        f"s3://{bucket}/media",
        f"s3://{bucket}/{PREFIX}",
        response_backend="nginx",
    )
    moto_port = int(s3.endpoint.rsplit(":", 1)[1])
    with (
        recording(forwarded_to(moto_port)) as bucket_relay,
        recording(forwarded_to(serve.port)) as backend_relay,
    ):
        proxy_url = start_bucket_site(
            stack, workdir, f"{bucket_relay.url}/{bucket}/{PREFIX}", backend_relay
        )
        url = thumbnail_url(proxy_url, "landscape.jpg", "120x80", "crop", "jpg")

        first = send(hostile(url), body=HOSTILE_BODY)
        second = send(hostile(url))

        for response in (first, second):
            assert response.status == 200, response
            assert response.header("content-type") == "image/jpeg"
            with Image.open(io.BytesIO(response.body)) as image:
                assert (image.format, image.size) == ("JPEG", (120, 80))
        assert generated_count(serve.process) == 1
        assert_only_the_path(
            bucket_relay.requests, [bucket_path(url, bucket)], allowed_headers=BUCKET_HEADERS
        )
        # miss, render, fetch; then a hit from the bucket alone
        assert len(bucket_relay.requests) == 3
        assert_only_the_path(
            backend_relay.requests, [path_of(url)], allowed_headers=BACKEND_HEADERS
        )
        assert len(backend_relay.requests) == 1
    [key] = s3.keys(bucket, f"{PREFIX}/")
    assert key == f"{PREFIX}/" + urllib.parse.unquote(path_of(url))[1:]


def test_the_redirect_backend_sends_the_client_to_the_object_without_its_query(
    stack: Stack, sample_media: Path, s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in s3.environment.items():
        monkeypatch.setenv(name, value)
    bucket = s3.new_bucket()
    s3.client().put_object(
        Bucket=bucket,
        Key="media/landscape.jpg",
        Body=(sample_media / "landscape.jpg").read_bytes(),
    )
    serve = stack.serve(
        f"s3://{bucket}/media",
        f"s3://{bucket}/{PREFIX}",
        response_backend="redirect",
    )
    url = thumbnail_url(serve.url, "landscape.jpg", "120x80", "crop", "jpg")

    got = send(hostile(url))

    assert got.status == 302, got
    name = urllib.parse.unquote(path_of(url))[1:]
    assert got.header("location") == f"{s3.endpoint}/{bucket}/{PREFIX}/{urllib.parse.quote(name)}"


# --- the backend behind a folder site: nginx, Apache, lighttpd, Caddy -------------------


@pytest.mark.parametrize("kind", PROXIES)
def test_a_miss_reaches_the_backend_without_the_clients_query(
    kind: str, stack: Stack, workdir: Path, sample_media: Path, thumbnails_dir: Path
) -> None:
    serve = stack.serve(sample_media, thumbnails_dir, response_backend=RESPONSE_BACKEND[kind])
    with recording(forwarded_to(serve.port)) as relay:
        relayed = dataclasses.replace(serve, port=relay.port)
        site = None
        port = free_port()
        if kind == "nginx":
            # The generated site (examples/nginx.conf is its default output).
            site = render_nginx(
                nginx_site(
                    thumbnails_dir=str(thumbnails_dir),
                    backends=[f"{LOOPBACK}:{relay.port}"],
                    listen=f"{LOOPBACK}:{port}",
                )
            )
        _, proxy_url = stack.proxy(kind, thumbnails_dir, relayed, site=site, port=port)
        urls = [
            thumbnail_url(proxy_url, "landscape.jpg", "120x80", "crop", "jpg"),
            thumbnail_url(proxy_url, "photos 2026/café crème.jpg", "x100", "scale", "png"),
        ]

        for url in urls:
            if kind == "lighttpd":
                # lighttpd refuses a GET with a body itself: nothing reaches the backend.
                before = len(relay.requests)
                refused = send(hostile(url), headers=WITHOUT_PRECONDITIONS, body=HOSTILE_BODY)
                assert refused.status == 400, refused
                assert len(relay.requests) == before
            body = b"" if kind == "lighttpd" else HOSTILE_BODY
            first = send(hostile(url), headers=WITHOUT_PRECONDITIONS, body=body)
            assert first.status == 200, (url, first)
            assert first.header("content-type") in ("image/jpeg", "image/png")
            on_disk = thumbnails_dir / urllib.parse.unquote(path_of(url))[1:]
            assert first.body == on_disk.read_bytes()
            # Sent from disk now: the query changes nothing there either.
            assert send(hostile(url), headers=WITHOUT_PRECONDITIONS).body == first.body

        # The path reached the backend once per thumbnail, and nothing after a "?".
        # Only nginx can drop every client header; the others pass them to `serve`,
        # which derives the file from the path alone.
        assert_only_the_path(
            relay.requests,
            [path_of(url) for url in urls],
            allowed_headers=BACKEND_HEADERS if kind == "nginx" else None,
        )
        assert len(relay.requests) == len(urls)
    assert generated_count(serve.process) == len(urls)
