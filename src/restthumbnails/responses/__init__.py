"""Response backends: how a stored thumbnail reaches the client.

Each module has one function, `respond(request, *, storage, name, settings)`,
returning the HttpResponse for the thumbnail stored at `name`.
"""

from django.http import HttpResponse

from ..formats import OUTPUT_FORMATS

IMMUTABLE = "public, max-age=31536000, immutable"


def content_type(name: str) -> str:
    return OUTPUT_FORMATS[name.rsplit(".", 1)[-1]].content_type


def accel_response(header: str, value: str, name: str) -> HttpResponse:
    """An empty answer that asks the proxy to send the file itself."""
    response = HttpResponse(content_type=content_type(name))
    response[header] = value
    return response
