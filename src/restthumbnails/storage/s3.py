"""Sources and thumbnails in an S3 bucket, through django-storages' S3Storage.

Imported only when a storage is an S3Storage (see storage.py), so the package
never needs boto3 otherwise. Each step is the fewest requests S3 allows:

- a source: one HEAD (its size, refused before any download when it is over
  MAX_SOURCE_BYTES), then one ranged GET read in chunks that stops at the limit;
- a thumbnail: one HEAD to see whether it exists, one PUT to write it, with its
  Content-Type and Cache-Control. S3 stores a PUT whole or not at all (boto3
  sends a checksum of the body), so a failed write leaves nothing behind;
- a listing (warm, clean, stats): one ListObjectsV2 per 1,000 keys, which also
  gives each object's size and date, and one DeleteObjects per 1,000 removals.

The storage's own client, bucket, prefix (`location`) and object parameters
(ACL, encryption...) are used, so keys and URLs are the ones `storage.url()`
gives.
"""

import errno
import io
import logging
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import Storage
from storages.utils import clean_name

from ..core.logsafe import redact
from ..exceptions import SourceMissing, SourceTooLarge, StorageUnavailable

logger = logging.getLogger("restthumbnails")

CHUNK_BYTES = 256 * 1024
# HEAD answers carry no error code: only the status says what happened.
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_FORBIDDEN_HINT = (
    "the credentials need s3:GetObject, and s3:ListBucket so that a missing key "
    "is a 404 rather than a 403"
)


class SourceObject(io.BytesIO):
    """A source's bytes, with what identifies this version of it (size, ETag, date)."""

    def __init__(self, data: bytes, identity: str) -> None:
        super().__init__(data)
        self.source_identity = identity


def object_key(storage: Storage, name: str) -> str:
    """The key S3Storage itself uses for `name`: below its `location`, if any."""
    return str(storage._normalize_name(clean_name(name)))  # type: ignore[attr-defined]


def _client(storage: Storage) -> Any:
    return storage.connection.meta.client  # type: ignore[attr-defined]


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def _described(error: ClientError) -> str:
    """`403 AccessDenied`; only the status when the error has no code of its own."""
    status, code = str(_status(error)), _code(error)
    return status if code in ("", status) else f"{status} {code}"


def _head(storage: Storage, name: str, *, what: str) -> dict[str, Any] | None:
    """HeadObject's answer, or None when there is no such object."""
    bucket = storage.bucket_name  # type: ignore[attr-defined]
    try:
        return dict(_client(storage).head_object(Bucket=bucket, Key=object_key(storage, name)))
    except ClientError as exc:
        if _status(exc) == 404 or _code(exc) in _MISSING:
            return None
        _log_refusal("HeadObject", bucket, name, exc)
        raise StorageUnavailable(f"{what} storage cannot be read") from None
    except BotoCoreError as exc:
        logger.error("S3 HeadObject %s in %s failed: %s", redact(name), bucket, exc)
        raise StorageUnavailable(f"{what} storage cannot be reached") from None


def _log_refusal(operation: str, bucket: str, name: str, exc: ClientError) -> None:
    hint = f" ({_FORBIDDEN_HINT})" if _status(exc) == 403 else ""
    logger.error(
        "S3 %s %s in %s refused: %s%s", operation, redact(name), bucket, _described(exc), hint
    )


def thumbnail_exists(storage: Storage, name: str) -> bool:
    return _head(storage, name, what="thumbnail") is not None


def open_source(storage: Storage, name: str, *, max_bytes: int) -> tuple[BinaryIO, int]:
    head = _head(storage, name, what="source")
    if head is None:
        raise SourceMissing("source not found")
    size = int(head.get("ContentLength", 0))
    if size > max_bytes:
        raise SourceTooLarge(f"source is {size} bytes, over the limit of {max_bytes}")
    identity = f"{size}:{head.get('ETag', '')}:{head.get('LastModified', '')}"
    if size == 0:
        return SourceObject(b"", identity), 0
    data = _bounded_get(storage, name, max_bytes=max_bytes)
    return SourceObject(data, identity), len(data)


def _bounded_get(storage: Storage, name: str, *, max_bytes: int) -> bytes:
    """The object's bytes, never more than max_bytes + 1 of them asked for or read.

    The object may have been replaced by a larger one since the HEAD: the Range
    caps what S3 sends, and reading stops as soon as the limit is passed.
    """
    bucket = storage.bucket_name  # type: ignore[attr-defined]
    try:
        answer = _client(storage).get_object(
            Bucket=bucket, Key=object_key(storage, name), Range=f"bytes=0-{max_bytes}"
        )
        body = answer["Body"]
        chunks: list[bytes] = []
        read = 0
        try:
            while chunk := body.read(CHUNK_BYTES):
                chunks.append(chunk)
                read += len(chunk)
                if read > max_bytes:
                    raise SourceTooLarge(f"source is over the limit of {max_bytes} bytes")
        finally:
            body.close()
    except ClientError as exc:
        if _status(exc) == 404 or _code(exc) in _MISSING:
            raise SourceMissing("source not found") from None
        _log_refusal("GetObject", bucket, name, exc)
        raise StorageUnavailable("source storage cannot be read") from None
    except BotoCoreError as exc:
        logger.error("S3 GetObject %s in %s failed: %s", redact(name), bucket, exc)
        raise StorageUnavailable("source storage cannot be reached") from None
    return b"".join(chunks)


