"""Object storage or CDN: 302 to the storage's own URL for the thumbnail."""

from django.core.files.storage import Storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from ...conf import Settings


def respond(
    request: HttpRequest, *, storage: Storage, name: str, settings: Settings
) -> HttpResponse:
    return stored_redirect(storage, name)


def stored_redirect(storage: Storage, name: str) -> HttpResponse:
    """302 to the thumbnail stored at `name`: needs nothing of the request."""
    return HttpResponseRedirect(storage.url(name))
