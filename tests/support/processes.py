"""A server's process tree read from /proc: which processes it runs, what they hold open."""

import contextlib
import os
from pathlib import Path

RENDER_POOL_MODULE = b"restthumbnails.render.pool.worker"


def process_tree(root: int) -> list[int]:
    """`root` and its descendants still running; one that ends while it is read is left out."""
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
            found.append(pid)
    return found


def is_render_pool(pid: int) -> bool:
    """The pool's supervisor or one of its render processes."""
    try:
        return RENDER_POOL_MODULE in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def render_pool_holds(root: int, source: Path) -> bool:
    """Has a render process below `root` received `source`'s descriptor (taken its job)?"""
    wanted = str(source.resolve())
    for pid in process_tree(root):
        if not is_render_pool(pid):
            continue
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == wanted:
                        return True
    return False
