from pathlib import Path

import pytest
from django.core.files.base import ContentFile, File
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from django.template import Context, Template, TemplateSyntaxError

from restthumbnails.api import get_thumbnail, thumbnail_url
from restthumbnails.exceptions import InvalidSpec
from restthumbnails.signing import sign
from restthumbnails.spec import make_spec

from .failing import FailingStorage


@pytest.fixture
def no_io(settings):  # type: ignore[no-untyped-def]
    """Every storage and the cache raise on any call, and so does open()."""
    failing = {"BACKEND": "tests.failing.FailingStorage"}
    settings.STORAGES = {"default": failing, "sources": failing, "thumbnails": failing}
    settings.CACHES = {"default": {"BACKEND": "tests.failing.FailingCache"}}


def expected_url(source: str, base: str = "/t/") -> str:
    spec = make_spec(source, "100x100", "crop", "jpg")
    return (
        f"{base}{source}/100x100/crop/{sign(spec, key='test-secret-key-not-for-production')}.jpg"
    )


def field_file(name: str) -> FieldFile:
    return FieldFile(instance=None, field=FileField(storage=FailingStorage()), name=name)


@pytest.mark.usefixtures("no_io")
def test_function_builds_from_names_files_and_field_files() -> None:
    url = expected_url("animals/kitten.jpg")
    assert thumbnail_url("animals/kitten.jpg", "100x100", "crop", ".jpg") == url
    assert thumbnail_url(field_file("animals/kitten.jpg"), "100x100", "crop", "jpg") == url
    assert thumbnail_url(File(None, name="animals/kitten.jpg"), "100x100", "crop", "jpg") == url
    thumb = get_thumbnail("animals/kitten.jpg", "100x100", "crop", ".jpg")
    assert thumb is not None and thumb.url == url and str(thumb) == url
    assert thumb.name == url.removeprefix("/t/")


@pytest.mark.usefixtures("no_io")
def test_template_tag_with_and_without_as() -> None:
    template = Template(
        '{% load thumbnail %}{% thumbnail src "100x100" "crop" ".jpg" as thumb %}'
        "[{{ thumb.url }}]<{% thumbnail src '100x100' 'crop' '.jpg' %}>"
    )
    url = expected_url("animals/kitten.jpg")
    rendered = template.render(Context({"src": field_file("animals/kitten.jpg")}))
    assert rendered == f"[{url}]<{url}>"


@pytest.mark.usefixtures("no_io")
def test_empty_source_gives_none() -> None:
    assert get_thumbnail("", "100x100", "crop", "jpg") is None
    assert get_thumbnail(None, "100x100", "crop", "jpg") is None
    assert get_thumbnail(field_file(""), "100x100", "crop", "jpg") is None
    template = Template(
        '{% load thumbnail %}{% thumbnail src "1x1" "crop" "jpg" as t %}'
        "{% if t is None %}none{% endif %}|{% thumbnail src '1x1' 'crop' 'jpg' %}|"
    )
    assert template.render(Context({"src": ""})) == "none||"


def test_names_are_url_encoded(settings) -> None:  # type: ignore[no-untyped-def]
    url = thumbnail_url("été 2026/café crème.jpg", "100x100", "crop", "jpg")
    assert url is not None
    assert url.startswith("/t/%C3%A9t%C3%A9%202026/caf%C3%A9%20cr%C3%A8me.jpg/100x100/crop/")


def test_base_url_relative_or_absolute(settings) -> None:  # type: ignore[no-untyped-def]
    settings.REST_THUMBNAILS_BASE_URL = "https://thumbs.example.com"
    assert thumbnail_url("a.jpg", "100x100", "crop", "jpg") == expected_url(
        "a.jpg", "https://thumbs.example.com/"
    )
    assert thumbnail_url("a.jpg", "100x100", "crop", "jpg", base_url="/x/") == expected_url(
        "a.jpg", "/x/"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("a.jpg", "100", "crop", "jpg"), "size"),
        (("a.jpg", "100x100", "stretch", "jpg"), "method"),
        (("a.jpg", "100x100", "crop", "exe"), "extension"),
        (("../a.jpg", "100x100", "crop", "jpg"), "segment"),
        (("/etc/a.jpg", "100x100", "crop", "jpg"), "absolute"),
    ],
)
def test_invalid_arguments_raise_a_clear_error(args: tuple, message: str) -> None:
    with pytest.raises(InvalidSpec, match=message):
        get_thumbnail(*args)


@pytest.mark.parametrize("source", [42, Path("photos/a.jpg")])
def test_a_source_of_the_wrong_type_is_a_type_error(source: object) -> None:
    with pytest.raises(TypeError, match="file or a name"):
        get_thumbnail(source, "100x100", "crop", "jpg")


def test_template_tag_syntax_error() -> None:
    with pytest.raises(TemplateSyntaxError, match="takes"):
        Template('{% load thumbnail %}{% thumbnail src "100x100" "crop" %}')


def test_content_file_without_name_gives_none() -> None:
    assert get_thumbnail(ContentFile(b"x"), "100x100", "crop", "jpg") is None
