"""Development, or no proxy at all: Django sends the bytes, with validators.

Conditional GET answers 304 from the file's size and mtime without reading it.
"""

import os
from typing import BinaryIO, cast

from django.core.files.storage import Storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from ...conf import Settings
from ...storage.access import local_path
from . import IMMUTABLE, content_type


def respond(
    request: HttpRequest, *, storage: Storage, name: str, settings: Settings
) -> HttpResponseBase:
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


def validators(size: int, modified_ns: int) -> tuple[str, int]:
    """The ETag and the Last-Modified time (in s) of a stored file."""
    return f'"{modified_ns:x}-{size:x}"', modified_ns // 1_000_000_000


def open_stored(storage: Storage, name: str) -> tuple[BinaryIO, int, int]:
    """The open file, its size and its mtime in ns: one open and one fstat when local."""
    path = local_path(storage, name)
    if path is not None:
        handle = open(path, "rb")  # noqa: SIM115 (closed above or by FileResponse)
        stat = os.fstat(handle.fileno())
        return handle, stat.st_size, stat.st_mtime_ns
    modified_ns = int(storage.get_modified_time(name).timestamp() * 1e9)
    return cast(BinaryIO, storage.open(name, "rb")), storage.size(name), modified_ns
