"""Development, or no proxy at all: Django sends the bytes, with validators.

Conditional GET answers 304 from the file's size and mtime without reading it.
"""

from typing import TYPE_CHECKING

from django.core.files.storage import Storage
from django.utils.http import http_date

from ...conf import Settings
from . import IMMUTABLE, content_type
from .stored import open_stored, validators

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.http.response import HttpResponseBase


def respond(
    request: "HttpRequest", *, storage: Storage, name: str, settings: Settings
) -> "HttpResponseBase":
    # Imported here, not above: see the package's docstring.
    from django.http import FileResponse, HttpResponse
    from django.utils.cache import get_conditional_response

    handle, size, modified_ns = open_stored(storage, name)
    etag, modified = validators(size, modified_ns)
    conditional = get_conditional_response(request, etag=etag, last_modified=modified)
    response: HttpResponseBase
    if conditional is not None or request.method == "HEAD":
        handle.close()
        if conditional is not None:
            response = conditional
        else:
            response = HttpResponse(content_type=content_type(name))
            response["Content-Length"] = str(size)
    else:
        response = FileResponse(handle, content_type=content_type(name))
        # An image shown inline needs no download file name.
        del response["Content-Disposition"]
        response["Content-Length"] = str(size)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = IMMUTABLE
    return response
