"""`restthumbnails serve MEDIA_DIR`: the thumbnail server on a folder or bucket of images."""

import argparse
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from ...conf import RESPONSE_BACKENDS
from ...core.spec import make_spec
from ...core.urlbuilding import signed_thumbnail
from ..keys import ENV_SECRET_KEY, key_file_path, resolve_key
from ..locations import served_locations
from ..options import add_setting_options, settings_from_args
from ..preflight import (
    BEHIND_PROXY_FLAG,
    DEFAULT_KEY_FILE_OPTION,
    direct_clients_problem,
    served_files_problem,
)
from ..startup import start_django
from .common import Subcommands, add_key_options, fail

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
# Behind a proxy (every backend but django) the proxy sends the stored thumbnails and
# serve's workers see misses only, whose CPU work is the render pool's (about 36 ms
# for a 12 MP JPEG against 2.8 ms in the worker): one worker per four cores keeps
# the render processes busy, and each worker more holds ~8 MB. With the django
# backend the workers send every hit's bytes themselves, and one per core sends
# three times as many as a single one (bench/sections/hit.py, 2 cores).
CORES_PER_WORKER_BEHIND_PROXY = 4
EXAMPLE_THUMBNAILS = (
    ("200x200", "crop", "jpg"),
    ("400x", "scale", "webp"),
    ("300x200", "smart", "jpg"),
)


def default_workers(response_backend: str) -> int:
    """HTTP workers when --workers is not given: one per core where they send the hits
    (the django backend), one per four cores, at least one, behind a proxy."""
    cores = os.cpu_count() or 1
    if response_backend == "django":
        return cores
    return max(1, cores // CORES_PER_WORKER_BEHIND_PROXY)


def add(commands: Subcommands) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the thumbnail server on a folder of images",
        description="Serve thumbnails of the images in MEDIA_DIR with gunicorn workers.",
    )
    serve.add_argument(
        "media_dir",
        metavar="MEDIA_DIR",
        help="folder of source images, or s3://BUCKET/PREFIX (credentials, region and "
        "endpoint from the AWS_* environment variables; pip install 'restthumbnails[s3]')",
    )
    serve.add_argument(
        "--thumbnails-dir",
        metavar="DIR",
        help="where thumbnails are written, a folder or s3://BUCKET/PREFIX (default: "
        "MEDIA_DIR-thumbnails beside a local MEDIA_DIR); point the proxy's root here",
    )
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default %(default)s); an address other than loopback "
        f"needs {BEHIND_PROXY_FLAG}",
    )
    serve.add_argument(
        BEHIND_PROXY_FLAG,
        action="store_true",
        help="allow a --host other than loopback, confirming that only a buffering proxy "
        "(nginx) connects: serve's threads must not face slow clients directly",
    )
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default %(default)s)")
    serve.add_argument(
        "--workers",
        type=int,
        help="HTTP worker processes; misses render in the render pool (default: one per "
        f"core with the django backend = {default_workers('django')}, which sends every "
        f"thumbnail itself; behind a proxy one per {CORES_PER_WORKER_BEHIND_PROXY} cores, "
        f"at least one = {default_workers('nginx')})",
    )
    add_key_options(serve)
    serve.add_argument(
        "--response-backend",
        default="django",
        choices=tuple(RESPONSE_BACKENDS),
        help="how thumbnails reach the client: django sends the bytes itself (no proxy), "
        "nginx answers X-Accel-Redirect, sendfile answers X-Sendfile (Apache, lighttpd), "
        "redirect answers 302 (default %(default)s)",
    )
    serve.add_argument(
        "--base-url",
        help="URL prefix of the thumbnails as clients see them, for the printed examples "
        "(default http://HOST:PORT/)",
    )
    serve.add_argument(
        "--cache-url",
        metavar="URL",
        help="shared lock for several servers: redis://HOST:PORT/DB or memcached://HOST:PORT "
        "(default: a SQLite lock file shared by this host's workers)",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="also show a gallery of MEDIA_DIR's images at several sizes and methods at /",
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=4,
        help="threads per worker for hits and other requests, each answering one at a "
        "time; a miss waits for the render pool in a thread of its own, on top of these "
        "(one per miss the pool can hold: max-concurrent + max-queued + 1) "
        "(default %(default)s)",
    )
    serve.add_argument(
        "--log-level",
        default="INFO",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="INFO logs one line per request (default %(default)s)",
    )
    serve.add_argument(
        "--log-format",
        default="plain",
        choices=("plain", "json"),
        help="plain text or one JSON object per line (default %(default)s)",
    )
    serve.add_argument(
        "--no-lean-route",
        dest="lean_route",
        action="store_false",
        help="answer thumbnail requests through Django's full request cycle too; by default "
        "the nginx and sendfile backends answer them with a lighter route (same answers)",
    )
    add_setting_options(serve)


