"""Object storage or CDN: 302 to the storage's own URL for the thumbnail."""

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.core.files.storage import Storage
from django.utils.encoding import iri_to_uri

from ...conf import Settings

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

# URLs that Django's redirect class takes as they are, whatever its version: a path or
# an http(s) URL, no longer than any limit it sets (2,048 characters in Django 5.2).
_PLAIN_SCHEMES = ("", "http", "https")
_PLAIN_LENGTH = 2048


def respond(
    request: "HttpRequest", *, storage: Storage, name: str, settings: Settings
) -> "HttpResponse":
    return stored_redirect(storage, name)


def stored_redirect(storage: Storage, name: str) -> "HttpResponse":
    """302 to the thumbnail stored at `name`: needs nothing of the request."""
    # Imported here, not above: see the package's docstring. Django's class also
    # refuses a URL whose scheme is not http(s) or ftp: the lean route leaves every
    # URL that is not plain (plain_location) to it.
    from django.http import HttpResponseRedirect

    return HttpResponseRedirect(storage.url(name))


def plain_location(storage: Storage, name: str) -> str | None:
    """The 302's Location for the thumbnail at `name` when its URL is a plain one (see
    above), as Django's class writes it; None when Django's own checks must decide."""
    url = storage.url(name)
    if len(url) > _PLAIN_LENGTH or urlsplit(url).scheme not in _PLAIN_SCHEMES:
        return None
    return iri_to_uri(url)
