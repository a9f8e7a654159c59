"""The embedded lock cache: atomic add across processes, expiry, owner-only delete."""

import multiprocessing
from pathlib import Path

from restthumbnails.sqlite_cache import SQLiteCache


def cache_at(path: Path) -> SQLiteCache:
    return SQLiteCache(str(path), {})


def _race(path: str, start, results) -> None:
    cache = SQLiteCache(path, {})
    start.wait()
    results.put(sum(cache.add(f"key-{n}", "mine", timeout=30) for n in range(50)))


def test_add_is_atomic_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "locks.sqlite3")
    cache_at(tmp_path / "locks.sqlite3").clear()  # creates the table before the race
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(4), context.Queue()
    workers = [context.Process(target=_race, args=(path, start, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    wins = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    # 50 keys, four processes racing for each: exactly one winner per key.
    assert sum(wins) == 50


def test_expired_entries_can_be_added_again(tmp_path: Path) -> None:
    cache = cache_at(tmp_path / "c.sqlite3")
    assert cache.add("k", "first", timeout=30)
    assert not cache.add("k", "second", timeout=30)
    assert cache.add("old", "first", timeout=0)  # expires at once
    assert cache.get("old") is None
    assert cache.add("old", "second", timeout=30)
    assert cache.get("old") == "second"


def test_delete_if_value_only_for_the_owner(tmp_path: Path) -> None:
    cache = cache_at(tmp_path / "c.sqlite3")
    cache.add("k", "owner-token", timeout=30)
    assert cache.delete_if_value("k", "someone-else") is False
    assert cache.get("k") == "owner-token"
    assert cache.delete_if_value("k", "owner-token") is True
    assert cache.get("k") is None


def test_set_touch_delete(tmp_path: Path) -> None:
    cache = cache_at(tmp_path / "c.sqlite3")
    cache.set("k", {"a": 1}, timeout=30)
    assert cache.get("k") == {"a": 1}
    assert cache.touch("k", timeout=60)
    assert cache.delete("k") and not cache.delete("k")
    assert cache.get("k", "default") == "default"


def test_get_many_returns_the_live_keys_under_the_callers_names(tmp_path: Path) -> None:
    cache = cache_at(tmp_path / "locks.sqlite3")
    cache.set("alive", ("timeout", "took 2 s"), timeout=30)
    cache.set("expired", "old", timeout=-1)
    cache.set("other-version", "v2", timeout=30, version=2)
    found = cache.get_many(["alive", "expired", "missing", "other-version"])
    assert found == {"alive": ("timeout", "took 2 s")}
    assert cache.get_many(["other-version"], version=2) == {"other-version": "v2"}
    assert cache.get_many([]) == {}
