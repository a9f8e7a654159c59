"""`python manage.py thumbnails warm|cleanup|stats`: the thumbnail lifecycle for a site."""

import argparse
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...conf import get_settings
from ...lifecycle.commands import (
    UsageError,
    add_clean_arguments,
    add_stats_arguments,
    add_warm_arguments,
    check_layout,
    run,
)


class Command(BaseCommand):
    help = "Render thumbnails ahead of traffic, remove the useless ones, count them."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add_warm_arguments(
            actions.add_parser(
                "warm",
                help="render thumbnails of the source storage's files (or a model's) ahead "
                "of traffic; existing ones are skipped",
            ),
            models=True,
        )
        add_clean_arguments(
            actions.add_parser(
                "cleanup",
                aliases=["clean"],
                help="remove orphaned, unsigned or old thumbnails and stale temp files",
            )
        )
        add_stats_arguments(
            actions.add_parser("stats", help="count thumbnails and bytes per size/method/format")
        )

    def execute(self, *args: Any, **options: Any) -> Any:
        # Before the system checks (which say the same as restthumbnails.E008 with
        # status 1) and whatever SILENCED_SYSTEM_CHECKS or --skip-checks say: a layout
        # where cleanup could delete users' files is never run, with status 2.
        try:
            check_layout(get_settings())
        except ImproperlyConfigured:
            pass  # the system checks say what is wrong
        except UsageError as exc:
            raise CommandError(str(exc), returncode=2) from None
        return super().execute(*args, **options)

    def handle(self, *args: Any, **options: Any) -> None:
        # Our lines carry their own endings (a progress bar redraws with "\r"),
        # and progress on a terminal is not an error, so no red.
        self.stdout.ending = self.stderr.ending = ""
        self.stderr.style_func = None
        problem = unreachable_bucket()
        if problem:
            raise CommandError(problem, returncode=2)
        try:
            status = run(
                options["action"],
                argparse.Namespace(**options),
                stdout=self.stdout,
                stderr=self.stderr,
            )
        except UsageError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if status:
            raise CommandError(
                "interrupted" if status == 130 else "some thumbnails failed (see above)",
                returncode=status,
            )


def unreachable_bucket() -> str | None:
    """One HeadBucket per bucket the command reads or writes, before any work, so a wrong
    bucket name, endpoint or credential ends it at once with status 2 (docs/lifecycle.md).
    From storages made for this alone: render processes forked later share nothing."""
    from django.conf import settings as django_settings
    from django.core.files.storage import storages

    from ...conf import get_settings
    from ...storage.access import access_for

    conf = get_settings()
    for alias in dict.fromkeys((conf.source_storage, conf.storage)):
        if alias is None:  # the built-in folder under MEDIA_ROOT
            continue
        storage = storages.create_storage(django_settings.STORAGES[alias])
        problem = access_for(storage).bucket_problem()
        if problem:
            return f"STORAGES[{alias!r}]: {problem}"
    return None
