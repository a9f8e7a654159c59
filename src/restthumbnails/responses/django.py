"""Development, or no proxy at all: Django sends the bytes, with validators.

Conditional GET answers 304 from the file's size and mtime without reading it.
"""

import os

from django.core.files.storage import Storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from ..conf import Settings
from ..storage import local_path
from . import IMMUTABLE, content_type


def respond(
    request: HttpRequest, *, storage: Storage, name: str, settings: Settings
) -> HttpResponse:
    path = local_path(storage, name)
    if path is not None:
        stat = os.stat(path)
        size, modified = stat.st_size, stat.st_mtime
        etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
    else:
        size = storage.size(name)
        modified = storage.get_modified_time(name).timestamp()
        etag = f'"{int(modified * 1e9):x}-{size:x}"'
    last_modified = http_date(modified)
    headers = {"ETag": etag, "Last-Modified": last_modified, "Cache-Control": IMMUTABLE}
    not_modified = get_conditional_response(request, etag=etag, last_modified=int(modified))
    if not_modified is not None:
        for header, value in headers.items():
            not_modified[header] = value
        return not_modified
    if request.method == "HEAD":
        response: HttpResponse = HttpResponse(content_type=content_type(name))
    else:
        handle = open(path, "rb") if path is not None else storage.open(name, "rb")  # noqa: SIM115
        response = FileResponse(handle, content_type=content_type(name))
        # An image shown inline needs no download file name.
        del response["Content-Disposition"]
    response["Content-Length"] = str(size)
    for header, value in headers.items():
        response[header] = value
    return response
