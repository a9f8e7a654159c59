"""The Django view: a thin adapter from HTTP to the thumbnail use case."""

import time

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..conf import Settings, get_settings
from . import metrics
from .health import health_answer
from .requests import ERROR_CONTENT_TYPE, Refusal, ensure_requested, error_body, log_answer


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
    return plain_response(refusal.status, refusal.headers, refusal.body)


def health(settings: Settings) -> HttpResponse:
    return plain_response(*health_answer(settings))


def plain_response(status: int, headers: list[tuple[str, str]], body: bytes) -> HttpResponse:
    """An answer given as its status, its headers (Content-Type first) and its body."""
    (_, content_type), *others = headers
    response = HttpResponse(body, status=status, content_type=content_type)
    for header, value in others:
        response[header] = value
    if status >= 400:
        # Logged by us already (see error_response; the health check's failure once
        # per probe).
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def metrics_text() -> HttpResponse:
    body, content_type = metrics.exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
