"""`manage.py thumbnails warm|cleanup|stats`: files on disk, printed lines, exit status."""

import io
import os
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import CommandError

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec
from restthumbnails.storage.locks import ThumbnailLock, lock_key

from .conftest import files_under
from .support.images import decode, jpeg, png

PRESETS = {"avatar": ("64x64", "crop", "jpg"), "wide": ("200x", "scale", "webp")}


@pytest.fixture(autouse=True)
def presets(settings) -> None:
    settings.REST_THUMBNAILS_PRESETS = PRESETS


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("thumbnails", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def thumbnail_name(source: str, size: str, method: str, ext: str, key: str) -> str:
    spec = make_spec(source, size, method, ext)
    return spec.name(sign(spec, key=key))


def write_sources(media: Path) -> None:
    (media / "a.jpg").write_bytes(jpeg(400, 300))
    (media / "photos" / "2026").mkdir(parents=True)
    (media / "photos" / "2026" / "b.png").write_bytes(png(300, 300))
    (media / "photos" / "notes.txt").write_text("not an image")
    (media / ".hidden.jpg").write_bytes(jpeg(50, 50))


def test_warm_renders_each_preset_of_each_image_then_a_rerun_skips_them(
    media: Path, thumbs: Path, settings
) -> None:
    write_sources(media)
    code, out, _ = run("warm", "--preset", "avatar", "--preset", "wide", "--workers", "2")
    assert code == 0
    key = settings.SECRET_KEY
    expected = sorted(
        thumbnail_name(source, *PRESETS[preset], key=key)
        for source in ("a.jpg", "photos/2026/b.png")
        for preset in PRESETS
    )
    assert files_under(thumbs) == expected
    assert decode((thumbs / expected[0]).read_bytes()).size in {(64, 64), (200, 150)}
    assert "4 thumbnails" in out and "4 rendered" in out and "0 skipped" in out
    assert "0 refused" in out

    code, out, _ = run("warm", "--preset", "avatar", "--preset", "wide")
    assert code == 0
    assert "0 rendered" in out and "4 skipped" in out


def test_warm_patterns_choose_the_sources(media: Path, thumbs: Path) -> None:
    write_sources(media)
    code, out, _ = run("warm", "photos/**/*.png", "--size", "32x32", "--method", "crop")
    assert code == 0
    assert [name.split("/32x32/")[0] for name in files_under(thumbs)] == ["photos/2026/b.png"]
    assert "1 rendered" in out


def test_warm_counts_refusals_by_reason_names_them_and_exits_1(media: Path, thumbs: Path) -> None:
    (media / "good.jpg").write_bytes(jpeg(100, 100))
    (media / "broken.jpg").write_bytes(b"\xff\xd8 this is no JPEG")
    code, out, err = run("warm", "--size", "50x50", "--no-progress")
    assert code == 1
    assert "1 rendered" in out and "1 refused (1 unprocessable)" in out
    assert "refused broken.jpg/50x50/crop/" in err
    assert [name.split("/")[0] for name in files_under(thumbs)] == ["good.jpg"]


def test_warm_refuses_unknown_presets_and_missing_kinds_before_any_work(
    media: Path, thumbs: Path
) -> None:
    (media / "a.jpg").write_bytes(jpeg(100, 100))
    code, _, err = run("warm", "--preset", "nope")
    assert code == 2 and "no preset 'nope'" in err and "avatar" in err
    code, _, err = run("warm")
    assert code == 2 and "--preset NAME or --size SIZE" in err
    code, _, err = run("warm", "--size", "0x10")
    assert code == 2 and "size" in err
    assert files_under(thumbs) == []


def test_warm_waits_for_a_thumbnail_that_traffic_is_rendering_instead_of_rendering_it(
    media: Path, thumbs: Path, settings
) -> None:
    settings.REST_THUMBNAILS_LOCK_TIMEOUT = 30
    (media / "a.jpg").write_bytes(jpeg(100, 100))
    name = thumbnail_name("a.jpg", "50x50", "crop", "jpg", key=settings.SECRET_KEY)
    lock = ThumbnailLock(caches["default"], lock_key("restthumbnails", name), 30)
    assert lock.acquire()

    def traffic_finishes() -> None:
        time.sleep(1)
        (thumbs / name).parent.mkdir(parents=True)
        (thumbs / name).write_bytes(b"written by the request that held the lock")
        lock.release()

    finisher = threading.Thread(target=traffic_finishes)
    finisher.start()
    code, out, _ = run("warm", "--size", "50x50", "--no-progress")
    finisher.join()
    assert code == 0
    assert "0 rendered" in out and "1 skipped" in out
    assert (thumbs / name).read_bytes() == b"written by the request that held the lock"


def test_progress_lines_when_not_a_terminal(media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import restthumbnails.lifecycle.progress as progress

    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.0)  # a line per thumbnail
    for index in range(3):
        (media / f"{index}.jpg").write_bytes(jpeg(60, 60))
    code, _, err = run("warm", "--size", "20x20", "--workers", "1")
    assert code == 0
    lines = [line for line in err.splitlines() if line.startswith("warm: ")]
    assert [line.split(" (")[0] for line in lines] == ["warm: 1/3", "warm: 2/3", "warm: 3/3"]
    assert "\r" not in err


def make_thumbnails(media: Path, thumbs: Path, key: str) -> dict[str, str]:
    (media / "kept.jpg").write_bytes(jpeg(80, 80))
    names = {
        "kept": thumbnail_name("kept.jpg", "20x20", "crop", "jpg", key),
        "orphan": thumbnail_name("gone.jpg", "20x20", "crop", "jpg", key),
        "unsigned": thumbnail_name("kept.jpg", "30x30", "crop", "jpg", "an-old-key"),
    }
    for name in names.values():
        (thumbs / name).parent.mkdir(parents=True, exist_ok=True)
        (thumbs / name).write_bytes(b"x" * 1000)
    (thumbs / "README.txt").write_text("not a thumbnail")
    stale = thumbs / "kept.jpg" / "20x20" / "crop" / ".abc12345.tmp"
    stale.write_bytes(b"half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = thumbs / "kept.jpg" / "20x20" / "crop" / ".def45678.tmp"
    fresh.write_bytes(b"being written")
    return names


def test_cleanup_dry_run_lists_what_would_go_with_bytes_and_removes_nothing(
    media: Path, thumbs: Path, settings
) -> None:
    names = make_thumbnails(media, thumbs, settings.SECRET_KEY)
    before = files_under(thumbs)
    code, out, _ = run("cleanup", "--orphans", "--unsigned", "--dry-run", "--no-progress")
    assert code == 0
    assert files_under(thumbs) == before
    assert f"would remove {names['orphan']} (orphan, 1.0 kB)" in out
    assert f"would remove {names['unsigned']} (unsigned, 1.0 kB)" in out
    assert "would remove kept.jpg/20x20/crop/.abc12345.tmp (stale temp file, 4 B)" in out
    assert names["kept"] not in out and ".def45678.tmp" not in out
    summary = out.splitlines()[-1]
    assert "would remove 3 (2.0 kB): 1 orphan, 1 stale temp file, 1 unsigned" in summary
    assert "(1 not thumbnails, never touched)" in summary


def test_cleanup_removes_orphans_and_unsigned_but_keeps_fallback_signed_ones(
    media: Path, thumbs: Path, settings
) -> None:
    names = make_thumbnails(media, thumbs, settings.SECRET_KEY)
    # After a rotation: the old key is a fallback, so its thumbnails stay valid.
    settings.SECRET_KEY_FALLBACKS = ["an-old-key"]
    code, out, _ = run("clean", "--orphans", "--unsigned", "--no-progress")
    assert code == 0
    assert "removed 2" in out and "1 orphan" in out and "1 stale temp file" in out
    remaining = files_under(thumbs)
    assert names["orphan"] not in remaining
    assert names["unsigned"] in remaining and names["kept"] in remaining
    assert "README.txt" in remaining and "kept.jpg/20x20/crop/.def45678.tmp" in remaining

    settings.SECRET_KEY_FALLBACKS = []
    code, out, _ = run("cleanup", "--unsigned", "--no-progress")
    assert code == 0
    assert names["unsigned"] not in files_under(thumbs)
    assert names["kept"] in files_under(thumbs)


def test_cleanup_older_than_days(media: Path, thumbs: Path, settings) -> None:
    names = make_thumbnails(media, thumbs, settings.SECRET_KEY)
    month_ago = time.time() - 31 * 86400
    os.utime(thumbs / names["kept"], (month_ago, month_ago))
    code, out, _ = run("cleanup", "--older-than", "30", "--no-progress")
    assert code == 0
    assert "1 old" in out
    remaining = files_under(thumbs)
    assert names["kept"] not in remaining
    assert names["orphan"] in remaining and names["unsigned"] in remaining


def test_stats_counts_thumbnails_and_bytes_per_kind(media: Path, thumbs: Path, settings) -> None:
    make_thumbnails(media, thumbs, settings.SECRET_KEY)
    code, out, _ = run("stats", "--no-progress")
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["size", "method", "format", "thumbnails", "bytes"]
    assert ["20x20", "crop", "jpg", "2", "2.0", "kB"] in rows
    assert ["30x30", "crop", "jpg", "1", "1.0", "kB"] in rows
    assert ["total", "3", "3.0", "kB"] in rows
    assert "(1 other files, 15 B, are not thumbnails)" in out
