"""`faces`: crops keep the face on a photograph nobody here made (scikit-image's astronaut)."""

import io
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.test import Client
from PIL import Image

from restthumbnails.render import faces

from .support.faceshots import box_inside, cut_offset

pytest.importorskip("cv2", reason="the faces extra: pip install 'restthumbnails[faces]'")
skimage_data = pytest.importorskip("skimage.data", reason="scikit-image ships the sample photos")

# Wide and tall boxes whose cut can hold the astronaut's face, but not where the
# centre (`crop`) or the detail (`smart`) put it.
SHAPES = ["400x100", "90x400"]


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    return Image.fromarray(skimage_data.astronaut())


@pytest.fixture(scope="module")
def face(astronaut: Image.Image) -> tuple[float, float, float, float]:
    found = faces.detect(astronaut)
    assert len(found) == 1
    return found[0]


def served(client: Client, path: str) -> Image.Image:
    response = client.get("/t/" + path)
    assert response.status_code == 200, response.content
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    image.load()
    return image


@pytest.mark.parametrize("engine_name", ["pillow", "vips"])
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])  # libvips decodes the PNG, Pillow the JPEG
@pytest.mark.parametrize("size", SHAPES)
def test_faces_keeps_the_face_where_crop_and_smart_lose_it(
    media: Path, signed_path, settings, astronaut, face, engine_name: str, fmt: str, size: str
) -> None:
    settings.REST_THUMBNAILS_ENGINE = engine_name
    name = f"astronaut.{fmt.lower()}"
    astronaut.save(media / name, fmt)
    client = Client()
    kept = {}
    for method in ("faces", "crop", "smart"):
        thumb = served(client, signed_path(name, size, method, "png"))
        assert thumb.size == tuple(int(v) for v in size.split("x"))
        scale = min(astronaut.width / thumb.width, astronaut.height / thumb.height)
        region = (round(thumb.width * scale), round(thumb.height * scale))
        kept[method] = box_inside(face, cut_offset(astronaut, thumb), region)
    assert kept == {"faces": True, "crop": False, "smart": False}


def test_no_face_falls_back_to_smart(media: Path, signed_path) -> None:
    coffee = Image.fromarray(skimage_data.coffee())
    assert faces.detect(coffee) == []
    coffee.save(media / "coffee.png")
    client = Client()
    as_faces = served(client, signed_path("coffee.png", "100x300", "faces", "png"))
    as_smart = served(client, signed_path("coffee.png", "100x300", "smart", "png"))
    assert cut_offset(coffee, as_faces) == cut_offset(coffee, as_smart)


def test_without_the_extra_faces_is_400_and_logged(
    media: Path, signed_path, monkeypatch, logs
) -> None:
    monkeypatch.setattr(faces, "available", lambda: False)
    Image.new("RGB", (50, 50)).save(media / "a.png")
    response = Client().get("/t/" + signed_path("a.png", "20x20", "faces", "png"))
    assert response.status_code == 400
    assert response.content == b"the faces method is not installed on this server\n"
    assert any("400 a.png" in r.getMessage() for r in logs.records)
    assert Client().get("/t/" + signed_path("a.png", "20x20", "smart", "png")).status_code == 200


def test_system_check_fails_when_a_preset_needs_faces_and_the_extra_is_missing(
    settings, monkeypatch
) -> None:
    settings.REST_THUMBNAILS_PRESETS = {"avatar": ("64x64", "faces", "jpg")}
    assert "restthumbnails.E006" not in {m.id for m in run_checks()}
    monkeypatch.setattr(faces, "available", lambda: False)
    messages = [m for m in run_checks() if m.id == "restthumbnails.E006"]
    assert len(messages) == 1 and "restthumbnails[faces]" in messages[0].hint
    settings.REST_THUMBNAILS_PRESETS = {"avatar": ("64x64", "crop", "jpg")}
    assert "restthumbnails.E006" not in {m.id for m in run_checks()}
