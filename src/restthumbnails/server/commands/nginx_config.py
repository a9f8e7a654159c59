"""`restthumbnails nginx-config`: print an nginx site for the thumbnails folder."""

import argparse
import sys
from pathlib import Path

from ..proxyconfig import (
    DEFAULT_BACKEND,
    DEFAULT_LISTEN,
    DEFAULT_SERVER_NAME,
    DEFAULT_THUMBNAILS_DIR,
    ConfigError,
    nginx_site,
    render_nginx,
)
from .common import Subcommands, fail


def add(commands: Subcommands) -> None:
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


def run(args: argparse.Namespace) -> int:
    try:
        site = nginx_site(
            thumbnails_dir=str(args.thumbnails_dir.absolute()),
            backends=args.backend or [DEFAULT_BACKEND],
            listen=args.listen,
            server_name=args.server_name,
            bucket_url=args.bucket_url,
        )
    except ConfigError as exc:
        return fail(str(exc))
    sys.stdout.write(render_nginx(site))
    return 0
