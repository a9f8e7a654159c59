"""Opening sources in a local folder: symlinks out of it refused, the folder re-pointed."""

from pathlib import Path
from typing import BinaryIO

import pytest
from django.core.files.storage import FileSystemStorage

from restthumbnails.exceptions import SourceMissing
from restthumbnails.storage.local import LocalFolder

from .support.images import jpeg


@pytest.mark.parametrize("per_request", [False, True], ids=["one folder", "one per request"])
def test_a_media_root_symlink_pointed_at_a_new_release_serves_the_new_files(
    tmp_path: Path, per_request: bool
) -> None:
    # Input: MEDIA_ROOT is `current`, a symlink a deploy re-points from release 1 to
    # release 2; then a source only release 2 has, a symlink out of release 2, and a
    # symlink from release 2 back into release 1. Opened through one LocalFolder, or a
    # new one each time as serve's requests do (the resolved root is then kept by the
    # process, not by the object).
    # Answer: the new source opens (the folder's resolved path is looked up again
    # rather than kept from release 1); both symlinks out are "source not found": the
    # old release is outside MEDIA_ROOT once it is re-pointed.
    for release in ("1", "2"):
        (tmp_path / release / "media").mkdir(parents=True)
    (tmp_path / "1" / "media" / "old.jpg").write_bytes(jpeg(40, 30))
    (tmp_path / "2" / "media" / "new.jpg").write_bytes(jpeg(40, 30))
    (tmp_path / "secret.jpg").write_bytes(jpeg(40, 30))
    (tmp_path / "2" / "media" / "escape.jpg").symlink_to(tmp_path / "secret.jpg")
    (tmp_path / "2" / "media" / "back.jpg").symlink_to(tmp_path / "1" / "media" / "old.jpg")
    current = tmp_path / "current"
    current.symlink_to(tmp_path / "1" / "media")
    folder = LocalFolder(FileSystemStorage(location=str(current)))

    def opened(name: str) -> tuple[BinaryIO, int]:
        source = LocalFolder(FileSystemStorage(location=str(current))) if per_request else folder
        return source.open_source(name, max_bytes=10**6)

    handle, size = opened("old.jpg")
    handle.close()
    assert size == (tmp_path / "1" / "media" / "old.jpg").stat().st_size

    current.unlink()
    current.symlink_to(tmp_path / "2" / "media")
    # First after the switch: a file of the old release, through release 2's symlink.
    with pytest.raises(SourceMissing):
        opened("back.jpg")
    handle, size = opened("new.jpg")
    handle.close()
    assert size == (tmp_path / "2" / "media" / "new.jpg").stat().st_size
    with pytest.raises(SourceMissing):
        opened("escape.jpg")


def test_an_opened_source_carries_its_identity(tmp_path: Path) -> None:
    # The failure memory keys a source by device, inode, size and mtime: replacing
    # the file under the same name changes it.
    (tmp_path / "a.jpg").write_bytes(jpeg(40, 30))
    folder = LocalFolder(FileSystemStorage(location=str(tmp_path)))
    handle, _ = folder.open_source("a.jpg", max_bytes=10**6)
    handle.close()
    first = handle.source_identity
    info = (tmp_path / "a.jpg").stat()
    assert first == f"{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"
    (tmp_path / "b.jpg").write_bytes(jpeg(50, 30))
    (tmp_path / "b.jpg").replace(tmp_path / "a.jpg")
    handle, _ = folder.open_source("a.jpg", max_bytes=10**6)
    handle.close()
    assert handle.source_identity != first
