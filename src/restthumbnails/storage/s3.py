"""Sources and thumbnails in an S3 bucket, through django-storages' S3Storage.

Imported only when a storage is an S3Storage (see storage/access.py), so the package
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
import functools
import io
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO

from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import Storage
from storages.utils import clean_name

from ..core.formats import IMMUTABLE, content_type
from ..exceptions import SourceMissing, SourceTooLarge, StorageUnavailable
from .entry import Entry, SkipFolder, never
from .generic import StorageAccess
from .s3_errors import S3_ERRORS, S3Failure

CHUNK_BYTES = 256 * 1024
LIST_PAGE = 1000  # the most S3 returns, and accepts in one DeleteObjects
_NO_BUCKET = frozenset({"NoSuchBucket", "NotFound"})


class SourceObject(io.BytesIO):
    """A source's bytes, with what identifies this version of it (size, ETag, date)."""

    def __init__(self, data: bytes, identity: str) -> None:
        super().__init__(data)
        self.source_identity = identity


def object_key(storage: Storage, name: str) -> str:
    """The key S3Storage itself uses for `name`: below its `location`, if any."""
    return str(storage._normalize_name(clean_name(name)))  # type: ignore[attr-defined]


class S3Bucket(StorageAccess):
    """django-storages' S3Storage, through its own client, bucket, prefix (`location`)
    and object parameters (ACL, encryption...)."""

    delete_batch = LIST_PAGE

    def __init__(self, storage: Storage) -> None:
        super().__init__(storage)
        self.bucket: str = storage.bucket_name  # type: ignore[attr-defined]

    @property
    def client(self) -> Any:
        return self.storage.connection.meta.client  # type: ignore[attr-defined]

    def key(self, name: str) -> str:
        return object_key(self.storage, name)

    def _head(self, name: str, *, what: str) -> dict[str, Any] | None:
        """HeadObject's answer, or None when there is no such object."""
        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=self.key(name)))
        except S3_ERRORS as exc:
            failure = S3Failure.of(exc)
            if failure.missing():
                return None
            failure.log("HeadObject", self.bucket, name)
            raise failure.unavailable(f"{what} storage") from None

    def exists(self, name: str) -> bool:
        return self._head(name, what="thumbnail") is not None

    def open_source(self, name: str, *, max_bytes: int) -> tuple[BinaryIO, int]:
        """One HEAD, then one ranged GET that stops at the limit."""
        head = self._head(name, what="source")
        if head is None:
            raise SourceMissing("source not found")
        size = int(head.get("ContentLength", 0))
        if size > max_bytes:
            raise SourceTooLarge(f"source is {size} bytes, over the limit of {max_bytes}")
        identity = f"{size}:{head.get('ETag', '')}:{head.get('LastModified', '')}"
        if size == 0:
            return SourceObject(b"", identity), 0
        data = self._bounded_get(name, max_bytes=max_bytes)
        return SourceObject(data, identity), len(data)

    def _bounded_get(self, name: str, *, max_bytes: int) -> bytes:
        """The object's bytes, never more than max_bytes + 1 of them asked for or read.

        The object may have been replaced by a larger one since the HEAD: the Range
        caps what S3 sends, and reading stops as soon as the limit is passed.
        """
        try:
            answer = self.client.get_object(
                Bucket=self.bucket, Key=self.key(name), Range=f"bytes=0-{max_bytes}"
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
        except S3_ERRORS as exc:
            failure = S3Failure.of(exc)
            if failure.missing():
                raise SourceMissing("source not found") from None
            failure.log("GetObject", self.bucket, name)
            raise failure.unavailable("source storage") from None
        return b"".join(chunks)

    def write(self, name: str, data: bytes, *, cache_control: str = IMMUTABLE) -> None:
        """One PutObject with the Content-Type and Cache-Control, no HEAD before it.
        Raises OSError (as a full disk would) when S3 refuses it."""
        storage = self.storage
        params: dict[str, Any] = dict(storage.get_object_parameters(name))  # type: ignore[attr-defined]
        default_acl = getattr(storage, "default_acl", None)
        if default_acl and "ACL" not in params:
            params["ACL"] = default_acl
        # The thumbnail's format is exactly its extension's, and a thumbnail URL
        # never changes content: these two are ours, whatever the storage's defaults.
        params["ContentType"] = content_type(name)
        params["CacheControl"] = cache_control
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=data, **params)
        except S3_ERRORS as exc:
            raise OSError(errno.EIO, S3Failure.of(exc).said("PutObject")) from None

    def root(self) -> tuple[str, tuple[str, ...]]:
        endpoint = getattr(self.storage, "endpoint_url", None) or ""
        prefix = str(getattr(self.storage, "location", "") or "")
        return (f"s3 {endpoint} {self.bucket}", tuple(part for part in prefix.split("/") if part))

    def overwrite_option(self) -> str | None:
        # django-storages' default (AWS_S3_FILE_OVERWRITE = True).
        return "file_overwrite" if getattr(self.storage, "file_overwrite", False) else None

    def bucket_problem(self) -> str | None:
        """One HeadBucket before `serve` starts: wrong credentials, endpoint or bucket
        name are refused at once rather than as a 503 on every miss."""
        bucket = self.bucket
        try:
            self.client.head_bucket(Bucket=bucket)
        except S3_ERRORS as exc:
            failure = S3Failure.of(exc)
            if not failure.answered:
                return f"bucket {bucket} cannot be reached: {failure.detail}"
            # HeadBucket answers carry no error code: a 404 is the bucket's absence.
            if failure.missing(_NO_BUCKET):
                return (
                    f"bucket {bucket} does not exist at {self.client.meta.endpoint_url} "
                    "(HeadBucket: 404): check the bucket's name, and that the endpoint "
                    "and region are where it was created"
                )
            hint = " (the credentials need s3:ListBucket on it)" if failure.status == 403 else ""
            return f"bucket {bucket} refused access: {failure.reason}{hint}"
        return None

    def walk(self, folder: str = "", *, hidden: bool, skip: SkipFolder = never) -> Iterator[Entry]:
        """Every object below `folder`, a page of LIST_PAGE keys at a time: a bucket of
        millions of objects is never held in memory, and no object needs a HEAD of its
        own. Each entry keeps its key exactly as listed, to delete that object and no
        other; its name is the key below the storage's prefix."""
        for key, name, item in self._listed(folder):
            parts = name.split("/")
            if not hidden and any(part.startswith(".") for part in parts):
                continue
            if any(skip("/".join(parts[:end])) for end in range(1, len(parts))):
                continue
            yield Entry(
                name,
                self.storage,
                listed_size=int(item["Size"]),
                listed_modified=item["LastModified"].timestamp(),
                key=key,
            )

    def folder_names(self, folder: str, *, limit: int) -> frozenset[str] | None:
        """The names of the objects directly in `folder` (not below its subfolders), or
        None when there are more than `limit` of them."""
        names: set[str] = set()
        for _, name, _ in self._listed(folder, direct=True):
            names.add(name)
            if len(names) > limit:
                return None
        return frozenset(names)

    def _listed(
        self, folder: str, *, direct: bool = False
    ) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(key, name, ListObjectsV2 entry) of each object below `folder` (`direct`: only
        those in it, not in its subfolders), in key order, LIST_PAGE keys per request."""
        base = self.storage._normalize_name("")  # type: ignore[attr-defined]
        prefix = self.key(folder).rstrip("/") + "/" if folder else base
        pages = self.client.get_paginator("list_objects_v2")
        options = {"Delimiter": "/"} if direct else {}
        try:
            for page in pages.paginate(
                Bucket=self.bucket,
                Prefix=prefix,
                PaginationConfig={"PageSize": LIST_PAGE},
                **options,
            ):
                for item in page.get("Contents", ()):
                    key = item["Key"]
                    if not key.endswith("/"):  # a "folder" made by a console: no file
                        yield key, key[len(base) :], item
        except S3_ERRORS as exc:
            failure = S3Failure.of(exc)
            if not failure.answered:
                raise StorageUnavailable(
                    f"bucket {self.bucket} cannot be reached: {failure.detail}"
                ) from None
            failure.log("ListObjectsV2", self.bucket, folder)
            raise StorageUnavailable(f"bucket {self.bucket} cannot be listed") from None

    def delete_many(self, entries: Sequence[Entry]) -> list[str | None]:
        """One DeleteObjects for up to LIST_PAGE objects, each key sent byte for byte as
        listed (never normalised as a storage name is: "a//b" or "a/../b" names another
        object)."""
        keys = [self._listed_key(entry) for entry in entries]
        try:
            answer = self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True},
            )
        except S3_ERRORS as exc:
            return [S3Failure.of(exc).said("DeleteObjects")] * len(keys)
        errors = {
            error["Key"]: f"{error.get('Code', '')} {error.get('Message', '')}"
            for error in answer.get("Errors", ())
        }
        return [errors.get(key) for key in keys]

    def _listed_key(self, entry: Entry) -> str:
        # The key the listing gave, byte for byte; only an entry that did not come
        # from a listing (none does today) is named through the storage.
        return entry.key if entry.key is not None else self.key(entry.name)

    def names_exactly(self, entry: Entry) -> bool:
        # S3Storage normalises "//", "." and ".." away, or refuses the name.
        if entry.key is None:
            return True
        try:
            return self.key(entry.name) == entry.key
        except (SuspiciousOperation, ValueError):
            return False

    def existence(self, cache_size: int) -> Callable[[str], bool]:
        return BucketSources(self, cache_size).exists


class BucketSources:
    """Which sources exist in a bucket, a folder's listing at a time.

    The thumbnails of one folder's sources sit together in the listing, so one
    ListObjectsV2 (1,000 names) answers for a thousand sources where a HEAD each
    would take a thousand requests. A folder of more than FOLDER_LIMIT objects
    is not held in memory: its sources are asked one HEAD each.
    """

    FOLDER_LIMIT = 100_000
    FOLDERS_KEPT = 4

    def __init__(self, bucket: S3Bucket, cache_size: int) -> None:
        self.bucket = bucket
        self.folders: OrderedDict[str, frozenset[str] | None] = OrderedDict()
        self.heads = functools.lru_cache(maxsize=cache_size)(bucket.exists)

    def exists(self, name: str) -> bool:
        folder = name.rpartition("/")[0]
        if folder in self.folders:
            self.folders.move_to_end(folder)
        else:
            self.folders[folder] = self.bucket.folder_names(folder, limit=self.FOLDER_LIMIT)
            if len(self.folders) > self.FOLDERS_KEPT:
                self.folders.popitem(last=False)
        names = self.folders[folder]
        return self.heads(name) if names is None else name in names
