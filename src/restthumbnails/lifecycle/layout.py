"""Where the thumbnail storage lies relative to the source storage, and what is a source.

Three layouts are safe: two places apart; the thumbnail folder inside the
source storage as its documented subfolder `thumbnails/` (Django's zero-config
default, MEDIA_ROOT/thumbnails/), which the lifecycle commands then never take
as sources; and nothing else. A thumbnail place that contains the sources
would hand users' files to cleanup's deletions, so it is refused; a thumbnail
folder elsewhere inside the sources is a system check error.

Places are compared as local folders (symlinks resolved) or as S3 buckets and
key prefixes; a storage that is neither cannot be placed, and is assumed apart.
Whatever the layout, a thumbnail-shaped name (`<source>/<W>x<H>/<method>/<64
hex>.<ext>`) is never a source: a thumbnail of a thumbnail is never wanted.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.storage import Storage

from ..conf import BUILTIN_FOLDER
from ..core.spec import parse_path
from ..exceptions import InvalidSpec
from ..storage.access import access_for
from ..storage.tempfiles import TEMP_PREFIX, TEMP_SUFFIX
from .listing import pattern_regex

# Any size a URL could spell: a source is excluded whatever MAX_DIMENSION says.
_ANY_DIMENSION = 999_999_999


@dataclass(frozen=True)
class Place:
    """A storage's root: a folder, or a bucket (with its endpoint) and key prefix."""

    where: str  # "folder" or the endpoint URL and bucket of an S3 storage
    segments: tuple[str, ...]

    def below(self, other: "Place") -> tuple[str, ...] | None:
        """The segments of this place below `other` (() when the same), or None."""
        if self.where != other.where or self.segments[: len(other.segments)] != other.segments:
            return None
        return self.segments[len(other.segments) :]


def place_of(storage: Storage) -> Place | None:
    """Where `storage` keeps its files; None for a storage that cannot say."""
    try:
        root = access_for(storage).root()
    except InvalidSpec:
        return None
    return None if root is None else Place(*root)


@dataclass(frozen=True)
class Layout:
    """How the thumbnail place and the source place lie: at most one of the two is set."""

    # The thumbnail folder's path below the source root ("" when the same place).
    thumbnails_in_sources: str | None = None
    # The source folder's path below the thumbnail root ("" when the same place).
    sources_in_thumbnails: str | None = None

    @property
    def thumbnails_contain_sources(self) -> bool:
        return self.sources_in_thumbnails is not None

    @property
    def thumbnails_misplaced_in_sources(self) -> bool:
        """Inside the sources, but not as the documented subfolder `thumbnails/`."""
        return self.thumbnails_in_sources not in (None, BUILTIN_FOLDER)


def layout_of(sources: Storage, thumbnails: Storage) -> Layout:
    if sources is thumbnails:
        return Layout(sources_in_thumbnails="")
    source_place, thumbnail_place = place_of(sources), place_of(thumbnails)
    if source_place is None or thumbnail_place is None:
        return Layout()
    sources_below = source_place.below(thumbnail_place)
    if sources_below is not None:
        return Layout(sources_in_thumbnails="/".join(sources_below))
    thumbnails_below = thumbnail_place.below(source_place)
    if thumbnails_below is not None:
        return Layout(thumbnails_in_sources="/".join(thumbnails_below))
    return Layout()


def refusal(layout: Layout) -> str | None:
    """Why the lifecycle commands must not run on this layout, or None."""
    if layout.sources_in_thumbnails is None:
        return None
    where = (
        "is the source storage's place"
        if layout.sources_in_thumbnails == ""
        else f"contains the source storage (at {layout.sources_in_thumbnails}/)"
    )
    return (
        f"the thumbnail storage {where}: cleanup could delete users' files and warm would "
        "take thumbnails for sources; give the thumbnails a place of their own "
        "(see docs/lifecycle.md, 'Layouts')"
    )


def is_thumbnail_shaped(name: str) -> bool:
    try:
        parse_path(name, max_dimension=_ANY_DIMENSION)
    except InvalidSpec:
        return False
    return True


class SourceFilter:
    """Which names of the source storage are not sources: the thumbnail folder when it
    lies inside, every thumbnail-shaped name, and the `--exclude` globs."""

    def __init__(self, layout: Layout, excludes: Iterable[str] = ()) -> None:
        self.thumbnail_folder = layout.thumbnails_in_sources or None
        self.excludes = tuple(excludes)
        self._regexes = [pattern_regex(glob) for glob in self.excludes]

    def describe(self) -> list[str]:
        """What is left out, for a line at the start of a run."""
        said = []
        if self.thumbnail_folder is not None:
            said.append(f"{self.thumbnail_folder}/ (the thumbnail folder)")
        said += [f"{glob} (--exclude)" for glob in self.excludes]
        return said

    def skips_folder(self, folder: str) -> bool:
        """True when no name below `folder` is a source: the walk need not enter it."""
        if self.thumbnail_folder is not None and (
            folder == self.thumbnail_folder or folder.startswith(self.thumbnail_folder + "/")
        ):
            return True
        return any(regex.fullmatch(folder) for regex in self._regexes)

    def excludes_name(self, name: str) -> bool:
        parts = name.split("/")
        folders = ("/".join(parts[:end]) for end in range(1, len(parts)))
        if any(self.skips_folder(folder) for folder in folders):
            return True
        if any(regex.fullmatch(name) for regex in self._regexes):
            return True
        return is_thumbnail_shaped(name)


# mkstemp's names, as storage/local.py's write_atomically and tempfiles.temp_path_beside
# make them: prefix, 8 of these, suffix.
_OWN_TEMP = re.compile(re.escape(TEMP_PREFIX) + "[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX))


def is_own_temp_file(name: str, *, max_dimension: int) -> bool:
    """A temp file a thumbnail writer makes: mkstemp's name, in a folder where a
    thumbnail of that size and method is written (`<source>/<W>x<H>/<method>/`)."""
    folder, _, base = name.rpartition("/")
    if not _OWN_TEMP.fullmatch(base) or not folder:
        return False
    try:
        parse_path(f"{folder}/{'0' * 64}.jpg", max_dimension=max_dimension)
    except InvalidSpec:
        return False
    return True
