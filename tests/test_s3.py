"""Sources and thumbnails in an S3 bucket, through the Django view, against a real S3 API
server on loopback (tests/s3server.py): what the client sees, what lands in the bucket,
and how many requests each step sends to the bucket.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages

from restthumbnails.conf import get_settings
from restthumbnails.serving.responses import IMMUTABLE

from .support.images import decode, jpeg
from .support.s3server import RequestLog, S3Server, running_s3_server

S3STORAGE = "storages.backends.s3.S3Storage"


@dataclass
class Bucket:
    server: S3Server
    name: str
    # Every request the view's source and thumbnail storages send, by HTTP method.
    source_requests: RequestLog
    thumbnail_requests: RequestLog

    def put_source(self, key: str, data: bytes) -> None:
        self.server.client().put_object(Bucket=self.name, Key=f"media/{key}", Body=data)

    def head(self, key: str) -> dict[str, Any]:
        return dict(self.server.client().head_object(Bucket=self.name, Key=key))

    def thumbnails(self) -> list[str]:
        return self.server.keys(self.name, "thumbs/")


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


@pytest.fixture
def bucket(settings, s3_server: S3Server) -> Bucket:
    """Sources under media/ and thumbnails under thumbs/ of one fresh bucket."""
    name = s3_server.new_bucket()
    s3_server.public_policy(name, "thumbs/")
    settings.STORAGES = {
        **settings.STORAGES,
        "sources": {"BACKEND": S3STORAGE, "OPTIONS": s3_server.storage_options(name, "media")},
        "thumbnails": {
            "BACKEND": S3STORAGE,
            "OPTIONS": s3_server.storage_options(name, "thumbs"),
        },
    }
    return Bucket(
        s3_server,
        name,
        RequestLog().listen(storages["sources"].connection.meta.client),
        RequestLog().listen(storages["thumbnails"].connection.meta.client),
    )


def test_redirect_backend_writes_one_object_and_redirects_to_it(
    client, settings, bucket: Bucket, signed_path: Callable[..., str], logs
) -> None:
    """A miss: HEAD the thumbnail (twice: before and under the lock), HEAD + GET the
    source, one PUT. The 302 leads to the object, which carries its headers."""
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = "redirect"
    bucket.put_source("a b/été.jpg", jpeg(640, 480))
    path = signed_path("a b/été.jpg", "200x100", "crop", "jpg")

    response = client.get("/t/" + path)

    assert response.status_code == 302
    key = f"thumbs/{path}"
    assert bucket.thumbnails() == [key]
    assert bucket.thumbnail_requests.take() == ["HEAD", "HEAD", "PUT"]
    assert bucket.source_requests.take() == ["HEAD", "GET"]
    head = bucket.head(key)
    assert head["ContentType"] == "image/jpeg"
    assert head["CacheControl"] == IMMUTABLE
    with urllib.request.urlopen(response["Location"]) as answer:
        assert answer.headers["Cache-Control"] == IMMUTABLE
        assert decode(answer.read()).size == (200, 100)
    assert any(r.getMessage().startswith("generated a b/été.jpg/200x100") for r in logs.records)

    # A hit: one HEAD of the thumbnail, nothing of the source.
    assert client.get("/t/" + path).status_code == 302
    assert bucket.thumbnail_requests.take() == ["HEAD"]
    assert bucket.source_requests.take() == []


def test_nginx_backend_answers_x_accel_redirect_after_the_put(
    client, settings, bucket: Bucket, signed_path: Callable[..., str]
) -> None:
    """Without NGINX_LOCATION the URI is the one requested: the bucket site's
    thumbnail location proxies it to the object just written."""
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = "nginx"
    bucket.put_source("photo.jpg", jpeg(300, 300))
    path = signed_path("photo.jpg", "100x", "scale", "webp")

    response = client.get("/t/" + path)

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/t/" + path
    assert response.content == b""
    assert bucket.head(f"thumbs/{path}")["ContentType"] == "image/webp"


def test_object_cache_control_is_configurable_and_wins_over_the_storage_default(
    client, settings, bucket: Bucket, signed_path: Callable[..., str]
) -> None:
    """The storage's own object parameters apply (ContentDisposition here), except the two
    that are ours: Content-Type from the extension, Cache-Control from the setting."""
    options = settings.STORAGES["thumbnails"]["OPTIONS"]
    options["object_parameters"] = {"CacheControl": "max-age=60", "ContentDisposition": "inline"}
    settings.STORAGES = {**settings.STORAGES}  # storages are rebuilt with the new options
    settings.REST_THUMBNAILS_OBJECT_CACHE_CONTROL = "public, max-age=86400"
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = "redirect"
    bucket.put_source("photo.jpg", jpeg(300, 300))
    path = signed_path("photo.jpg", "50x50", "crop", "png")

    assert client.get("/t/" + path).status_code == 302

    head = bucket.head(f"thumbs/{path}")
    assert head["CacheControl"] == "public, max-age=86400"
    assert head["ContentDisposition"] == "inline"
    assert head["ContentType"] == "image/png"


@pytest.mark.parametrize("value", ["", "   ", "max-age=1\r\nX-Evil: 1", 3600])
def test_a_bad_object_cache_control_names_the_setting(settings, value: object) -> None:
    settings.REST_THUMBNAILS_OBJECT_CACHE_CONTROL = value
    with pytest.raises(ImproperlyConfigured, match="REST_THUMBNAILS_OBJECT_CACHE_CONTROL"):
        get_settings()


def test_a_source_over_max_source_bytes_is_422_from_the_head_without_a_get(
    client, settings, bucket: Bucket, signed_path: Callable[..., str], logs
) -> None:
    data = jpeg(400, 400)
    settings.REST_THUMBNAILS_MAX_SOURCE_BYTES = len(data) - 1
    bucket.put_source("big.jpg", data)
    path = signed_path("big.jpg", "100x100")

    response = client.get("/t/" + path)

    assert response.status_code == 422
    assert response["Cache-Control"] == "no-store"
    assert (
        response.content
        == f"source is {len(data)} bytes, over the limit of {len(data) - 1}\n".encode()
    )
    assert bucket.source_requests.take() == ["HEAD"]
    assert bucket.thumbnails() == []
    assert any(r.getMessage().startswith("422 big.jpg/100x100/crop/") for r in logs.records)

    # Every time: the HEAD alone decides, the bytes are never fetched.
    assert client.get("/t/" + path).status_code == 422
    assert bucket.source_requests.take() == ["HEAD"]


def test_a_source_exactly_at_max_source_bytes_is_read_and_rendered(
    client, settings, bucket: Bucket, signed_path: Callable[..., str]
) -> None:
    data = jpeg(400, 400)
    settings.REST_THUMBNAILS_MAX_SOURCE_BYTES = len(data)
    bucket.put_source("edge.jpg", data)

    assert client.get("/t/" + signed_path("edge.jpg", "100x100")).status_code == 200
    assert bucket.source_requests.take() == ["HEAD", "GET"]


def test_a_missing_source_is_404_after_one_head(
    client, bucket: Bucket, signed_path: Callable[..., str]
) -> None:
    response = client.get("/t/" + signed_path("nope.jpg", "100x100"))

    assert (response.status_code, response.content) == (404, b"source not found\n")
    assert bucket.source_requests.take() == ["HEAD"]
    assert bucket.thumbnails() == []


def test_a_refused_put_is_503_and_leaves_no_object(
    client, settings, bucket: Bucket, signed_path: Callable[..., str], logs
) -> None:
    """The bucket's policy denies PutObject under thumbs/: the one PUT is refused."""
    bucket.server.public_policy(bucket.name, "thumbs/", deny_put=True)
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = "redirect"
    bucket.put_source("photo.jpg", jpeg(300, 300))
    path = signed_path("photo.jpg", "100x100")

    response = client.get("/t/" + path)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.content == b"thumbnail storage cannot be written\n"
    assert bucket.thumbnail_requests.take() == ["HEAD", "HEAD", "PUT"]
    assert bucket.thumbnails() == []
    messages = [r.getMessage() for r in logs.records]
    assert any(
        m.startswith("cannot write photo.jpg/100x100/crop/") and "S3 PutObject refused: 403" in m
        for m in messages
    ), messages


