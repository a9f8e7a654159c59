"""thumbnail(), srcset() and picture() for Jinja2 templates. Needs `restthumbnails[jinja2]`.

With Django's Jinja2 backend:

    TEMPLATES = [{
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [...],
        "OPTIONS": {"extensions": ["restthumbnails.jinja2.ThumbnailExtension"]},
    }]

then, in a template:

    {{ picture(photo.image, "400x300", "crop", "jpg", widths="320 640 960",
               sizes="50vw", alt=photo.caption, attrs={"class": "hero"}) }}
    <img src="{{ thumbnail(photo.image, "avatar").url }}" alt="">

The functions are those of restthumbnails.api, with the same arguments; the
picture's HTML is marked safe, srcset strings and URLs are escaped as usual.
"""

from typing import Any

from .extras import packages_missing

try:
    from jinja2 import Environment
    from jinja2.ext import Extension
except ImportError as exc:  # one line naming the fix, not only "No module named"
    raise ImportError(packages_missing("restthumbnails.jinja2", ("jinja2",), "jinja2")) from exc

from .api import get_thumbnail, picture, srcset, thumbnail_url

GLOBALS = {
    "thumbnail": get_thumbnail,
    "thumbnail_url": thumbnail_url,
    "srcset": srcset,
    "picture": picture,
}


class ThumbnailExtension(Extension):
    """Adds thumbnail(), thumbnail_url(), srcset() and picture() to the globals."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals.update(GLOBALS)


def environment(**options: Any) -> Environment:
    """An Environment with the extension, for OPTIONS["environment"] or plain Jinja2."""
    extensions = [*options.pop("extensions", ()), ThumbnailExtension]
    return Environment(extensions=extensions, **options)  # noqa: S701 (caller's choice)
