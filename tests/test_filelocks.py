"""The kernel file lock of a local thumbnail folder (storage/filelocks.py).

One holder at a time across threads and processes; the kill of a holder frees
it at once; no lock file stays behind a release; lock files are not
thumbnail-shaped, and clean leaves them alone.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import call_command

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import parse_path
from restthumbnails.exceptions import InvalidSpec, LockUnavailable
from restthumbnails.storage.filelocks import (
    LOCK_FOLDER,
    FileLock,
    check_lock_folder,
    lock_path,
    remove_dead_locks,
)

NAME = "photos/cat.jpg/200x200/crop/" + "a" * 64 + ".jpg"


def test_one_holder_at_a_time_and_nothing_left_after_release(tmp_path: Path) -> None:
    first, second = (
        FileLock(lock_path(str(tmp_path), NAME)),
        FileLock(lock_path(str(tmp_path), NAME)),
    )
    assert first.acquire()
    assert not second.acquire()
    assert second.held_by_anyone()
    assert first.release()
    assert not second.held_by_anyone()
    assert list((tmp_path / LOCK_FOLDER).iterdir()) == []
    assert second.acquire() and second.release()
    assert not first.release()  # released once only


def test_threads_of_one_process_exclude_each_other(tmp_path: Path) -> None:
    """flock is per open file, not per process (as fcntl locks are): each thread's
    open() is its own contender, so 40 threads at once get exactly one holder."""
    barrier = threading.Barrier(40)
    won: list[FileLock] = []

    def contend() -> None:
        lock = FileLock(lock_path(str(tmp_path), NAME))
        barrier.wait()
        if lock.acquire():
            won.append(lock)

    threads = [threading.Thread(target=contend) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    won[0].release()


def test_a_released_file_is_never_held_by_a_late_opener(tmp_path: Path) -> None:
    """Holder A deletes the file on release; B, which opened it before, must not
    count the deleted file's lock as the lock, or B and a third C could both hold."""
    path = lock_path(str(tmp_path), NAME)
    holder = FileLock(path)
    assert holder.acquire()
    stale = os.open(path, os.O_RDWR)  # B opened the file before the release
    holder.release()
    late = FileLock(path)
    assert late.acquire()  # a new file at the path
    third = FileLock(path)
    assert not third.acquire()
    os.close(stale)
    late.release()


HOLD = """
import sys, time
from restthumbnails.storage.filelocks import FileLock
lock = FileLock(sys.argv[1])
assert lock.acquire()
print("held", flush=True)
time.sleep(600)
"""


def test_a_killed_holder_frees_the_lock_at_once(tmp_path: Path) -> None:
    path = lock_path(str(tmp_path), NAME)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, path], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        lock = FileLock(path)
        assert lock.held_by_anyone() and not lock.acquire()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
        # No expiry to wait out: the kernel dropped the lock with the process.
        assert not lock.held_by_anyone()
        assert lock.acquire()
        lock.release()
        assert not os.path.exists(path)
    finally:
        holder.kill()
        holder.wait()


def test_serve_start_sweeps_dead_holders_files_but_not_live_locks(tmp_path: Path) -> None:
    dead = lock_path(str(tmp_path), "dead")
    os.makedirs(os.path.dirname(dead))
    Path(dead).write_bytes(b"")  # what a killed holder leaves
    live = FileLock(lock_path(str(tmp_path), NAME))
    assert live.acquire()
    (tmp_path / LOCK_FOLDER / "not-a-lock.txt").write_bytes(b"kept")
    assert remove_dead_locks(str(tmp_path)) == 1
    assert sorted(p.name for p in (tmp_path / LOCK_FOLDER).iterdir()) == sorted(
        [Path(live.path).name, "not-a-lock.txt"]
    )
    assert live.held_by_anyone()
    live.release()
    assert remove_dead_locks(str(tmp_path / "nowhere")) == 0


def test_a_lock_folder_that_cannot_be_used_is_lock_unavailable(tmp_path: Path) -> None:
    """`.locks` taken by a file (as unusable as a read-only folder, also for root):
    the lock answers LockUnavailable (the view's 503) and the health probe says so."""
    (tmp_path / LOCK_FOLDER).write_bytes(b"in the way")
    with pytest.raises(LockUnavailable):
        FileLock(lock_path(str(tmp_path), NAME)).acquire()
    assert check_lock_folder(str(tmp_path)).startswith("not answering")
    (tmp_path / LOCK_FOLDER).unlink()
    assert check_lock_folder(str(tmp_path)) == "ok"
    assert list((tmp_path / LOCK_FOLDER).iterdir()) == []


def test_a_lock_file_name_is_never_a_thumbnails(tmp_path: Path) -> None:
    """The proxy sends only thumbnail-shaped paths from disk; clean deletes only those
    and writers' temp files. A lock file's path below the root is neither."""
    relative = os.path.relpath(lock_path(str(tmp_path), NAME), tmp_path)
    assert relative.startswith(LOCK_FOLDER + "/") and relative.endswith(".lock")
    with pytest.raises(InvalidSpec):
        parse_path(relative, max_dimension=4096)


def test_clean_leaves_lock_files_alone_while_it_removes_an_orphan(thumbs: Path, settings) -> None:
    """`clean --orphans` over a folder with a live lock (a render in progress), a
    dead holder's file and an orphan thumbnail: only the orphan goes."""
    orphan = parse_path(NAME.replace("a" * 64, "b" * 64), max_dimension=4096)[0]
    name = orphan.name(sign(orphan, key=settings.SECRET_KEY))
    (thumbs / name).parent.mkdir(parents=True)
    (thumbs / name).write_bytes(b"a thumbnail of a source that is gone")
    live = FileLock(lock_path(str(thumbs), name))
    assert live.acquire()
    dead = Path(lock_path(str(thumbs), "dead"))
    dead.write_bytes(b"")
    out, err = io.StringIO(), io.StringIO()
    call_command("thumbnails", "clean", "--orphans", "--no-progress", stdout=out, stderr=err)
    assert "removed 1" in out.getvalue() and "1 orphan" in out.getvalue()
    assert not (thumbs / name).exists()
    assert dead.exists() and live.held_by_anyone()
    live.release()
