"""A new picture under an old name never shows the old thumbnail, on disk and in a bucket.

Phones name every photo IMG_0001.jpg, and a thumbnail's URL is its source's name. Input:
a red IMG_0001.jpg uploaded through an ordinary model and its thumbnail shown; then a
blue picture also called IMG_0001.jpg arrives, replacing the file in the same row or
after the row and its file were deleted. Answer: the thumbnail the page then shows is
blue (read pixel by pixel, as the proxy would send it); a source storage that
overwrites names is system check error E014, and one that does not gives the new
picture a name and URLs of its own.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from .support.images import encode
from .support.s3server import S3Server, running_s3_server
from .upload_site.run import site_script

RED, BLUE = (220, 20, 20), (20, 20, 220)


def close(colour: object, expected: tuple[int, int, int]) -> bool:
    assert isinstance(colour, list)
    return all(abs(got - want) <= 12 for got, want in zip(colour, expected, strict=True))


@pytest.fixture
def pictures(tmp_path: Path) -> tuple[str, str]:
    red, blue = tmp_path / "red.jpg", tmp_path / "blue.jpg"
    red.write_bytes(encode(Image.new("RGB", (400, 300), RED), "JPEG"))
    blue.write_bytes(encode(Image.new("RGB", (400, 300), BLUE), "JPEG"))
    return str(red), str(blue)


def assert_new_picture_shown(result: dict[str, object], *, same_name: bool) -> None:
    before, after = result["before"], result["after"]
    assert isinstance(before, dict) and isinstance(after, dict)
    assert (before["status"], before["size"]) == (200, [120, 90])
    assert close(before["colour"], RED), before
    assert (after["status"], after["size"]) == (200, [120, 90])
    assert close(after["colour"], BLUE), after  # never the old picture
    assert (after["name"] == before["name"]) is same_name, (before["name"], after["name"])


# --- on disk ---------------------------------------------------------------------


def test_disk_a_name_freed_by_deleting_the_old_file_shows_the_new_picture(
    tmp_path: Path, pictures: tuple[str, str]
) -> None:
    # Django's FileSystemStorage gives a deleted file's name to the next upload.
    result = site_script(tmp_path / "site", "same_name", *pictures, "delete")
    assert_new_picture_shown(result, same_name=True)


def test_disk_an_overwriting_storage_is_an_error_and_still_shows_the_new_picture(
    tmp_path: Path, pictures: tuple[str, str]
) -> None:
    overwrite = {"UPLOAD_SITE_OVERWRITE": "1"}  # FileSystemStorage(allow_overwrite=True)
    checks = site_script(tmp_path / "check", "check", env=overwrite)
    assert "restthumbnails.E014" in checks["ids"], checks["messages"]
    assert '"allow_overwrite": False' in str(checks["messages"])
    result = site_script(tmp_path / "site", "same_name", *pictures, "replace", env=overwrite)
    assert_new_picture_shown(result, same_name=True)


def test_disk_the_default_storage_renames_and_passes_the_check(
    tmp_path: Path, pictures: tuple[str, str]
) -> None:
    assert site_script(tmp_path / "check", "check")["ids"] == []
    result = site_script(tmp_path / "site", "same_name", *pictures, "replace")
    assert_new_picture_shown(result, same_name=False)


# --- in a bucket -----------------------------------------------------------------

BUCKET_SETTINGS = """\
STORAGES = {{
    "default": {{
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {{"bucket_name": "{bucket}", "location": "media"{options}}},
    }},
    "staticfiles": {{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
    "thumbnails": {{
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {{"bucket_name": "{bucket}", "location": "thumbs", "querystring_auth": False}},
    }},
}}
REST_THUMBNAILS_STORAGE = "thumbnails"
REST_THUMBNAILS_RESPONSE_BACKEND = "nginx"
"""


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


def bucket_site(tmp_path: Path, s3: S3Server, *, options: str) -> Path:
    settings = tmp_path / "bucket_settings.py"
    settings.write_text(BUCKET_SETTINGS.format(bucket=s3.new_bucket(), options=options))
    return settings


def test_bucket_django_storages_default_overwrites_is_an_error_and_shows_the_new_picture(
    tmp_path: Path, s3: S3Server, pictures: tuple[str, str]
) -> None:
    # django-storages' default: file_overwrite=True, the same key written again.
    settings = bucket_site(tmp_path, s3, options="")
    checks = site_script(tmp_path / "check", "check", settings_file=settings, env=s3.environment)
    assert "restthumbnails.E014" in checks["ids"], checks["messages"]
    assert '"file_overwrite": False' in str(checks["messages"])
    result = site_script(
        tmp_path / "site",
        "same_name",
        *pictures,
        "replace",
        settings_file=settings,
        env=s3.environment,
    )
    assert_new_picture_shown(result, same_name=True)


@pytest.mark.parametrize(("how", "same_name"), [("replace", False), ("delete", True)])
def test_bucket_without_overwrite_shows_the_new_picture(
    tmp_path: Path, s3: S3Server, pictures: tuple[str, str], how: str, same_name: bool
) -> None:
    # file_overwrite=False: a replacement gets a name of its own; a name freed by
    # deleting the old object comes back, and its old thumbnails went with the row.
    settings = bucket_site(tmp_path, s3, options=', "file_overwrite": False')
    checks = site_script(tmp_path / "check", "check", settings_file=settings, env=s3.environment)
    assert checks["ids"] == [], checks["messages"]
    result = site_script(
        tmp_path / how, "same_name", *pictures, how, settings_file=settings, env=s3.environment
    )
    assert_new_picture_shown(result, same_name=same_name)


def test_only_that_sources_thumbnails_are_removed(thumbs: Path, signed_path) -> None:
    # Input: thumbnails of a.jpg, of "a.jpg/b.jpg" (a bucket may hold both names), of
    # a.jpgx, and a stray file under a.jpg/. Answer: only a.jpg's own thumbnails go.
    from restthumbnails.lifecycle.replaced_files import remove_thumbnails

    names = [signed_path("a.jpg", "10x10"), signed_path("a.jpg", "20x", "scale", "png")]
    kept = [signed_path("a.jpg/b.jpg", "10x10"), signed_path("a.jpgx", "10x10"), "a.jpg/notes.txt"]
    for name in names + kept:
        (thumbs / name).parent.mkdir(parents=True, exist_ok=True)
        (thumbs / name).write_bytes(b"x")
    assert remove_thumbnails("a.jpg") == 2
    assert sorted(p.relative_to(thumbs).as_posix() for p in thumbs.rglob("*") if p.is_file()) == (
        sorted(kept)
    )
    assert remove_thumbnails("../etc") == 0  # not a source name: nothing is listed
