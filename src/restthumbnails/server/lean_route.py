"""serve's thumbnail route without Django's request/response cycle.

With a proxy in front (`--response-backend nginx` or `sendfile`) a thumbnail
request ends in an empty answer naming the file: parse, verify, ensure, one
header. This WSGI callable sits in front of Django's handler and answers those
itself, through the same checks, service and header values as the view
(serving/requests.py, serving/wiring.py, serving/responses/), so the answer,
its headers, its body and its log line are the same; it only skips building a
request object, resolving URLs and the request signals.

Everything else goes to Django unchanged: other paths (health, metrics, the
demo, the 404 for non-thumbnail paths), methods other than GET and HEAD (405),
the `django` and `redirect` backends, a configured fallback image, and any
unexpected exception (Django then answers the request from the start, with its
own 500 and traceback if the error repeats).
"""

import re
import time
from collections.abc import Callable, Iterable
from http.client import responses
from typing import Any

from django.core.handlers.wsgi import get_path_info, get_script_name

from ..conf import Settings, get_settings
from ..exceptions import ThumbnailError
from ..serving import metrics
from ..serving.requests import (
    ERROR_CONTENT_TYPE,
    THUMBNAIL_SHAPE,
    checked_request,
    error_body,
    log_answer,
)
from ..serving.responses import content_type, nginx, sendfile
from ..serving.wiring import service_for

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Headers = list[tuple[str, str]]

# The URL conf's own pattern, as Django's root resolver applies it: after the "/".
_THUMBNAIL_PATH = re.compile("/" + THUMBNAIL_SHAPE.removeprefix("^"))
LEAN_BACKENDS = (nginx.respond, sendfile.respond)


class LeanThumbnailRoute:
    """WSGI: thumbnail paths answered here, every other request by `django`."""

    def __init__(self, django: WSGIApp) -> None:
        self.django = django

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.django(environ, start_response)
        settings = get_settings()
        if settings.fallback_image or settings.respond not in LEAN_BACKENDS:
            return self.django(environ, start_response)
        path_info = get_path_info(environ)
        match = _THUMBNAIL_PATH.match(path_info)
        if match is None:
            return self.django(environ, start_response)
        started = time.perf_counter()
        path = match["path"]
        try:
            status, headers, body, outcome = self._answer(environ, path_info, path, settings)
        except Exception:
            return self.django(environ, start_response)
        log_answer(status, path, outcome, started)
        start_response(f"{status} {responses.get(status, 'Unknown Status Code')}", headers)
        return [body]

    def _answer(
        self, environ: dict[str, Any], path_info: str, path: str, settings: Settings
    ) -> tuple[int, Headers, bytes, str]:
        try:
            spec, signature = checked_request(path, settings)
            service = service_for(settings)
            outcome = service.ensure(spec, signature)
        except ThumbnailError as exc:
            metrics.REJECTIONS.labels(reason=exc.category).inc()
            headers = [("Content-Type", ERROR_CONTENT_TYPE), ("Cache-Control", "no-store")]
            if exc.retry_after:
                headers.append(("Retry-After", str(exc.retry_after)))
            return exc.status, headers, error_body(exc.reason).encode(), exc.reason
        if settings.respond is nginx.respond:
            header = nginx.HEADER
            value = nginx.accel_uri(_request_path(environ, path_info), outcome.name, settings)
        else:
            header = sendfile.HEADER
            value = sendfile.sendfile_value(service.thumbnail_storage, outcome.name, settings)
        if "\n" in value or "\r" in value:
            # Django refuses such a header value (a 500): let it answer exactly that.
            raise ValueError("a header value cannot hold a line break")
        headers = [("Content-Type", content_type(outcome.name)), (header, value)]
        return 200, headers, b"", "miss" if outcome.generated else "hit"


def _request_path(environ: dict[str, Any], path_info: str) -> str:
    """What Django's `request.path` would hold: the script name, then the path."""
    script_name = get_script_name(environ)
    return "{}/{}".format(script_name.rstrip("/"), path_info.replace("/", "", 1))
