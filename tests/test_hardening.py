"""Limits, allow-lists, presets, overload control and the fallback image, via the view."""

import threading
import time
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.template import Context, Template
from django.test import Client
from PIL import ImageFile

from restthumbnails.api import thumbnail_url
from restthumbnails.conf import get_settings
from restthumbnails.exceptions import InvalidSpec
from restthumbnails.render import engine

from .conftest import files_under
from .support.images import decode, encode, jpeg, picture, png
from .test_views import assert_plain_error, assert_unavailable_and_clean, lock_for


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=True)


@pytest.fixture
def photo(media: Path) -> str:
    (media / "photo.jpg").write_bytes(jpeg(1000, 800))
    return "photo.jpg"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# 1. Limits


def test_over_pixel_limit_is_422_and_nothing_is_decoded(
    client, photo, signed_path, settings, logs, monkeypatch, thumbs
) -> None:
    decoded = []
    original_load = ImageFile.ImageFile.load
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda self: decoded.append(self) or original_load(self)
    )
    settings.REST_THUMBNAILS_MAX_SOURCE_PIXELS = 799_999
    response = client.get("/t/" + signed_path(photo, "100x100"))
    assert_plain_error(response, 422)
    assert decoded == []
    assert "1000x800x1 pixels, over the limit of 799999" in logs.text
    assert files_under(thumbs) == []


def test_over_byte_limit_is_422_before_reading(client, photo, signed_path, settings, logs) -> None:
    settings.REST_THUMBNAILS_MAX_SOURCE_BYTES = 5_000
    response = client.get("/t/" + signed_path(photo, "100x100"))
    assert_plain_error(response, 422)
    assert "bytes, over the limit of 5000" in logs.text


def test_over_max_dimension_is_400(client, photo, settings) -> None:
    settings.REST_THUMBNAILS_MAX_DIMENSION = 300
    # signed correctly, but the parser refuses the size before the signature is checked
    assert_plain_error(client.get(f"/t/{photo}/301x100/crop/{'0' * 64}.jpg"), 400)


# 2. Allow-list and presets


def test_allow_list_refuses_other_sizes_even_when_signed(
    client, photo, signed_path, settings, thumbs
) -> None:
    settings.REST_THUMBNAILS_ALLOWED_THUMBNAILS = ["200x200/crop", "800x/scale"]
    assert client.get("/t/" + signed_path(photo, "200x200", "crop")).status_code == 200
    assert client.get("/t/" + signed_path(photo, "800x", "scale", "webp")).status_code == 200
    refused = client.get("/t/" + signed_path(photo, "200x200", "smart"))
    assert_plain_error(refused, 400)
    assert b"200x200/smart is not an allowed thumbnail size" in refused.content
    assert len(files_under(thumbs)) == 2


def test_presets_from_the_function_and_the_tag(settings) -> None:
    settings.REST_THUMBNAILS_PRESETS = {
        "avatar": ("64x64", "crop", "jpg"),
        "hero": {"size": "1200x", "method": "scale", "ext": ".webp"},
    }
    avatar = thumbnail_url("u/7.png", "avatar")
    assert avatar == thumbnail_url("u/7.png", "64x64", "crop", "jpg")
    assert thumbnail_url("h.jpg", "hero") == thumbnail_url("h.jpg", "1200x", "scale", "webp")
    rendered = Template(
        '{% load thumbnail %}{% thumbnail src "avatar" as t %}{{ t.url }}|'
        '{% thumbnail src "avatar" %}'
    ).render(Context({"src": "u/7.png"}))
    assert rendered == f"{avatar}|{avatar}"
    with pytest.raises(InvalidSpec, match="unknown thumbnail preset 'banner'"):
        thumbnail_url("u/7.png", "banner")


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("REST_THUMBNAILS_PRESETS", {"bad": ("64x64", "stretch", "jpg")}),
        ("REST_THUMBNAILS_PRESETS", {"bad": ("64", "crop", "jpg")}),
        ("REST_THUMBNAILS_PRESETS", {"bad": ("64x64", "crop")}),
        ("REST_THUMBNAILS_ALLOWED_THUMBNAILS", ["200x200"]),
        ("REST_THUMBNAILS_ALLOWED_THUMBNAILS", ["200X200/crop"]),
    ],
)
def test_bad_policy_settings_are_named(settings, setting: str, value: object) -> None:
    setattr(settings, setting, value)
    messages = [m for m in run_checks() if m.id == "restthumbnails.E001"]
    assert messages and setting in messages[0].msg


