"""The start-up sequence `serve` and the lifecycle commands share.

Both configure Django from the folders or buckets on the command line, with the
same lock cache, key and checks, then make sure a bucket is reachable before any
work starts: written once here so the commands cannot drift apart.
"""

import contextlib
import logging.config
import os
import sys
import threading
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
    # LOGGING_CONFIG is None in the settings serve writes (server/settings.py):
    # logging is configured here, once, and Django's setup leaves it alone.
    logging.config.dictConfig(values["LOGGING"])
    # Forking is only safe while this process has one thread; with another (started
    # by something imported here), Django is set up here, as without `lean`.
    if not lean or threading.active_count() > 1:
        django.setup()
        run_checks()
        return
    status = _run_checks_in_child()
    if status:
        raise SystemExit(status)


def _run_checks_in_child() -> int:
    """Set Django up and run its checks in a forked child; the exit status to stop
    with (0: go on). The child never returns to the caller, whatever happens in it.

    Called while this process has one thread (before the render pool and gunicorn
    start, checked by the caller), so the fork is safe.
    """
    sys.stdout.flush()
    sys.stderr.flush()  # or the child would write what the parent buffered again
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            try:
                import django

                django.setup()
                run_checks()
                code = 0
            except SystemExit as exc:
                code = _exit_status(exc.code)
            except BaseException:
                traceback.print_exc()
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        print(f"restthumbnails: the start-up checks ended by signal {-code}", file=sys.stderr)
        return 1
    return code


def _exit_status(code: object) -> int:
    """SystemExit's argument as the status Python would exit with; a message is printed."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code if 0 <= code <= 255 else 1
    print(code, file=sys.stderr)
    return 1


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
