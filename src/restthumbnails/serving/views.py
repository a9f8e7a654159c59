"""The Django view: a thin adapter from HTTP to the thumbnail use case."""

import json
import logging
import time

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..conf import (
    Settings,
    get_settings,
    thumbnail_storage,
)
from ..storage.filelocks import check_lock_folder
from . import metrics
from .health import RESULTS as health_results
from .health import check_cache, check_storage, is_healthy
from .requests import ERROR_CONTENT_TYPE, Refusal, ensure_requested, error_body, log_answer
from .wiring import lock_folder_for

logger = logging.getLogger("restthumbnails")


def error_response(status: int, reason: str) -> HttpResponse:
    """Short plain text that never echoes the request, and never cached."""
    response = HttpResponse(error_body(reason), status=status, content_type=ERROR_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    # We log every answer ourselves with the signature shortened; this keeps
    # django.request from logging it again with the full URL.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@csrf_exempt  # GET and HEAD only: nothing a forged form could trigger
def thumbnail(request: HttpRequest, path: str) -> HttpResponse:
    started = time.perf_counter()
    response, outcome = _answer(request, path, get_settings())
    return _logged(response, path, outcome, started)


@csrf_exempt  # GET and HEAD only: nothing a forged form could trigger
def endpoint(request: HttpRequest, name: str) -> HttpResponse:
    """The health or the metrics path (the URL pattern lets only those two through)."""
    settings = get_settings()
    return health(settings) if name == settings.health_path else metrics_text()


@csrf_exempt  # GET and HEAD only: nothing a forged form could trigger
def not_a_thumbnail(request: HttpRequest, path: str) -> HttpResponse:
    """Any other path below the mount: no thumbnail can ever live there.

    Answered here rather than by Django's 404 page so that it is one plain line
    with Cache-Control: no-store and one log line, like every other refusal.
    """
    started = time.perf_counter()
    reason = "not a thumbnail URL"
    return _logged(error_response(404, reason), path, reason, started)


def _logged(response: HttpResponse, path: str, outcome: str, started: float) -> HttpResponse:
    log_answer(response.status_code, path, outcome, started)
    return response


def _answer(request: HttpRequest, path: str, settings: Settings) -> tuple[HttpResponse, str]:
    if request.method not in ("GET", "HEAD"):
        metrics.REJECTIONS.labels(reason="method").inc()
        response = error_response(405, "method not allowed")
        response["Allow"] = "GET, HEAD"
        return response, f"method {request.method} not allowed"
    result = ensure_requested(path, settings)
    if isinstance(result, Refusal):
        return refusal_response(result), result.logged_outcome
    response = settings.respond(
        request,
        storage=result.service.thumbnail_storage,
        name=result.outcome.name,
        settings=settings,
    )
    return response, result.logged_outcome


def refusal_response(refusal: Refusal) -> HttpResponse:
    (_, content_type), *headers = refusal.headers
    response = HttpResponse(refusal.body, status=refusal.status, content_type=content_type)
    for header, value in headers:
        response[header] = value
    if refusal.status >= 400:
        # Logged by us already (see error_response).
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def health(settings: Settings) -> HttpResponse:
    checks = health_results.get(
        (settings.storage, settings.cache, settings.key_prefix), lambda: _probe(settings)
    )
    healthy = is_healthy(checks)
    body = {"status": "ok" if healthy else "failing", **checks}
    response = HttpResponse(
        json.dumps(body), status=200 if healthy else 503, content_type="application/json"
    )
    response["Cache-Control"] = "no-store"
    if not healthy:
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _probe(settings: Settings) -> dict[str, str]:
    checks = {
        "storage": check_storage(thumbnail_storage(settings)),
        "lock": _check_lock(settings),
    }
    if not is_healthy(checks):
        # Once per probe, not once per call: a failing host is asked just as often.
        logger.warning("health check failing: %s", checks)
    return checks


def _check_lock(settings: Settings) -> str:
    """The lock a miss takes: the file locks of a local folder, else the lock cache.
    The cache is asked either way: it also holds the failure memory."""
    lock_cache = caches[settings.cache]
    folder = lock_folder_for(thumbnail_storage(settings), lock_cache)
    if folder is not None:
        answer = check_lock_folder(folder)
        if answer != "ok":
            return answer
    return check_cache(lock_cache, settings.key_prefix)


def metrics_text() -> HttpResponse:
    body, content_type = metrics.exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
