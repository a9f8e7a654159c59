"""Reading sources and writing thumbnails through Django storages: one access
object per kind of storage, chosen once here.

- `LocalFolder` (storage/local.py): a storage with a path on this machine;
- `S3Bucket` (storage/s3.py): django-storages' S3Storage, through its own client;
- `StorageAccess` (storage/generic.py): any other storage, through the Storage API.
"""

from django.core.files.storage import Storage

from .generic import StorageAccess
from .local import LocalFolder

__all__ = ["StorageAccess", "access_for", "local_path"]


def access_for(storage: Storage) -> StorageAccess:
    """The access object for `storage`'s kind. An S3Storage is found by class name, so
    that nothing here imports boto3 or django-storages."""
    for kind in type(storage).__mro__:
        if kind.__module__ == "storages.backends.s3" and kind.__name__ == "S3Storage":
            from .s3 import S3Bucket

            return S3Bucket(storage)
    try:
        storage.path("")
    except NotImplementedError:
        return StorageAccess(storage)
    return LocalFolder(storage)


def local_path(storage: Storage, name: str) -> str | None:
    """The file's absolute path when the storage is a local filesystem, else None."""
    return access_for(storage).local_path(name)
