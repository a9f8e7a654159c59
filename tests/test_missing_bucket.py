"""`manage.py thumbnails warm|cleanup|stats` with a bucket that does not exist.

Input: a site whose thumbnail (or source) storage is an S3Storage naming a bucket the
S3 server (moto's, on loopback) does not have. Answer: the command stops before any
work with exit status 2 and says the bucket does not exist and what to check, as
docs/lifecycle.md promises (before: status 1, "some thumbnails failed").
"""

from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command

from .support.s3server import S3Server, running_s3_server


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


def use_buckets(settings, s3: S3Server, *, sources: str, thumbnails: str) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "sources": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3.storage_options(sources, "media"),
        },
        "thumbnails": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3.storage_options(thumbnails, "thumbs"),
        },
    }


@pytest.mark.parametrize(
    "command", [["stats"], ["cleanup", "--orphans"], ["warm", "--size", "64x64"]]
)
def test_a_missing_thumbnail_bucket_stops_the_command_with_status_2(
    settings, s3: S3Server, command: list[str]
) -> None:
    use_buckets(settings, s3, sources=s3.new_bucket(), thumbnails="no-such-bucket")
    with pytest.raises(CommandError) as caught:
        call_command("thumbnails", *command, "--no-progress")
    assert caught.value.returncode == 2
    message = str(caught.value)
    assert message.startswith("STORAGES['thumbnails']: bucket no-such-bucket does not exist at ")
    assert s3.endpoint in message and "check the bucket's name" in message
    assert "some thumbnails failed" not in message


def test_a_missing_source_bucket_is_named_too(settings, s3: S3Server) -> None:
    use_buckets(settings, s3, sources="no-such-sources", thumbnails=s3.new_bucket())
    with pytest.raises(
        CommandError, match=r"STORAGES\['sources'\]: bucket no-such-sources"
    ) as caught:
        call_command("thumbnails", "stats", "--no-progress")
    assert caught.value.returncode == 2


def test_existing_buckets_run(settings, s3: S3Server, capsys: pytest.CaptureFixture[str]) -> None:
    use_buckets(settings, s3, sources=s3.new_bucket(), thumbnails=s3.new_bucket())
    call_command("thumbnails", "stats", "--no-progress")
    assert "total" in capsys.readouterr().out
