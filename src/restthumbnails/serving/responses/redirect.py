"""Object storage or CDN: 302 to the storage's own URL for the thumbnail."""

from typing import TYPE_CHECKING

from django.core.files.storage import Storage

from ...conf import Settings

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


def respond(
    request: "HttpRequest", *, storage: Storage, name: str, settings: Settings
) -> "HttpResponse":
    return stored_redirect(storage, name)


def stored_redirect(storage: Storage, name: str) -> "HttpResponse":
    """302 to the thumbnail stored at `name`: needs nothing of the request."""
    # Imported here, not above: see the package's docstring. Django's class also
    # refuses a URL whose scheme is not http(s) or ftp, which the lean route relies on.
    from django.http import HttpResponseRedirect

    return HttpResponseRedirect(storage.url(name))
