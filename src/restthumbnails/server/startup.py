"""The start-up sequence `serve` and the lifecycle commands share.

Both configure Django from the folders or buckets on the command line, with the
same lock cache, key and checks, then make sure a bucket is reachable before any
work starts: written once here so the commands cannot drift apart.
"""

import logging
import logging.config
import os
import sys
import traceback
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
    lean: bool = False,
) -> str | None:
    """Configure and check Django for these locations; the problem that stops, or None.

    `lean` (serve) leaves this process without Django set up: the checks run in a
    child process, and only logging is configured here, so that gunicorn's workers,
    forked from this one, start without the modules that only Django's own request
    cycle needs (server/lean_route.py loads them when a request does).
    """
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
        ),
        lean=lean,
    )
    return unreachable_bucket(media, thumbnails)


def configure_django(values: dict[str, Any], *, lean: bool = False) -> None:
    import django
    from django.conf import settings

    settings.configure(**values)
    if not lean:
        django.setup()
        run_checks()
        return
    status = _run_checks_in_child()
    if status:
        raise SystemExit(status)
    # What django.setup() does for logging, with the settings serve writes (no
    # LOGGING_CONFIG of their own); it applies the same again if a worker later
    # sets Django up for a request the lean route leaves to it.
    logging.captureWarnings(True)
    logging.config.dictConfig(values["LOGGING"])


def _run_checks_in_child() -> int:
    """Set Django up and run its checks in a forked child; its exit status.

    Called while this process has one thread (before the render pool and gunicorn
    start), so the fork is safe; the child never returns to the caller.
    """
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            import django

            django.setup()
            run_checks()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def run_checks() -> None:
    """Django's system checks; each serious problem printed, then exit status 2."""
    from django.core import checks

    problems = [m for m in checks.run_checks() if m.is_serious() and not m.is_silenced()]
    if problems:
        # Status 2 like any refused argument; one line each, with its fix (often
        # the `pip install` of a missing extra), never a traceback.
        for problem in problems:
            text = " ".join(part for part in (str(problem.msg), problem.hint) if part)
            print(f"restthumbnails: {flag_for_setting(text)}", file=sys.stderr)
        raise SystemExit(2)
