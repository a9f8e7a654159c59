"""A page host that only builds URLs for a separate thumbnail host.

Input: an absolute REST_THUMBNAILS_BASE_URL, no MEDIA_ROOT, no REST_THUMBNAILS_STORAGE
and restthumbnails.urls not mounted (the page host has no thumbnail storage and never
writes a thumbnail). Answer: the tag, the filter and `thumbnail_url` build signed URLs
on the thumbnail host and `check` has nothing to say. The same settings on a host that
mounts restthumbnails.urls (it would have to write thumbnails) are error E001.
"""

import pytest
from django.core.checks import run_checks
from django.template import engines

from restthumbnails.api import thumbnail_url

THUMBNAIL_HOST = "https://thumbs.example.com/"


@pytest.fixture
def page_host(settings) -> None:
    settings.MEDIA_ROOT = ""
    del settings.REST_THUMBNAILS_STORAGE
    settings.REST_THUMBNAILS_BASE_URL = THUMBNAIL_HOST
    settings.ROOT_URLCONF = "tests.urlconfs.urls_without_thumbnails"
    settings.REST_THUMBNAILS_PRESETS = {"card": ("400x300", "crop", "webp")}


@pytest.mark.usefixtures("page_host")
def test_the_tag_and_the_api_build_urls_for_the_thumbnail_host() -> None:
    page = engines["django"].from_string(
        '{% load thumbnail %}<img src="{% thumbnail "photos/a.jpg" "200x200" "crop" "jpg" %}">'
        '<img src="{{ "photos/a.jpg"|thumbnail_url:"card" }}">'
    )
    html = page.render({})
    assert f'src="{THUMBNAIL_HOST}photos/a.jpg/200x200/crop/' in html
    assert f'src="{THUMBNAIL_HOST}photos/a.jpg/400x300/crop/' in html
    url = thumbnail_url("photos/a.jpg", "64x64", "scale", "png")
    assert url is not None and url.startswith(f"{THUMBNAIL_HOST}photos/a.jpg/64x64/scale/")


@pytest.mark.usefixtures("page_host")
def test_check_passes_on_the_page_host() -> None:
    assert [m.id for m in run_checks() if m.id.startswith("restthumbnails.E")] == []


@pytest.mark.usefixtures("page_host")
def test_a_host_that_serves_thumbnails_must_have_a_storage(settings) -> None:
    settings.ROOT_URLCONF = (
        "tests.urlconfs.urls_docs"  # restthumbnails.urls mounted: it writes them
    )
    errors = [m for m in run_checks() if m.id == "restthumbnails.E001"]
    assert len(errors) == 1
    assert "MEDIA_ROOT" in errors[0].msg and "REST_THUMBNAILS_STORAGE" in errors[0].msg
