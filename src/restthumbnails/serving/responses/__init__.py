"""Response backends: how a stored thumbnail reaches the client.

Each module has one function, `respond(request, *, storage, name, settings)`,
returning the HttpResponse for the thumbnail stored at `name`.

None of them imports django.http before it builds a response: serve's lean route
reads their header values (and the stored file's validators, stored.py) in
workers that never load Django's request and response machinery, which brings
the ORM, forms and templates with it (tests/test_lean_worker.py).
"""

from typing import TYPE_CHECKING

from ...core.formats import IMMUTABLE, content_type

if TYPE_CHECKING:
    from django.http import HttpResponse

__all__ = ["IMMUTABLE", "accel_response", "content_type"]


def accel_response(header: str, value: str, name: str) -> "HttpResponse":
    """An empty answer that asks the proxy to send the file itself."""
    from django.http import HttpResponse

    response = HttpResponse(content_type=content_type(name))
    response[header] = value
    return response
