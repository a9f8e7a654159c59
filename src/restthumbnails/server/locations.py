"""Where `serve` reads sources and writes thumbnails: a local folder or `s3://bucket/prefix`.

A bucket is reached through django-storages' S3Storage, configured the way every
AWS tool is: credentials, region and endpoint come from the standard AWS
environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_PROFILE) or the
shared files in ~/.aws/, which boto3 reads itself. Nothing here imports boto3.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..extras import packages_missing

S3_SCHEME = "s3://"
S3_BACKEND = "storages.backends.s3.S3Storage"
# S3's rules for a bucket name: 3 to 63 lowercase letters, digits, dots and dashes.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@dataclass(frozen=True)
class Location:
    """A local folder (`folder`), or a `bucket` and a key `prefix` (no slashes around)."""

    folder: Path | None = None
    bucket: str | None = None
    prefix: str = ""

    @property
    def is_bucket(self) -> bool:
        return self.bucket is not None

    def __str__(self) -> str:
        if self.folder is not None:
            return str(self.folder)
        return f"{S3_SCHEME}{self.bucket}/{self.prefix}".rstrip("/")

    def contains(self, other: "Location") -> bool:
        """True when every name below `other` is also below this location."""
        if self.folder is not None and other.folder is not None:
            return other.folder == self.folder or self.folder in other.folder.parents
        if self.bucket is None or self.bucket != other.bucket:
            return False
        return not self.prefix or f"{other.prefix}/".startswith(f"{self.prefix}/")

    def storage(self, *, base_url: str | None = None) -> dict[str, Any]:
        """The STORAGES entry for this location."""
        if self.folder is not None:
            options: dict[str, Any] = {"location": str(self.folder)}
            if base_url is not None:
                options["base_url"] = base_url
            return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": options}
        return {
            "BACKEND": S3_BACKEND,
            "OPTIONS": {
                "bucket_name": self.bucket,
                "location": self.prefix,
                # Thumbnails are public (a proxy or CDN sends them): the `redirect`
                # backend's 302 goes to the plain object URL, never a signed one.
                "querystring_auth": False,
            },
        }


def parse_location(text: str, *, option: str) -> Location:
    """`s3://bucket[/prefix]` or a folder; ValueError naming `option` otherwise."""
    if not text.startswith(S3_SCHEME):
        if "://" in text:
            raise ValueError(f"{option} must be a folder or s3://BUCKET/PREFIX, not {text!r}")
        return Location(folder=Path(text).resolve())
    bucket, _, prefix = text[len(S3_SCHEME) :].partition("/")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise ValueError(f"{option} {text!r} does not name an S3 bucket (3-63 of a-z 0-9 . -)")
    prefix = prefix.strip("/")
    segments = prefix.split("/") if prefix else []
    if any(segment in ("", ".", "..") for segment in segments) or not prefix.isprintable():
        raise ValueError(f"{option} {text!r}: the prefix must be plain path segments")
    return Location(bucket=bucket, prefix=prefix)


def missing_s3_libraries(*locations: Location) -> str | None:
    """Checked before start: without them every request would fail."""
    buckets = [str(location) for location in locations if location.is_bucket]
    if not buckets:
        return None
    return packages_missing(buckets[0], ("storages", "boto3"), "s3")


def thumbnails_location(given: str | None, media: Location) -> Location:
    """`--thumbnails-dir`, else MEDIA_DIR-thumbnails beside a media folder."""
    if given is not None:
        return parse_location(given, option="--thumbnails-dir")
    if media.folder is None:
        raise ValueError(f"MEDIA_DIR {media} is a bucket: give --thumbnails-dir too")
    return Location(folder=media.folder.with_name(media.folder.name + "-thumbnails"))


def served_locations(media_dir: str, thumbnails_dir: str | None) -> tuple[Location, Location]:
    """MEDIA_DIR and --thumbnails-dir, as `serve` and warm/clean/stats take them;
    ValueError with the reason when they cannot work together."""
    media = parse_location(media_dir, option="MEDIA_DIR")
    # The missing extra first: it is the one thing `pip install` alone fixes.
    problem = missing_s3_libraries(media)
    if problem:
        raise ValueError(problem)
    thumbnails = thumbnails_location(thumbnails_dir, media)
    if media.folder is not None and not media.folder.is_dir():
        raise ValueError(f"{media_dir} is not a folder")
    if thumbnails.contains(media) or media.contains(thumbnails):
        raise ValueError("the thumbnails folder and the media folder must not contain each other")
    problem = missing_s3_libraries(media, thumbnails)
    if problem:
        raise ValueError(problem)
    return media, thumbnails


def unreachable_bucket(*locations: Location) -> str | None:
    """With Django set up: one HeadBucket for each bucket, so wrong credentials, a
    wrong endpoint or bucket name are refused at once rather than on every object.

    From storages made for the check alone: processes forked later must not
    share this process's connections. Without a bucket nothing is imported: the s3
    module needs botocore, which only the `s3` extra installs."""
    buckets = [location for location in locations if location.is_bucket]
    if not buckets:
        return None
    from django.core.files.storage import storages

    from ..storage.access import access_for

    for location in buckets:
        problem = access_for(storages.create_storage(location.storage())).bucket_problem()
        if problem:
            return f"{location}: {problem} (check the AWS_* environment variables)"
    return None