def put_thumbnail(
    storage: Storage, name: str, data: bytes, *, content_type: str, cache_control: str
) -> None:
    """One PutObject. Raises OSError (as a full disk would) when S3 refuses it."""
    params: dict[str, Any] = dict(storage.get_object_parameters(name))  # type: ignore[attr-defined]
    default_acl = getattr(storage, "default_acl", None)
    if default_acl and "ACL" not in params:
        params["ACL"] = default_acl
    # The thumbnail's format is exactly its extension's, and a thumbnail URL
    # never changes content: these two are ours, whatever the storage's defaults.
    params["ContentType"] = content_type
    params["CacheControl"] = cache_control
    bucket = storage.bucket_name  # type: ignore[attr-defined]
    try:
        _client(storage).put_object(
            Bucket=bucket, Key=object_key(storage, name), Body=data, **params
        )
    except ClientError as exc:
        raise OSError(errno.EIO, f"S3 PutObject refused: {_described(exc)}") from None
    except BotoCoreError as exc:
        raise OSError(errno.EIO, f"S3 PutObject failed: {type(exc).__name__}") from None


def bucket_problem(storage: Storage) -> str | None:
    """One HeadBucket before `serve` starts: wrong credentials, endpoint or bucket
    name are refused at once rather than as a 503 on every miss."""
    bucket = storage.bucket_name  # type: ignore[attr-defined]
    try:
        _client(storage).head_bucket(Bucket=bucket)
    except ClientError as exc:
        # HeadBucket answers carry no error code: a 404 is the bucket's absence.
        if _status(exc) == 404 or _code(exc) in ("NoSuchBucket", "NotFound"):
            endpoint = _client(storage).meta.endpoint_url
            return (
                f"bucket {bucket} does not exist at {endpoint} (HeadBucket: 404): check the "
                "bucket's name, and that the endpoint and region are where it was created"
            )
        hint = " (the credentials need s3:ListBucket on it)" if _status(exc) == 403 else ""
        return f"bucket {bucket} refused access: {_described(exc)}{hint}"
    except BotoCoreError as exc:
        return f"bucket {bucket} cannot be reached: {exc}"
    return None


LIST_PAGE = 1000  # the most S3 returns, and accepts in one DeleteObjects


def list_keys(storage: Storage, folder: str = "") -> Iterator[tuple[str, str, int, float]]:
    """(key, name, size, modified) of every object below `folder`, in key order, a
    page at a time: a bucket of millions of objects is never held in memory, and no
    object needs a HEAD of its own. The key is the object's exactly as listed, to
    delete that object and no other; the name is the key below the storage's prefix."""
    for key, name, item in _listed(storage, folder):
        yield key, name, int(item["Size"]), item["LastModified"].timestamp()


def folder_names(storage: Storage, folder: str, *, limit: int) -> frozenset[str] | None:
    """The names of the objects directly in `folder` (not below its subfolders), or
    None when there are more than `limit` of them."""
    names: set[str] = set()
    for _, name, _ in _listed(storage, folder, direct=True):
        names.add(name)
        if len(names) > limit:
            return None
    return frozenset(names)


def _listed(
    storage: Storage, folder: str, *, direct: bool = False
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(key, name, ListObjectsV2 entry) of each object below `folder` (`direct`: only those
    in it, not in its subfolders), LIST_PAGE keys per request."""
    base = storage._normalize_name("")  # type: ignore[attr-defined]
    prefix = object_key(storage, folder).rstrip("/") + "/" if folder else base
    bucket = storage.bucket_name  # type: ignore[attr-defined]
    pages = _client(storage).get_paginator("list_objects_v2")
    options = {"Delimiter": "/"} if direct else {}
    try:
        for page in pages.paginate(
            Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": LIST_PAGE}, **options
        ):
            for item in page.get("Contents", ()):
                key = item["Key"]
                if not key.endswith("/"):  # a "folder" made by a console: no file
                    yield key, key[len(base) :], item
    except ClientError as exc:
        _log_refusal("ListObjectsV2", bucket, folder, exc)
        raise StorageUnavailable(f"bucket {bucket} cannot be listed") from None
    except BotoCoreError as exc:
        raise StorageUnavailable(f"bucket {bucket} cannot be reached: {exc}") from None


def delete_keys(storage: Storage, keys: Sequence[str]) -> dict[str, str]:
    """One DeleteObjects for up to LIST_PAGE keys, each sent byte for byte as listed
    (never normalised as a storage name is: "a//b" or "a/../b" names another object);
    the keys that could not go, with why."""
    bucket = storage.bucket_name  # type: ignore[attr-defined]
    try:
        answer = _client(storage).delete_objects(
            Bucket=bucket,
            Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True},
        )
    except ClientError as exc:
        return dict.fromkeys(keys, f"S3 DeleteObjects refused: {_described(exc)}")
    except BotoCoreError as exc:
        return dict.fromkeys(keys, f"S3 DeleteObjects failed: {type(exc).__name__}")
    return {
        error["Key"]: f"{error.get('Code', '')} {error.get('Message', '')}"
        for error in answer.get("Errors", ())
    }
