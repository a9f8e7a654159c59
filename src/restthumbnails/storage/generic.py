"""Any Django storage, through the Storage API alone; the base of every kind's access.

Two promises hold for every kind: a source whose real path leaves its storage
is never read, and a thumbnail appears at its name whole or not at all.
"""

import functools
import io
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

from django.core.exceptions import SuspiciousFileOperation, SuspiciousOperation
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from ..core.formats import IMMUTABLE
from ..exceptions import SourceMissing, SourceTooLarge
from .entry import Entry, SkipFolder, never


class StorageAccess:
    """Any Django storage, through the Storage API alone (listdir, open, save, delete)."""

    # How many removals `delete_many` takes at once.
    delete_batch = 1

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def local_path(self, name: str) -> str | None:
        """The file's absolute path when the storage is a local folder, else None."""
        return None

    def open_source(self, name: str, *, max_bytes: int) -> tuple[BinaryIO, int]:
        """An open binary file of the source and its size; SourceMissing / SourceTooLarge.
        The caller closes it."""
        storage = self.storage
        try:
            if not storage.exists(name):
                raise SourceMissing("source not found")
            size = storage.size(name)
        except (OSError, SuspiciousFileOperation):
            raise SourceMissing("source not found") from None
        if size > max_bytes:
            raise SourceTooLarge(f"source is {size} bytes, over the limit of {max_bytes}")
        # Remote storages stream over the network: read it once, bounded, into memory.
        with storage.open(name, "rb") as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise SourceTooLarge(f"source is over the limit of {max_bytes} bytes")
        return io.BytesIO(data), len(data)

    def exists(self, name: str) -> bool:
        return bool(self.storage.exists(name))

    def write(self, name: str, data: bytes, *, cache_control: str = IMMUTABLE) -> None:
        """Write the whole file under `name`, replacing any older copy, atomically.

        `cache_control` goes on objects in an S3 bucket (REST_THUMBNAILS_OBJECT_CACHE_CONTROL);
        a proxy or CDN in front of the bucket sends it with every hit.
        """
        # Object storages put a whole object in one request, so there is no partial
        # state to hide. Storage.save() renames on collision; when a concurrent
        # writer got there first, drop our copy instead of keeping a duplicate.
        saved = self.storage.save(name, ContentFile(data))
        if saved != name:
            self.storage.delete(saved)

    def walk(self, folder: str = "", *, hidden: bool, skip: SkipFolder = never) -> Iterator[Entry]:
        """Every file below `folder`; dot-named files and folders only with `hidden`;
        nothing below a folder (a name relative to the storage) for which `skip` is true."""
        try:
            directories, files = self.storage.listdir(folder)
        except FileNotFoundError:
            return
        for file_name in files:
            if hidden or not file_name.startswith("."):
                yield Entry(f"{folder}/{file_name}" if folder else file_name, self.storage)
        for directory in directories:
            name = f"{folder}/{directory}" if folder else directory
            if (hidden or not directory.startswith(".")) and not skip(name):
                yield from self.walk(name, hidden=hidden, skip=skip)

    def delete_many(self, entries: Sequence[Entry]) -> list[str | None]:
        """Remove the entries (at most `delete_batch` of them); why each one could not
        go, None for those that went."""
        return [self._delete(entry) for entry in entries]

    def _delete(self, entry: Entry) -> str | None:
        try:
            self.storage.delete(entry.name)
        except OSError as exc:
            return exc.strerror or str(exc)
        except SuspiciousOperation as exc:
            return str(exc)
        return None

    def names_exactly(self, entry: Entry) -> bool:
        """True unless the storage's name for a listed entry reaches another file (a
        bucket key that its storage name does not give back byte for byte)."""
        return True

    def existence(self, cache_size: int) -> Callable[[str], bool]:
        """`exists` for many names in a row, as cheaply as this kind of storage allows."""
        return functools.lru_cache(maxsize=cache_size)(self.exists)

    def root(self) -> tuple[str, tuple[str, ...]] | None:
        """Where the files live: what holds them ("folder", or an S3 endpoint and bucket)
        and the path segments to the storage's root in it; None when it cannot be told."""
        return None

    def overwrite_option(self) -> str | None:
        """The option that makes the storage save a new file over an existing one of the
        same name, as it appears in STORAGES' OPTIONS; None when it keeps both."""
        if getattr(self.storage, "_allow_overwrite", False):  # FileSystemStorage, Django 5.1+
            return "allow_overwrite"
        return None

    def bucket_problem(self) -> str | None:
        """Why the storage cannot be reached at all (checked before `serve` starts)."""
        return None
