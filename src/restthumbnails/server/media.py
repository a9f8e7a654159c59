"""Finding the source images in a media storage, for the start-up examples and the demo."""

import sys
from typing import BinaryIO

from django.core.files.storage import Storage

from ..core.formats import IMAGE_SUFFIXES
from ..core.spec import validate_source
from ..exceptions import InvalidSpec, ThumbnailError
from ..render.heif import looks_like_heif
from ..render.options import DEFAULT_SOURCE_FORMATS
from ..render.sourcecost import looks_like_webp
from ..storage.access import access_for, local_path

# The first bytes of each format decoded by default, as Pillow's openers recognise
# them: read here from the header alone, because `serve` lists its examples in the
# process its workers fork from, which should not load Pillow (renders are in the pool).
_SIGNATURES = {
    "JPEG": lambda head: head[:3] == b"\xff\xd8\xff",
    "PNG": lambda head: head[:8] == b"\x89PNG\r\n\x1a\n",
    "GIF": lambda head: head[:6] in (b"GIF87a", b"GIF89a"),
    "WEBP": looks_like_webp,
    "HEIF": looks_like_heif,
}
_HEADER_BYTES = 64


def image_names(storage: Storage, *, limit: int, folder: str = "") -> list[str]:
    """Up to `limit` image names in `storage`, sorted, each usable in a thumbnail URL.

    Stops walking as soon as it has enough: a media folder can be very large.
    """
    found: list[str] = []
    directories, files = storage.listdir(folder)
    for file_name in sorted(files):
        name = f"{folder}/{file_name}" if folder else file_name
        if file_name.lower().endswith(IMAGE_SUFFIXES) and _valid(name) and _opens(storage, name):
            found.append(name)
            if len(found) == limit:
                return found
    for directory in sorted(directories):
        if not directory.startswith("."):
            subfolder = f"{folder}/{directory}" if folder else directory
            found.extend(image_names(storage, limit=limit - len(found), folder=subfolder))
            if len(found) == limit:
                break
    return found


def _valid(name: str) -> bool:
    try:
        validate_source(name)
    except InvalidSpec:
        return False
    return True


def _opens(storage: Storage, name: str) -> bool:
    """The header says it is an image we decode by default: a gallery or a printed
    example never links a text file named .jpg, or a TIFF that would be refused.

    Only the signature is read, not the header Pillow would parse: a file that starts
    like a JPEG and is broken further on is listed, and its thumbnails answer 422.

    A local file is opened as the request path opens it (`access_for(storage).open_source`):
    only a regular file inside the folder, after a stat and without blocking, so a
    FIFO or a symlink to a device among the sources cannot hang `serve` at start.
    """
    try:
        with _open_header(storage, name) as handle:
            head = handle.read(_HEADER_BYTES)
    except (OSError, ValueError, ThumbnailError):
        return False
    return any(_SIGNATURES[kind](head) for kind in DEFAULT_SOURCE_FORMATS if kind in _SIGNATURES)


def _open_header(storage: Storage, name: str) -> BinaryIO:
    if local_path(storage, name) is None:
        return storage.open(name, "rb")  # type: ignore[return-value]
    # Only the header is read: the size limit is the request path's business.
    handle, _ = access_for(storage).open_source(name, max_bytes=sys.maxsize)
    return handle
