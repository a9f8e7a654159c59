"""Stale `.<random>.tmp` files (a writer killed before its rename) are swept; others stay."""

import os
import time
from pathlib import Path

from restthumbnails.storage.tempfiles import remove_stale_temp_files

from .conftest import files_under

HOUR = 3600.0


def make(path: Path, *, age: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * 10)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_only_old_temp_files_are_removed(tmp_path: Path) -> None:
    root = tmp_path / "swept"
    folder = "a.jpg/100x100/crop"
    make(root / folder / ".k3j4h5g6.tmp", age=HOUR)  # a writer killed an hour ago
    make(root / ".health" / ".abcdefgh.tmp", age=HOUR)
    make(root / folder / ".fresh123.tmp", age=1)  # a render in progress elsewhere
    make(root / folder / ("0" * 64 + ".jpg"), age=HOUR)  # a real thumbnail
    make(root / "notes.tmp", age=HOUR)  # not one of ours: no leading dot
    make(root / ".tmp", age=HOUR)  # nor this

    assert remove_stale_temp_files(root, older_than=10) == 2
    assert files_under(root) == [
        ".tmp",
        f"{folder}/.fresh123.tmp",
        f"{folder}/{'0' * 64}.jpg",
        "notes.tmp",
    ]
    # Nothing left to do a second time.
    assert remove_stale_temp_files(root, older_than=10) == 0


def test_symlinks_and_folders_are_left_alone(tmp_path: Path) -> None:
    root = tmp_path / "swept"
    outside = make(tmp_path / "elsewhere" / ".victim99.tmp", age=HOUR)
    root.mkdir()
    (root / ".link1234.tmp").symlink_to(outside)
    (root / "linked").symlink_to(outside.parent, target_is_directory=True)
    (root / ".adir5678.tmp").mkdir()
    assert remove_stale_temp_files(root, older_than=10) == 0
    assert outside.exists() and (root / ".link1234.tmp").is_symlink()
    assert (root / ".adir5678.tmp").is_dir()


def test_a_missing_folder_removes_nothing(tmp_path: Path) -> None:
    assert remove_stale_temp_files(tmp_path / "absent", older_than=10) == 0
