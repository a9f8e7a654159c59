"""The `restthumbnails` command: one subcommand per module of server/commands/."""

import argparse
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from .commands import lifecycle, nginx_config, render_pool, serve, url

# Each subcommand's runner, in the order --help lists them.
RUNNERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "serve": serve.run,
    "url": url.run,
    "nginx-config": nginx_config.run,
    "render-pool": render_pool.run,
    **dict.fromkeys(lifecycle.LIFECYCLE_COMMANDS, lifecycle.run),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="restthumbnails",
        description="On-demand image thumbnails behind signed URLs.",
    )
    parser.add_argument("--version", action="version", version=f"restthumbnails {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (serve, url, nginx_config, render_pool, lifecycle):
        module.add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse gives `warm MEDIA_DIR --size 64x64 'photos/*'` no PATTERN: the
    # patterns were matched (as none) together with MEDIA_DIR, before the option.
    if extra and args.command == "warm" and not any(word.startswith("-") for word in extra):
        args.patterns = [*args.patterns, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return RUNNERS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
