"""Response backends: how a stored thumbnail reaches the client.

Each module has one function, `respond(request, *, storage, name, settings)`,
returning the HttpResponse for the thumbnail stored at `name`.
"""

from django.http import HttpResponse

from ...core.formats import IMMUTABLE, content_type

__all__ = ["IMMUTABLE", "accel_response", "content_type"]


def accel_response(header: str, value: str, name: str) -> HttpResponse:
    """An empty answer that asks the proxy to send the file itself."""
    response = HttpResponse(content_type=content_type(name))
    response[header] = value
    return response
