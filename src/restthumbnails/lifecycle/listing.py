"""Walking a Django storage as a stream of files, and matching names against globs.

Nothing here builds the whole listing: a media library or a thumbnail bucket
can hold millions of files. A local folder is read with `os.scandir` (one
`stat` per file, and only when asked); an S3 bucket a page of 1,000 keys at a
time, sizes and dates included; any other storage with `listdir`, one folder
at a time.
"""

import re
from collections.abc import Iterable, Iterator

from django.core.files.storage import Storage

from ..storage.access import access_for
from ..storage.entry import Entry, SkipFolder, never

__all__ = ["Entry", "SkipFolder", "literal_folder", "matching_names", "pattern_regex", "walk"]

_MAGIC = re.compile(r"[*?\[]")


def walk(
    storage: Storage, folder: str = "", *, hidden: bool = False, skip: SkipFolder = never
) -> Iterator[Entry]:
    """Every file below `folder`; dot-named files and folders only with `hidden`;
    nothing below a folder (a name relative to the storage) for which `skip` is true."""
    return access_for(storage).walk(folder, hidden=hidden, skip=skip)


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
    storage: Storage, patterns: list[str], *, skip: SkipFolder = never
) -> Iterator[str]:
    """The names of the files matching any pattern, as the walk finds them."""
    regexes = [pattern_regex(pattern) for pattern in patterns]
    for entry in walk(storage, literal_folder(patterns), skip=skip):
        if any(regex.fullmatch(entry.name) for regex in regexes):
            yield entry.name
