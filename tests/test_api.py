import builtins
import io
import re
from pathlib import Path
from typing import NoReturn

import pytest
from django.core.files.base import ContentFile, File
from django.db.models import FileField, ImageField
from django.db.models.fields.files import FieldFile, ImageFieldFile
from django.template import Context, Template, TemplateSyntaxError
from django.urls import set_script_prefix

from restthumbnails.api import get_thumbnail, picture, srcset, thumbnail_url
from restthumbnails.conf import get_settings
from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec
from restthumbnails.exceptions import InvalidSpec

from .support.failing import FailingStorage, IOAttempted


@pytest.fixture
def no_io(settings, monkeypatch):
    """Every storage and the cache raise on any call, and so does open()."""
    failing = {"BACKEND": "tests.support.failing.FailingStorage"}
    settings.STORAGES = {"default": failing, "sources": failing, "thumbnails": failing}
    settings.CACHES = {"default": {"BACKEND": "tests.support.failing.FailingCache"}}
    get_settings()  # read (and validate) the settings before open() fails
    monkeypatch.setattr(builtins, "open", failing_open)
    monkeypatch.setattr(io, "open", failing_open)


def failing_open(*args: object, **kwargs: object) -> NoReturn:
    raise IOAttempted(f"URL building opened a file: {args[:1]}")


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


def test_names_are_url_encoded(settings) -> None:
    url = thumbnail_url("été 2026/café crème.jpg", "100x100", "crop", "jpg")
    assert url is not None
    assert url.startswith("/t/%C3%A9t%C3%A9%202026/caf%C3%A9%20cr%C3%A8me.jpg/100x100/crop/")


def test_base_url_relative_or_absolute(settings) -> None:
    settings.REST_THUMBNAILS_BASE_URL = "https://thumbs.example.com"
    assert thumbnail_url("a.jpg", "100x100", "crop", "jpg") == expected_url(
        "a.jpg", "https://thumbs.example.com/"
    )
    assert thumbnail_url("a.jpg", "100x100", "crop", "jpg", base_url="/x/") == expected_url(
        "a.jpg", "/x/"
    )


def test_the_next_tag_sees_a_changed_setting_or_script_prefix(settings) -> None:
    # Input: one template rendered again after each change of the key, BASE_URL, a
    # preset, and (with BASE_URL unset) the request's script prefix. Answer: every
    # render shows the URL the new settings give; none comes from before the change.
    template = Template(
        '{% load thumbnail %}{% thumbnail "a.jpg" "100x100" "crop" "jpg" %}'
        '|{% thumbnail "a.jpg" "avatar" %}'
    )

    def page() -> str:
        return template.render(Context({}))

    settings.REST_THUMBNAILS_PRESETS = {"avatar": ("100x100", "crop", "jpg")}
    first = expected_url("a.jpg")
    assert page() == f"{first}|{first}"

    settings.REST_THUMBNAILS_SECRET_KEY = "another-key-of-enough-length-for-signing"
    rekeyed = page().split("|")[0]
    spec = make_spec("a.jpg", "100x100", "crop", "jpg")
    assert (
        rekeyed
        == f"/t/a.jpg/100x100/crop/{sign(spec, key=settings.REST_THUMBNAILS_SECRET_KEY)}.jpg"
    )

    settings.REST_THUMBNAILS_SECRET_KEY = "test-secret-key-not-for-production"
    settings.REST_THUMBNAILS_BASE_URL = "https://cdn.example.com/thumbs/"
    moved = expected_url("a.jpg", "https://cdn.example.com/thumbs/")
    assert page() == f"{moved}|{moved}"

    settings.REST_THUMBNAILS_PRESETS = {"avatar": ("64x64", "crop", "jpg")}
    assert page().split("|")[1].startswith("https://cdn.example.com/thumbs/a.jpg/64x64/crop/")

    settings.REST_THUMBNAILS_BASE_URL = None  # URLs now follow where the app is mounted
    assert page().split("|")[0] == first
    set_script_prefix("/site/")
    try:
        assert page().split("|")[0] == "/site" + first
    finally:
        set_script_prefix("/")
    assert page().split("|")[0] == first


def test_a_focus_given_as_a_list_builds_the_same_thumbnail() -> None:
    # Input: the focal point as a list (unhashable, so not cached) and as a tuple.
    # Answer: the same URL, the focus-30-70 method.
    as_list = thumbnail_url("a.jpg", "100x100", "crop", "jpg", focus=[0.3, 0.7])
    as_tuple = thumbnail_url("a.jpg", "100x100", "crop", "jpg", focus=(0.3, 0.7))
    assert as_list == as_tuple and as_list is not None and "/focus-30-70/" in as_list


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


def test_the_no_io_fixture_catches_an_open(no_io) -> None:
    with pytest.raises(IOAttempted):
        open(__file__)  # noqa: SIM115


