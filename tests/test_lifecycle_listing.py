"""Walking storages as a stream, and the glob patterns of `thumbnails warm`."""

from pathlib import Path
from typing import ClassVar

import pytest
from django.core.files.storage import FileSystemStorage

from restthumbnails.lifecycle.listing import literal_folder, matching_names, pattern_regex, walk

from .support.remote_storage import PathlessStorage

NAMES = ["a.jpg", "b.png", "photos/c.jpg", "photos/2026/d.jpg", "photos/2026/e.JPG", "x/y/z.gif"]


class ListingStorage(PathlessStorage):
    """A pathless storage that can list, as S3 does: one folder at a time."""

    objects: ClassVar[dict[str, bytes]] = {}

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = f"{path}/" if path else ""
        below = [name[len(prefix) :] for name in self.objects if name.startswith(prefix)]
        folders = sorted({rest.split("/")[0] for rest in below if "/" in rest})
        return folders, sorted(rest for rest in below if "/" not in rest)


@pytest.fixture(params=["local", "listdir"])
def storage(request, tmp_path: Path):
    if request.param == "local":
        for name in [*NAMES, ".hidden/f.jpg", ".g.tmp"]:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_bytes(b"1234")
        return FileSystemStorage(location=tmp_path)
    ListingStorage.objects = {name: b"1234" for name in [*NAMES, ".hidden/f.jpg", ".g.tmp"]}
    return ListingStorage()


def test_walk_finds_every_file_and_hidden_ones_only_when_asked(storage) -> None:
    assert sorted(entry.name for entry in walk(storage)) == sorted(NAMES)
    hidden = sorted(entry.name for entry in walk(storage, hidden=True))
    assert hidden == sorted([*NAMES, ".hidden/f.jpg", ".g.tmp"])
    assert {entry.size for entry in walk(storage)} == {4}


def test_walk_is_lazy(storage) -> None:
    entries = walk(storage)
    assert next(entries).name in NAMES  # a generator, not a list built up front


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        (["*.jpg"], ["a.jpg"]),
        (["**/*.jpg"], ["a.jpg", "photos/2026/d.jpg", "photos/c.jpg"]),
        (["photos/*"], ["photos/c.jpg"]),
        (["photos/**"], ["photos/2026/d.jpg", "photos/2026/e.JPG", "photos/c.jpg"]),
        (["photos/**/?.jpg"], ["photos/2026/d.jpg", "photos/c.jpg"]),
        (["photos/2026/[de].*"], ["photos/2026/d.jpg", "photos/2026/e.JPG"]),
        (["photos/2026/[!d].*"], ["photos/2026/e.JPG"]),
        (["*.png", "x/**/*.gif"], ["b.png", "x/y/z.gif"]),
        (["nothing/*"], []),
    ],
)
def test_patterns(storage, patterns: list[str], expected: list[str]) -> None:
    assert sorted(matching_names(storage, patterns)) == expected


def test_a_star_never_crosses_a_folder() -> None:
    assert pattern_regex("*.jpg").fullmatch("photos/a.jpg") is None
    assert pattern_regex("**/a.jpg").fullmatch("a.jpg")


def test_the_walk_starts_at_the_deepest_literal_folder() -> None:
    assert literal_folder(["photos/2026/*.jpg"]) == "photos/2026"
    assert literal_folder(["photos/2026/*.jpg", "photos/2025/*.jpg"]) == "photos"
    assert literal_folder(["photos/*/a.jpg"]) == "photos"
    assert literal_folder(["*.jpg"]) == ""
