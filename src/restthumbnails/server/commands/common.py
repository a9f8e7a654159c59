"""What several subcommands share: the signing key options and the way they fail."""

import argparse
import sys
from pathlib import Path
from typing import TypeAlias

from ..keys import ENV_SECRET_KEY

# `restthumbnails COMMAND ...` builds its parser from these.
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def fail(message: str) -> int:
    """Say why on stderr; status 2, as argparse exits for any refused argument."""
    print(f"restthumbnails: {message}", file=sys.stderr)
    return 2


def add_key_options(parser: argparse.ArgumentParser) -> None:
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
