"""Mount anywhere: `path("thumbnails/", include("restthumbnails.urls"))`, or at the root.

Thumbnails are stored at the path below the mount point, so the proxy's root
for that location is the thumbnail storage's folder.

These patterns match only what can be ours: thumbnail-shaped paths
(`<source>/<size>/<method>/<64 hex>.<ext>`, whose parts the view then checks,
400 when one is wrong) and the health and metrics paths. Nothing else ever
matches, so the site's other pages (`/admin/`...) and its own 404 are untouched
wherever this is mounted. `restthumbnails.owned_urls` adds a catch-all 404
`no-store` for a prefix or a host that serves nothing else (`serve` uses it).
"""

from django.urls import path, re_path, register_converter

from .conf import get_settings
from .serving.requests import THUMBNAIL_SHAPE
from .serving.views import endpoint, thumbnail

app_name = "restthumbnails"


class EndpointConverter:
    """Matches the configured health or metrics path, read when a request comes.

    A ValueError tells Django this pattern does not match, so any other segment
    goes on to the next pattern; settings are never read at import time.
    """

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        settings = get_settings()
        if value in (settings.health_path, settings.metrics_path):
            return value
        raise ValueError(value)

    def to_url(self, value: str) -> str:
        return value


register_converter(EndpointConverter, "restthumbnails_endpoint")

thumbnail_patterns = [
    re_path(THUMBNAIL_SHAPE, thumbnail, name="thumbnail"),
    path("<restthumbnails_endpoint:name>", endpoint, name="endpoint"),
]
urlpatterns = thumbnail_patterns
