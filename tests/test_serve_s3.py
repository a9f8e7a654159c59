"""`serve s3://...`: what is refused before start, with the message the user sees, and
`nginx-config --bucket-url` option checking. The served path itself is in
tests/e2e/test_bucket.py."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from restthumbnails.server.cli import main
from restthumbnails.server.locations import Location, parse_location

from .support.s3server import S3Server, running_s3_server


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ("s3://photos", Location(bucket="photos", prefix="")),
        ("s3://photos/", Location(bucket="photos", prefix="")),
        ("s3://photos/media/2026/", Location(bucket="photos", prefix="media/2026")),
    ],
)
def test_bucket_locations(text: str, location: Location) -> None:
    assert parse_location(text, option="MEDIA_DIR") == location


@pytest.mark.parametrize(
    "text", ["s3://", "s3://ab", "s3://Photos", "s3://photos/a//b", "s3://photos/../x", "gs://x"]
)
def test_bad_locations_name_the_option(text: str) -> None:
    with pytest.raises(ValueError, match=r"^--thumbnails-dir"):
        parse_location(text, option="--thumbnails-dir")


@pytest.mark.parametrize(
    ("media", "thumbnails", "contained"),
    [
        ("s3://photos/media", "s3://photos/thumbs", False),
        ("s3://photos/media", "s3://photos/media/thumbs", True),
        ("s3://photos", "s3://photos/thumbs", True),
        ("s3://photos/media", "s3://photos/media-thumbs", False),
        ("s3://photos/media", "s3://other/media", False),
    ],
)
def test_overlap_between_buckets(media: str, thumbnails: str, contained: bool) -> None:
    a, b = parse_location(media, option="m"), parse_location(thumbnails, option="t")
    assert (a.contains(b) or b.contains(a)) is contained


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["s3://photos/media"], "MEDIA_DIR s3://photos/media is a bucket: give --thumbnails-dir"),
        (
            ["s3://photos/media", "--thumbnails-dir", "s3://photos/media/t"],
            "must not contain each other",
        ),
        (
            [
                "s3://photos/media",
                "--thumbnails-dir",
                "s3://photos/t",
                "--response-backend",
                "sendfile",
            ],
            "--response-backend sendfile needs a local --thumbnails-dir, not a bucket",
        ),
        (["s3://x/media"], "MEDIA_DIR 's3://x/media' does not name an S3 bucket"),
    ],
)
def test_refused_before_start(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", *argv, "--secret-key", "k" * 40]) == 2
    assert message in capsys.readouterr().err


def run_serve(*argv: str, env: dict[str, str], code: str = "") -> subprocess.CompletedProcess[str]:
    """`serve` in a fresh process (it configures Django once per process)."""
    program = (
        f"{code}import sys; from restthumbnails.server.cli import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    return subprocess.run(
        [sys.executable, "-c", program, "serve", *argv, "--secret-key", "k" * 40, "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def aws_env(s3: S3Server, tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        **s3.environment,
    }


def test_without_the_s3_extra_serve_says_what_to_install(s3: S3Server, tmp_path: Path) -> None:
    done = run_serve(
        "s3://photos/media",
        "--thumbnails-dir",
        str(tmp_path / "thumbs"),
        env=aws_env(s3, tmp_path),
        code="import sys; sys.modules['storages'] = None; ",  # as if not installed
    )
    assert done.returncode == 2
    assert done.stderr == (
        "restthumbnails: s3://photos/media needs the 'storages' package: "
        "pip install 'restthumbnails[s3]'\n"
    )


def test_a_bucket_that_does_not_exist_is_refused_at_start(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    done = run_serve(
        f"s3://{bucket}/media",
        "--thumbnails-dir",
        "s3://no-such-bucket-here/thumbs",
        env=aws_env(s3, tmp_path),
    )
    assert done.returncode == 2
    # One line that says the bucket is missing (not "refused access") and where it looked.
    assert done.stderr.endswith(
        "restthumbnails: s3://no-such-bucket-here/thumbs: bucket no-such-bucket-here does not "
        f"exist at {s3.endpoint} (HeadBucket: 404): check the bucket's name, and that the "
        "endpoint and region are where it was created (check the AWS_* environment variables)\n"
    ), done.stderr


@pytest.mark.parametrize(
    "url",
    [
        "ftp://host/x",
        "http://host/a b",
        "http://host/x?versionId=1",
        'http://host/x";',
        "http://host/$uri",
        "http://host:99999/x",
    ],
)
def test_bucket_urls_that_would_break_the_config_are_refused(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["nginx-config", "--bucket-url", url]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--bucket-url must be http(s)://HOST[:PORT][/PATH]" in captured.err


def test_https_bucket_site_names_the_bucket_for_tls(capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://photos.s3.eu-west-1.amazonaws.com/thumbs"
    assert main(["nginx-config", "--bucket-url", url]) == 0
    site = capsys.readouterr().out
    assert "server photos.s3.eu-west-1.amazonaws.com:443;" in site
    assert "rewrite ^ /thumbs$uri? break;" in site
    assert "proxy_pass https://restthumbnails_bucket;" in site
    assert 'proxy_ssl_name "photos.s3.eu-west-1.amazonaws.com";' in site
    assert 'proxy_set_header Host "photos.s3.eu-west-1.amazonaws.com";' in site
    assert "error_page 403 404 = @restthumbnails;" in site