def test_check_that_every_preset_is_allowed(settings) -> None:
    settings.REST_THUMBNAILS_PRESETS = {"avatar": ("64x64", "crop", "jpg")}
    settings.REST_THUMBNAILS_ALLOWED_THUMBNAILS = ["200x200/crop"]
    errors = [m for m in run_checks() if m.id == "restthumbnails.E002"]
    assert len(errors) == 1 and "'avatar'" in errors[0].msg
    settings.REST_THUMBNAILS_ALLOWED_THUMBNAILS = ["200x200/crop", "64x64/crop"]
    assert not [m for m in run_checks() if m.id == "restthumbnails.E002"]


# 3. Overload control


@pytest.fixture
def blocking_render(monkeypatch, settings):
    """The first render waits until released, so a generation stays in flight.

    In the request thread (RENDER_POOL="inline"), where the patch is seen; the
    render pool's own queue is tested in test_renderpool.py.
    """
    settings.REST_THUMBNAILS_RENDER_POOL = "inline"
    started, release = threading.Event(), threading.Event()
    real_render = engine.render

    def render(*args, **kwargs):
        if not started.is_set():
            started.set()
            assert release.wait(10)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(engine, "render", render)
    get_settings.cache_clear()  # a fresh Settings: its render imports the patched one
    yield started, release
    release.set()


def test_saturated_worker_refuses_new_generations_but_serves_existing_ones(
    media, signed_path, settings, thumbs, blocking_render
) -> None:
    started, release = blocking_render
    settings.REST_THUMBNAILS_MAX_CONCURRENT = 1
    settings.REST_THUMBNAILS_MAX_QUEUED = 0
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (media / name).write_bytes(jpeg(400, 300))
    existing = signed_path("c.jpg", "50x50")
    (thumbs / existing).parent.mkdir(parents=True)
    (thumbs / existing).write_bytes(encode(picture(50, 50), "JPEG"))

    slow = signed_path("a.jpg", "100x100")
    answers: list[int] = []
    worker = threading.Thread(
        target=lambda: answers.append(Client().get("/t/" + slow).status_code)
    )
    worker.start()
    assert started.wait(10)
    refused = Client().get("/t/" + signed_path("b.jpg", "100x100"))
    assert_plain_error(refused, 503)
    assert refused["Retry-After"] == "2"
    assert Client().get("/t/" + existing).status_code == 200
    release.set()
    worker.join(10)
    assert answers == [200]
    assert not lock_for(signed_path("b.jpg", "100x100")).held_by_anyone()
    assert sorted(files_under(thumbs)) == sorted([existing, slow])


def test_queued_generation_gives_up_after_queue_timeout(
    media, signed_path, settings, thumbs, blocking_render
) -> None:
    started, release = blocking_render
    settings.REST_THUMBNAILS_MAX_CONCURRENT = 1
    settings.REST_THUMBNAILS_MAX_QUEUED = 1
    settings.REST_THUMBNAILS_QUEUE_TIMEOUT = 0.2
    for name in ("a.jpg", "b.jpg"):
        (media / name).write_bytes(jpeg(400, 300))
    worker = threading.Thread(target=lambda: Client().get("/t/" + signed_path("a.jpg", "9x9")))
    worker.start()
    assert started.wait(10)
    waited = Client().get("/t/" + signed_path("b.jpg", "100x100"))
    assert_plain_error(waited, 503)
    assert b"no generation slot came free in time" in waited.content
    release.set()
    worker.join(10)


