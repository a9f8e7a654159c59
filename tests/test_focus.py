"""Focal-point crops: the point travels in the signed URL as `focus-X-Y`."""

import io
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import Client
from PIL import Image, ImageDraw

from restthumbnails.api import get_thumbnail, thumbnail_url
from restthumbnails.exceptions import InvalidSpec


def marked(fmt: str) -> bytes:
    """A 1200x300 picture with one dark dot at 30% across, 70% down: (360, 210)."""
    image = Image.new("RGB", (1200, 300), (230, 230, 230))
    ImageDraw.Draw(image).ellipse([350, 200, 370, 220], fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def dark_centre(image: Image.Image) -> tuple[float, float]:
    grey = image.convert("L")
    dark = [
        (x, y)
        for x in range(grey.width)
        for y in range(grey.height)
        if grey.getpixel((x, y)) < 100
    ]
    assert dark, "the dot is not in the thumbnail"
    return sum(x for x, _ in dark) / len(dark), sum(y for _, y in dark) / len(dark)


@pytest.mark.parametrize("engine_name", ["pillow", "vips"])
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_the_focal_point_is_centred_in_the_crop(
    media: Path, signed_path, settings, engine_name: str, fmt: str
) -> None:
    settings.REST_THUMBNAILS_ENGINE = engine_name
    name = f"wide.{fmt.lower()}"
    (media / name).write_bytes(marked(fmt))
    client = Client()
    response = client.get("/t/" + signed_path(name, "100x100", "focus-30-70", "png"))
    assert response.status_code == 200
    thumb = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert thumb.size == (100, 100)
    # The 300x300 cut is centred on x = 360 (left edge 210); y has no room to move.
    x, y = dark_centre(thumb)
    assert abs(x - 50) <= 1 and abs(y - 70) <= 1
    # `crop` cuts the centre (450..750) and misses the dot altogether.
    centred = client.get("/t/" + signed_path(name, "100x100", "crop", "png"))
    with pytest.raises(AssertionError, match="not in the thumbnail"):
        dark_centre(Image.open(io.BytesIO(b"".join(centred.streaming_content))))


def test_a_non_canonical_focus_is_400(media: Path, settings) -> None:
    (media / "a.png").write_bytes(marked("PNG"))
    response = Client().get(f"/t/a.png/100x100/focus-30-070/{'0' * 64}.png")
    assert response.status_code == 400


def test_python_api_takes_the_point_and_maps_it_to_the_method() -> None:
    thumb = get_thumbnail("a.jpg", "300x200", "crop", "webp", focus=(0.30, 0.70))
    assert thumb is not None and thumb.spec.method == "focus-30-70"
    assert "/300x200/focus-30-70/" in thumbnail_url(
        "a.jpg", "300x200", "crop", "webp", focus=(0.3, 0.7)
    )
    # No point (an empty FocalPointField): the method as given.
    assert get_thumbnail("a.jpg", "300x200", "smart", "webp", focus=None).spec.method == "smart"


@pytest.mark.parametrize(
    ("method", "focus", "reason"),
    [
        ("scale", (0.3, 0.7), "cutting method"),
        ("crop", (1.2, 0.5), "focal point"),
        ("crop", "0.3", "focal point"),
    ],
)
def test_python_api_refuses_a_bad_point(method: str, focus: object, reason: str) -> None:
    with pytest.raises(InvalidSpec, match=reason):
        get_thumbnail("a.jpg", "300x200", method, "webp", focus=focus)


def test_template_tag_takes_focus() -> None:
    template = Template(
        '{% load thumbnail %}{% thumbnail "a.jpg" "300x200" "crop" "webp" focus=point as t %}'
        "{{ t.url }}|"
        '{% thumbnail "a.jpg" "300x200" "crop" "webp" focus=none %}'
    )
    rendered = template.render(Context({"point": (0.25, 0.5), "none": None}))
    first, second = rendered.split("|")
    assert "/300x200/focus-25-50/" in first
    assert "/300x200/crop/" in second


def test_allow_list_names_focus_crops_by_size(media: Path, signed_path, settings) -> None:
    settings.REST_THUMBNAILS_ALLOWED_THUMBNAILS = ["100x100/focus"]
    (media / "a.png").write_bytes(marked("PNG"))
    client = Client()
    assert (
        client.get("/t/" + signed_path("a.png", "100x100", "focus-10-90", "png")).status_code
        == 200
    )
    assert client.get("/t/" + signed_path("a.png", "100x100", "crop", "png")).status_code == 400
    assert (
        client.get("/t/" + signed_path("a.png", "50x50", "focus-10-90", "png")).status_code == 400
    )
