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
from ..core.formats import OUTPUT_FORMATS
from ..core.logsafe import redact
from ..core.policy import check_allowed, check_renderable
from ..core.signing import verify
from ..core.spec import ThumbnailSpec, parse_path
from ..exceptions import SourceMissing, SourceRejected, ThumbnailError
from ..render import faces
from ..render.fallback import placeholder
from ..storage.filelocks import check_lock_folder
from . import metrics
from .health import RESULTS as health_results
from .health import check_cache, check_storage, is_healthy
from .wiring import lock_folder_for, service_for

logger = logging.getLogger("restthumbnails")


def error_response(status: int, reason: str) -> HttpResponse:
    """Short plain text that never echoes the request, and never cached."""
    response = HttpResponse(f"{reason}\n", status=status, content_type="text/plain; charset=utf-8")
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
    """Count the answer and log its one line."""
    elapsed_ms = (time.perf_counter() - started) * 1000
    metrics.REQUESTS.labels(status=str(response.status_code)).inc()
    # Both come from the request (the outcome can name its method): escaped.
    name, outcome = redact(path), redact(outcome)
    logger.log(
        logging.WARNING if response.status_code >= 500 else logging.INFO,
        "%d %s: %s (%.0f ms)",
        response.status_code,
        name,
        outcome,
        elapsed_ms,
        extra={
            "status": response.status_code,
            "thumbnail": name,
            "outcome": outcome,
            "duration_ms": round(elapsed_ms, 1),
        },
    )
    return response


def _answer(request: HttpRequest, path: str, settings: Settings) -> tuple[HttpResponse, str]:
    if request.method not in ("GET", "HEAD"):
        metrics.REJECTIONS.labels(reason="method").inc()
        response = error_response(405, "method not allowed")
        response["Allow"] = "GET, HEAD"
        return response, f"method {request.method} not allowed"
    spec = None
    try:
        spec, signature = parse_path(path, max_dimension=settings.max_dimension)
        verify(
            spec, signature, key=settings.secret_key, fallback_keys=settings.secret_key_fallbacks
        )
        check_allowed(spec, settings.allowed_thumbnails)
        check_renderable(spec, faces_available=faces.available)
        service = service_for(settings)
        outcome = service.ensure(spec, signature)
    except ThumbnailError as exc:
        metrics.REJECTIONS.labels(reason=exc.category).inc()
        if settings.fallback_image and spec and isinstance(exc, SourceMissing | SourceRejected):
            return _fallback(spec, exc, settings), f"fallback for {exc.category}: {exc.reason}"
        response = error_response(exc.status, exc.reason)
        if exc.retry_after:
            response["Retry-After"] = str(exc.retry_after)
        return response, exc.reason
    response = settings.respond(
        request, storage=service.thumbnail_storage, name=outcome.name, settings=settings
    )
    return response, "miss" if outcome.generated else "hit"


def _fallback(spec: ThumbnailSpec, exc: ThumbnailError, settings: Settings) -> HttpResponse:
    assert settings.fallback_image is not None
    try:
        body = placeholder(settings.fallback_image, spec, settings.engine)
    except (OSError, ThumbnailError) as error:
        logger.error("fallback image %s unusable: %s", settings.fallback_image, error)
        return error_response(exc.status, exc.reason)
    response = HttpResponse(body, content_type=OUTPUT_FORMATS[spec.ext].content_type)
    response["Cache-Control"] = f"public, max-age={settings.fallback_max_age}"
    response["X-Thumbnail-Fallback"] = exc.category
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
