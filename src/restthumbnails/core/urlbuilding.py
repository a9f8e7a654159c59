"""Signed thumbnail URLs from a spec and a key: pure, no settings, no I/O."""

import urllib.parse
from dataclasses import dataclass

from .signing import sign
from .spec import ThumbnailSpec


@dataclass(frozen=True)
class Thumbnail:
    """A thumbnail's address; nothing here has been generated or looked up.

    `width` and `height` are its pixel size where that follows without I/O
    (see geometry.output_size), otherwise None.
    """

    spec: ThumbnailSpec
    name: str
    url: str
    width: int | None = None
    height: int | None = None

    def __str__(self) -> str:
        return self.url


def signed_thumbnail(
    spec: ThumbnailSpec,
    *,
    key: str | bytes,
    base_url: str,
    size: tuple[int, int] | None = None,
) -> Thumbnail:
    name = spec.name(sign(spec, key=key))
    if not base_url.endswith("/"):
        base_url += "/"
    width, height = size if size is not None else (None, None)
    return Thumbnail(
        spec=spec, name=name, url=base_url + path_to_uri(name), width=width, height=height
    )


def path_to_uri(path: str) -> str:
    """A storage name as a URL path: the characters Django's filepath_to_uri keeps, kept."""
    return urllib.parse.quote(path.replace("\\", "/"), safe="/~!*()'")
