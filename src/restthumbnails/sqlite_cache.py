"""`restthumbnails.sqlite_cache.SQLiteCache`, the dotted path CACHES settings name: the
cache itself lives with the other lock stores, in storage/sqlite_cache.py."""

from .storage.sqlite_cache import SQLiteCache

__all__ = ["SQLiteCache"]
