"""Host-wide render pools: `serve`'s (started by the master before gunicorn forks its
workers) and `restthumbnails render-pool` (for a Django site's workers to share)."""

import argparse
import os
import sys
from dataclasses import dataclass

from ..conf import DEFAULT_RENDER_MEMORY_LIMIT, get_settings
from ..renderpool import MISS_THREADS, PoolProcess


@dataclass(frozen=True)
class HostPool:
    process: PoolProcess
    processes: int

    def stop(self) -> None:
        self.process.stop()


def start_host_pool(socket_path: str, *, threads: int) -> HostPool:
    """MAX_CONCURRENT render processes at `socket_path`, MAX_QUEUED misses waiting for one.

    Each worker (forked after this) has `threads` request threads; misses may take
    all but one of them, so hits and `/_health` are answered while every render
    process is busy and misses queue (with one thread, a miss may take it).
    """
    MISS_THREADS.limit(max(1, threads - 1))
    settings = get_settings()
    process = PoolProcess.start(
        processes=settings.max_concurrent,
        queued=settings.max_queued,
        memory_limit=settings.render_memory_limit,
        socket_path=socket_path,
    )
    return HostPool(process, settings.max_concurrent)


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
    from ..renderworker import SocketPathTaken, run_pool  # loads Pillow: only for this command

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
