"""Host-wide render pools: `serve`'s (started by the master before gunicorn forks its
workers) and `restthumbnails render-pool` (for a Django site's workers to share)."""

import argparse
import os
import sys
from dataclasses import dataclass

from ..conf import DEFAULT_RENDER_MEMORY_LIMIT, get_settings
from ..render.pool.client import MISS_THREADS, PoolProcess


@dataclass(frozen=True)
class HostPool:
    process: PoolProcess
    processes: int
    # Threads each gunicorn worker needs: `--threads` for hits and everything else,
    # plus one for each miss the pool can hold at once.
    request_threads: int

    def stop(self) -> None:
        self.process.stop()


def start_host_pool(socket_path: str, *, threads: int) -> HostPool:
    """MAX_CONCURRENT render processes at `socket_path`, MAX_QUEUED misses waiting for one.

    A miss holds its request thread while it waits for a render process and while
    it renders. The pool holds at most MAX_CONCURRENT + MAX_QUEUED of them (the
    kernel admits one more connection than the backlog) and refuses the rest at
    connect(), so that many threads per worker carry every miss the host can take;
    `threads` more stay free for hits and `/_health` however slow the renders are.
    Misses are capped at that share in each worker (forked after this).
    """
    settings = get_settings()
    misses = settings.max_concurrent + settings.max_queued + 1
    MISS_THREADS.limit(misses)
    process = PoolProcess.start(
        processes=settings.max_concurrent,
        queued=settings.max_queued,
        memory_limit=settings.render_memory_limit,
        socket_path=socket_path,
    )
    return HostPool(process, settings.max_concurrent, threads + misses)


def add_render_pool_command(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
) -> None:
    parser = commands.add_parser(
        "render-pool",
        help="run a render pool that a Django site's workers share (RENDER_POOL = its socket)",
        description="Run render processes that take misses from every worker process of a "
        "Django site on this host: set REST_THUMBNAILS_RENDER_POOL to SOCKET. The socket is "
        "created for this user only; run the site's workers as the same user.",
    )
    parser.add_argument("socket", metavar="SOCKET", help="absolute path of the Unix socket")
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="render processes, i.e. renders at once (default: one per core = %(default)s)",
    )
    parser.add_argument(
        "--queued",
        type=int,
        default=8,
        help="misses that may wait for a free render process; more are 503 (default 8)",
    )
    parser.add_argument(
        "--memory-limit",
        type=int,
        default=DEFAULT_RENDER_MEMORY_LIMIT,
        help="bytes of address space per render process, 0 for none "
        f"(default {DEFAULT_RENDER_MEMORY_LIMIT})",
    )


def command_render_pool(args: argparse.Namespace) -> int:
    if not os.path.isabs(args.socket):
        print("restthumbnails: SOCKET must be an absolute path", file=sys.stderr)
        return 2
    if args.processes < 1 or args.queued < 0 or args.memory_limit < 0:
        print(
            "restthumbnails: needs --processes >= 1, --queued >= 0, --memory-limit >= 0",
            file=sys.stderr,
        )
        return 2
    from ..render.pool.worker import (  # loads Pillow: only for this command
        SocketPathTaken,
        run_pool,
    )

    print(
        f"restthumbnails: render pool of {args.processes} processes on {args.socket}",
        file=sys.stderr,
    )
    try:
        run_pool(
            socket_path=args.socket,
            processes=args.processes,
            backlog=max(0, args.queued - 1),
            memory_limit=args.memory_limit,
            max_jobs=1000,
            parent_pid=None,
        )
    except SocketPathTaken as exc:
        # Found before anything was created: exit 2 like any other unusable argument.
        print(f"restthumbnails: {exc}", file=sys.stderr)
        return 2
    return 0
