"""Apache mod_xsendfile and lighttpd: `X-Sendfile` with the file's absolute path.

Names on disk are UTF-8 bytes and the proxy must get those bytes back. Debian's
mod_xsendfile 0.12 takes the header value byte for byte, so by default we send
the raw UTF-8 bytes (as a Latin-1 string, which WSGI writes out unchanged).
lighttpd URL-decodes the value: raw bytes work there too unless a name holds a
'%', so REST_THUMBNAILS_SENDFILE_ESCAPE = True percent-encodes it instead.
"""

from typing import TYPE_CHECKING
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage

from ...conf import Settings
from ...storage.access import local_path
from . import accel_response

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

HEADER = "X-Sendfile"


def respond(
    request: "HttpRequest", *, storage: Storage, name: str, settings: Settings
) -> "HttpResponse":
    return accel_response(HEADER, sendfile_value(storage, name, settings), name)


def sendfile_value(storage: Storage, name: str, settings: Settings) -> str:
    """The header's value: the file's absolute path, as the proxy reads it."""
    path = local_path(storage, name)
    if path is None:
        raise ImproperlyConfigured(
            "REST_THUMBNAILS_RESPONSE_BACKEND 'sendfile' needs a filesystem thumbnail storage"
        )
    if settings.sendfile_escape:
        return quote(path, safe="/")
    return path.encode("utf-8", "surrogateescape").decode("latin-1")
