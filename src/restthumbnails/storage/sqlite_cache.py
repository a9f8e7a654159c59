"""A Django cache in one SQLite file: the embedded lock of `restthumbnails serve`.

Local-memory and file-based caches cannot lock across processes (their add()
is check-then-set). SQLite can: one INSERT ... ON CONFLICT DO UPDATE WHERE
expired is a single atomic statement, for every process on this host that
opens the same file. It needs no extra service, which is the point.
"""

import os
import pickle
import sqlite3
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value BLOB, expires REAL)"


def _set_up(connection: sqlite3.Connection, attempts: int = 50) -> None:
    """WAL mode and the table. Switching a brand-new file to WAL while another
    process does the same can fail at once with "database is locked" (the busy
    timeout does not cover it), so the set-up is retried for a moment."""
    for attempt in range(attempts):
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_SCHEMA)
            return
        except sqlite3.OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.02)


class SQLiteCache(BaseCache):
    """LOCATION is the database file; it is created on first use."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self._path = location
        self._local = threading.local()

    def _db(self) -> sqlite3.Connection:
        # A connection must cross neither fork() nor threads: each gunicorn worker
        # and each of its threads opens its own.
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            connection = sqlite3.connect(self._path, timeout=30, isolation_level=None)
            _set_up(connection)
            # Entries are short-lived locks and failure notes: a power cut may lose
            # the last few, which costs at most a render, so commits skip the fsync.
            # WAL keeps the file consistent either way.
            connection.execute("PRAGMA synchronous=NORMAL")
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        cursor = self._db().execute(
            "INSERT INTO entries (key, value, expires) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires "
            "WHERE entries.expires IS NOT NULL AND entries.expires <= ?",
            (key, pickle.dumps(value), self.get_backend_timeout(timeout), time.time()),
        )
        return cursor.rowcount == 1

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        row = (
            self._db()
            .execute(
                "SELECT value FROM entries WHERE key = ? AND (expires IS NULL OR expires > ?)",
                (key, time.time()),
            )
            .fetchone()
        )
        return default if row is None else pickle.loads(row[0])  # noqa: S301 (our own file)

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        """One statement for all `keys` (the failure memory asks two per miss), not one each."""
        named = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not named:
            return {}
        marks = ", ".join("?" * len(named))
        rows = (
            self._db()
            .execute(
                f"SELECT key, value FROM entries WHERE key IN ({marks}) "  # noqa: S608 (only ?s)
                "AND (expires IS NULL OR expires > ?)",
                (*named, time.time()),
            )
            .fetchall()
        )
        return {named[key]: pickle.loads(value) for key, value in rows}  # noqa: S301

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        self._db().execute(
            "INSERT OR REPLACE INTO entries (key, value, expires) VALUES (?, ?, ?)",
            (key, pickle.dumps(value), self.get_backend_timeout(timeout)),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        cursor = self._db().execute(
            "UPDATE entries SET expires = ? WHERE key = ? AND (expires IS NULL OR expires > ?)",
            (self.get_backend_timeout(timeout), key, time.time()),
        )
        return cursor.rowcount == 1

    def delete(self, key: Any, version: Any = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._db().execute("DELETE FROM entries WHERE key = ?", (key,)).rowcount == 1

    def delete_if_value(self, key: Any, value: Any, version: Any = None) -> bool:
        """Atomic compare-and-delete: the lock's release-only-by-owner."""
        key = self.make_and_validate_key(key, version=version)
        cursor = self._db().execute(
            "DELETE FROM entries WHERE key = ? AND value = ?", (key, pickle.dumps(value))
        )
        return cursor.rowcount == 1

    def clear(self) -> None:
        self._db().execute("DELETE FROM entries")

    def close(self, **kwargs: Any) -> None:
        # Kept open across requests on purpose: the file is local and the
        # connection is cheap to keep; Django calls close() after every request.
        pass
