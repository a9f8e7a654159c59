"""Real Jinja2 templates through Django's Jinja2 backend."""

import pytest
from django.template import engines

from restthumbnails.api import get_thumbnail, picture, srcset

JINJA2 = {
    "BACKEND": "django.template.backends.jinja2.Jinja2",
    "OPTIONS": {"extensions": ["restthumbnails.jinja2.ThumbnailExtension"]},
}


@pytest.fixture
def jinja(settings):
    settings.TEMPLATES = [JINJA2]  # Django resets its template engines on this change
    return engines["jinja2"]


def test_picture_srcset_and_thumbnail_in_a_jinja2_template(jinja) -> None:
    template = jinja.from_string(
        '{{ picture(src, "400x300", "crop", "jpg", widths="320 640", sizes="50vw", '
        'alt=caption, attrs={"class": "hero"}) }}\n'
        '<img srcset="{{ srcset(src, "200x200", "crop", "webp", densities="1x 2x") }}" '
        'src="{{ thumbnail(src, "200x200", "crop", "webp").url }}" '
        'width="{{ thumbnail(src, "200x200", "crop", "webp").width }}">'
    )
    caption = 'Tom & "Jerry"'
    html = template.render({"src": "photos/a.jpg", "caption": caption})
    thumb = get_thumbnail("photos/a.jpg", "200x200", "crop", "webp")
    assert thumb is not None
    dense = srcset("photos/a.jpg", "200x200", "crop", "webp", densities="1x 2x")
    expected_picture = picture(
        "photos/a.jpg",
        "400x300",
        "crop",
        "jpg",
        widths="320 640",
        sizes="50vw",
        alt=caption,
        attrs={"class": "hero"},
    )
    # The picture is not escaped a second time; the alt inside it once.
    assert html == (f'{expected_picture}\n<img srcset="{dense}" src="{thumb.url}" width="200">')
    assert 'alt="Tom &amp; &quot;Jerry&quot;"' in html


def test_environment_helper_renders_without_django_templates() -> None:
    from restthumbnails.jinja2 import environment

    env = environment(autoescape=True)
    html = env.from_string('{{ picture(src, "100x100", "crop", "png", formats="webp") }}')
    rendered = html.render(src="a.jpg")
    assert rendered == picture("a.jpg", "100x100", "crop", "png", formats="webp")