class Photo:
    """A model instance whose ImageField records the size in `w` and `h`."""

    def __init__(self, number: int) -> None:
        self.w, self.h = 1200 + number, 900
        field = ImageField(storage=FailingStorage(), width_field="w", height_field="h")
        self.image = ImageFieldFile(instance=self, field=field, name=f"photos/{number}.jpg")
        self.caption = f'Photo "{number}" & <friends>'


PICTURE_PAGE = (
    "{% load thumbnail %}{% for photo in photos %}"
    '{% picture photo.image "400x300" "crop" "jpg" widths="320 640 960 1280" '
    'sizes="(max-width: 400px) 100vw, 400px" alt=photo.caption class="photo" %}'
    "{% endfor %}"
)


@pytest.mark.usefixtures("no_io")
def test_a_page_of_100_pictures_touches_no_storage_cache_or_file() -> None:
    # Input: 100 ImageFieldFiles whose storage, the cache and open() all raise.
    photos = [Photo(number) for number in range(100)]
    html = Template(PICTURE_PAGE).render(Context({"photos": photos}))
    # Answer: 100 <picture>s, each with 3 formats x 4 widths, built from names alone.
    assert html.count("<picture>") == 100 and html.count("<img ") == 100
    assert len(re.findall(r"\.(?:avif|webp|jpg) \d+w", html)) == 100 * 3 * 4
    assert html.count('width="400" height="300"') == 100
    assert html.count('alt="Photo &quot;7&quot; &amp; &lt;friends&gt;"') == 1
    first = picture(
        photos[0].image,
        "400x300",
        "crop",
        "jpg",
        widths="320 640 960 1280",
        sizes="(max-width: 400px) 100vw, 400px",
        alt=photos[0].caption,
        attrs={"class": "photo"},
    )
    assert html.startswith(first)


@pytest.mark.usefixtures("no_io")
def test_srcset_and_picture_tags() -> None:
    template = Template(
        "{% load thumbnail %}"
        '[{% srcset src "400x300" "crop" "webp" widths="320 640" %}]'
        '[{% srcset src "200x200" "crop" "jpg" densities="1x 2x" as dense %}{{ dense }}]'
        '[{% picture src "400x" "scale" "jpg" source_size="1000x500" alt="a" %}]'
        '[{% thumbnail src "400x" "scale" "jpg" source_size=size as thumb %}'
        "{{ thumb.width }}x{{ thumb.height }}]"
    )
    rendered = template.render(Context({"src": "a.jpg", "size": (1000, 500)}))
    assert rendered == (
        f"[{srcset('a.jpg', '400x300', 'crop', 'webp', widths='320 640')}]"
        f"[{srcset('a.jpg', '200x200', 'crop', 'jpg', densities='1x 2x')}]"
        f"[{picture('a.jpg', '400x', 'scale', 'jpg', source_size=(1000, 500), alt='a')}]"
        "[400x200]"
    )
    assert 'width="400" height="200"' in rendered


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ('{% srcset src "400x300" "crop" "jpg" class="x" %}', "no keyword 'class'"),
        ('{% picture src "400x300" "crop" "jpg" alt="a" alt="b" %}', "twice"),
        ('{% picture src alt="a" "400x300" "crop" "jpg" %}', "after keywords"),
        ('{% picture src "400x300" "crop" widths="320" %}', "takes"),
    ],
)
def test_responsive_tag_syntax_errors(tag: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError, match=message):
        Template("{% load thumbnail %}" + tag)


def test_empty_source_gives_no_picture_and_no_srcset() -> None:
    template = Template(
        '{% load thumbnail %}[{% picture src "400x300" "crop" "jpg" %}]'
        '[{% srcset src "400x300" "crop" "jpg" widths="320" %}]'
    )
    assert template.render(Context({"src": ""})) == "[][]"


def test_a_file_opened_from_the_source_storage_is_taken_by_its_name(media: Path) -> None:
    # Input: storages["sources"].open(name) gives a File whose .name is absolute.
    # Answer: the same URL as the storage name; outside the storage, a clear error.
    from django.core.files.storage import storages

    (media / "photos").mkdir()
    (media / "photos" / "cat.jpg").write_bytes(b"not read")
    with storages["sources"].open("photos/cat.jpg") as opened:
        assert opened.name.startswith("/")
        assert thumbnail_url(opened, "64x64", "crop", "jpg") == thumbnail_url(
            "photos/cat.jpg", "64x64", "crop", "jpg"
        )
    stray = File(io.BytesIO(b""), name="/etc/hosts")
    with pytest.raises(
        InvalidSpec, match=r"'hosts' is not in the source storage .*: pass its name"
    ):
        thumbnail_url(stray, "64x64", "crop", "jpg")
