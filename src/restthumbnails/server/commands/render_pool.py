"""`restthumbnails render-pool SOCKET`: render processes a Django site's workers share."""

import argparse
import os
import sys

from ...conf import SETTINGS
from .common import Subcommands, fail

# The defaults of the settings a site's workers would otherwise use.
QUEUED = SETTINGS["MAX_QUEUED"].default
MEMORY_LIMIT = SETTINGS["RENDER_MEMORY_LIMIT"].default


def add(commands: Subcommands) -> None:
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
        default=QUEUED,
        help=f"misses that may wait for a free render process; more are 503 (default {QUEUED})",
    )
    parser.add_argument(
        "--memory-limit",
        type=int,
        default=MEMORY_LIMIT,
        help=f"bytes of address space per render process, 0 for none (default {MEMORY_LIMIT})",
    )


def run(args: argparse.Namespace) -> int:
    if not os.path.isabs(args.socket):
        return fail("SOCKET must be an absolute path")
    if args.processes < 1 or args.queued < 0 or args.memory_limit < 0:
        return fail("needs --processes >= 1, --queued >= 0, --memory-limit >= 0")
    from ...render.pool.worker import (  # loads Pillow: only for this command
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
        return fail(str(exc))
    return 0
