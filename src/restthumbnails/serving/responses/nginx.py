"""nginx: `X-Accel-Redirect` to the thumbnail's URI; nginx then serves the file.

By default the URI is the one requested, which `try_files $uri @backend` now
finds on disk. With REST_THUMBNAILS_NGINX_LOCATION = "/_thumbnails/" the URI is
that internal location plus the thumbnail name instead.
"""

from typing import TYPE_CHECKING

from django.core.files.storage import Storage
from django.utils.encoding import escape_uri_path, filepath_to_uri

from ...conf import Settings
from . import accel_response

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

HEADER = "X-Accel-Redirect"


def respond(
    request: "HttpRequest", *, storage: Storage, name: str, settings: Settings
) -> "HttpResponse":
    return accel_response(HEADER, accel_uri(request.path, name, settings), name)


def accel_uri(request_path: str, name: str, settings: Settings) -> str:
    """The header's value for the thumbnail `name`, asked for at `request_path`."""
    if settings.nginx_location:
        return settings.nginx_location.rstrip("/") + "/" + filepath_to_uri(name)
    return escape_uri_path(request_path)
