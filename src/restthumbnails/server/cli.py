"""The `restthumbnails` command: `serve` a folder of images, print a signed `url`."""

import argparse
import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from ..conf import RESPONSE_BACKENDS
from ..core.formats import EXTENSIONS
from ..core.spec import make_spec
from ..core.urlbuilding import signed_thumbnail
from ..exceptions import InvalidSpec
from .keys import ENV_SECRET_KEY, key_file_path, resolve_key
from .lifecycle_commands import (
    LIFECYCLE_COMMANDS,
    add_lifecycle_commands,
    run_lifecycle_command,
)
from .locations import served_locations
from .options import add_setting_options, settings_from_args
from .pool import add_render_pool_command, command_render_pool
from .preflight import (
    BEHIND_PROXY_FLAG,
    DEFAULT_KEY_FILE_OPTION,
    direct_clients_problem,
    served_files_problem,
)
from .proxyconfig import (
    DEFAULT_BACKEND,
    DEFAULT_LISTEN,
    DEFAULT_SERVER_NAME,
    DEFAULT_THUMBNAILS_DIR,
    ConfigError,
    nginx_site,
    render_nginx,
)

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
EXAMPLE_THUMBNAILS = (
    ("200x200", "crop", "jpg"),
    ("400x", "scale", "webp"),
    ("300x200", "smart", "jpg"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="restthumbnails",
        description="On-demand image thumbnails behind signed URLs.",
    )
    parser.add_argument("--version", action="version", version=f"restthumbnails {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
        default=os.cpu_count() or 1,
        help="worker processes (default: one per core = %(default)s)",
    )
    _add_key_option(serve)
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
    add_setting_options(serve)

    url = commands.add_parser(
        "url",
        help="print the signed URL of one thumbnail",
        description="Print the signed URL of a thumbnail; invalid input exits with status 2.",
    )
    url.add_argument("source", metavar="SOURCE", help="source path inside the media folder")
    url.add_argument("size", metavar="SIZE", help="WxH, Wx or xH, e.g. 200x200")
    url.add_argument("method", metavar="METHOD", help="crop, scale or smart")
    url.add_argument(
        "ext",
        metavar="EXT",
        help=f"{', '.join(sorted(EXTENSIONS))} (with or without a dot; what this Pillow encodes)",
    )
    _add_key_option(url)
    url.add_argument(
        "--base-url",
        default=f"http://{DEFAULT_HOST}:{DEFAULT_PORT}/",
        help="URL prefix (default %(default)s, where `serve` listens by default)",
    )
    nginx = commands.add_parser(
        "nginx-config",
        help="print an nginx site for serving the thumbnails folder",
        description="Print an nginx configuration (for /etc/nginx/conf.d/) that sends existing "
        "thumbnails from disk and passes misses to `serve --response-backend nginx`.",
    )
    nginx.add_argument(
        "--thumbnails-dir",
        type=Path,
        default=Path(DEFAULT_THUMBNAILS_DIR),
        help="the folder given to `serve --thumbnails-dir` (default %(default)s)",
    )
    nginx.add_argument(
        "--backend",
        action="append",
        metavar="HOST:PORT",
        help=f"a `serve` instance; repeat for several (default {DEFAULT_BACKEND})",
    )
    nginx.add_argument(
        "--listen", default=DEFAULT_LISTEN, help="nginx `listen` value (default %(default)s)"
    )
    nginx.add_argument(
        "--server-name",
        default=DEFAULT_SERVER_NAME,
        help="nginx `server_name`, e.g. thumbs.example.com (default %(default)s)",
    )
    nginx.add_argument(
        "--bucket-url",
        metavar="URL",
        help="thumbnails live in a bucket (serve --thumbnails-dir s3://...): the URL of their "
        "root in it, e.g. https://BUCKET.s3.REGION.amazonaws.com/thumbs; nginx then asks the "
        "bucket first and the backend only on a 403/404",
    )
    add_render_pool_command(commands)
    add_lifecycle_commands(commands)
    return parser


def _add_key_option(parser: argparse.ArgumentParser) -> None:
    given = parser.add_mutually_exclusive_group()
    given.add_argument(
        "--secret-key-file",
        type=Path,
        metavar="PATH",
        help="read the signing key from this file (surrounding whitespace ignored); unlike "
        f"--secret-key it is not shown by ps (default: ${ENV_SECRET_KEY}, else the key file "
        "that serve creates in ~/.config/restthumbnails/)",
    )
    given.add_argument(
        "--secret-key",
        metavar="KEY",
        help="signing key, visible to every user of this host in ps: prefer --secret-key-file",
    )


def _fail(message: str) -> int:
    print(f"restthumbnails: {message}", file=sys.stderr)
    return 2


def command_url(args: argparse.Namespace) -> int:
    key, where = resolve_key(args.secret_key, create=False, key_file=args.secret_key_file)
    if key is None:
        return _fail(where)
    try:
        spec = make_spec(args.source, args.size, args.method, args.ext)
    except InvalidSpec as exc:
        return _fail(exc.reason)
    print(signed_thumbnail(spec, key=key, base_url=args.base_url).url)
    return 0


def command_nginx_config(args: argparse.Namespace) -> int:
    try:
        site = nginx_site(
            thumbnails_dir=str(args.thumbnails_dir.absolute()),
            backends=args.backend or [DEFAULT_BACKEND],
            listen=args.listen,
            server_name=args.server_name,
            bucket_url=args.bucket_url,
        )
    except ConfigError as exc:
        return _fail(str(exc))
    sys.stdout.write(render_nginx(site))
    return 0


def command_serve(args: argparse.Namespace) -> int:
    try:
        media, thumbnails = served_locations(args.media_dir, args.thumbnails_dir)
    except ValueError as exc:
        return _fail(str(exc))
    if args.workers < 1 or args.threads < 1:
        return _fail("--workers and --threads must be at least 1")
    problem = direct_clients_problem(args.host, behind_proxy=args.behind_proxy)
    if not problem and thumbnails.folder is not None:
        problem = _served_files_problem(args, thumbnails.folder)
    if not problem and thumbnails.is_bucket and args.response_backend == "sendfile":
        problem = "--response-backend sendfile needs a local --thumbnails-dir, not a bucket"
    if problem:
        return _fail(problem)
    key, where = resolve_key(args.secret_key, create=True, key_file=args.secret_key_file)
    if key is None:
        return _fail(where)
    base_url = args.base_url or f"http://{args.host}:{args.port}/"
    if thumbnails.folder is not None:
        thumbnails.folder.mkdir(parents=True, exist_ok=True)

    # Before anything imports prometheus_client: every worker then writes its
    # metrics where the /_metrics view of any worker can merge them.
    metrics_dir = tempfile.mkdtemp(prefix="restthumbnails-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    atexit.register(shutil.rmtree, metrics_dir, ignore_errors=True)

    from .pool import start_host_pool
    from .preflight import missing_client_library, port_in_use
    from .settings import lock_cache_settings
    from .startup import start_django

    try:
        lock_cache = lock_cache_settings(args.cache_url, thumbnails.folder or str(thumbnails))
    except ValueError as exc:
        return _fail(str(exc))
    problem = missing_client_library(lock_cache) or port_in_use(args.host, args.port)
    if problem:
        return _fail(problem)
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
    )
    if problem:
        return _fail(problem)
    pool = start_host_pool(pool_socket, threads=args.threads)
    atexit.register(pool.stop)
    from django.core.wsgi import get_wsgi_application

    from ..conf import get_settings
    from ..storage.tempfiles import remove_stale_temp_files

    application = get_wsgi_application()
    lock_timeout = get_settings().lock_timeout
    print(f"restthumbnails: sources    {media}", file=sys.stderr)
    print(f"restthumbnails: thumbnails {thumbnails}", file=sys.stderr)
    print(f"restthumbnails: signing key from {where}", file=sys.stderr)
    print(f"restthumbnails: locks      {lock_cache['LOCATION']}", file=sys.stderr)
    if thumbnails.folder is not None:
        removed = remove_stale_temp_files(thumbnails.folder, lock_timeout)
        print(
            f"restthumbnails: removed {removed} stale temp file{'s' * (removed != 1)} "
            f"(older than the {lock_timeout:g} s lock timeout) from the thumbnails folder",
            file=sys.stderr,
        )
    if args.demo:
        print(f"restthumbnails: demo gallery at {base_url}", file=sys.stderr)
    print(
        f"restthumbnails: listening on http://{args.host}:{args.port}/ with {args.workers} "
        f"workers x {args.threads} threads (+{pool.request_threads - args.threads} for misses), "
        f"{pool.processes} render processes, "
        f"{args.response_backend} response backend. Try:",
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

    from .wsgi_server import run

    run(
        application,
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=pool.request_threads,
    )
    return 0


def _served_files_problem(args: argparse.Namespace, thumbnails_dir: Path) -> str | None:
    from .settings import lock_database_path

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

    from .media import image_names

    names = image_names(FileSystemStorage(location=media_dir), limit=limit)
    return [
        signed_thumbnail(
            make_spec(name, *EXAMPLE_THUMBNAILS[index % len(EXAMPLE_THUMBNAILS)]),
            key=key,
            base_url=base_url,
        ).url
        for index, name in enumerate(names)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse gives `warm MEDIA_DIR --size 64x64 'photos/*'` no PATTERN: the
    # patterns were matched (as none) together with MEDIA_DIR, before the option.
    if extra and args.command == "warm" and not any(word.startswith("-") for word in extra):
        args.patterns = [*args.patterns, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "url":
        return command_url(args)
    if args.command == "nginx-config":
        return command_nginx_config(args)
    if args.command == "render-pool":
        return command_render_pool(args)
    if args.command in LIFECYCLE_COMMANDS:
        return run_lifecycle_command(args)
    return command_serve(args)


if __name__ == "__main__":
    sys.exit(main())
