"""The placeholder shown instead of a thumbnail whose source is missing or broken.

It is rendered at the requested size, method and format, kept in a small
per-process cache, and never written to the thumbnail storage: once the source
appears, the next request (after the short Cache-Control) makes the real one.
"""

import dataclasses
import functools
import os

from ..core.method import Method
from ..core.spec import ThumbnailSpec
from .options import EngineOptions


def placeholder(path: str, spec: ThumbnailSpec, options: EngineOptions) -> bytes:
    stat = os.stat(path)
    # The file's mtime and size are in the key so that replacing the image
    # takes effect without a restart.
    return _rendered(
        path,
        stat.st_mtime_ns,
        stat.st_size,
        spec.width,
        spec.height,
        spec.method,
        spec.ext,
        options,
    )


@functools.lru_cache(maxsize=64)
def _rendered(
    path: str,
    mtime_ns: int,
    size: int,
    width: int | None,
    height: int | None,
    method: Method,
    ext: str,
    options: EngineOptions,
) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read()
    # Here, not at import: a request process that never shows a placeholder
    # never loads Pillow (its renders are in the render pool).
    from .engine import render

    spec = ThumbnailSpec("fallback", width, height, method, ext)
    # The operator's own image may be enlarged to the requested box.
    return render(data, spec, dataclasses.replace(options, upscale=True))
