"""warm, clean and stats on buckets of a real S3 API server (moto's, on loopback).

The commands run as a user runs them (a subprocess with the AWS_* environment
variables); the listing and batch removal are also checked request by request.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import pytest
from django.core.files.storage import Storage

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec
from restthumbnails.lifecycle.cleaning import Cleaner, Criteria, clean
from restthumbnails.lifecycle.listing import walk
from restthumbnails.lifecycle.progress import Progress

from .support.images import jpeg
from .support.s3server import RequestLog, S3Server, running_s3_server

KEY = "lifecycle-s3-key"
COMMAND = (sys.executable, "-m", "restthumbnails")
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


@pytest.fixture
def env(tmp_path, s3: S3Server) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REST_THUMBNAILS_")}
    environment.update(
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    environment.update(s3.environment)
    return environment


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture
def bucket(s3: S3Server) -> str:
    """A bucket with four photos under media/2026/."""
    name = s3.new_bucket()
    for index in range(4):
        s3.client().put_object(
            Bucket=name,
            Key=f"media/2026/{index}.jpg",
            Body=jpeg(300, 200),
            ContentType="image/jpeg",
        )
    return name


def test_warm_puts_each_thumbnail_where_serve_looks_once_and_a_rerun_skips(
    s3: S3Server, bucket: str, env: dict[str, str]
) -> None:
    # Input: `warm s3://B/media --thumbnails-dir s3://B/thumbs` with two sizes over four
    # photos. Answer: eight objects under thumbs/, each with its Content-Type and the
    # immutable Cache-Control, named exactly as `url` names them; a rerun renders nothing.
    where = [f"s3://{bucket}/media", "--thumbnails-dir", f"s3://{bucket}/thumbs"]
    done = cli("warm", *where, "--secret-key", KEY, "--size", "64x64", "--size", "100x", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("warm: 8 thumbnails in "), done.stdout
    assert "8 rendered" in done.stdout and "0 refused" in done.stdout
    keys = s3.keys(bucket, "thumbs/")
    assert len(keys) == 8
    url = cli("url", "2026/1.jpg", "64x64", "crop", "jpg", "--secret-key", KEY, env=env)
    key = "thumbs/" + unquote(urlsplit(url.stdout.strip()).path.lstrip("/"))
    assert key in keys
    head = s3.client().head_object(Bucket=bucket, Key=key)
    assert head["ContentType"] == "image/jpeg" and head["CacheControl"] == IMMUTABLE

    again = cli("warm", *where, "2026/*.jpg", "--secret-key", KEY, "--size", "64x64", env=env)
    assert again.returncode == 0, again.stderr
    assert "0 rendered" in again.stdout and "4 skipped" in again.stdout
    assert len(s3.keys(bucket, "thumbs/")) == 8


def test_stats_and_clean_on_a_bucket(s3: S3Server, bucket: str, env: dict[str, str]) -> None:
    where = [f"s3://{bucket}/media", "--thumbnails-dir", f"s3://{bucket}/thumbs"]
    for key, size in (("old-key", "40x40"), (KEY, "50x50")):
        warmed = cli("warm", *where, "--secret-key", key, "--size", size, env=env)
        assert warmed.returncode == 0, warmed.stderr
    stats = cli("stats", *where, env=env)
    assert stats.returncode == 0, stats.stderr
    assert "40x40  crop    jpg" in stats.stdout and "50x50  crop    jpg" in stats.stdout
    total = [line for line in stats.stdout.splitlines() if line.startswith("total")]
    assert total and total[0].split()[1] == "8"

    # Input: --unsigned --dry-run after a key rotation. Answer: the four thumbnails signed
    # with the old key are listed, and every object is still there.
    dry = cli("clean", *where, "--secret-key", KEY, "--unsigned", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("would remove 2026/") == 4 and "/40x40/crop/" in dry.stdout
    assert len(s3.keys(bucket, "thumbs/")) == 8

    # Input: a source deleted, then --unsigned --orphans. Answer: its thumbnail and the
    # old key's four go; the three others stay; the sources are never touched.
    s3.client().delete_object(Bucket=bucket, Key="media/2026/0.jpg")
    real = cli("clean", *where, "--secret-key", KEY, "--unsigned", "--orphans", env=env)
    assert real.returncode == 0, real.stderr
    assert "removed 5" in real.stdout and "4 unsigned" in real.stdout and "1 orphan" in real.stdout
    left = s3.keys(bucket, "thumbs/")
    assert len(left) == 3 and all("/50x50/" in key and "/0.jpg/" not in key for key in left)
    assert len(s3.keys(bucket, "media/")) == 3


def test_a_bucket_the_credentials_cannot_reach_is_refused_before_any_work(
    bucket: str, env: dict[str, str]
) -> None:
    # Input: a thumbnails bucket that does not exist. Answer: exit 2 and the bucket named.
    done = cli(
        "stats", f"s3://{bucket}/media", "--thumbnails-dir", "s3://no-such-bucket/t", env=env
    )
    assert done.returncode == 2
    assert "s3://no-such-bucket/t: bucket no-such-bucket does not exist at http" in done.stderr
    assert "check the bucket's name" in done.stderr


def thumbnail_names(count: int) -> list[str]:
    names = []
    for index in range(count):
        spec = make_spec(f"photos/{index:05}.jpg", "64x64", "crop", "jpg")
        names.append(spec.name(sign(spec, key=KEY)))
    return names


@pytest.fixture
def thumbnail_bucket(s3: S3Server) -> tuple[Storage, RequestLog, list[str]]:
    """An S3Storage over 1,005 thumbnail objects under thumbs/: over one listing page."""
    from storages.backends.s3 import S3Storage

    bucket = s3.new_bucket()
    names = thumbnail_names(1005)
    client = s3.client()
    for name in names:
        client.put_object(Bucket=bucket, Key=f"thumbs/{name}", Body=b"x" * 10)
    client.put_object(Bucket=bucket, Key="thumbs/.keep", Body=b"")
    client.put_object(Bucket=bucket, Key="elsewhere/a.jpg", Body=b"")
    storage = S3Storage(**s3.storage_options(bucket, "thumbs"))
    return storage, RequestLog().listen(storage.connection.meta.client), names


def test_a_bucket_listing_is_paged_and_needs_no_request_per_object(
    thumbnail_bucket: tuple[Storage, RequestLog, list[str]],
) -> None:
    storage, requests, names = thumbnail_bucket
    entries = list(walk(storage))
    assert sorted(entry.name for entry in entries) == sorted(names)  # no .keep, no elsewhere/
    assert {entry.size for entry in entries} == {10}
    assert all(abs(entry.modified - time.time()) < 600 for entry in entries)
    # Two ListObjectsV2 pages (1,000 + 6 keys) and no HEAD for sizes or dates.
    assert requests.take() == ["GET", "GET"]


def test_clean_removes_a_thousand_objects_per_request(
    s3: S3Server, thumbnail_bucket: tuple[Storage, RequestLog, list[str]]
) -> None:
    storage, requests, _ = thumbnail_bucket
    cleaner = Cleaner(
        thumbnail_storage=storage,
        source_storage=storage,
        criteria=Criteria(older_than=0.0),
        key=KEY,
        fallback_keys=(),
        max_dimension=4000,
        now=time.time() + 10,
    )
    summary = clean(
        cleaner,
        walk(storage),
        dry_run=False,
        progress=Progress(sys.stderr, label="clean", enabled=False),
    )
    assert summary.scanned == 1005 and sum(summary.removed.values()) == 1005
    assert summary.removed_bytes == 10050 and summary.errors == 0
    # The first page holds .keep and 999 thumbnails, so the thousandth removal, and
    # with it the first DeleteObjects (POST ?delete), comes from the second page; the
    # last five go in a second one. No request per object.
    assert requests.take() == ["GET", "GET", "POST", "POST"]
    assert s3.keys(storage.bucket_name, "thumbs/") == ["thumbs/.keep"]


@pytest.fixture
def orphan_buckets(s3: S3Server) -> tuple[Storage, RequestLog, Storage]:
    """Five sources in media/a/ (a/0.jpg deleted), two thumbnails of each in thumbs/."""
    from storages.backends.s3 import S3Storage

    bucket = s3.new_bucket()
    client = s3.client()
    for index in range(5):
        source = f"a/{index}.jpg"
        if index:
            client.put_object(Bucket=bucket, Key=f"media/{source}", Body=b"x")
        for size in ("64x64", "100x"):
            spec = make_spec(source, size, "crop", "jpg")
            client.put_object(
                Bucket=bucket, Key=f"thumbs/{spec.name(sign(spec, key=KEY))}", Body=b""
            )
    sources = S3Storage(**s3.storage_options(bucket, "media"))
    thumbnails = S3Storage(**s3.storage_options(bucket, "thumbs"))
    return sources, RequestLog().listen(sources.connection.meta.client), thumbnails


def orphans_dry_run(sources: Storage, thumbnails: Storage) -> list[str]:
    cleaner = Cleaner(
        thumbnail_storage=thumbnails,
        source_storage=sources,
        criteria=Criteria(orphans=True),
        key=KEY,
        fallback_keys=(),
        max_dimension=4000,
    )
    listed: list[str] = []
    progress = Progress(sys.stderr, label="clean", enabled=False)
    clean(cleaner, walk(thumbnails), dry_run=True, progress=progress, listing=listed.append)
    return listed


def test_orphans_on_a_bucket_list_each_source_folder_once(
    orphan_buckets: tuple[Storage, RequestLog, Storage],
) -> None:
    # Input: ten thumbnails of five sources in one folder, one source deleted.
    # Answer: its two thumbnails would go, and the sources cost one ListObjectsV2 of
    # media/a/, not five HEADs.
    sources, requests, thumbnails = orphan_buckets
    listed = orphans_dry_run(sources, thumbnails)
    assert len(listed) == 2 and all(line.startswith("would remove a/0.jpg/") for line in listed)
    assert requests.take() == ["GET"]


def test_orphans_in_a_folder_too_big_to_hold_are_asked_one_head_each(
    orphan_buckets: tuple[Storage, RequestLog, Storage], monkeypatch: pytest.MonkeyPatch
) -> None:
    from restthumbnails.storage.s3 import BucketSources

    monkeypatch.setattr(BucketSources, "FOLDER_LIMIT", 2)
    sources, requests, thumbnails = orphan_buckets
    listed = orphans_dry_run(sources, thumbnails)
    assert len(listed) == 2 and all(line.startswith("would remove a/0.jpg/") for line in listed)
    assert requests.take() == ["GET"] + ["HEAD"] * 5


def test_clean_deletes_each_key_exactly_as_listed_and_reports_keys_it_cannot_address(
    s3: S3Server,
) -> None:
    # Input: under thumbs/, a signed thumbnail to remove (--older-than 0), a stale temp
    # file in its folder, and three keys no storage name spells: one with a ".."
    # segment, two with "//" whose normalised names are other objects (a user's
    # `p/.abcdefgh.tmp` and the stale temp file). Answer: the run finishes; exactly the
    # thumbnail and the temp file go, each by its own key; the three odd keys and the
    # user's file stay, and the summary counts the three as not addressable.
    from storages.backends.s3 import S3Storage

    bucket = s3.new_bucket()
    client = s3.client()
    thumbnail = thumbnail_names(1)[0]
    folder = thumbnail.rpartition("/")[0]
    stale_temp = f"{folder}/.zq8x7w6v.tmp"
    keep = [
        "thumbs/../.abcdefgh.tmp",
        "thumbs/p//.abcdefgh.tmp",
        f"thumbs/{folder}//.zq8x7w6v.tmp",
        "thumbs/p/.abcdefgh.tmp",
        "media/photos/00000.jpg",
    ]
    for key in [f"thumbs/{thumbnail}", f"thumbs/{stale_temp}", *keep]:
        client.put_object(Bucket=bucket, Key=key, Body=b"x")
    storage = S3Storage(**s3.storage_options(bucket, "thumbs"))
    cleaner = Cleaner(
        thumbnail_storage=storage,
        source_storage=S3Storage(**s3.storage_options(bucket, "media")),
        criteria=Criteria(older_than=0.0, temp_older_than=0.0),
        key=KEY,
        fallback_keys=(),
        max_dimension=4000,
        now=time.time() + 10,
    )
    listed: list[str] = []
    summary = clean(
        cleaner,
        walk(storage, hidden=True),
        dry_run=False,
        progress=Progress(sys.stderr, label="clean", enabled=False),
        listing=listed.append,
    )
    assert sorted(s3.keys(bucket)) == sorted(keep)
    assert sorted(listed) == sorted(
        [f"removed {thumbnail} (old, 1 B)", f"removed {stale_temp} (stale temp file, 1 B)"]
    )
    assert summary.unnamed == 3 and summary.errors == 0
    assert "3 with names the storage cannot address, never touched" in summary.line()


def test_a_key_with_a_double_slash_never_deletes_the_object_its_name_normalises_to(
    s3: S3Server,
) -> None:
    # Input: a stale-looking temp key `thumbs/p//.abcdefgh.tmp` beside a user's
    # `thumbs/p/.abcdefgh.tmp`, which S3Storage's name for the first one would address.
    # Answer: both stay (neither is a writer's temp file in a thumbnail folder, and the
    # first cannot be addressed by name); the run ends with status 0.
    from storages.backends.s3 import S3Storage

    bucket = s3.new_bucket()
    keys = ["thumbs/p//.abcdefgh.tmp", "thumbs/p/.abcdefgh.tmp"]
    for key in keys:
        s3.client().put_object(Bucket=bucket, Key=key, Body=b"x")
    storage = S3Storage(**s3.storage_options(bucket, "thumbs"))
    cleaner = Cleaner(
        thumbnail_storage=storage,
        source_storage=S3Storage(**s3.storage_options(bucket, "media")),
        criteria=Criteria(orphans=True, older_than=0.0, temp_older_than=0.0),
        key=KEY,
        fallback_keys=(),
        max_dimension=4000,
        now=time.time() + 10,
    )
    summary = clean(
        cleaner,
        walk(storage, hidden=True),
        dry_run=False,
        progress=Progress(sys.stderr, label="clean", enabled=False),
    )
    assert s3.keys(bucket) == sorted(keys)
    assert not summary.failed and sum(summary.removed.values()) == 0
