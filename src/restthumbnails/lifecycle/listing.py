"""Walking a Django storage as a stream of files, and matching names against globs.

Nothing here builds the whole listing: a media library or a thumbnail bucket
can hold millions of files. A local folder is read with `os.scandir` (one
`stat` per file, and only when asked); an S3 bucket a page of 1,000 keys at a
time, sizes and dates included; any other storage with `listdir`, one folder
at a time.
"""

import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.storage import Storage

from ..storage.access import local_path, s3_adapter
from ..storage.regularfiles import listed_regular_file

_MAGIC = re.compile(r"[*?\[]")


@dataclass
class Entry:
    """One file of a storage. Its size and modification time are read on first use."""

    name: str  # the storage name, "/"-separated
    storage: Storage
    path: str | None = None  # absolute path when the storage is local
    listed_size: int | None = None  # when the listing gave them (S3)
    listed_modified: float | None = None
    key: str | None = None  # a bucket's object key, exactly as listed
    link: bool = False  # a symlink in a local folder
    _stat: os.stat_result | None = field(default=None, repr=False)

    @functools.cached_property
    def size(self) -> int:
        if self.listed_size is not None:
            return self.listed_size
        if self.path is not None:
            return self._local_stat().st_size
        return self.storage.size(self.name)

    @functools.cached_property
    def modified(self) -> float:
        """Seconds since the epoch."""
        if self.listed_modified is not None:
            return self.listed_modified
        if self.path is not None:
            return self._local_stat().st_mtime
        moment: datetime = self.storage.get_modified_time(self.name)
        return moment.timestamp()

    def _local_stat(self) -> os.stat_result:
        if self._stat is None:
            assert self.path is not None
            self._stat = os.stat(self.path)
        return self._stat


SkipFolder = Callable[[str], bool]


def _never(folder: str) -> bool:
    return False


def walk(
    storage: Storage, folder: str = "", *, hidden: bool = False, skip: SkipFolder = _never
) -> Iterator[Entry]:
    """Every file below `folder`; dot-named files and folders only with `hidden`;
    nothing below a folder (a name relative to the storage) for which `skip` is true."""
    root = local_path(storage, folder)
    bucket = s3_adapter(storage)
    if root is not None:
        yield from _walk_local(storage, root, folder, hidden=hidden, skip=skip)
    elif bucket is not None:
        for key, name, size, modified in bucket.list_keys(storage, folder):
            parts = name.split("/")
            if not hidden and any(part.startswith(".") for part in parts):
                continue
            if any(skip("/".join(parts[:end])) for end in range(1, len(parts))):
                continue
            yield Entry(name, storage, listed_size=size, listed_modified=modified, key=key)
    else:
        yield from _walk_listdir(storage, folder, hidden=hidden, skip=skip)


def _walk_local(
    storage: Storage, path: str, folder: str, *, hidden: bool, skip: SkipFolder
) -> Iterator[Entry]:
    try:
        scanner = os.scandir(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    subfolders = []
    with scanner:
        for item in scanner:
            if item.name.startswith(".") and not hidden:
                continue
            name = f"{folder}/{item.name}" if folder else item.name
            # Folders reached through a symlink are not walked: a link to a
            # parent would loop, and the server never reads outside its root.
            if item.is_dir(follow_symlinks=False):
                if not skip(name):
                    subfolders.append((item.path, name))
            elif listed_regular_file(item, name):
                yield Entry(name, storage, item.path, link=item.is_symlink())
    # Folders after files, so a folder's listing is closed before we descend.
    for sub_path, sub_name in subfolders:
        yield from _walk_local(storage, sub_path, sub_name, hidden=hidden, skip=skip)


def _walk_listdir(
    storage: Storage, folder: str, *, hidden: bool, skip: SkipFolder
) -> Iterator[Entry]:
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for file_name in files:
        if hidden or not file_name.startswith("."):
            yield Entry(f"{folder}/{file_name}" if folder else file_name, storage)
    for directory in directories:
        name = f"{folder}/{directory}" if folder else directory
        if (hidden or not directory.startswith(".")) and not skip(name):
            yield from _walk_listdir(storage, name, hidden=hidden, skip=skip)


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a glob over "/"-separated names.

    `*` and `?` stay within one segment, `[...]` is a character class and a
    whole `**` segment matches any number of segments, none included.
    """
    segments = pattern.strip("/").split("/")
    parts = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]+/)*")
            continue
        parts.append(_segment_regex(segment) + ("" if last else "/"))
    return re.compile("".join(parts))


def _segment_regex(segment: str) -> str:
    out = []
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = segment.find("]", index + 2)
            if end < 0:
                out.append(re.escape(char))
            else:
                body = segment[index + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def literal_folder(patterns: Iterable[str]) -> str:
    """The deepest folder every pattern starts with, so the walk can begin there."""
    prefixes = []
    for pattern in patterns:
        segments = pattern.strip("/").split("/")[:-1]
        literal = []
        for segment in segments:
            if _MAGIC.search(segment):
                break
            literal.append(segment)
        prefixes.append(literal)
    if not prefixes:
        return ""
    common = prefixes[0]
    for other in prefixes[1:]:
        length = 0
        while length < min(len(common), len(other)) and common[length] == other[length]:
            length += 1
        common = common[:length]
    return "/".join(common)


def matching_names(
    storage: Storage, patterns: list[str], *, skip: SkipFolder = _never
) -> Iterator[str]:
    """The names of the files matching any pattern, as the walk finds them."""
    regexes = [pattern_regex(pattern) for pattern in patterns]
    for entry in walk(storage, literal_folder(patterns), skip=skip):
        if any(regex.fullmatch(entry.name) for regex in regexes):
            yield entry.name
