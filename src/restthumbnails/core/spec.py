"""The thumbnail URL: parse it, validate it, build it. Pure: no settings, no I/O.

    <source path>/<size>/<method>/<signature>.<ext>

Only one spelling of each thumbnail is accepted, so one thumbnail has exactly
one URL and one file.
"""

import re
from dataclasses import dataclass

from ..exceptions import InvalidSpec
from .formats import EXTENSIONS
from .method import Method

MAX_SOURCE_PATH_BYTES = 1024
DEFAULT_MAX_DIMENSION = 4096

# Canonical spelling: lowercase x, no sign, no leading zero, at least one side.
# The digit count is bounded so a hostile URL cannot make us parse a huge int.
_SIZE = re.compile(r"(?P<w>[1-9][0-9]{0,8})?x(?P<h>[1-9][0-9]{0,8})?")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
# C0, DEL and C1 (NEL, U+0085, among them): Unicode's control characters (Cc).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class ThumbnailSpec:
    """What to make: a source name, a box, a method and an output extension."""

    source: str
    width: int | None
    height: int | None
    method: Method
    ext: str

    def __post_init__(self) -> None:
        # A spec built from the method's URL text (tests, the render pool's wire)
        # holds it parsed like one from parse_path.
        if not isinstance(self.method, Method):
            object.__setattr__(self, "method", Method.parse(self.method))

    @property
    def size(self) -> str:
        return size_text(self.width, self.height)

    def name(self, signature: str) -> str:
        """The thumbnail's path below the mount point (decoded)."""
        return f"{self.source}/{self.size}/{self.method}/{signature}.{self.ext}"


def size_text(width: int | None, height: int | None) -> str:
    """The canonical size spelling of a URL: "WxH", "Wx" or "xH"."""
    return f"{width or ''}x{height or ''}"


def validate_source(source: str) -> str:
    """Return `source` unchanged, or raise InvalidSpec saying what is wrong."""
    if not source:
        raise InvalidSpec("empty source path")
    try:
        encoded = source.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        raise InvalidSpec("source path is not valid UTF-8") from None
    if len(encoded) > MAX_SOURCE_PATH_BYTES:
        raise InvalidSpec("source path longer than 1024 bytes")
    if source.startswith("/"):
        raise InvalidSpec("absolute source path")
    if CONTROL_CHARACTERS.search(source):
        raise InvalidSpec("control character in source path")
    if "\\" in source:
        raise InvalidSpec("backslash in source path")
    for segment in source.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidSpec("empty, '.' or '..' segment in source path")
    return source


def parse_size(
    size: str, *, max_dimension: int = DEFAULT_MAX_DIMENSION
) -> tuple[int | None, int | None]:
    match = _SIZE.fullmatch(size)
    if match is None or size == "x":
        raise InvalidSpec("size must be WxH, Wx or xH in canonical form")
    width = int(match["w"]) if match["w"] else None
    height = int(match["h"]) if match["h"] else None
    for side in (width, height):
        if side is not None and side > max_dimension:
            raise InvalidSpec(f"size larger than {max_dimension} pixels")
    return width, height


def parse_ext(ext: str) -> str:
    ext = ext.removeprefix(".")
    if ext not in EXTENSIONS:
        raise InvalidSpec("extension must be one of " + ", ".join(sorted(EXTENSIONS)))
    return ext


def make_spec(
    source: str,
    size: str,
    method: Method | str,
    ext: str,
    *,
    max_dimension: int = DEFAULT_MAX_DIMENSION,
) -> ThumbnailSpec:
    """Validate the four parts a caller gives (ext with or without its dot)."""
    width, height = parse_size(size, max_dimension=max_dimension)
    return ThumbnailSpec(
        source=validate_source(source),
        width=width,
        height=height,
        method=Method.of(method),
        ext=parse_ext(ext),
    )


def parse_path(
    path: str, *, max_dimension: int = DEFAULT_MAX_DIMENSION
) -> tuple[ThumbnailSpec, str]:
    """Split a decoded URL path into its spec and signature, or raise InvalidSpec."""
    parts = path.rsplit("/", 3)
    if len(parts) != 4:
        raise InvalidSpec("path must be <source>/<size>/<method>/<signature>.<ext>")
    source, size, method, last = parts
    signature, dot, ext = last.rpartition(".")
    if not dot or not ext:
        raise InvalidSpec("missing extension")
    if not _SIGNATURE.fullmatch(signature):
        raise InvalidSpec("malformed signature")
    spec = make_spec(source, size, method, ext, max_dimension=max_dimension)
    return spec, signature
