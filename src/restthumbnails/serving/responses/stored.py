"""A stored thumbnail as the `django` backend sends it: the open file and its validators.

Apart from django.py so that serve's lean route sends the same file with the same
ETag and Last-Modified without importing Django's response classes.
"""

import os
from typing import BinaryIO, cast

from django.core.files.storage import Storage

from ...storage.access import local_path


def validators(size: int, modified_ns: int) -> tuple[str, int]:
    """The ETag and the Last-Modified time (in s) of a stored file."""
    return f'"{modified_ns:x}-{size:x}"', modified_ns // 1_000_000_000


def open_stored(storage: Storage, name: str) -> tuple[BinaryIO, int, int]:
    """The open file, its size and its mtime in ns: one open and one fstat when local."""
    path = local_path(storage, name)
    if path is not None:
        handle = open(path, "rb")  # noqa: SIM115 (the caller closes it, or the server)
        stat = os.fstat(handle.fileno())
        return handle, stat.st_size, stat.st_mtime_ns
    modified_ns = int(storage.get_modified_time(name).timestamp() * 1e9)
    return cast(BinaryIO, storage.open(name, "rb")), storage.size(name), modified_ns
