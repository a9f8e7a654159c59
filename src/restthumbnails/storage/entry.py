"""One file of a storage as a walk finds it: its name, and what the listing told."""

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.storage import Storage

SkipFolder = Callable[[str], bool]


def never(folder: str) -> bool:
    return False


@dataclass
class Entry:
    """One file of a storage. Its size and modification time are read on first use."""

    name: str  # the storage name, "/"-separated
    storage: Storage
    path: str | None = None  # absolute path when the storage is local
    listed_size: int | None = None  # when the listing gave them (S3)
    listed_modified: float | None = None
    key: str | None = None  # a bucket's object key, exactly as listed
    link: bool = False  # a symlink in a local folder
    _stat: os.stat_result | None = field(default=None, repr=False)

    @functools.cached_property
    def size(self) -> int:
        if self.listed_size is not None:
            return self.listed_size
        if self.path is not None:
            return self._local_stat().st_size
        return self.storage.size(self.name)

    @functools.cached_property
    def modified(self) -> float:
        """Seconds since the epoch."""
        if self.listed_modified is not None:
            return self.listed_modified
        if self.path is not None:
            return self._local_stat().st_mtime
        moment: datetime = self.storage.get_modified_time(self.name)
        return moment.timestamp()

    def _local_stat(self) -> os.stat_result:
        if self._stat is None:
            assert self.path is not None
            self._stat = os.stat(self.path)
        return self._stat
