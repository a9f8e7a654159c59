"""For a prefix or a host that is only ours: thumbnails, and our own 404 for the rest.

`path("thumbnails/", include("restthumbnails.owned_urls"))`: like
`restthumbnails.urls`, and every other path below the prefix answers 404 with
`Cache-Control: no-store` and a log line, like every other error of ours, so a
CDN never keeps it. `serve` uses it as its whole URLconf. Never at the root of a
site with pages of its own: it would answer for all of them.
"""

from django.urls import re_path

from .serving.views import not_a_thumbnail
from .urls import app_name, thumbnail_patterns

__all__ = ["app_name", "urlpatterns"]

urlpatterns = [
    *thumbnail_patterns,
    re_path(r"^(?P<path>[\s\S]*)\Z", not_a_thumbnail, name="not-a-thumbnail"),
]
