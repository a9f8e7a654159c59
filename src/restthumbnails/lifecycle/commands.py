"""warm, clean and stats: their options and what they do, once Django is configured.

Shared by `python manage.py thumbnails ...` (a site's settings) and the
standalone `restthumbnails warm|clean|stats MEDIA_DIR` (embedded settings).
Progress goes to stderr, the summary (and dry-run listings) to stdout; exit
status 1 when anything failed, 2 for options or a storage layout that cannot
work, 130 when interrupted.
"""

import argparse
import itertools
import os
from collections.abc import Callable, Iterator
from typing import TextIO

from ..conf import Settings, get_settings, source_storage, thumbnail_storage
from ..core.formats import IMAGE_SUFFIXES
from ..core.method import Method
from ..core.policy import Preset
from ..core.spec import parse_ext, parse_size
from ..exceptions import InvalidSpec, StorageUnavailable
from ..render import faces
from .cleaning import Cleaner, Criteria, clean
from .layout import Layout, SourceFilter, layout_of, refusal
from .listing import matching_names, walk
from .progress import Progress, Stream
from .stats import collect
from .warming import count, jobs, warm, warm_settings, warm_threads

DAY = 86400.0


class UsageError(Exception):
    """Options that cannot work together; the command exits with status 2."""


def add_warm_arguments(parser: argparse.ArgumentParser, *, models: bool) -> None:
    parser.add_argument(
        "patterns",
        nargs="*",
        metavar="PATTERN",
        help="glob over source names, e.g. 'photos/**/*.jpg' ('*' stays within a folder, "
        "'**' spans folders); default: every image file",
    )
    parser.add_argument(
        "--preset",
        action="append",
        default=[],
        metavar="NAME",
        help="render this REST_THUMBNAILS_PRESETS entry; repeat for more",
    )
    parser.add_argument(
        "--size",
        action="append",
        default=[],
        metavar="SIZE",
        help="render this size (WxH, Wx or xH) with --method and --ext; repeat for more",
    )
    parser.add_argument(
        "--method", default="crop", help="method for --size: crop, scale, smart (default crop)"
    )
    parser.add_argument("--ext", default="jpg", help="format for --size (default jpg)")
    if models:
        parser.add_argument(
            "--model",
            action="append",
            default=[],
            metavar="APP.MODEL.FIELD",
            help="warm every file of this FileField/ImageField (instead of patterns); "
            "repeat for more",
        )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="thumbnails rendered at once, each in a render process "
        "(default: one per core = %(default)s)",
    )
    _add_exclude_argument(parser)
    _add_progress_argument(parser)


def add_clean_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--orphans", action="store_true", help="remove thumbnails whose source is gone"
    )
    parser.add_argument(
        "--unsigned",
        action="store_true",
        help="remove thumbnails whose signature matches neither the key nor a fallback key "
        "(after a key rotation)",
    )
    parser.add_argument(
        "--older-than",
        type=float,
        metavar="DAYS",
        help="remove thumbnails last written more than DAYS days ago",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="list what would be removed, with its size, and remove nothing",
    )
    parser.add_argument(
        "--list", action="store_true", help="print each file removed (always on with --dry-run)"
    )
    _add_exclude_argument(parser)
    _add_progress_argument(parser)


def add_stats_arguments(parser: argparse.ArgumentParser) -> None:
    _add_exclude_argument(parser)
    _add_progress_argument(parser)


def _add_exclude_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="source names (or folders) matching GLOB are not sources, e.g. 'cache' for "
        "sorl-thumbnail's old folder: warm does not render them, clean --orphans removes "
        "their thumbnails, stats counts those apart; repeat for more. The thumbnail "
        "folder and thumbnail-shaped names are never sources anyway",
    )


def layout(settings: Settings) -> Layout:
    return layout_of(source_storage(settings), thumbnail_storage(settings))


def check_layout(settings: Settings) -> Layout:
    """The layout, or UsageError when the thumbnail storage holds the sources."""
    found = layout(settings)
    problem = refusal(found)
    if problem:
        raise UsageError(problem)
    return found


def _not_sources(args: argparse.Namespace, found: Layout, stderr: Stream) -> SourceFilter:
    not_sources = SourceFilter(found, getattr(args, "exclude", None) or ())
    said = not_sources.describe()
    if said:
        stderr.write(f"{args.command_name}: not sources: {', '.join(said)}\n")
    return not_sources


def _add_progress_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar or periodic progress lines, only the summary",
    )


