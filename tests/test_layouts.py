"""Storage layouts as users have them: the zero-config default, sorl's leftovers, overlaps.

Input: a fresh `startproject` with the two lines of docs/django.md and MEDIA_ROOT (so
thumbnails go to MEDIA_ROOT/thumbnails/, inside the source storage), run with
`manage.py` as a user runs it; and the standalone `restthumbnails` command. Answer:
the thumbnail folder and thumbnail-shaped names are never sources, `--exclude` leaves
further folders out, and a thumbnail place that holds the sources is a system check
error that the lifecycle commands refuse with status 2, deleting nothing.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec

from .support.images import jpeg, png

ENV = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
WARM = ("thumbnails", "warm", "--size", "64x64", "--workers", "1", "--no-progress")
HOUR, DAY = 3600, 86400


def manage(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def new_project(root: Path, settings: str = "") -> Path:
    """startproject + the two lines of docs/django.md + MEDIA_ROOT (+ `settings`)."""
    root.mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(root)], check=True
    )
    path = root / "mysite" / "settings.py"
    path.write_text(
        path.read_text()
        + '\nINSTALLED_APPS += ["restthumbnails"]\nMEDIA_ROOT = BASE_DIR / "media"\n'
        + settings
    )
    urls = root / "mysite" / "urls.py"
    text = urls.read_text().replace(
        "from django.urls import path", "from django.urls import include, path"
    )
    urls.write_text(
        text + '\nurlpatterns += [path("thumbnails/", include("restthumbnails.urls"))]\n'
    )
    media = root / "media"
    (media / "photos").mkdir(parents=True)
    (media / "photo.jpg").write_bytes(jpeg(300, 200))
    (media / "photos" / "wide.png").write_bytes(png(400, 200))
    # What sorl-thumbnail leaves behind: its thumbnails in MEDIA_ROOT/cache/.
    (media / "cache" / "ab" / "cd").mkdir(parents=True)
    (media / "cache" / "ab" / "cd" / "0123456789abcdef.jpg").write_bytes(jpeg(64, 43))
    return root


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def aged(path: Path, seconds: float, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    moment = time.time() - seconds
    os.utime(path, (moment, moment))
    return path


def signed_name(source: str, key: str) -> str:
    spec = make_spec(source, "64x64", "crop", "jpg")
    return spec.name(sign(spec, key=key))


def test_zero_config_warm_run_twice_renders_no_thumbnails_of_thumbnails(tmp_path: Path) -> None:
    # Input: `manage.py thumbnails warm --size 64x64` twice, no pattern, zero config.
    # Answer: the second run renders nothing; nothing under thumbnails/thumbnails/.
    project = new_project(tmp_path / "site")
    first = manage(project, *WARM)
    assert first.returncode == 0, first.stderr
    assert "3 rendered" in first.stdout  # photo.jpg, photos/wide.png and sorl's file
    second = manage(project, *WARM)
    assert second.returncode == 0, second.stderr
    names = files_under(project / "media" / "thumbnails")
    assert not any(name.startswith("thumbnails/") for name in names)
    assert len(names) == 3
    assert "0 rendered" in second.stdout and "3 skipped" in second.stdout
    assert "not sources: thumbnails/ (the thumbnail folder)" in first.stderr


def test_exclude_leaves_sorls_cache_folder_out_of_warm(tmp_path: Path) -> None:
    # Input: warm --exclude cache. Answer: thumbnails of the two photos only.
    project = new_project(tmp_path / "site")
    done = manage(project, *WARM, "--exclude", "cache")
    assert done.returncode == 0, done.stderr
    assert "2 rendered" in done.stdout
    assert "cache (--exclude)" in done.stderr
    names = files_under(project / "media" / "thumbnails")
    assert [name.split("/64x64/")[0] for name in names] == ["photo.jpg", "photos/wide.png"]


def test_stats_and_cleanup_orphans_find_thumbnails_of_thumbnails_an_older_version_made(
    tmp_path: Path,
) -> None:
    # Input: a thumbnail of a thumbnail, as an earlier warm left it, beside a real one.
    # Answer: stats counts it apart; cleanup --orphans removes it and keeps the real one.
    project = new_project(tmp_path / "site")
    thumbnails = project / "media" / "thumbnails"
    real = signed_name("photo.jpg", "any-key")
    nested = "thumbnails/" + signed_name(f"thumbnails/{real}", "any-key")
    for name in (real, nested):
        aged(thumbnails / name, 0, jpeg(64, 64))
    stats = manage(project, "thumbnails", "stats", "--no-progress")
    assert stats.returncode == 0, stats.stderr
    assert "(1 of the thumbnails are of thumbnails or excluded folders" in stats.stdout
    clean = manage(project, "thumbnails", "cleanup", "--orphans", "--list", "--no-progress")
    assert clean.returncode == 0, clean.stderr
    assert f"removed {nested} (orphan" in clean.stdout
    assert files_under(thumbnails) == [real]


LOCATION_HOLDS_MEDIA = """
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "thumbs": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": BASE_DIR},
    },
}
REST_THUMBNAILS_STORAGE = "thumbs"
"""


def test_a_thumbnail_storage_holding_media_root_is_refused_and_nothing_is_deleted(
    tmp_path: Path,
) -> None:
    # Input: the thumbnail storage at BASE_DIR, MEDIA_ROOT = BASE_DIR/media; a user's
    # hour-old media/.report.tmp and a two-day-old thumbnail-shaped file under media.
    # Answer: `check` is restthumbnails.E008; cleanup (with --skip-checks too) exits 2
    # saying why; both files are still there.
    project = new_project(tmp_path / "site", LOCATION_HOLDS_MEDIA)
    media = project / "media"
    report = aged(media / ".report.tmp", HOUR)
    lookalike = aged(media / signed_name("x.jpg", "other-key"), 2 * DAY)
    before = files_under(project)
    for extra in ((), ("--skip-checks",)):
        done = manage(project, "thumbnails", *extra, "cleanup", "--older-than", "1", "--unsigned")
        assert report.exists() and lookalike.exists()
        assert done.returncode == 2, done.stderr
        assert "contains the source storage (at media/)" in done.stderr
    for action in (WARM[1:], ("stats",)):
        assert manage(project, "thumbnails", *action).returncode == 2
    assert files_under(project) == before
    check = manage(project, "check")
    assert check.returncode == 1
    assert "restthumbnails.E008" in check.stderr and "contains the source storage" in check.stderr


def test_a_thumbnail_folder_inside_media_root_is_allowed_only_as_thumbnails(
    tmp_path: Path,
) -> None:
    # Input: the thumbnail storage at MEDIA_ROOT/thumbs, then at MEDIA_ROOT/thumbnails.
    # Answer: restthumbnails.E009 for the first; no issue for the documented folder.
    def inside_media(folder: str) -> str:
        return LOCATION_HOLDS_MEDIA.replace("BASE_DIR}", f'BASE_DIR / "media" / "{folder}"}}')

    misplaced = new_project(tmp_path / "a", inside_media("thumbs"))
    check = manage(misplaced, "check")
    assert check.returncode == 1 and "restthumbnails.E009" in check.stderr
    assert "at thumbs/, not as the documented subfolder thumbnails/" in check.stderr
    documented = new_project(tmp_path / "b", inside_media("thumbnails"))
    check = manage(documented, "check")
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize(
    ("thumbnails", "expected"),
    [
        ("", "restthumbnails.E008"),
        ("media/thumbs", "restthumbnails.E009"),
        ("media/thumbnails", None),
        ("thumbs", None),
    ],
)
def test_bucket_layouts_are_checked_like_folders(settings, thumbnails, expected) -> None:
    # Input: sources in bucket B under media/, thumbnails in B under `thumbnails`.
    # Answer: the error when the thumbnails hold the sources or lie elsewhere inside.
    pytest.importorskip("storages")
    from django.core.checks import run_checks

    def alias(location: str) -> dict[str, object]:
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "photos", "location": location},
        }

    settings.STORAGES = {
        **settings.STORAGES,
        "sources": alias("media"),
        "thumbnails": alias(thumbnails),
    }
    found = {message.id for message in run_checks()} & {
        "restthumbnails.E008",
        "restthumbnails.E009",
    }
    assert found == ({expected} if expected else set())


def test_standalone_warm_stats_and_clean_take_exclude(tmp_path: Path) -> None:
    # Input: `restthumbnails warm MEDIA --exclude cache`, then stats and clean with it.
    # Answer: only the photos are warmed; stats and clean run with status 0.
    media = new_project(tmp_path / "site") / "media"
    env = {**ENV, "XDG_CONFIG_HOME": str(tmp_path / "config")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "restthumbnails", *args, "--no-progress", "--exclude", "cache"],
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
            check=False,
        )

    warm = cli("warm", str(media), "--size", "64x64", "--workers", "1", "--secret-key", "x" * 40)
    assert warm.returncode == 0, warm.stderr
    thumbnails = tmp_path / "site" / "media-thumbnails"
    assert [name.split("/64x64/")[0] for name in files_under(thumbnails)] == [
        "photo.jpg",
        "photos/wide.png",
    ]
    for command in ("stats", "clean"):
        done = cli(command, str(media))
        assert done.returncode == 0, done.stderr


def test_a_pattern_that_spans_folders_skips_the_thumbnail_folder_too(tmp_path: Path) -> None:
    # Input: warm '**/*.jpg' twice, zero config. Answer: photo.jpg and sorl's file once
    # each; the second run renders nothing.
    project = new_project(tmp_path / "site")
    for _ in range(2):
        done = manage(project, *WARM, "**/*.jpg")
        assert done.returncode == 0, done.stderr
    assert "0 rendered" in done.stdout and "2 skipped" in done.stdout
    names = files_under(project / "media" / "thumbnails")
    assert [name.split("/64x64/")[0] for name in names] == [
        "cache/ab/cd/0123456789abcdef.jpg",
        "photo.jpg",
    ]


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("photo.jpg", True),
        ("thumbnails/photo.jpg", False),  # the thumbnail folder inside the sources
        ("cache/ab/cd/x.jpg", False),  # --exclude cache
        ("cachet/x.jpg", True),
        ("a/b.jpg/64x64/crop/" + "f" * 64 + ".jpg", False),  # thumbnail-shaped
        ("a/b.jpg/64x64/crop/" + "f" * 63 + ".jpg", True),
        ("a/b.jpg/99999x1/crop/" + "f" * 64 + ".webp", False),  # over MAX_DIMENSION too
    ],
)
def test_what_is_not_a_source(name: str, source: bool) -> None:
    from restthumbnails.lifecycle.layout import Layout, SourceFilter

    not_sources = SourceFilter(Layout(thumbnails_in_sources="thumbnails"), ["cache"])
    assert not_sources.excludes_name(name) is not source


@pytest.mark.parametrize(
    ("name", "own"),
    [
        ("a.jpg/64x64/crop/.k3j4_5g6.tmp", True),
        ("a.jpg/64x64/crop/.report.tmp", False),  # not mkstemp's eight characters
        ("media/.abcdefgh.tmp", False),  # not in a thumbnail's folder
        (".abcdefgh.tmp", False),
        ("a.jpg/64x64/crop/.ABCDEFGH.tmp", False),
        ("a//64x64/crop/.abcdefgh.tmp", False),
    ],
)
def test_which_temp_files_are_a_writers_own(name: str, own: bool) -> None:
    from restthumbnails.lifecycle.layout import is_own_temp_file

    assert is_own_temp_file(name, max_dimension=4096) is own
