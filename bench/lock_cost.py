"""The per-miss cost of the thumbnail lock: take it and release it once.

Before: the embedded SQLite lock cache (`SQLiteCache.add` then its compare-and-
delete), each a write transaction on one WAL file. After: the kernel file lock
of a local thumbnail folder (`FileLock`: open, flock, stat, unlink, close).
Both on a temp folder of this machine, one new name per round, as a miss takes
one. Prints wall and CPU microseconds per acquire+release.

    python -m bench.lock_cost [--rounds N]
"""

import argparse
import hashlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import django
from django.conf import settings

from restthumbnails.sqlite_cache import SQLiteCache
from restthumbnails.storage.filelocks import FileLock, lock_path
from restthumbnails.storage.locks import Lock, ThumbnailLock, lock_key


def _measure(make: Callable[[str], Lock], rounds: int) -> tuple[float, float]:
    names = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(rounds)]
    for name in names[:50]:  # warm-up: connections, folder, page cache
        lock = make("warm-" + name)
        lock.acquire()
        lock.release()
    wall, cpu = time.perf_counter(), time.process_time()
    for name in names:
        lock = make(name)
        if not lock.acquire():
            raise SystemExit("a fresh name was already locked")
        lock.release()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall / rounds * 1e6, cpu / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    if not settings.configured:
        settings.configure()
        django.setup()
    with tempfile.TemporaryDirectory(prefix="lock-cost-") as folder:
        cache = SQLiteCache(str(Path(folder) / "locks.sqlite3"), {})
        thumbnails = str(Path(folder) / "thumbnails")
        Path(thumbnails).mkdir()
        cases: dict[str, Callable[[str], Lock]] = {
            "SQLite lock cache (before)": lambda n: ThumbnailLock(
                cache, lock_key("restthumbnails", n), 10
            ),
            "kernel file lock (after)": lambda n: FileLock(lock_path(thumbnails, n)),
        }
        print(f"lock acquire + release, {args.rounds} fresh names each, one thread")
        print(f"{'':30} {'wall us':>9} {'CPU us':>9}")
        for label, make in cases.items():
            wall, cpu = _measure(make, args.rounds)
            print(f"{label:30} {wall:9.1f} {cpu:9.1f}")
        left = list(Path(thumbnails).rglob("*.lock"))
        print(f"lock files left behind: {len(left)}")


if __name__ == "__main__":
    main()
