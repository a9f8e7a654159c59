"""`restthumbnails warm|clean|stats MEDIA_DIR`: the lifecycle commands on a folder or bucket.

Configured like `serve` (embedded settings, the same locations, key, lock file
and render options), so what warm renders is byte for byte what `serve` would
have, where `serve` would look for it.
"""

import argparse
import secrets
import sys

from ...lifecycle.commands import (
    UsageError,
    add_clean_arguments,
    add_stats_arguments,
    add_warm_arguments,
)
from ...lifecycle.commands import run as run_lifecycle
from ..keys import ENV_SECRET_KEY, resolve_key
from ..locations import served_locations
from ..options import add_setting_options, settings_from_args
from ..settings import lock_cache_settings
from ..startup import start_django
from .common import Subcommands, fail

LIFECYCLE_COMMANDS = ("warm", "clean", "stats")


def add(commands: Subcommands) -> None:
    warm = commands.add_parser(
        "warm",
        help="render thumbnails of MEDIA_DIR ahead of traffic",
        description="Render thumbnails of the images in MEDIA_DIR (those matching PATTERN) "
        "where `serve` would, skipping those that exist, under the same locks. Give the "
        "same key and render options as to `serve`.",
    )
    _add_folders(warm)
    add_warm_arguments(warm, models=False)
    _add_common(warm)
    add_setting_options(warm)
    clean = commands.add_parser(
        "clean",
        help="remove orphaned, unsigned or old thumbnails and stale temp files",
        description="Remove thumbnails of MEDIA_DIR that can no longer be useful. Stale "
        "temp files (left by a killed writer) always go; the options add thumbnails.",
    )
    _add_folders(clean)
    add_clean_arguments(clean)
    _add_common(clean)
    stats = commands.add_parser(
        "stats",
        help="count thumbnails and bytes per size, method and format",
        description="Count the thumbnails of MEDIA_DIR and their bytes.",
    )
    _add_folders(stats)
    add_stats_arguments(stats)


def _add_folders(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "media_dir",
        metavar="MEDIA_DIR",
        help="folder of source images, or s3://BUCKET/PREFIX (AWS_* environment variables, "
        "as for `serve`)",
    )
    parser.add_argument(
        "--thumbnails-dir",
        help="the thumbnails folder or s3://BUCKET/PREFIX given to `serve` (default: "
        "MEDIA_DIR-thumbnails beside a media folder)",
    )


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--secret-key",
        help=f"signing key (default: ${ENV_SECRET_KEY}, else the key file `serve` uses)",
    )
    parser.add_argument(
        "--cache-url",
        help="the lock shared with `serve --cache-url` (default: serve's SQLite lock file "
        "for this thumbnails folder)",
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="INFO logs a line per thumbnail rendered (default %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        _configure(args)
        return run_lifecycle(args.command, args, stdout=sys.stdout, stderr=sys.stderr)
    except UsageError as exc:
        return fail(str(exc))


def _configure(args: argparse.Namespace) -> None:
    try:
        media, thumbnails = served_locations(args.media_dir, args.thumbnails_dir)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if thumbnails.folder is not None:
        if args.command == "warm":
            thumbnails.folder.mkdir(parents=True, exist_ok=True)
        elif not thumbnails.folder.is_dir():
            raise UsageError(f"no thumbnails folder at {thumbnails.folder}")
    key = _key(args)
    try:
        lock_cache = lock_cache_settings(
            getattr(args, "cache_url", None), thumbnails.folder or str(thumbnails)
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    problem = start_django(
        media=media,
        thumbnails=thumbnails,
        secret_key=key,
        lock_cache=lock_cache,
        base_url="/",
        response_backend="django",
        log_level=getattr(args, "log_level", "WARNING"),
        extra=settings_from_args(args) if args.command == "warm" else None,
    )
    if problem:
        raise UsageError(problem)


def _key(args: argparse.Namespace) -> str:
    """The signing key: warm signs with it, clean --unsigned checks with it."""
    needed = args.command == "warm" or getattr(args, "unsigned", False)
    # Like serve, warm creates the key file when there is none yet, so a later
    # `serve` signs with the key the warmed thumbnails were named with.
    key, where = resolve_key(getattr(args, "secret_key", None), create=args.command == "warm")
    if key is None:
        if needed:
            raise UsageError(where)
        return secrets.token_urlsafe(32)  # stats and clean without --unsigned never sign
    if needed:
        print(f"{args.command}: signing key from {where}", file=sys.stderr)
    return key
