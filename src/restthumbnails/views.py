"""The Django view: a thin adapter from HTTP to the thumbnail use case."""

import logging

from django.core.cache import caches
from django.core.files.storage import storages
from django.http import HttpRequest, HttpResponse

from .conf import Settings, get_settings
from .exceptions import StorageUnavailable, ThumbnailError
from .logsafe import redact
from .service import ThumbnailService
from .signing import verify
from .spec import parse_path

logger = logging.getLogger("restthumbnails")

RETRY_AFTER_SECONDS = 5


def service_for(settings: Settings) -> ThumbnailService:
    return ThumbnailService(
        source_storage=storages[settings.source_storage],
        thumbnail_storage=storages[settings.storage],
        lock_cache=caches[settings.cache],
        key_prefix=settings.key_prefix,
        lock_timeout=settings.lock_timeout,
        lock_wait=settings.lock_wait,
        max_source_bytes=settings.max_source_bytes,
        engine=settings.engine,
    )


def error_response(status: int, reason: str) -> HttpResponse:
    """Short plain text that never echoes the request, and never cached."""
    response = HttpResponse(f"{reason}\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    # We log every refusal ourselves with the signature shortened; this keeps
    # django.request from logging the same answer again with the full URL.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def thumbnail(request: HttpRequest, path: str) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        logger.info("405 %s for %s", request.method, redact(path))
        response = error_response(405, "method not allowed")
        response["Allow"] = "GET, HEAD"
        return response
    settings = get_settings()
    try:
        spec, signature = parse_path(path, max_dimension=settings.max_dimension)
        verify(
            spec, signature, key=settings.secret_key, fallback_keys=settings.secret_key_fallbacks
        )
        outcome = service_for(settings).ensure(spec, signature)
    except ThumbnailError as exc:
        log = logger.warning if exc.status >= 500 else logger.info
        log("%s %s: %s", exc.status, redact(path), exc.reason)
        response = error_response(exc.status, exc.reason)
        if isinstance(exc, StorageUnavailable):
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    respond = settings.respond()
    return respond(
        request, storage=storages[settings.storage], name=outcome.name, settings=settings
    )
