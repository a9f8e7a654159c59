"""Object storage or CDN: 302 to the storage's own URL for the thumbnail."""

from django.core.files.storage import Storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from ...conf import Settings


def respond(
    request: HttpRequest, *, storage: Storage, name: str, settings: Settings
) -> HttpResponse:
    return HttpResponseRedirect(storage.url(name))