def run(args: argparse.Namespace) -> int:
    try:
        media, thumbnails = served_locations(args.media_dir, args.thumbnails_dir)
    except ValueError as exc:
        return fail(str(exc))
    if args.workers is None:
        args.workers = default_workers(args.response_backend)
    if args.workers < 1 or args.threads < 1:
        return fail("--workers and --threads must be at least 1")
    problem = direct_clients_problem(args.host, behind_proxy=args.behind_proxy)
    if not problem and thumbnails.folder is not None:
        problem = _served_files_problem(args, thumbnails.folder)
    if not problem and thumbnails.is_bucket and args.response_backend == "sendfile":
        problem = "--response-backend sendfile needs a local --thumbnails-dir, not a bucket"
    if problem:
        return fail(problem)
    key, where = resolve_key(args.secret_key, create=True, key_file=args.secret_key_file)
    if key is None:
        return fail(where)
    base_url = args.base_url or f"http://{args.host}:{args.port}/"
    if thumbnails.folder is not None:
        thumbnails.folder.mkdir(parents=True, exist_ok=True)

    # Before anything imports prometheus_client: every worker then writes its
    # metrics where the /_metrics view of any worker can merge them.
    metrics_dir = tempfile.mkdtemp(prefix="restthumbnails-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    atexit.register(shutil.rmtree, metrics_dir, ignore_errors=True)

    from ..pool import start_host_pool
    from ..preflight import missing_client_library, port_in_use
    from ..settings import lock_cache_settings

    try:
        lock_cache = lock_cache_settings(args.cache_url, thumbnails.folder or str(thumbnails))
    except ValueError as exc:
        return fail(str(exc))
    problem = missing_client_library(lock_cache) or port_in_use(args.host, args.port)
    if problem:
        return fail(problem)
    # One render pool for the host, shared by every worker: any free render
    # process takes the next miss, so N misses keep N cores busy.
    pool_folder = tempfile.mkdtemp(prefix="restthumbnails-pool-")
    atexit.register(shutil.rmtree, pool_folder, ignore_errors=True)
    pool_socket = os.path.join(pool_folder, "render.sock")
    problem = start_django(
        media=media,
        thumbnails=thumbnails,
        secret_key=key,
        lock_cache=lock_cache,
        base_url=base_url,
        response_backend=args.response_backend,
        log_level=args.log_level,
        log_format=args.log_format,
        demo=args.demo,
        extra={"REST_THUMBNAILS_RENDER_POOL": pool_socket, **settings_from_args(args)},
        lean=args.lean_route,
    )
    if problem:
        return fail(problem)
    pool = start_host_pool(pool_socket, threads=args.threads)
    atexit.register(pool.stop)
    from ...conf import get_settings
    from ...storage.filelocks import remove_dead_locks
    from ...storage.tempfiles import remove_stale_temp_files

    application: Any
    if args.lean_route:
        from ..lean_route import LeanThumbnailRoute

        # Django's handler is built in a worker when a request first needs it.
        application = LeanThumbnailRoute()
    else:
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()
    lock_timeout = get_settings().lock_timeout
    print(f"restthumbnails: sources    {media}", file=sys.stderr)
    print(f"restthumbnails: thumbnails {thumbnails}", file=sys.stderr)
    print(f"restthumbnails: signing key from {where}", file=sys.stderr)
    file_locks = thumbnails.folder is not None and lock_cache["BACKEND"].endswith("SQLiteCache")
    if file_locks:
        print(
            f"restthumbnails: locks      {thumbnails.folder}/.locks (kernel file locks); "
            f"failure memory {lock_cache['LOCATION']}",
            file=sys.stderr,
        )
    else:
        print(f"restthumbnails: locks      {lock_cache['LOCATION']}", file=sys.stderr)
    if thumbnails.folder is not None:
        removed = remove_stale_temp_files(thumbnails.folder, lock_timeout)
        print(
            f"restthumbnails: removed {removed} stale temp file{'s' * (removed != 1)} "
            f"(older than the {lock_timeout:g} s lock timeout) from the thumbnails folder",
            file=sys.stderr,
        )
        if file_locks:
            dead = remove_dead_locks(str(thumbnails.folder))
            if dead:
                print(
                    f"restthumbnails: removed {dead} lock file{'s' * (dead != 1)} "
                    "that stopped renders left",
                    file=sys.stderr,
                )
    if args.demo:
        print(f"restthumbnails: demo gallery at {base_url}", file=sys.stderr)
    print(
        f"restthumbnails: listening on http://{args.host}:{args.port}/ with {args.workers} "
        f"workers x {args.threads} threads (+{pool.request_threads - args.threads} for misses), "
        f"{pool.processes} render processes, "
        f"{args.response_backend} response backend, "
        f"{'lean' if args.lean_route else 'Django'} thumbnail route. Try:",
        file=sys.stderr,
    )
    if media.folder is not None:
        for url in example_urls(media.folder, key=key, base_url=base_url):
            print(f"  {url}", file=sys.stderr)
    else:
        # Listing a bucket of millions of objects to print six examples is not worth it.
        example = f"restthumbnails url SOURCE 200x200 crop jpg --base-url {base_url}"
        print(f"  {example}", file=sys.stderr)
    sys.stderr.flush()

    from ..wsgi_server import run as run_server

    run_server(
        application,
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=pool.request_threads,
    )
    return 0


def _served_files_problem(args: argparse.Namespace, thumbnails_dir: Path) -> str | None:
    from ..settings import lock_database_path

    key_file, option = args.secret_key_file, "--secret-key-file"
    if key_file is None and not args.secret_key and not os.environ.get(ENV_SECRET_KEY):
        key_file, option = key_file_path(), DEFAULT_KEY_FILE_OPTION
    return served_files_problem(
        thumbnails_dir,
        key_file=key_file,
        key_file_option=option,
        lock_file=None if args.cache_url else lock_database_path(thumbnails_dir),
    )


def example_urls(media_dir: Path, *, key: str, base_url: str, limit: int = 6) -> list[str]:
    from django.core.files.storage import FileSystemStorage

    from ..media import image_names

    names = image_names(FileSystemStorage(location=media_dir), limit=limit)
    return [
        signed_thumbnail(
            make_spec(name, *EXAMPLE_THUMBNAILS[index % len(EXAMPLE_THUMBNAILS)]),
            key=key,
            base_url=base_url,
        ).url
        for index, name in enumerate(names)
    ]
