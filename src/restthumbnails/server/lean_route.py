"""serve's thumbnail route without Django's request/response cycle.

A thumbnail request is parse, verify, ensure, and an answer that is usually
empty (`X-Accel-Redirect`, `X-Sendfile`, a 302) or a file handed to the server.
This WSGI callable sits in front of Django's handler and answers those itself
through the very steps the view takes (serving/requests.py: checks, service,
errors, fallback image, log line and metrics) and the response backends' own
header values, so the status, headers, body and log line are the same; it only
skips building a request object, resolving URLs and the request signals.

Everything else goes to Django unchanged: other paths (health, metrics, the
demo, the 404 for non-thumbnail paths), methods other than GET and HEAD (405),
a backend plugged in by dotted path, conditional requests with the `django`
backend (Django evaluates If-None-Match and the others), and any unexpected
exception: Django then answers the request from the start, with its own 500 if
the error repeats.

The health path is answered here too, and Django's WSGI handler is only built
when a request first needs it: a worker that sees thumbnails and health checks
never imports Django's request and response machinery, which brings the ORM,
forms and templates with it (tests/test_lean_worker.py).
"""

import re
import threading
import time
from collections.abc import Callable, Iterable
from http.client import responses
from typing import Any

from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.files.storage import Storage
from django.utils.encoding import repercent_broken_unicode
from django.utils.http import http_date

from ..conf import Settings, get_settings
from ..serving.health import health_answer
from ..serving.requests import THUMBNAIL_SHAPE, Ensured, ensure_requested, log_answer
from ..serving.responses import IMMUTABLE, content_type, django, nginx, redirect, sendfile
from ..serving.responses.stored import open_stored, validators

Environ = dict[str, Any]
WSGIApp = Callable[[Environ, Callable[..., Any]], Iterable[bytes]]
Headers = list[tuple[str, str]]

# The URL conf's own pattern, as Django's root resolver applies it: after the "/".
_THUMBNAIL_PATH = re.compile("/" + THUMBNAIL_SHAPE.removeprefix("^"))
_BACKENDS = (nginx.respond, sendfile.respond, django.respond, redirect.respond)
# Django's FileResponse block size: the same reads when the server cannot sendfile().
_BLOCK_SIZE = 4096
_CONDITIONS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)


class LeanThumbnailRoute:
    """WSGI: thumbnail and health paths answered here, every other request by Django.

    `django_app` is Django's WSGI handler; without one, it is built (and Django set
    up) in this process when the first request that needs it comes.
    """

    def __init__(self, django_app: WSGIApp | None = None) -> None:
        self._django_app = django_app
        self._loading = threading.Lock()

    @property
    def django_app(self) -> WSGIApp:
        if self._django_app is None:
            with self._loading:
                if self._django_app is None:
                    from django.core.wsgi import get_wsgi_application

                    self._django_app = get_wsgi_application()
        return self._django_app

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.django_app(environ, start_response)
        settings = get_settings()
        path_info = _path_info(environ)
        match = _THUMBNAIL_PATH.match(path_info)
        if match is None:
            if settings.health_path is not None and path_info == "/" + settings.health_path:
                return self._health(environ, start_response, settings)
            return self.django_app(environ, start_response)
        if not _answerable(environ, settings):
            return self.django_app(environ, start_response)
        started = time.perf_counter()
        path = match["path"]
        try:
            status, headers, body, outcome = _answer(environ, path_info, path, settings)
        except Exception:
            return self.django_app(environ, start_response)
        finally:
            # What Django's request_finished does for us: the lock cache's client
            # (memcached's) lets its connection go between requests. The other
            # receivers (database connections, URL conf) have nothing to do here.
            caches[settings.cache].close()
        log_answer(status, path, outcome, started)
        start_response(f"{status} {responses.get(status, 'Unknown Status Code')}", headers)
        return body

    def _health(
        self, environ: Environ, start_response: Callable[..., Any], settings: Settings
    ) -> Any:
        try:
            status, headers, body = health_answer(settings)
        except Exception:
            return self.django_app(environ, start_response)
        finally:
            caches[settings.cache].close()
        start_response(f"{status} {responses[status]}", headers)
        return [body]


