"""Mistakes a first template makes get an answer that says what to write instead.

Each input is what a sorl-thumbnail or easy-thumbnails user writes first; each answer
names the spelling we take and a section of the docs that exists.
"""

import re
from pathlib import Path

import pytest
from django.template import TemplateSyntaxError, engines

from restthumbnails.api import get_thumbnail, thumbnail_url
from restthumbnails.core import advice
from restthumbnails.exceptions import InvalidSpec

from .test_docs import anchors

ROOT = Path(__file__).resolve().parent.parent


def render(code: str, **context: object) -> str:
    return engines["django"].from_string("{% load thumbnail %}" + code).render(context)


def test_a_bare_size_says_method_and_extension_are_needed(settings) -> None:
    # Input: sorl's first tag. Answer: the size with "crop"/"scale" and an extension.
    settings.REST_THUMBNAILS_PRESETS = {"avatar": ("64x64", "crop", "jpg")}
    with pytest.raises(InvalidSpec) as caught:
        render('{% thumbnail photo "300x200" as im %}{{ im.url }}', photo="photos/a.jpg")
    reason = caught.value.reason
    assert "'300x200' is a size" in reason
    assert '"300x200" "crop" "jpg"' in reason and '"300x200" "scale" "jpg"' in reason
    assert "preset named '300x200'" in reason and "'avatar'" in reason
    assert advice.MIGRATING in reason


@pytest.mark.parametrize(
    ("written", "ours"), [("300", "300x"), ("100x0", "100x"), ("0x80", "x80")]
)
def test_other_libraries_sizes_are_translated(written: str, ours: str) -> None:
    with pytest.raises(InvalidSpec, match=f'"{ours}" "crop" "jpg"'):
        get_thumbnail("a.jpg", written)


def test_an_unknown_preset_lists_the_defined_ones(settings) -> None:
    settings.REST_THUMBNAILS_PRESETS = {"avatar": ("64x64", "crop", "jpg")}
    with pytest.raises(InvalidSpec) as caught:
        thumbnail_url("a.jpg", "avatr")
    assert caught.value.reason.startswith("unknown thumbnail preset 'avatr'")
    assert "'avatar'" in caught.value.reason and advice.PRESETS in caught.value.reason


def test_a_missing_extension_is_named() -> None:
    with pytest.raises(InvalidSpec, match='"300x200" "crop" "jpg"'):
        get_thumbnail("a.jpg", "300x200", "crop")


@pytest.mark.parametrize("source", ["https://example.com/a.jpg", "//cdn.example.com/a.jpg"])
def test_a_url_as_source_says_sources_are_names(source: str) -> None:
    # Before: "empty, '.' or '..' segment in source path".
    with pytest.raises(InvalidSpec) as caught:
        render(f'{{% thumbnail "{source}" "100x100" "crop" "jpg" %}}')
    assert "a URL cannot be a thumbnail source" in caught.value.reason
    assert "photo.image" in caught.value.reason and advice.MIGRATING in caught.value.reason


def test_the_sorl_block_is_refused_at_its_opening_tag() -> None:
    sorl = (
        '{% thumbnail photo "600x400" "crop" "jpg" as im %}<img src="{{ im.url }}">'
        "{% empty %}<p>No photo.</p>{% endthumbnail %}"
    )
    with pytest.raises(TemplateSyntaxError) as caught:
        render(sorl, photo="a.jpg")
    message = str(caught.value)
    assert "not a block" in message and "{% if im %}" in message and advice.MIGRATING in message


def test_a_stray_end_tag_says_the_same() -> None:
    with pytest.raises(TemplateSyntaxError, match="not a block"):
        render("{% endthumbnail %}")


def test_two_tags_in_a_row_are_not_taken_for_a_block() -> None:
    html = render(
        '{% thumbnail "a.jpg" "10x10" "crop" "jpg" %} {% thumbnail "b.jpg" "10x10" "crop" "jpg" %}'
    )
    assert html.count("/10x10/crop/") == 2


@pytest.mark.parametrize(
    ("keyword", "advice_text"),
    [
        ('crop="center"', '"crop"'),
        ('format="PNG"', '"png"'),
        ("quality=70", "REST_THUMBNAILS_QUALITY"),
        ("upscale=True", "REST_THUMBNAILS_UPSCALE"),
    ],
)
def test_sorl_options_say_where_they_went(keyword: str, advice_text: str) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        render(f'{{% thumbnail photo "300x200" {keyword} as im %}}')
    assert advice_text in str(caught.value) and advice.MIGRATING in str(caught.value)


def test_a_wrong_number_of_arguments_shows_a_whole_tag() -> None:
    with pytest.raises(TemplateSyntaxError, match=r'photo.image "200x200" "crop" "jpg" as im'):
        render('{% thumbnail photo "300x200" "crop" as im %}')


def test_the_easy_thumbnails_filter_gives_a_preset_url(settings) -> None:
    settings.REST_THUMBNAILS_PRESETS = {"avatar": ("64x64", "crop", "jpg")}
    html = render('<img src="{{ photo|thumbnail_url:"avatar" }}">', photo="people/ada.jpg")
    assert re.search(r'src="/t/people/ada\.jpg/64x64/crop/[0-9a-f]{64}\.jpg"', html)
    # An empty ImageField: nothing, so |default: can name a placeholder.
    html = render('{{ photo|thumbnail_url:"avatar"|default:"/static/none.png" }}', photo="")
    assert html == "/static/none.png"


def test_every_section_the_messages_name_exists() -> None:
    for link in (advice.MIGRATING, advice.PRESETS, advice.TEMPLATES):
        path, _, anchor = link.partition("#")
        assert anchor in anchors(ROOT / path), link


def test_an_unquoted_easy_thumbnails_size_says_quotes_method_and_extension() -> None:
    with pytest.raises(TemplateSyntaxError, match=r'the size 100x0 needs quotes.*"100x" "scale"'):
        render("{% thumbnail photo 100x0 %}")
