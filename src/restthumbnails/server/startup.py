"""The start-up sequence `serve` and the lifecycle commands share.

Both configure Django from the folders or buckets on the command line, with the
same lock cache, key and checks, then make sure a bucket is reachable before any
work starts: written once here so the commands cannot drift apart.
"""

import sys
from pathlib import Path
from typing import Any

from .locations import Location, unreachable_bucket
from .options import flag_for_setting
from .settings import embedded_settings


def start_django(
    *,
    media: Location,
    thumbnails: Location,
    secret_key: str,
    lock_cache: dict[str, Any],
    base_url: str,
    response_backend: str,
    log_level: str,
    log_format: str = "plain",
    demo: bool = False,
    extra: dict[str, Any] | None = None,
) -> str | None:
    """Configure and check Django for these locations; the problem that stops, or None."""
    if lock_cache["BACKEND"].endswith("SQLiteCache"):
        Path(lock_cache["LOCATION"]).parent.mkdir(parents=True, exist_ok=True)
    configure_django(
        embedded_settings(
            sources=media.storage(),
            thumbnails=thumbnails.storage(base_url=base_url),
            secret_key=secret_key,
            response_backend=response_backend,
            base_url=base_url,
            lock_cache=lock_cache,
            demo=demo,
            log_level=log_level,
            log_format=log_format,
            extra=extra,
        )
    )
    return unreachable_bucket(media, thumbnails)


def configure_django(values: dict[str, object]) -> None:
    import django
    from django.conf import settings
    from django.core import checks

    settings.configure(**values)
    django.setup()
    problems = [m for m in checks.run_checks() if m.is_serious() and not m.is_silenced()]
    if problems:
        # Status 2 like any refused argument; one line each, with its fix (often
        # the `pip install` of a missing extra), never a traceback.
        for problem in problems:
            text = " ".join(part for part in (str(problem.msg), problem.hint) if part)
            print(f"restthumbnails: {flag_for_setting(text)}", file=sys.stderr)
        raise SystemExit(2)
