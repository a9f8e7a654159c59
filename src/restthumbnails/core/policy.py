"""Operator policy: which thumbnails may exist, and named presets. Pure: values passed in."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..exceptions import InvalidSpec, NotAllowed
from .method import FOCUS, Method
from .responsive import parse_densities, parse_formats, parse_widths
from .spec import DEFAULT_MAX_DIMENSION, ThumbnailSpec, parse_ext, parse_size

# ALLOWED_THUMBNAILS names focal-point crops as "WxH/focus": any point, since
# each image has its own.
ANY_FOCUS = FOCUS


@dataclass(frozen=True)
class Preset:
    size: str
    method: str  # the URL text; Method.parse reads it
    ext: str
    # For srcset and <picture> (see responsive.py): the candidates' widths or
    # densities, and the <source> formats (None: REST_THUMBNAILS_PICTURE_FORMATS).
    widths: tuple[int, ...] = ()
    densities: tuple[float, ...] = ()
    formats: tuple[str, ...] | None = None

    @property
    def allow_key(self) -> str:
        return allow_key(self.size, Method.parse(self.method))


def allow_key(size: str, method: Method) -> str:
    """How ALLOWED_THUMBNAILS names a size and method: "200x200/crop", "200x200/focus"."""
    return f"{size}/{method.kind}"


def parse_allowed(
    values: Iterable[str], *, max_dimension: int = DEFAULT_MAX_DIMENSION
) -> frozenset[str]:
    """Validate "WxH/method" entries; raise ValueError naming the bad entry."""
    allowed = set()
    for value in values:
        size, _, method = str(value).partition("/")
        try:
            parse_size(size, max_dimension=max_dimension)
            kind = ANY_FOCUS if method == ANY_FOCUS else Method.parse(method).kind
        except InvalidSpec as exc:
            raise ValueError(f"entry {value!r}: {exc.reason}") from None
        allowed.add(f"{size}/{kind}")
    return frozenset(allowed)


def parse_presets(
    values: Mapping[str, Any], *, max_dimension: int = DEFAULT_MAX_DIMENSION
) -> dict[str, Preset]:
    """Presets as {name: (size, method, ext)} or {name: {"size", "method", "ext"}};
    the mapping may add "widths" or "densities", and "formats", for srcset/<picture>."""
    presets = {}
    for name, value in values.items():
        extras: Mapping[str, Any] = {}
        if isinstance(value, Mapping):
            parts = (value.get("size"), value.get("method"), value.get("ext"))
            extras = value
        else:
            parts = tuple(value)
        if len(parts) != 3 or not all(isinstance(part, str) for part in parts):
            raise ValueError(f"preset {name!r} must be (size, method, ext)")
        size, method, ext = (str(part) for part in parts)
        if extras.get("widths") is not None and extras.get("densities") is not None:
            raise ValueError(f"preset {name!r}: give widths or densities, not both")
        try:
            parse_size(size, max_dimension=max_dimension)
            presets[name] = Preset(
                size,
                str(Method.parse(method)),
                parse_ext(ext),
                widths=_optional(extras, "widths", parse_widths, max_dimension=max_dimension)
                or (),
                densities=_optional(extras, "densities", parse_densities) or (),
                formats=_optional(extras, "formats", parse_formats),
            )
        except InvalidSpec as exc:
            raise ValueError(f"preset {name!r}: {exc.reason}") from None
    return presets


def _optional(values: Mapping[str, Any], key: str, parse: Any, **options: Any) -> Any:
    return None if values.get(key) is None else parse(values[key], **options)


def check_allowed(spec: ThumbnailSpec, allowed: frozenset[str] | None) -> None:
    """Raise NotAllowed when an allow-list is set and this size/method is not on it."""
    key = allow_key(spec.size, spec.method)
    if allowed is not None and key not in allowed:
        raise NotAllowed(f"{key} is not an allowed thumbnail size")


def check_renderable(spec: ThumbnailSpec, *, faces_available: Callable[[], bool]) -> None:
    """Raise InvalidSpec for `faces` on a host without its detector: a 400 here,
    never a different crop than the hosts that have it."""
    if spec.method.finds_faces and not faces_available():
        raise InvalidSpec("the faces method is not installed on this server")
