"""Which sizes a srcset offers and how each is described. Pure: numbers in, sizes out.

A srcset is built around one size (the `<img>`'s own `src`, `width` and
`height`) and either a list of widths or a list of densities:

- widths (`w` descriptors): every candidate has that width and the size's
  shape: `400x300` with width 640 is `640x480`; `400x` is `640x`.
- densities (`x` descriptors): every candidate is the size times the density:
  `400x300` at 2x is `800x600`.

With the source's size known and upscaling off, a candidate the engine would
have to enlarge is left out (the engine would send fewer pixels than the
descriptor claims); for widths, the largest piece the source does give, at the
same shape, takes the place of the ones left out.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..exceptions import InvalidSpec
from .geometry import output_size
from .spec import size_text

MAX_DENSITY = 4.0
# Every extension a URL can name on some build. "avif" is accepted where this
# Pillow cannot encode it, so one settings file works on every host; the
# <picture> then leaves AVIF out (and check W007 says why).
PICTURE_EXTENSIONS = ("avif", "webp", "png", "jpg", "jpeg", "gif")
_WIDTH = re.compile(r"([1-9][0-9]{0,8})w?")
_DENSITY = re.compile(r"([0-9]+(?:\.[0-9]+)?)x")


@dataclass(frozen=True)
class Candidate:
    """One srcset entry: the size for its URL and its descriptor ("640w", "2x" or "").

    `fitted` marks the source's largest piece, offered in place of widths the
    source is too small for (an allow-list may not know its size).
    """

    size: str
    descriptor: str
    fitted: bool = False


def _items(value: str | Iterable[object]) -> list[str]:
    if isinstance(value, str):
        return value.replace(",", " ").split()
    return [str(item) for item in value]


def parse_widths(value: str | Iterable[int], *, max_dimension: int) -> tuple[int, ...]:
    """ "320 640 960" (or "320w, 640w", or a list of ints): unique widths, smallest first."""
    widths = set()
    for item in _items(value):
        match = _WIDTH.fullmatch(item)
        if match is None or int(match[1]) > max_dimension:
            raise InvalidSpec(f"widths must be whole numbers from 1 to {max_dimension}: {item!r}")
        widths.add(int(match[1]))
    if not widths:
        raise InvalidSpec("widths is empty")
    return tuple(sorted(widths))


def parse_densities(value: str | Iterable[object]) -> tuple[float, ...]:
    """ "1x 2x" or "1x, 1.5x": unique densities above 0 and up to 4, smallest first."""
    densities = set()
    for item in _items(value):
        text = item if item.endswith("x") else f"{item}x"
        match = _DENSITY.fullmatch(text)
        if match is None or not 0 < float(match[1]) <= MAX_DENSITY:
            raise InvalidSpec(f"densities must look like 1x, 1.5x or 2x, up to 4x: {item!r}")
        densities.add(float(match[1]))
    if not densities:
        raise InvalidSpec("densities is empty")
    return tuple(sorted(densities))


def parse_formats(value: str | Iterable[str]) -> tuple[str, ...]:
    """ "avif webp" or a list: the <source> formats of a <picture>, in order of preference."""
    formats = tuple(item.removeprefix(".") for item in _items(value))
    for item in formats:
        if item not in PICTURE_EXTENSIONS:
            raise InvalidSpec(f"formats must be among {', '.join(PICTURE_EXTENSIONS)}: {item!r}")
    return tuple(dict.fromkeys(formats))


def _enlarged(
    width: int | None, height: int | None, method: str, source_size: tuple[int, int] | None
) -> bool:
    """Whether the engine, upscaling off, gives fewer pixels than this size asks for."""
    if source_size is None:
        return False
    kept = output_size(width, height, method, source_size=source_size, upscale=False)
    return kept != output_size(width, height, method, source_size=source_size, upscale=True)


def candidates(
    width: int | None,
    height: int | None,
    method: str,
    *,
    widths: tuple[int, ...] = (),
    densities: tuple[float, ...] = (),
    source_size: tuple[int, int] | None,
    upscale: bool,
) -> list[Candidate]:
    """The candidates of a srcset around the size `width` x `height` (either may be None)."""
    if widths and densities:
        raise InvalidSpec("give widths or densities, not both")
    # Only a known source with upscaling off limits what can be offered.
    limit = None if upscale else source_size
    if densities:
        found = []
        for density in densities:
            sides = _times(width, height, density)
            if not _enlarged(*sides, method, limit):
                found.append(Candidate(size_text(*sides), f"{density:g}x"))
        return found
    if not widths:
        return [Candidate(size_text(width, height), "")]
    if width is None:
        raise InvalidSpec("widths need a size with a width (WxH or Wx)")
    return _by_width(
        width, height, method, widths, source_size=source_size, limit=limit, upscale=upscale
    )


def _times(width: int | None, height: int | None, factor: float) -> tuple[int | None, int | None]:
    return (
        None if width is None else max(1, round(width * factor)),
        None if height is None else max(1, round(height * factor)),
    )


def _by_width(
    width: int,
    height: int | None,
    method: str,
    widths: tuple[int, ...],
    *,
    source_size: tuple[int, int] | None,
    limit: tuple[int, int] | None,
    upscale: bool,
) -> list[Candidate]:
    found: list[Candidate] = []
    described_widths: set[int] = set()
    largest_left_out = None
    for wanted in widths:
        # The width exactly as asked; the height, if any, follows the size's shape.
        sides = (wanted, _times(width, height, wanted / width)[1])
        if _enlarged(*sides, method, limit):
            largest_left_out = sides
            continue
        real = output_size(*sides, method, source_size=source_size, upscale=upscale)
        # The descriptor is the width the browser will get: exact where the source
        # size is known (a scale into a tall box is narrower), else the width asked.
        described = wanted if real is None else real[0]
        if described not in described_widths:
            described_widths.add(described)
            found.append(Candidate(size_text(*sides), f"{described}w"))
    if largest_left_out is not None and limit is not None:
        real = output_size(*largest_left_out, method, source_size=limit, upscale=False)
        assert real is not None  # the source size is known
        # A width-only size stays width-only: the whole source at its own width.
        biggest = (real[0], real[1] if largest_left_out[1] is not None else None)
        if real[0] not in described_widths and not _enlarged(*biggest, method, limit):
            found.append(Candidate(size_text(*biggest), f"{real[0]}w", fitted=True))
    return found
