"""`restthumbnails url SOURCE SIZE METHOD EXT`: print the signed URL of one thumbnail."""

import argparse

from ...core.formats import EXTENSIONS
from ...core.spec import make_spec
from ...core.urlbuilding import signed_thumbnail
from ...exceptions import InvalidSpec
from ..keys import resolve_key
from .common import Subcommands, add_key_options, fail
from .serve import DEFAULT_HOST, DEFAULT_PORT


def add(commands: Subcommands) -> None:
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
    add_key_options(url)
    url.add_argument(
        "--base-url",
        default=f"http://{DEFAULT_HOST}:{DEFAULT_PORT}/",
        help="URL prefix (default %(default)s, where `serve` listens by default)",
    )


def run(args: argparse.Namespace) -> int:
    key, where = resolve_key(args.secret_key, create=False, key_file=args.secret_key_file)
    if key is None:
        return fail(where)
    try:
        spec = make_spec(args.source, args.size, args.method, args.ext)
    except InvalidSpec as exc:
        return fail(exc.reason)
    print(signed_thumbnail(spec, key=key, base_url=args.base_url).url)
    return 0
