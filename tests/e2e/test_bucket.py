"""Thumbnails in an S3 bucket, end to end: `serve s3://...` behind the nginx site of
`restthumbnails nginx-config --bucket-url`, against a real S3 API server on loopback.

- A miss goes bucket (404) -> backend (renders, one PUT, X-Accel-Redirect) -> bucket
  (200); a hit is served from the bucket without reaching the backend.
- Two `serve` hosts sharing Redis and one bucket render a cold thumbnail once and
  PUT it once (the bucket is versioned: every PUT would leave a version).
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from restthumbnails.serving.responses import IMMUTABLE

from ..support.s3server import S3Server, running_s3_server
from .conftest import BIG_SOURCE
from .stack import Backend, Stack, thumbnail_url, wrong_signature
from .support import LOOPBACK, fetch, free_port, generated_count, python_command
from .test_locks import stampede

# One log line per request that reached the backend: "<status> <name>: <outcome> (...)".
BACKEND_REQUEST = re.compile(r"\] \d{3} \S.*: .* \(\d+ ms\)$", re.MULTILINE)
OTHER_CLIENT = "127.0.0.2"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, s3: S3Server) -> None:
    """The standard AWS variables, which `serve` (boto3) reads for a bucket."""
    for name, value in s3.environment.items():
        monkeypatch.setenv(name, value)


def upload(s3: S3Server, bucket: str, folder: Path, prefix: str) -> None:
    client = s3.client()
    for path in folder.rglob("*"):
        if path.is_file():
            key = f"{prefix}/{path.relative_to(folder).as_posix()}"
            client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())


def backend_requests(backend: Backend) -> int:
    return len(BACKEND_REQUEST.findall(backend.process.output()))


def serve_bucket(stack: Stack, bucket: str, **options: object) -> Backend:
    # Stack.serve passes both locations through str(): an s3:// URL goes as it is.
    return stack.serve(
        f"s3://{bucket}/media",
        f"s3://{bucket}/thumbs",
        **options,
    )


def bucket_site(s3: S3Server, bucket: str, backend: Backend, port: int) -> str:
    done = subprocess.run(
        [
            *python_command(),
            "nginx-config",
            "--bucket-url",
            f"{s3.endpoint}/{bucket}/thumbs",
            "--backend",
            f"{LOOPBACK}:{backend.port}",
            "--listen",
            f"{LOOPBACK}:{port}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_miss_goes_through_python_once_then_nginx_serves_from_the_bucket(
    stack: Stack, workdir: Path, sample_media: Path, s3: S3Server, aws_env: None
) -> None:
    bucket = s3.new_bucket()
    s3.public_policy(bucket, "thumbs/")
    upload(s3, bucket, sample_media, "media")
    backend = serve_bucket(stack, bucket, response_backend="nginx")
    port = free_port()
    _, proxy_url = stack.proxy(
        "nginx", workdir, backend, site=bucket_site(s3, bucket, backend, port), port=port
    )
    # A name with a space and accents: nginx must encode it again for the bucket.
    url = thumbnail_url(proxy_url, "photos 2026/café crème.jpg", "120x80", "crop", "jpg")

    first = fetch(url)

    assert first.status == 200, first.body[:200]
    with Image.open(io.BytesIO(first.body)) as image:
        assert (image.format, image.size) == ("JPEG", (120, 80))
    assert first.header("cache-control") == IMMUTABLE
    assert first.header("content-type") == "image/jpeg"
    assert first.header("x-amz-request-id") is None
    assert generated_count(backend.process) == 1
    assert backend_requests(backend) == 1
    [key] = s3.keys(bucket, "thumbs/")
    assert key.startswith("thumbs/photos 2026/café crème.jpg/120x80/crop/")

    second = fetch(url)

    assert second.status == 200
    assert second.body == first.body
    assert second.header("cache-control") == IMMUTABLE
    assert backend_requests(backend) == 1, "the hit reached the backend"
    # (HEAD is not tried here: moto 5.2 answers an anonymous HEAD 403 where AWS
    # authorises it like a GET.)


def test_the_bucket_site_sends_only_thumbnails_and_keeps_refusals(
    stack: Stack, workdir: Path, sample_media: Path, s3: S3Server, aws_env: None
) -> None:
    """Each input and its answer: what is not a thumbnail never comes from the bucket."""
    bucket = s3.new_bucket()
    s3.public_policy(bucket, "")  # even with the whole bucket public
    upload(s3, bucket, sample_media, "media")
    s3.client().put_object(Bucket=bucket, Key="thumbs/notes.txt", Body=b"private")
    backend = serve_bucket(stack, bucket, response_backend="nginx")
    port = free_port()
    _, proxy_url = stack.proxy(
        "nginx", workdir, backend, site=bucket_site(s3, bucket, backend, port), port=port
    )
    url = thumbnail_url(proxy_url, "portrait.jpg", "60x", "scale", "webp")

    # An object under the thumbnails' root that is not thumbnail-shaped: the backend's 404.
    other = fetch(proxy_url + "notes.txt")
    assert (other.status, other.body) == (404, b"not a thumbnail URL\n")
    # A wrong signature: nothing in the bucket, the backend's 401, no object written.
    forged = fetch(wrong_signature(url))
    assert forged.status == 401
    assert forged.header("cache-control") == "no-store"
    # Another method: refused at nginx, answered by the backend as 405.
    post = fetch(url, method="POST")
    assert (post.status, post.header("allow")) == (405, "GET, HEAD")
    assert s3.keys(bucket, "thumbs/") == ["thumbs/notes.txt"]
    # Metrics from this host only.
    assert fetch(proxy_url + "_metrics").status == 200
    assert fetch(proxy_url + "_metrics", source_address=OTHER_CLIENT).status == 403
    # And the thumbnail itself works.
    assert fetch(url).status == 200


def test_two_hosts_sharing_redis_and_a_bucket_render_and_put_once(
    stack: Stack, workdir: Path, big_media: Path, s3: S3Server, aws_env: None
) -> None:
    bucket = s3.new_bucket(versioned=True)
    s3.public_policy(bucket, "thumbs/")
    upload(s3, bucket, big_media, "media")
    cache_url = stack.redis()
    hosts = [
        serve_bucket(
            stack,
            bucket,
            name=f"host-{n}",
            cache_url=cache_url,
            response_backend="redirect",
        )
        for n in ("a", "b")
    ]
    urls = [thumbnail_url(host.url, BIG_SOURCE, "800x600", "crop", "jpg") for host in hosts]

    responses = stampede(urls)

    statuses = [r.status for r in responses]
    assert set(statuses) <= {302, 404}, statuses
    assert generated_count(*(host.process for host in hosts)) == 1, statuses
    versions = s3.versions(bucket, "thumbs/")
    assert len(versions) == 1, versions
    key = versions[0]["Key"]
    assert key.startswith(f"thumbs/{BIG_SOURCE}/800x600/crop/")
    redirected = [r for r in responses if r.status == 302]
    assert redirected, statuses
    assert {r.header("location") for r in redirected} == {f"{s3.endpoint}/{bucket}/{key}"}
    print(f"{len(responses)} requests: {statuses.count(302)} x 302, {statuses.count(404)} x 404")
