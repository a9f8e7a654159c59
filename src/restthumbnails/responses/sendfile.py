"""Apache mod_xsendfile and lighttpd: `X-Sendfile` with the file's absolute path.

The path is percent-encoded: HTTP headers carry Latin-1 at best, while names on
disk are UTF-8 bytes. mod_xsendfile (XSendFileUnescape, on by default) and
lighttpd both decode it back to those bytes.
"""

from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage
from django.http import HttpRequest, HttpResponse

from ..conf import Settings
from ..storage import local_path
from . import accel_response


def respond(
    request: HttpRequest, *, storage: Storage, name: str, settings: Settings
) -> HttpResponse:
    path = local_path(storage, name)
    if path is None:
        raise ImproperlyConfigured(
            "REST_THUMBNAILS_RESPONSE_BACKEND 'sendfile' needs a filesystem thumbnail storage"
        )
    return accel_response("X-Sendfile", quote(path, safe="/"), name)