def run_warm(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    settings = get_settings()
    kinds = thumbnail_kinds(args, settings)
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    references = getattr(args, "model", [])
    if references and args.patterns:
        raise UsageError("give PATTERNs or --model, not both")
    not_sources = _not_sources(args, check_layout(settings), stderr)
    total, sources = _sources(
        settings, args.patterns, references, not_sources, counted=not args.no_progress
    )
    key = settings.secret_key
    work = jobs(sources, kinds, key=key, max_dimension=settings.max_dimension)
    # Deferred: service_for() starts the render pool, after the arguments are known good.
    from ..serving.wiring import service_for

    threads = warm_threads(settings, workers=args.workers)
    service = service_for(warm_settings(settings, workers=args.workers, threads=threads))
    progress = Progress(
        stderr,
        label="warm",
        total=None if total is None else total * len(kinds),
        enabled=not args.no_progress,
    )
    summary = warm(
        service,
        work,
        threads=threads,
        progress=progress,
        allowed=settings.allowed_thumbnails,
    )
    progress.close()
    for error in summary.errors:
        stderr.write(f"warm: {error}\n")
    stdout.write(summary.line() + "\n")
    if summary.interrupted:
        return 130
    return 1 if summary.failed else 0


def thumbnail_kinds(args: argparse.Namespace, settings: Settings) -> list[Preset]:
    kinds = []
    for name in args.preset:
        if name not in settings.presets:
            known = ", ".join(sorted(settings.presets)) or "none"
            raise UsageError(f"no preset {name!r} in REST_THUMBNAILS_PRESETS (defined: {known})")
        kinds.append(settings.presets[name])
    try:
        for size in args.size:
            parse_size(size, max_dimension=settings.max_dimension)
            kinds.append(Preset(size, str(Method.parse(args.method)), parse_ext(args.ext)))
    except InvalidSpec as exc:
        raise UsageError(exc.reason) from None
    if not kinds:
        raise UsageError("say what to render: --preset NAME or --size SIZE")
    if any(Method.parse(kind.method).finds_faces for kind in kinds) and not faces.available():
        raise UsageError(f"the faces method needs OpenCV: {faces.EXTRA_HINT}")
    # One refusal up front rather than one per source.
    allowed = settings.allowed_thumbnails
    for kind in kinds:
        if allowed is not None and kind.allow_key not in allowed:
            raise UsageError(f"{kind.allow_key} is not in REST_THUMBNAILS_ALLOWED_THUMBNAILS")
    return list(dict.fromkeys(kinds))


def _sources(
    settings: Settings,
    patterns: list[str],
    references: list[str],
    not_sources: SourceFilter,
    *,
    counted: bool,
) -> tuple[int | None, Iterator[str]]:
    """The source names to warm, and how many (None when not counted)."""
    if references:
        from .models import file_field, file_names  # the ORM, only when asked

        fields = []
        for reference in references:
            try:
                fields.append(file_field(reference))
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        total = 0
        streams = []
        for model, field in fields:
            rows, names = file_names(model, field)
            total += rows
            streams.append(names)
        chained = itertools.chain.from_iterable(streams)
        return total, (name for name in chained if not not_sources.excludes_name(name))
    storage = source_storage(settings)
    skip = not_sources.skips_folder

    def listed() -> Iterator[str]:
        if patterns:
            names: Iterator[str] = matching_names(storage, patterns, skip=skip)
        else:
            names = (
                e.name for e in walk(storage, skip=skip) if e.name.lower().endswith(IMAGE_SUFFIXES)
            )
        return (name for name in names if not not_sources.excludes_name(name))

    # A first pass only counts (a listing costs far less than a render), so the
    # bar can say how far along it is and how long is left.
    return (count(listed()) if counted else None), listed()


def run_clean(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    settings = get_settings()
    not_sources = _not_sources(args, check_layout(settings), stderr)
    if args.older_than is not None and args.older_than < 0:
        raise UsageError("--older-than must be 0 or more days")
    criteria = Criteria(
        orphans=args.orphans,
        unsigned=args.unsigned,
        older_than=None if args.older_than is None else args.older_than * DAY,
        temp_older_than=settings.lock_timeout,
    )
    thumbnails = thumbnail_storage(settings)
    cleaner = Cleaner(
        thumbnail_storage=thumbnails,
        source_storage=source_storage(settings),
        criteria=criteria,
        key=settings.secret_key,
        fallback_keys=settings.secret_key_fallbacks,
        max_dimension=settings.max_dimension,
        not_sources=not_sources,
    )
    removed = {"count": 0}
    verb = "to remove" if args.dry_run else "removed"
    progress = Progress(
        stderr,
        label="clean",
        enabled=not args.no_progress,
        detail=lambda: f"{removed['count']} {verb}",
    )

    def listing(line: str) -> None:
        removed["count"] += 1
        if args.dry_run or args.list:
            progress.note(line, stdout)

    summary = clean(
        cleaner,
        walk(thumbnails, hidden=True),
        dry_run=args.dry_run,
        progress=progress,
        listing=listing,
    )
    progress.close()
    stdout.write(summary.line() + "\n")
    return 1 if summary.failed else 0


def run_stats(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    settings = get_settings()
    not_sources = _not_sources(args, check_layout(settings), stderr)
    progress = Progress(stderr, label="stats", enabled=not args.no_progress)
    stats = collect(
        walk(thumbnail_storage(settings)),
        max_dimension=settings.max_dimension,
        progress=progress,
        not_sources=not_sources,
    )
    progress.close()
    stdout.write(stats.table() + "\n")
    return 0


RUNNERS: dict[str, Callable[..., int]] = {
    "warm": run_warm,
    "clean": run_clean,
    "cleanup": run_clean,
    "stats": run_stats,
}


def run(command: str, args: argparse.Namespace, *, stdout: Stream, stderr: Stream) -> int:
    """Run `command`; a storage that cannot be listed or reached ends it with status 1."""
    args.command_name = command
    try:
        return RUNNERS[command](args, stdout=stdout, stderr=stderr)
    except StorageUnavailable as exc:
        stderr.write(f"{command}: {exc.reason}; stopped\n")
        return 1