def _answerable(environ: Environ, settings: Settings) -> bool:
    if settings.respond not in _BACKENDS:
        return False
    if settings.respond is django.respond:
        return not any(condition in environ for condition in _CONDITIONS)
    return True


def _answer(
    environ: Environ, path_info: str, path: str, settings: Settings
) -> tuple[int, Headers, Iterable[bytes], str]:
    result = ensure_requested(path, settings)
    if not isinstance(result, Ensured):
        return result.status, result.headers, [result.body], result.logged_outcome
    storage, name = result.service.thumbnail_storage, result.outcome.name
    if settings.respond is django.respond:
        headers, body = _file(environ, storage, name)
        return 200, headers, body, result.logged_outcome
    if settings.respond is redirect.respond:
        location = redirect.plain_location(storage, name)
        if location is None:
            raise ValueError("an unusual redirect URL: Django's checks answer it")
        # The Content-Type of any Django HttpResponse, the 302 included.
        html = f"text/html; charset={django_settings.DEFAULT_CHARSET}"
        headers = [("Content-Type", html), ("Location", location)]
        return 302, headers, [b""], result.logged_outcome
    if settings.respond is nginx.respond:
        header = nginx.HEADER
        value = nginx.accel_uri(_request_path(environ, path_info), name, settings)
    else:
        header = sendfile.HEADER
        value = sendfile.sendfile_value(storage, name, settings)
    if "\n" in value or "\r" in value:
        # Django refuses such a header value (a 500): let it answer exactly that.
        raise ValueError("a header value cannot hold a line break")
    return (
        200,
        [("Content-Type", content_type(name)), (header, value)],
        [b""],
        result.logged_outcome,
    )


def _file(environ: Environ, storage: Storage, name: str) -> tuple[Headers, Iterable[bytes]]:
    """The `django` backend's unconditional answer: validators, and the bytes unless HEAD."""
    handle, size, modified_ns = open_stored(storage, name)
    etag, modified = validators(size, modified_ns)
    headers = [
        ("Content-Type", content_type(name)),
        ("Content-Length", str(size)),
        ("ETag", etag),
        ("Last-Modified", http_date(modified)),
        ("Cache-Control", IMMUTABLE),
    ]
    if environ["REQUEST_METHOD"] == "HEAD":
        handle.close()
        return headers, [b""]
    wrapper = environ.get("wsgi.file_wrapper")
    if wrapper is not None:
        # The server closes it, and may sendfile() it.
        return headers, wrapper(handle, _BLOCK_SIZE)
    return headers, _read_and_close(handle)


def _read_and_close(handle: Any) -> Iterable[bytes]:
    with handle:
        while chunk := handle.read(_BLOCK_SIZE):
            yield chunk


def _path_info(environ: Environ) -> str:
    """What Django's handler reads as the path: the WSGI (Latin-1) string's bytes,
    any that are not UTF-8 percent-encoded, decoded."""
    raw = environ.get("PATH_INFO", "/").encode("iso-8859-1")
    return repercent_broken_unicode(raw).decode()


def _script_name(environ: Environ) -> str:
    """Django's script name: SCRIPT_NAME as the server gave it, unless a setting or a
    rewrite (Apache's SCRIPT_URL, REDIRECT_URL) says otherwise, left to Django."""
    if (
        django_settings.FORCE_SCRIPT_NAME is not None
        or environ.get("SCRIPT_URL")
        or environ.get("REDIRECT_URL")
    ):
        from django.core.handlers.wsgi import get_script_name

        return get_script_name(environ)
    return environ.get("SCRIPT_NAME", "").encode("iso-8859-1").decode()


def _request_path(environ: Environ, path_info: str) -> str:
    """What Django's `request.path` would hold: the script name, then the path."""
    script_name = _script_name(environ)
    return "{}/{}".format(script_name.rstrip("/"), path_info.replace("/", "", 1))
