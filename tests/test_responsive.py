"""srcset() and picture() from Python: which candidates, which markup."""

import re
from html.parser import HTMLParser

import pytest

from restthumbnails.api import get_thumbnail, picture, srcset
from restthumbnails.core import formats
from restthumbnails.core.responsive import Candidate, candidates, parse_densities, parse_widths
from restthumbnails.exceptions import InvalidSpec, NotAllowed


def sizes_and_descriptors(value: str) -> list[tuple[str, str]]:
    """ "/t/a.jpg/320x240/crop/<sig>.webp 320w, ..." -> [("320x240", "320w"), ...]"""
    found = []
    for entry in value.split(", "):
        url, _, descriptor = entry.partition(" ")
        found.append((url.rsplit("/", 3)[1], descriptor))
    return found


class Elements(HTMLParser):
    """Each start tag as (name, {attribute: value}), in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


def test_widths_keep_the_box_shape() -> None:
    value = srcset("a.jpg", "400x300", "crop", "webp", widths="320 640 960")
    assert value is not None
    assert sizes_and_descriptors(value) == [
        ("320x240", "320w"),
        ("640x480", "640w"),
        ("960x720", "960w"),
    ]
    assert all(url.endswith(".webp") for url in re.findall(r"\S+\.webp", value))


def test_widths_of_a_width_only_size_and_densities() -> None:
    value = srcset("a.jpg", "400x", "scale", "jpg", widths=[640, 320])
    assert value is not None
    assert sizes_and_descriptors(value) == [("320x", "320w"), ("640x", "640w")]
    value = srcset("a.jpg", "200x100", "smart", "jpg", densities="1x 1.5x 2x")
    assert value is not None
    assert sizes_and_descriptors(value) == [
        ("200x100", "1x"),
        ("300x150", "1.5x"),
        ("400x200", "2x"),
    ]


def test_the_urls_are_those_of_get_thumbnail() -> None:
    value = srcset("a.jpg", "400x300", "crop", "webp", widths="640")
    thumb = get_thumbnail("a.jpg", "640x480", "crop", "webp")
    assert thumb is not None and value == f"{thumb.url} 640w"


def test_a_small_source_never_offers_an_enlarged_candidate() -> None:
    # Source 700x600, box shape 4:3: 960 would be enlarged; the largest 4:3
    # piece of the source (700x525) takes its place.
    value = srcset(
        "a.jpg", "400x300", "crop", "webp", widths="320 640 960 1280", source_size=(700, 600)
    )
    assert value is not None
    assert sizes_and_descriptors(value) == [
        ("320x240", "320w"),
        ("640x480", "640w"),
        ("700x525", "700w"),
    ]
    dense = srcset("a.jpg", "400x300", "crop", "jpg", densities="1x 2x", source_size=(700, 600))
    assert dense is not None and sizes_and_descriptors(dense) == [("400x300", "1x")]


def test_upscaling_on_keeps_every_width(settings) -> None:
    settings.REST_THUMBNAILS_UPSCALE = True
    value = srcset("a.jpg", "400x", "scale", "jpg", widths="320 960", source_size=(500, 400))
    assert value is not None
    assert sizes_and_descriptors(value) == [("320x", "320w"), ("960x", "960w")]


def test_scale_into_a_box_is_described_by_its_real_width() -> None:
    # A tall source scaled into 4:3 boxes is narrower than the box: 640x480 gives 240x480.
    value = srcset("a.jpg", "400x300", "scale", "jpg", widths="640", source_size=(500, 1000))
    assert value is not None and sizes_and_descriptors(value) == [("640x480", "240w")]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "widths or densities"),
        ({"widths": "320", "densities": "1x"}, "not both"),
        ({"widths": "320 abc"}, "widths"),
        ({"widths": "0"}, "widths"),
        ({"densities": "5x"}, "densities"),
        ({"densities": ""}, "empty"),
    ],
)
def test_bad_candidate_lists_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidSpec, match=message):
        srcset("a.jpg", "400x300", "crop", "jpg", **kwargs)


def test_widths_need_a_width() -> None:
    with pytest.raises(InvalidSpec, match="with a width"):
        candidates(None, 300, "scale", widths=(320,), source_size=None, upscale=False)
    assert candidates(400, 300, "crop", source_size=None, upscale=False) == [
        Candidate("400x300", "")
    ]


def test_parsers_accept_the_html_spellings() -> None:
    assert parse_widths("960w, 320w 640", max_dimension=4096) == (320, 640, 960)
    assert parse_densities("2x, 1x 1.5") == (1.0, 1.5, 2.0)


def test_allow_list_refuses_a_candidate_it_does_not_name(settings) -> None:
    settings.REST_THUMBNAILS_ALLOWED_THUMBNAILS = ["400x300/crop", "320x240/crop"]
    value = srcset("a.jpg", "400x300", "crop", "jpg", widths="320", source_size=(350, 300))
    assert value is not None and sizes_and_descriptors(value) == [("320x240", "320w")]
    with pytest.raises(NotAllowed, match="640x480/crop"):
        srcset("a.jpg", "400x300", "crop", "jpg", widths="320 640")


def test_picture_markup() -> None:
    html = picture(
        "photos/a b.jpg",
        "400x300",
        "crop",
        "jpg",
        widths="320 640",
        sizes="(max-width: 600px) 100vw, 400px",
        alt='Tom & "Jerry" <script>',
        attrs={"class": "hero", "data-id": 7, "loading": "eager", "hidden": True},
    )
    tags = parse(html)
    assert [name for name, _ in tags] == ["picture", "source", "source", "img"]
    avif, webp, img = (attributes for _, attributes in tags[1:])
    assert avif["type"] == "image/avif" and webp["type"] == "image/webp"
    for attributes, ext in ((avif, "avif"), (webp, "webp"), (img, "jpg")):
        srcset_value = attributes["srcset"]
        assert srcset_value is not None
        assert sizes_and_descriptors(srcset_value) == [("320x240", "320w"), ("640x480", "640w")]
        assert srcset_value.count(f".{ext} ") == 2
        assert attributes["sizes"] == "(max-width: 600px) 100vw, 400px"
    fallback = get_thumbnail("photos/a b.jpg", "400x300", "crop", "jpg")
    assert fallback is not None
    assert img["src"] == fallback.url
    # The alt text arrives intact, so it was escaped (a raw quote would end the value).
    assert img["alt"] == 'Tom & "Jerry" <script>' and "<script>" not in html
    assert (img["width"], img["height"]) == ("400", "300")
    assert (img["loading"], img["decoding"]) == ("eager", "async")
    assert (img["class"], img["data-id"], img["hidden"]) == ("hero", "7", None)
    assert html.startswith("<picture>") and html.endswith("</picture>")


def test_picture_formats_per_call_and_by_setting(settings) -> None:
    html = picture("a.jpg", "400x300", "crop", "png", formats="webp jpg")
    assert [a.get("type") for _, a in parse(html)[1:]] == ["image/webp", "image/jpeg", None]
    settings.REST_THUMBNAILS_PICTURE_FORMATS = ["webp"]
    html = picture("a.jpg", "400x300", "crop", "jpg")
    assert [a.get("type") for _, a in parse(html)[1:]] == ["image/webp", None]
    # No widths or densities: each source holds one URL, and the img has no srcset.
    webp, img = (a for _, a in parse(html)[1:])
    assert webp["srcset"] is not None and " " not in webp["srcset"]
    assert "srcset" not in img and "sizes" not in img


def test_picture_leaves_avif_out_where_pillow_cannot_encode_it(monkeypatch) -> None:
    monkeypatch.setattr(formats, "EXTENSIONS", formats.EXTENSIONS - {"avif"})
    html = picture("a.jpg", "400x300", "crop", "jpg", widths="320")
    assert [a.get("type") for _, a in parse(html)[1:]] == ["image/webp", None]


def test_picture_of_an_unknown_scale_has_no_width_and_height() -> None:
    img = parse(picture("a.jpg", "400x", "scale", "jpg"))[-1][1]
    assert "width" not in img and "height" not in img
    img = parse(picture("a.jpg", "400x", "scale", "jpg", source_size=(1000, 500)))[-1][1]
    assert (img["width"], img["height"]) == ("400", "200")


def test_picture_densities_have_no_sizes() -> None:
    img = parse(picture("a.jpg", "200x200", "crop", "jpg", densities="1x 2x", sizes="50vw"))[-1]
    assert "sizes" not in img[1] and img[1]["srcset"] is not None
    assert img[1]["srcset"].endswith(" 2x")


def test_a_preset_gives_widths_and_formats(settings) -> None:
    settings.REST_THUMBNAILS_PRESETS = {
        "hero": {
            "size": "400x300",
            "method": "crop",
            "ext": "jpg",
            "widths": [320, 640],
            "formats": ["webp"],
        }
    }
    tags = parse(picture("a.jpg", "hero"))
    assert [a.get("type") for _, a in tags[1:]] == ["image/webp", None]
    value = srcset("a.jpg", "hero")
    assert value is not None
    assert sizes_and_descriptors(value) == [("320x240", "320w"), ("640x480", "640w")]
    # The call's own list wins over the preset's.
    value = srcset("a.jpg", "hero", densities="2x")
    assert value is not None and sizes_and_descriptors(value) == [("800x600", "2x")]


def test_empty_source_gives_nothing() -> None:
    assert picture("", "400x300", "crop", "jpg") == ""
    assert srcset(None, "400x300", "crop", "jpg", widths="320") is None


@pytest.mark.parametrize("name", ['onload="x"', "a b", "", "-x"])
def test_a_bad_attribute_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="attribute name"):
        picture("a.jpg", "400x300", "crop", "jpg", attrs={name: "1"})


def test_check_says_why_avif_is_left_out(monkeypatch, settings) -> None:
    from restthumbnails.checks import check_picture_formats

    assert check_picture_formats() == []
    monkeypatch.setattr(formats, "EXTENSIONS", formats.EXTENSIONS - {"avif"})
    [warning] = check_picture_formats()
    assert warning.id == "restthumbnails.W007" and "cannot encode avif" in warning.msg
    settings.REST_THUMBNAILS_PICTURE_FORMATS = ["webp"]
    assert check_picture_formats() == []


@pytest.mark.parametrize("value", ["avif", ["tiff"], 3])
def test_bad_picture_formats_setting_is_named(settings, value: object) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from restthumbnails.conf import get_settings

    settings.REST_THUMBNAILS_PICTURE_FORMATS = value
    with pytest.raises(ImproperlyConfigured, match="REST_THUMBNAILS_PICTURE_FORMATS"):
        get_settings()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"widths": [320], "densities": ["2x"]}, "not both"),
        ({"widths": "320 abc"}, "widths"),
        ({"formats": ["tiff"]}, "formats"),
    ],
)
def test_a_bad_preset_list_is_named(settings, extra: dict, message: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from restthumbnails.conf import get_settings

    settings.REST_THUMBNAILS_PRESETS = {
        "hero": {"size": "400x300", "method": "crop", "ext": "jpg", **extra}
    }
    with pytest.raises(ImproperlyConfigured, match=f"PRESETS.*hero.*{message}"):
        get_settings()
