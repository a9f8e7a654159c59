"""The serializer field through a real DRF APIView and Django's test client."""

import subprocess
import sys

import pytest
from django.db.models import ImageField
from django.db.models.fields.files import ImageFieldFile
from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from restthumbnails.api import get_thumbnail, srcset
from restthumbnails.rest_framework import ThumbnailField

from .support.failing import FailingStorage


class Photo:
    def __init__(self, name: str, width: int | None, height: int | None) -> None:
        self.w, self.h = width, height
        field = ImageField(storage=FailingStorage(), width_field="w", height_field="h")
        self.image = ImageFieldFile(instance=self, field=field, name=name)


class PhotoSerializer(serializers.Serializer):
    thumbnail = ThumbnailField(
        source="image", size="400x", method="scale", ext="webp", widths="320 640 960"
    )
    avatar = ThumbnailField(source="image", size="avatar")


PHOTOS = {"big": Photo("photos/big.jpg", 1600, 1200), "small": Photo("photos/small.jpg", 500, 400)}


class PhotoView(APIView):
    authentication_classes = ()
    permission_classes = ()

    def get(self, request, name):
        serializer = PhotoSerializer(PHOTOS[name], context={"request": request})
        return Response(serializer.data)


urlpatterns = [path("photos/<str:name>", PhotoView.as_view())]


@pytest.fixture
def api(settings):
    settings.ROOT_URLCONF = __name__
    settings.REST_FRAMEWORK = {
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    }
    settings.REST_THUMBNAILS_PRESETS = {"avatar": ("64x64", "crop", "jpg")}


@pytest.mark.usefixtures("api")
def test_field_gives_url_size_and_srcset(client) -> None:
    answer = client.get("/photos/big")
    assert answer.status_code == 200
    base = "http://testserver/t/"
    thumb = get_thumbnail("photos/big.jpg", "400x", "scale", "webp", base_url=base)
    avatar = get_thumbnail("photos/big.jpg", "avatar", base_url=base)
    assert thumb is not None and avatar is not None
    assert answer.json() == {
        "thumbnail": {
            "url": thumb.url,
            "width": 400,
            "height": 300,
            "srcset": srcset(
                "photos/big.jpg",
                "400x",
                "scale",
                "webp",
                widths="320 640 960",
                base_url=base,
            ),
        },
        "avatar": {"url": avatar.url, "width": 64, "height": 64, "srcset": None},
    }
    assert answer.json()["thumbnail"]["srcset"].count("w, ") == 2


@pytest.mark.usefixtures("api")
def test_a_small_source_gets_no_enlarged_candidate(client) -> None:
    data = client.get("/photos/small").json()["thumbnail"]
    assert (data["width"], data["height"]) == (400, 320)
    assert [entry.rsplit(" ", 1)[1] for entry in data["srcset"].split(", ")] == [
        "320w",
        "500w",
    ]


@pytest.mark.usefixtures("api")
def test_an_absolute_base_url_is_kept(client, settings) -> None:
    settings.REST_THUMBNAILS_BASE_URL = "https://thumbs.example.com/"
    data = client.get("/photos/big").json()["avatar"]
    assert data["url"].startswith("https://thumbs.example.com/photos/big.jpg/64x64/crop/")


def test_an_empty_file_is_null() -> None:
    serializer = PhotoSerializer(Photo("", None, None))
    assert serializer.data["thumbnail"] is None


def test_the_package_imports_neither_jinja2_nor_drf() -> None:
    code = (
        "import django, sys; from django.conf import settings; "
        "settings.configure(SECRET_KEY='x', INSTALLED_APPS=['restthumbnails']); django.setup(); "
        "import restthumbnails.api, restthumbnails.templatetags.thumbnail, restthumbnails.checks; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jinja2', 'rest_framework')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
