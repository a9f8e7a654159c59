"""`restthumbnails warm|clean|stats MEDIA_DIR`, run as a user runs them: a subprocess."""

import os
import pty
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from .conftest import files_under
from .support.images import jpeg

KEY = "lifecycle-cli-key"
COMMAND = (sys.executable, "-m", "restthumbnails")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REST_THUMBNAILS_")}
    environment.update(
        XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_CACHE_HOME=str(tmp_path / "cache")
    )
    return environment


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def library(tmp_path: Path) -> Path:
    media = tmp_path / "library"
    (media / "2026").mkdir(parents=True)
    for index in range(4):
        (media / "2026" / f"{index}.jpg").write_bytes(jpeg(300, 200))
    return media


def test_warm_writes_where_serve_looks_and_a_rerun_skips(
    library: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    thumbs = tmp_path / "library-thumbnails"  # serve's default for this folder
    done = cli(
        "warm", str(library), "--secret-key", KEY, "--size", "64x64", "--size", "100x", env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("warm: 8 thumbnails in ")
    assert "8 rendered" in done.stdout and "0 refused" in done.stdout
    assert len(files_under(thumbs)) == 8
    # The URL `serve` would answer for one of them names exactly a warmed file.
    url = cli("url", "2026/1.jpg", "64x64", "crop", "jpg", "--secret-key", KEY, env=env)
    assert (thumbs / unquote(urlsplit(url.stdout.strip()).path.lstrip("/"))).is_file()

    again = cli(
        "warm", str(library), "2026/*.jpg", "--secret-key", KEY, "--size", "64x64", env=env
    )
    assert again.returncode == 0
    assert "0 rendered" in again.stdout and "4 skipped" in again.stdout


def test_warm_shows_a_progress_bar_on_a_terminal(
    library: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [*COMMAND, "warm", str(library), "--secret-key", KEY, "--size", "32x32"],
            stdout=subprocess.PIPE,
            stderr=follower,
            env=env,
        )
        out, _ = process.communicate(timeout=120)
        os.close(follower)
        follower = -1
        terminal = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            terminal += chunk
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert process.returncode == 0
    assert b"\r\x1b[Kwarm [" in terminal
    assert b"4/4 (100%)" in terminal
    assert out.decode().startswith("warm: 4 thumbnails")


def test_clean_and_stats_on_the_thumbnails_folder(
    library: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    thumbs = tmp_path / "elsewhere"
    common = ["--thumbnails-dir", str(thumbs)]
    assert (
        cli(
            "warm", str(library), *common, "--secret-key", "old", "--size", "40x40", env=env
        ).returncode
        == 0
    )
    assert (
        cli(
            "warm", str(library), *common, "--secret-key", KEY, "--size", "50x50", env=env
        ).returncode
        == 0
    )
    stats = cli("stats", str(library), *common, env=env)
    assert stats.returncode == 0
    assert "40x40  crop    jpg" in stats.stdout and "50x50  crop    jpg" in stats.stdout
    total = [line for line in stats.stdout.splitlines() if line.startswith("total")]
    assert total and total[0].split()[1] == "8"

    dry = cli(
        "clean", str(library), *common, "--secret-key", KEY, "--unsigned", "--dry-run", env=env
    )
    assert dry.returncode == 0
    assert dry.stdout.count("would remove 2026/") == 4 and "/40x40/crop/" in dry.stdout
    assert len(files_under(thumbs)) == 8

    (library / "2026" / "0.jpg").unlink()
    real = cli(
        "clean", str(library), *common, "--secret-key", KEY, "--unsigned", "--orphans", env=env
    )
    assert real.returncode == 0
    assert "removed 5" in real.stdout and "4 unsigned" in real.stdout and "1 orphan" in real.stdout
    left = files_under(thumbs)
    assert len(left) == 3 and all(
        "/50x50/" in name and not name.startswith("2026/0.jpg") for name in left
    )


def test_clean_unsigned_needs_the_key(library: Path, tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "library-thumbnails").mkdir()
    done = cli("clean", str(library), "--unsigned", env=env)
    assert done.returncode == 2
    assert "no --secret-key" in done.stderr


def test_warm_puts_hostile_sources_through_the_same_limits_as_requests(
    tmp_path: Path, env: dict[str, str]
) -> None:
    # Input: a scan bomb and a 49 MP JPEG that takes seconds to decode, beside a normal
    # photo, with --generation-timeout 1. Answer: the photo is rendered, the bomb refused
    # from its header, the slow one killed at the deadline; nothing else written; exit 1.
    from fixtures.hostile import jpeg_scan_bomb

    media = tmp_path / "uploads"
    media.mkdir()
    (media / "photo.jpg").write_bytes(jpeg(300, 200))
    (media / "bomb.jpg").write_bytes(jpeg_scan_bomb(4000, 4000, scans=300))
    (media / "slow.jpg").write_bytes(jpeg_scan_bomb(7000, 7000, scans=99))
    done = cli(
        "warm",
        str(media),
        "--secret-key",
        KEY,
        "--size",
        "64x64",
        "--generation-timeout",
        "1",
        "--no-progress",
        env=env,
    )
    assert done.returncode == 1, done.stderr
    assert "1 rendered" in done.stdout and "2 refused" in done.stdout
    assert "source has over 100 JPEG scans" in done.stdout + done.stderr
    assert "generation took longer than 1 s" in done.stdout + done.stderr
    thumbs = tmp_path / "uploads-thumbnails"
    assert [name.split("/")[0] for name in files_under(thumbs)] == ["photo.jpg"]


def test_patterns_may_follow_options_and_stray_words_are_refused(
    library: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    # Input: a PATTERN after the options. Answer: only the matching photo is warmed.
    done = cli("warm", str(library), "--secret-key", KEY, "--size", "64x64", "2026/1.*", env=env)
    assert done.returncode == 0, done.stderr
    assert files_under(tmp_path / "library-thumbnails")[0].startswith("2026/1.jpg/64x64/")
    assert len(files_under(tmp_path / "library-thumbnails")) == 1
    # Input: a word stats takes no PATTERN for. Answer: exit 2, the word named.
    refused = cli("stats", str(library), "2026/*", env=env)
    assert refused.returncode == 2
    assert "unrecognized arguments: 2026/*" in refused.stderr