def test_generation_over_the_timeout_is_503_and_leaves_nothing(
    client, photo, signed_path, settings, thumbs, monkeypatch
) -> None:
    settings.REST_THUMBNAILS_GENERATION_TIMEOUT = 0.05
    settings.REST_THUMBNAILS_RENDER_POOL = "inline"  # the patch below is seen in this process
    real_decode = engine._decode

    def slow_decode(*args, **kwargs):
        time.sleep(0.1)
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(engine, "_decode", slow_decode)
    path = signed_path(photo, "100x100")
    assert_unavailable_and_clean(client.get("/t/" + path), "10", path, thumbs)


# 4. Fallback image


@pytest.fixture
def fallback(tmp_path: Path, settings) -> Path:
    path = tmp_path / "placeholder.png"
    path.write_bytes(png(40, 30))
    settings.REST_THUMBNAILS_FALLBACK_IMAGE = str(path)
    return path


def test_fallback_for_a_missing_source(client, signed_path, thumbs, fallback) -> None:
    response = client.get("/t/" + signed_path("gone.jpg", "200x100", "crop", "webp"))
    assert response.status_code == 200
    assert response["X-Thumbnail-Fallback"] == "missing"
    assert response["Cache-Control"] == "public, max-age=60"
    assert response["Content-Type"] == "image/webp"
    image = decode(body(response))
    assert (image.format, image.size) == ("WEBP", (200, 100))
    assert files_under(thumbs) == []


def test_fallback_for_a_broken_source_with_its_own_max_age(
    client, media, signed_path, thumbs, fallback, settings
) -> None:
    settings.REST_THUMBNAILS_FALLBACK_MAX_AGE = 5
    (media / "broken.jpg").write_bytes(b"not an image")
    response = client.get("/t/" + signed_path("broken.jpg", "64x64"))
    assert response.status_code == 200
    assert response["X-Thumbnail-Fallback"] == "unprocessable"
    assert response["Cache-Control"] == "public, max-age=5"
    assert decode(body(response)).size == (64, 64)
    assert files_under(thumbs) == []


def test_no_fallback_for_bad_signatures(client, photo, fallback) -> None:
    assert_plain_error(client.get(f"/t/{photo}/100x100/crop/{'0' * 64}.jpg"), 401)


def test_unusable_fallback_image_falls_back_to_the_plain_error(
    client, signed_path, fallback, logs
) -> None:
    fallback.write_bytes(b"broken")
    assert_plain_error(client.get("/t/" + signed_path("gone.jpg", "10x10")), 404)
    assert "fallback image" in logs.text


# 6. Health and metrics through the Django view


def test_health_ok_then_failing_storage_and_failing_lock(client, settings, tmp_path) -> None:
    response = client.get("/t/_health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "storage": "ok", "lock": "ok"}
    assert response["Cache-Control"] == "no-store"

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.STORAGES = {
        **settings.STORAGES,
        "thumbnails": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "thumbs")},
        },
    }
    response = client.get("/t/_health")
    assert response.status_code == 503
    assert response.json()["storage"].startswith("not writable")

    settings.CACHES = {"default": {"BACKEND": "tests.support.failing.FailingCache"}}
    response = client.get("/t/_health")
    assert response.status_code == 503
    assert response.json()["lock"].startswith("not answering")


def test_metrics_and_paths_are_configurable(client, photo, signed_path, settings) -> None:
    assert client.get("/t/" + signed_path(photo, "120x", "scale")).status_code == 200
    text = client.get("/t/_metrics").content.decode()
    assert 'restthumbnails_requests_total{status="200"}' in text
    assert "restthumbnails_generations_total" in text
    settings.REST_THUMBNAILS_METRICS_PATH = "_prom"
    settings.REST_THUMBNAILS_HEALTH_PATH = None
    assert client.get("/t/_prom").status_code == 200
    # a disabled path is just a path that is not a thumbnail's
    response = client.get("/t/_health")
    assert_plain_error(response, 404)
    assert response.content == b"not a thumbnail URL\n"