def test_an_unreachable_bucket_is_503_with_a_log_line(
    client, settings, bucket: Bucket, signed_path: Callable[..., str], logs
) -> None:
    from botocore.config import Config

    from tests.e2e.support import free_port

    options = settings.STORAGES["thumbnails"]["OPTIONS"]
    options["endpoint_url"] = f"http://127.0.0.1:{free_port()}"
    options["client_config"] = Config(retries={"max_attempts": 1, "mode": "standard"})
    settings.STORAGES = {**settings.STORAGES}

    response = client.get("/t/" + signed_path("photo.jpg", "100x100"))

    assert response.status_code == 503
    assert response.content == b"thumbnail storage cannot be reached\n"
    assert any(r.getMessage().startswith("S3 HeadObject photo.jpg/100x100") for r in logs.records)


def test_importing_the_package_and_serving_locally_never_imports_boto3() -> None:
    """The S3 adapter is loaded only for an S3Storage: the core stays boto-free."""
    code = (
        "import sys, django; from django.conf import settings; "
        "settings.configure(SECRET_KEY='k', MEDIA_ROOT='/tmp', "
        "INSTALLED_APPS=['restthumbnails']); django.setup(); "
        "import restthumbnails.serving.views, restthumbnails.storage.access, "
        "restthumbnails.serving.service, "
        "restthumbnails.server.cli, restthumbnails.server.proxyconfig; "
        "print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('boto3', 'botocore', 'storages')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
