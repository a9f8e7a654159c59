"""The command line moved to `restthumbnails.server.cli`; this name keeps old entry points."""

from .server.cli import build_parser, main

__all__ = ["build_parser", "main"]
